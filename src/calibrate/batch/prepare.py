"""The once-per-batch preparation: compute everything, then cut it into a bundle.

The seam between computing and rendering is ``PrepareFn``::

    prepare_fn(dataset, params, period) -> PreparedBatch

``run_batch`` calls it once, before anything is written under ``reports/``,
then ``batch.bundle.write_bundle`` stores each part in its own folder as
typed JSON and Parquet (layout in ``calibrate.present.bundle``). A per-CSM notebook opens only its own slice
file plus the team aggregates, so one CSM's report cannot show another's
figures even by mistake in a template.

``default_prepare`` needs nothing beyond a validated ``Dataset`` (book size
and ARR from ownership and arr); the scoring stage replaces it with a
function built on ``compute_period``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from ..dataset import Dataset
from ..errors import ReportError
from ..params import Params
from ..periods import Period
from ..present.bundle import CsmSlice, LeadershipView, TeamAggregates
from ..present.escape import safe_key

__all__ = ["PreparedBatch", "PrepareFn", "default_prepare", "check_prepared", "team_figures", "assign_keys"]


@dataclass(frozen=True)
class PreparedBatch:
    """What the preparation hands to the notebooks.

    Attributes
    ----------
    scores : DataFrame
        One row per CSM, at least ``csm_id`` and ``name``; written as ``scores.csv``.
    csm_slices : mapping
        ``csm_id -> slice object`` holding only that CSM's data (storable in a bundle: see ``present.codec``).
    team : object
        Aggregates every per-CSM review may show (medians, percentiles; no names or ids).
    leadership : object
        What the leadership-only reports load (may name every CSM).
    csv_tables : mapping
        Extra CSV files for the period folder, ``{"flag_validation.csv": frame}``.
    warnings : tuple of str
        Notes for the manifest and the index page.
    manifest_extra : mapping
        JSON-ready entries added to ``manifest.json`` (e.g. the calibration
        decisions' audit trail).
    facts : mapping
        ``csm_id -> fact file`` (``calibrate.facts.csm_facts``), written as
        ``facts/<csm key>.json`` beside the reports.
    """

    scores: pd.DataFrame
    csm_slices: Mapping[str, Any]
    team: Any
    leadership: Any
    csv_tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    manifest_extra: Mapping[str, Any] = field(default_factory=dict)
    facts: Mapping[str, Any] = field(default_factory=dict)


PrepareFn = Callable[[Dataset, Params, Period], PreparedBatch]


def team_figures(
    scores: pd.DataFrame, metrics: list[str], *, min_csms: int = 5, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Quartiles of each metric across CSMs: ``metric, p25, median, p75, n_csms``.

    ``p25``/``median``/``p75`` are the 25th/50th/75th percentiles (linear
    interpolation) of the non-missing values. With fewer than ``min_csms``
    values they are left empty: in a team of three, quartiles would reveal
    colleagues' own figures to every CSM. ``labels`` gives the text shown in
    the ``metric`` column (default: the column name).
    """
    rows = []
    for metric in metrics:
        values = pd.to_numeric(scores[metric], errors="coerce").dropna()
        enough = len(values) >= min_csms
        rows.append(
            {
                "metric": (labels or {}).get(metric, metric),
                "p25": values.quantile(0.25) if enough else float("nan"),
                "median": values.median() if enough else float("nan"),
                "p75": values.quantile(0.75) if enough else float("nan"),
                "n_csms": int(len(values)),
            }
        )
    return pd.DataFrame(rows, columns=["metric", "p25", "median", "p75", "n_csms"])


def _arr_at(arr: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    month = pd.Timestamp(day.year, day.month, 1)
    rows = arr[arr["month"] == month]
    return rows.groupby("account_id")["arr"].sum()


def default_prepare(dataset: Dataset, params: Params, period: Period) -> PreparedBatch:
    """A preparation from the data alone: each CSM's book at the period end.

    For each CSM with an ownership window overlapping ``[T0, T1]``:
    ``n_accounts`` = accounts owned at T1 (``start_date <= T1 < end_date``),
    ``book_arr_t0`` / ``book_arr_t1`` = the ``arr`` rows of those accounts for
    the months containing T0 and T1 (missing rows count as empty, not 0).
    """
    t0, t1 = period.start, period.end
    csms, ownership, accounts = dataset["csms"], dataset["ownership"], dataset["accounts"]
    arr = dataset["arr"]
    ends = ownership["end_date"]
    active = ownership[(ownership["start_date"] <= t1) & (ends.isna() | (ends > t0))]
    owned = ownership[(ownership["start_date"] <= t1) & (ends.isna() | (ends > t1))]
    book = owned[["csm_id", "account_id"]].merge(
        accounts[["account_id", "name", "segment"]], on="account_id", how="left"
    )
    book = book.assign(
        arr_t0=book["account_id"].map(_arr_at(arr, t0)).astype("float64"),
        arr_t1=book["account_id"].map(_arr_at(arr, t1)).astype("float64"),
    )
    people = csms[csms["csm_id"].isin(active["csm_id"])][["csm_id", "name", "segment"]]
    per_csm = book.groupby("csm_id").agg(
        n_accounts=("account_id", "nunique"),
        book_arr_t0=("arr_t0", lambda s: s.sum(min_count=1)),
        book_arr_t1=("arr_t1", lambda s: s.sum(min_count=1)),
    )
    scores = people.merge(per_csm, left_on="csm_id", right_index=True, how="left")
    scores = scores.assign(n_accounts=scores["n_accounts"].fillna(0).astype("int64")).reset_index(drop=True)
    scores = scores.sort_values("csm_id", kind="stable").reset_index(drop=True)

    slices = {}
    for row in scores.to_dict("records"):
        own = book[book["csm_id"] == row["csm_id"]].drop(columns=["csm_id"])
        own = own.sort_values("arr_t1", ascending=False, na_position="last").reset_index(drop=True)
        slices[str(row["csm_id"])] = CsmSlice(
            csm_id=str(row["csm_id"]), name=str(row["name"]), period=period.label, summary=row, tables={"accounts": own}
        )
    team = TeamAggregates(
        period=period.label,
        n_csms=len(scores),
        figures=team_figures(
            scores,
            ["n_accounts", "book_arr_t1"],
            min_csms=params.scoring.min_cohort_size,
            labels={"n_accounts": "Accounts at period end", "book_arr_t1": "Book ARR at period end ($)"},
        ),
    )
    flags = dataset.get("ai_flags")
    flag_counts = None
    if flags is not None:
        in_period = flags[(flags["raised_at"] >= t0) & (flags["raised_at"] < t1)]
        flag_counts = in_period.groupby("kind").size().rename("n_flags").reset_index()
    leadership = LeadershipView(period=period.label, scores=scores, tables={"flag_counts": flag_counts})
    return PreparedBatch(scores=scores, csm_slices=slices, team=team, leadership=leadership)


def check_prepared(prepared: PreparedBatch, *, expected: Iterable[str] | None = None) -> list[str]:
    """Refuse a malformed preparation before anything is written; return warnings.

    The scores table needs ``csm_id`` and ``name`` with one row per non-empty
    ``csm_id``. A scored CSM without a slice is allowed (its review fails and
    the index says so) and returned as a warning. ``expected`` limits that
    warning to the CSMs a partial preparation (``--only``) was asked for.
    """
    scores = prepared.scores
    missing = [c for c in ("csm_id", "name") if c not in scores.columns]
    if missing:
        raise ReportError(f"The prepared scores table lacks column(s) {missing}; prepare_fn must return csm_id and name.")
    ids = scores["csm_id"]
    if ids.isna().any() or ids.duplicated().any():
        raise ReportError("The prepared scores table must have exactly one row per CSM with a non-empty csm_id.")
    warnings = list(prepared.warnings)
    wanted = None if expected is None else {str(x) for x in expected}
    absent = [str(i) for i in ids if str(i) not in prepared.csm_slices and (wanted is None or str(i) in wanted)]
    if absent:
        warnings.append(f"No per-CSM slice was prepared for {len(absent)} CSM(s); their reviews will fail.")
    for name in prepared.csv_tables:
        if Path(name).name != name or not name.endswith(".csv") or name == "scores.csv":
            raise ReportError(f"Extra CSV name {name!r} must be a plain file name ending in .csv (not scores.csv).")
    return warnings


def assign_keys(csm_ids: Iterable[str]) -> dict[str, str]:
    """``csm_id -> csm_key``: ``safe_key(csm_id)``, made unique ignoring letter case.

    An id whose key is already taken (``c1`` after ``C1`` on a file system
    that ignores case) gets its slug-and-hash form instead, so no two reports
    share a file name.
    """
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for csm_id in csm_ids:
        key = safe_key(csm_id)
        if key.lower() in taken:
            key = safe_key(" " + csm_id)
        taken.add(key.lower())
        keys[csm_id] = key
    return keys
