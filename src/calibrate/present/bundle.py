"""The batch bundle: what the batch prepares once and each notebook loads by path.

Layout of a bundle folder (written by ``calibrate.batch.prepare``)::

    <bundle>/bundle.json          format version, period, creation time
    <bundle>/team.pkl             team aggregates every CSM may see (no names, no ids)
    <bundle>/leadership.pkl       the leadership view (every CSM's scores) - leadership notebooks only
    <bundle>/csm/<csm_key>.pkl    one CSM's slice - only that CSM's notebook loads it
    <bundle>/templates/<name>.ipynb  the notebook templates converted from notebooks/*.py

``csm_key`` is ``calibrate.present.escape.safe_key(csm_id)``: a file-name-safe
form of the id. Papermill passes only keys, the bundle path and the period,
never names: a notebook reads text from the data out of its slice.

The objects are pickled as produced by the batch's ``prepare_fn``; the
dataclasses below are what the built-in preparation produces.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..errors import ReportError

__all__ = [
    "BUNDLE_FORMAT",
    "CsmSlice",
    "TeamAggregates",
    "LeadershipView",
    "csm_slice_path",
    "team_path",
    "leadership_path",
    "template_path",
    "load_csm_slice",
    "load_team",
    "load_leadership",
]

BUNDLE_FORMAT = 1


@dataclass(frozen=True)
class CsmSlice:
    """Everything one per-CSM review may show: this CSM's figures and nobody else's.

    ``summary`` is the CSM's row of the scores table as a mapping; ``tables``
    holds frames about this CSM's own book (e.g. ``"accounts"``).
    """

    csm_id: str
    name: str
    period: str
    summary: Mapping[str, Any] = field(default_factory=dict)
    tables: Mapping[str, pd.DataFrame | None] = field(default_factory=dict)


@dataclass(frozen=True)
class TeamAggregates:
    """Team-level reference figures shown beside a CSM's own (cohort medians, percentiles).

    ``figures`` has one row per metric with columns ``metric``, ``p25``,
    ``median``, ``p75`` and ``n_csms``; it never names or identifies a CSM.
    """

    period: str
    n_csms: int
    figures: pd.DataFrame


@dataclass(frozen=True)
class LeadershipView:
    """What the leadership-only reports see: every CSM's scores and team tables."""

    period: str
    scores: pd.DataFrame
    tables: Mapping[str, pd.DataFrame | None] = field(default_factory=dict)


def csm_slice_path(bundle_dir: str | Path, csm_key: str) -> Path:
    return Path(bundle_dir) / "csm" / f"{csm_key}.pkl"


def team_path(bundle_dir: str | Path) -> Path:
    return Path(bundle_dir) / "team.pkl"


def leadership_path(bundle_dir: str | Path) -> Path:
    return Path(bundle_dir) / "leadership.pkl"


def template_path(bundle_dir: str | Path, name: str) -> Path:
    return Path(bundle_dir) / "templates" / f"{name}.ipynb"


def _load(path: Path, what: str) -> Any:
    if not path.is_file():
        raise ReportError(
            f"The batch bundle has no {what} at {path}. The preparation step did not write it; "
            "re-run the batch (calibrate run) rather than this notebook alone."
        )
    with path.open("rb") as fh:
        return pickle.load(fh)


def load_csm_slice(bundle_dir: str | Path, csm_key: str) -> Any:
    """The slice of CSM ``csm_key`` (a ``safe_key``), and nothing about other CSMs."""
    if "/" in csm_key or "\\" in csm_key or csm_key.startswith("."):
        raise ReportError(f"csm_key {csm_key!r} is not a bundle key; pass the key the batch recorded.")
    return _load(csm_slice_path(bundle_dir, csm_key), f"slice for CSM key {csm_key!r}")


def load_team(bundle_dir: str | Path) -> Any:
    """The team aggregates every per-CSM review may show."""
    return _load(team_path(bundle_dir), "team aggregates")


def load_leadership(bundle_dir: str | Path) -> Any:
    """The leadership view (every CSM's figures); for leadership-only notebooks."""
    return _load(leadership_path(bundle_dir), "leadership view")
