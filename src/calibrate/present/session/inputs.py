"""What the session app needs, computed once when it opens.

``load_session_inputs(params)`` validates the data folder, scores the review
quarter and its history (``compute_history``) and builds the team report with
no decisions (``build_team_report``), then keeps only what the meeting shows:
the model and manager ratings with their evidence, the scores, the rank
intervals, the book difficulty for the fairness checks, the group columns,
the managers' pre-session notes and where each CSM's review page is. Nothing
here changes during the meeting; what does (the decisions) lives in
``SessionState``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ...dataset import Dataset
from ...params import Params, load_params, resolve_data_dir
from ..escape import safe_key

__all__ = ["SessionInputs", "load_session_inputs", "inputs_from_parts", "resolve_params_path", "PARAMS_ENV"]

PARAMS_ENV = "CALIBRATE_SESSION_PARAMS"


@dataclass(frozen=True, eq=False)
class SessionInputs:
    """Read-only inputs of one session (frames are read-only by convention).

    ``ratings``: one row per CSM, ``merge_ratings`` with no session decision
    plus ``name``, ``flags``, ``evidence`` (the team report's ``ratings``).
    ``scores``: the review quarter's scores table. ``ranks``: rank intervals
    or None. ``groups``: ``csm_id`` and the ``group_*`` columns.
    ``difficulty``: ``csm_id``, ``expected_nrr`` or None. ``notes``: the
    ``pre_session_notes`` table or None. ``manager_ratings``: that table or
    None. ``review_pages``: ``csm_id`` -> path of the review HTML (only pages
    that exist).
    """

    params: Params
    period: str
    ratings: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame | None
    groups: pd.DataFrame
    difficulty: pd.DataFrame | None
    notes: pd.DataFrame | None
    manager_ratings: pd.DataFrame | None
    review_pages: dict[str, Path]
    decisions_path: Path
    known_csms: tuple[str, ...]

    @property
    def model_ratings(self) -> dict[str, str]:
        """``csm_id`` -> the model's rating."""
        return dict(zip(self.scores["csm_id"].astype(str), self.scores["rating"].astype("string").fillna("")))

    @functools.cached_property
    def names(self) -> dict[str, str]:
        """``csm_id`` -> name (the id when the name is missing)."""
        return {str(c): (str(c) if n is None or pd.isna(n) else str(n))
                for c, n in zip(self.ratings["csm_id"].astype(str), self.ratings["name"])}

    @functools.cached_property
    def rating_scores(self) -> pd.DataFrame:
        """The columns of ``scores`` that ``merge_ratings`` reads, so each decision merges a small frame."""
        return self.scores[[c for c in ("csm_id", "segment", "overall_score", "tier", "rating") if c in self.scores]].copy()

    @functools.cached_property
    def period_manager_ratings(self) -> pd.DataFrame | None:
        """``manager_ratings`` rows of the review quarter only (the rows ``merge_ratings`` keeps)."""
        if self.manager_ratings is None:
            return None
        keep = self.manager_ratings["period"].astype("string").eq(self.period).fillna(False).to_numpy(bool)
        return self.manager_ratings.loc[keep].reset_index(drop=True)

    def name(self, csm_id: str) -> str:
        """The CSM's name (the id when the name is missing)."""
        return self.names.get(str(csm_id), str(csm_id))


def resolve_params_path(params_path: str | os.PathLike | None = "", *, start: str | Path | None = None) -> Path:
    """The params file to open: the argument, else ``$CALIBRATE_SESSION_PARAMS``, else ``params/sample.yaml``.

    A relative path is looked up from ``start`` (default: the current folder)
    and then from each parent folder, so a notebook opened from
    ``notebooks/`` finds ``params/sample.yaml`` at the repository root.
    """
    text = str(params_path or os.environ.get(PARAMS_ENV, "") or "params/sample.yaml")
    path = Path(text).expanduser()
    if path.is_absolute():
        return path
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / path).is_file():
            return folder / path
    return here / path


def _review_pages(params: Params, period: str, ids: list[str]) -> dict[str, Path]:
    folder = params.output_path() / period / "csm"
    pages = {}
    for csm in ids:
        page = folder / f"{safe_key(csm)}.html"
        if page.is_file():
            pages[csm] = page
    return pages


def inputs_from_parts(params: Params, dataset: Dataset, current, report) -> SessionInputs:
    """Build ``SessionInputs`` from a loaded dataset, the review quarter and its team report."""
    period = current.period.label
    scores = current.scores.assign(csm_id=current.scores["csm_id"].astype(str))
    csms = dataset["csms"].assign(csm_id=lambda f: f["csm_id"].astype(str))
    groups = csms[["csm_id", *dataset.group_columns]]
    difficulty = None
    if report.book_adjusted is not None and "expected_nrr" in report.book_adjusted:
        difficulty = report.book_adjusted[["csm_id", "expected_nrr"]].assign(csm_id=lambda f: f["csm_id"].astype(str))
    ids = scores["csm_id"].tolist()
    return SessionInputs(
        params=params,
        period=period,
        ratings=report.ratings.assign(csm_id=report.ratings["csm_id"].astype(str)),
        scores=scores,
        ranks=report.ranks,
        groups=groups,
        difficulty=difficulty,
        notes=dataset.get("pre_session_notes"),
        manager_ratings=dataset.get("manager_ratings"),
        review_pages=_review_pages(params, period, ids),
        decisions_path=params.decisions_path(dataset.data_dir or None),
        known_csms=tuple(csms["csm_id"].tolist()),
    )


def load_session_inputs(params_path: str | os.PathLike | None = "", *, period: str = "", data_dir: str = "",
                        progress=None) -> SessionInputs:
    """Load, validate and score once (see the module docstring); ``period`` / ``data_dir`` override params."""
    from ...batch.period import compute_history
    from ...load import load_dataset
    from ..team import build_team_report

    params = load_params(resolve_params_path(params_path))
    changes = {}
    if period:
        changes["period"] = period
    if data_dir:
        changes["data_dir"] = resolve_data_dir(data_dir)
    if changes:
        params = params.replace(**changes)
    dataset = load_dataset(params.data_path(), **params.load_options())
    current, previous = compute_history(dataset, params, params.quarter, progress=progress)
    report = build_team_report(current, previous, dataset, params, decisions=None)
    return inputs_from_parts(params, dataset, current, report)
