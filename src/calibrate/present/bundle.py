"""The prepared bundle: what ``calibrate prepare`` (and the batch) write once and every report notebook reads.

Layout of a bundle folder (written by ``calibrate.batch.bundle``; the format
is documented for people in ``docs/BUNDLE.md``)::

    <bundle>/bundle.json             format version, key and what it was built from, CSM ids -> keys
    <bundle>/batch/part.json         scores table, extra CSV tables, warnings, manifest entries
    <bundle>/team/part.json          team aggregates every CSM may see (no names, no ids)
    <bundle>/leadership/part.json    the leadership reports' content (every CSM) - leadership notebooks only
    <bundle>/csm/<csm_key>/part.json one CSM's review - only that CSM's notebook loads it
    <bundle>/csm/<csm_key>/charts.json  that review's charts as SVG text, once drawn
    <bundle>/templates/<name>.ipynb  the notebook templates the batch executes

Each ``part.json`` is typed JSON with its tables as Parquet files beside it
(:mod:`calibrate.present.codec`); nothing is pickled. ``csm_key`` is
``calibrate.present.escape.safe_key(csm_id)``, a file-name-safe form of the id.

The dataclasses below are what the placeholder preparation
(``batch.prepare.default_prepare``) produces; the real preparation stores
the review, team and flag report objects of ``calibrate.present``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..errors import ReportError
from .codec import load_part

__all__ = [
    "BUNDLE_FORMAT",
    "META_FILE",
    "CsmSlice",
    "TeamAggregates",
    "LeadershipView",
    "csm_slice_path",
    "team_path",
    "leadership_path",
    "batch_path",
    "charts_path",
    "template_path",
    "read_meta",
    "load_csm_slice",
    "load_team",
    "load_leadership",
    "save_charts",
    "write_charts",
    "SpooledSlice",
    "write_slice_folder",
]

BUNDLE_FORMAT = 2
META_FILE = "bundle.json"
CHARTS_FILE = "charts.json"  # a review's drawn charts, beside its slice


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
    return Path(bundle_dir) / "csm" / csm_key


def charts_path(bundle_dir: str | Path, csm_key: str) -> Path:
    return csm_slice_path(bundle_dir, csm_key) / CHARTS_FILE


def team_path(bundle_dir: str | Path) -> Path:
    return Path(bundle_dir) / "team"


def leadership_path(bundle_dir: str | Path) -> Path:
    return Path(bundle_dir) / "leadership"


def batch_path(bundle_dir: str | Path) -> Path:
    return Path(bundle_dir) / "batch"


def template_path(bundle_dir: str | Path, name: str) -> Path:
    return Path(bundle_dir) / "templates" / f"{name}.ipynb"


def read_meta(bundle_dir: str | Path) -> dict[str, Any]:
    """``bundle.json`` of a complete bundle; a clear error when there is none or its format is another."""
    path = Path(bundle_dir) / META_FILE
    if not path.is_file():
        raise ReportError(
            f"There is no prepared bundle at {bundle_dir} (no {META_FILE}). "
            "Prepare one with `calibrate prepare --params FILE`, or leave bundle_dir empty so the notebook prepares it."
        )
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format") != BUNDLE_FORMAT:
        raise ReportError(
            f"The prepared bundle at {bundle_dir} has format {meta.get('format')!r}; this version of calibrate reads "
            f"format {BUNDLE_FORMAT}. Prepare it again with `calibrate prepare --params FILE`."
        )
    return meta


def _load(folder: Path, what: str) -> Any:
    if not (folder / "part.json").is_file():
        raise ReportError(
            f"The prepared bundle has no {what} at {folder}. Prepare the bundle again "
            "(`calibrate prepare --params FILE`), or leave bundle_dir empty so the notebook prepares it."
        )
    return load_part(folder)


def load_csm_slice(bundle_dir: str | Path, csm_key: str) -> Any:
    """The review of CSM ``csm_key`` (a ``safe_key``), with its charts when drawn; nothing about other CSMs."""
    if not csm_key or "/" in csm_key or "\\" in csm_key or csm_key.startswith("."):
        raise ReportError(f"csm_key {csm_key!r} is not a bundle key; pass the key the bundle recorded.")
    value = _load(csm_slice_path(bundle_dir, csm_key), f"review for CSM key {csm_key!r}")
    charts = charts_path(bundle_dir, csm_key)
    if charts.is_file() and "charts" in {f.name for f in fields(value)}:
        value = replace(value, charts=json.loads(charts.read_text(encoding="utf-8")))
    return value


def load_team(bundle_dir: str | Path) -> Any:
    """The team aggregates every per-CSM review may show."""
    return _load(team_path(bundle_dir), "team aggregates")


def load_leadership(bundle_dir: str | Path) -> Any:
    """The leadership view (every CSM's figures); for leadership-only notebooks."""
    return _load(leadership_path(bundle_dir), "leadership view")


def save_charts(bundle_dir: str | Path, csm_key: str, charts: Mapping[str, str | None]) -> Path:
    """Store one review's drawn charts (SVG text by name) beside its slice, atomically."""
    return write_charts(charts_path(bundle_dir, csm_key), charts)


def write_charts(path: str | Path, charts: Mapping[str, str | None]) -> Path:
    """Write a review's drawn charts (SVG text by name) to ``path`` (a slice's ``charts.json``), atomically."""
    from ..atomic import write_text_atomic

    return write_text_atomic(Path(path), json.dumps(dict(charts), ensure_ascii=False))


@dataclass(frozen=True)
class SpooledSlice:
    """A review already written as a slice folder (``write_slice_folder``), waiting to be moved into a bundle.

    A 1,000-CSM preparation builds its reviews in child processes
    (``calibrate.fanout``); each child writes its reviews straight to a spool
    folder and sends back only this, instead of the review itself (pickled
    there, unpickled here, then encoded again for the bundle).
    """

    folder: str


def write_slice_folder(review: Any, folder: str | Path) -> Path:
    """Write one review as a bundle's slice folder: ``part.json`` and its tables, its charts in ``charts.json``.

    Charts are kept beside the slice, where a batch worker looks before it
    reads the slice, so a review whose charts are drawn is never read twice.
    """
    from .codec import dump_part

    folder = Path(folder)
    charts = getattr(review, "charts", None)
    if charts:
        review = replace(review, charts={})
    dump_part(review, folder, where=f"review of {getattr(review, 'csm_id', '?')}")
    if charts:
        write_charts(folder / CHARTS_FILE, charts)
    return folder
