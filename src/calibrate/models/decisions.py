"""Calibration decisions: model rating, manager rating and the final call, side by side.

``calibration_decisions.csv`` records what the calibration session decided,
one row per CSM: ``csm_id``, ``final_rating`` (exceeds / meets /
needs_development), ``reason``, ``decided_by``. An *override* is a final
rating that differs from the model's rating (or any final rating for a CSM
the model could not rate); every override needs a reason, and every row needs
``decided_by``, so the audit trail names who decided what and why.

Precedence of the final rating in ``merge_ratings``: the session's decision,
else the manager's rating for the period, else the model's rating;
``final_source`` says which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import restore_cell

from ..errors import DataValidationError, InsufficientDataError, Violation

__all__ = [
    "DECISION_COLUMNS",
    "RATING_LEVELS",
    "load_decisions",
    "merge_ratings",
    "audit_trail",
    "nine_box",
]

DECISION_COLUMNS = ("csm_id", "final_rating", "reason", "decided_by")
RATING_LEVELS = {"needs_development": 0, "meets": 1, "exceeds": 2}
POTENTIAL_LEVELS = ("low", "medium", "high")
_DEFAULT_NAME = "calibration_decisions.csv"


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().replace("", pd.NA)


def load_decisions(
    path_or_frame: str | Path | pd.DataFrame,
    *,
    known_csms: Sequence[str],
    model_ratings: Mapping[str, str] | pd.Series,
) -> pd.DataFrame:
    """Read and check the calibration decisions; refuse the file with every problem at once.

    Parameters
    ----------
    path_or_frame : path or DataFrame
        ``calibration_decisions.csv`` (UTF-8, header row) or the same table as a frame.
    known_csms : sequence of str
        Every ``csm_id`` of the team (the ``csms`` table).
    model_ratings : mapping or Series
        ``csm_id`` -> the model's rating (the scores table's ``rating``).

    Returns
    -------
    DataFrame: ``csm_id``, ``final_rating`` (lower-cased), ``reason``,
    ``decided_by``, ``model_rating``, ``is_override``, plus any extra columns.

    Raises
    ------
    DataValidationError
        Listing, by file, spreadsheet row and column: a missing column, an
        empty or unknown ``csm_id``, an unknown ``final_rating``, a CSM
        decided twice, an override without a ``reason``, a row without
        ``decided_by``.
    """
    if isinstance(path_or_frame, pd.DataFrame):
        raw, name, folder = path_or_frame.copy(), _DEFAULT_NAME, ""
    else:
        path = Path(path_or_frame)
        if not path.is_file():
            raise DataValidationError(
                [Violation(path.name, None, None, None, f"a file at {path} (write one row per decided CSM: {', '.join(DECISION_COLUMNS)})")],
                data_dir=str(path.parent),
            )
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        raw = raw.map(restore_cell)  # the session app writes text formula-safe ('=...); read it back as typed
        name, folder = path.name, str(path.parent)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in DECISION_COLUMNS if c not in raw.columns]
    if missing:
        raise DataValidationError(
            [Violation(name, None, c, None, "a column of this name (required)") for c in missing], data_dir=folder
        )
    frame = raw.assign(**{c: _text(raw[c]) for c in DECISION_COLUMNS}).reset_index(drop=True)
    frame["final_rating"] = frame["final_rating"].str.lower()
    known = {str(c) for c in known_csms}
    models = {str(k): (None if pd.isna(v) else str(v)) for k, v in dict(model_ratings).items()}
    violations: list[Violation] = []
    first_row: dict[str, int] = {}
    model_col, override_col = [], []
    for i, rec in enumerate(frame[list(DECISION_COLUMNS)].itertuples(index=False)):
        row = i + 2
        csm, final, reason, decided_by = (None if pd.isna(v) else v for v in rec)
        if csm is None:
            violations.append(Violation(name, row, "csm_id", "", "the csm_id of the CSM decided on"))
        elif csm not in known:
            violations.append(Violation(name, row, "csm_id", csm, "a csm_id of the csms table"))
        elif csm in first_row:
            violations.append(Violation(name, row, "csm_id", csm, f"one decision per CSM (already decided in row {first_row[csm]})"))
        else:
            first_row[csm] = row
        if final not in RATING_LEVELS:
            violations.append(Violation(name, row, "final_rating", final or "", "one of exceeds, meets, needs_development"))
        model = models.get(csm) if csm is not None else None
        override = final in RATING_LEVELS and final != model
        if override and reason is None:
            was = f"the model's rating '{model}'" if model else "no model rating"
            violations.append(Violation(name, row, "reason", "", f"a reason for this override ({final} vs {was})"))
        if decided_by is None:
            violations.append(Violation(name, row, "decided_by", "", "the name of who decided (for the audit trail)"))
        model_col.append(model)
        override_col.append(bool(override))
    if violations:
        raise DataValidationError(violations, data_dir=folder)
    return frame.assign(model_rating=pd.array(model_col, dtype="string"), is_override=override_col)


def _period_label(period: Any) -> str:
    return str(getattr(period, "label", period))


def merge_ratings(
    scores: pd.DataFrame,
    manager_ratings: pd.DataFrame | None,
    decisions: pd.DataFrame | None,
    *,
    period: Any,
) -> pd.DataFrame:
    """Model, manager and final rating per CSM; disagreements first.

    Parameters
    ----------
    scores : DataFrame
        One row per CSM: ``csm_id``, ``rating`` (the model's); ``segment``,
        ``overall_score`` and ``tier`` are carried when present.
    manager_ratings : DataFrame or None
        The ``manager_ratings`` table (``csm_id``, ``period``, ``rating``,
        ``potential``, ``rationale``); only rows of ``period`` are used.
    decisions : DataFrame or None
        From ``load_decisions``.
    period : Period or str
        The quarter under review (``"2026-Q3"``).

    Returns
    -------
    DataFrame: ``csm_id``, carried score columns, ``model_rating``,
    ``manager_rating``, ``potential``, ``manager_rationale``,
    ``final_rating``, ``final_source`` (decision / manager / model),
    ``decision_reason``, ``decided_by``, ``rating_gap`` (manager − model in
    levels, needs_development = 0, meets = 1, exceeds = 2) and
    ``disagreement`` (manager rating present and different from the
    model's). Sorted: disagreements first, largest gap first, then csm_id.
    """
    if "csm_id" not in scores.columns or "rating" not in scores.columns:
        raise InsufficientDataError("The scores table needs csm_id and rating columns to merge ratings.")
    carried = [c for c in ("segment", "overall_score", "tier") if c in scores.columns]
    out = scores[["csm_id", *carried, "rating"]].rename(columns={"rating": "model_rating"})
    out = out.assign(csm_id=out["csm_id"].astype("string"), model_rating=_text(out["model_rating"]).str.lower())
    label = _period_label(period)
    if manager_ratings is not None and not manager_ratings.empty:
        mr = manager_ratings.loc[manager_ratings["period"].astype("string").eq(label).fillna(False).to_numpy(bool)]
        mr = pd.DataFrame(
            {
                "csm_id": mr["csm_id"].astype("string"),
                "manager_rating": _text(mr["rating"]).str.lower(),
                "potential": _text(mr["potential"]).str.lower() if "potential" in mr else pd.NA,
                "manager_rationale": _text(mr["rationale"]) if "rationale" in mr else pd.NA,
            }
        ).drop_duplicates("csm_id")
        out = out.merge(mr, on="csm_id", how="left")
    else:
        out = out.assign(manager_rating=pd.NA, potential=pd.NA, manager_rationale=pd.NA)
    if decisions is not None and not decisions.empty:
        dec = pd.DataFrame(
            {
                "csm_id": decisions["csm_id"].astype("string"),
                "decision_rating": _text(decisions["final_rating"]).str.lower(),
                "decision_reason": _text(decisions["reason"]),
                "decided_by": _text(decisions["decided_by"]),
            }
        )
        out = out.merge(dec, on="csm_id", how="left")
    else:
        out = out.assign(decision_rating=pd.NA, decision_reason=pd.NA, decided_by=pd.NA)
    for col in ("manager_rating", "potential", "manager_rationale", "decision_rating", "decision_reason", "decided_by"):
        out[col] = out[col].astype("string")
    has_decision = out["decision_rating"].notna()
    has_manager = out["manager_rating"].notna()
    out["final_rating"] = out["decision_rating"].fillna(out["manager_rating"]).fillna(out["model_rating"])
    out["final_source"] = np.where(has_decision, "decision", np.where(has_manager, "manager", "model"))
    gap = out["manager_rating"].map(RATING_LEVELS).astype("Float64") - out["model_rating"].map(RATING_LEVELS).astype("Float64")
    out["rating_gap"] = gap
    out["disagreement"] = (has_manager & out["manager_rating"].ne(out["model_rating"]).fillna(True)).astype(bool)
    out = out.drop(columns="decision_rating")
    order = out.assign(_abs=gap.abs().fillna(-1)).sort_values(
        ["disagreement", "_abs", "csm_id"], ascending=[False, False, True], kind="stable"
    )
    return order.drop(columns="_abs").reset_index(drop=True)


def audit_trail(decisions: pd.DataFrame) -> list[dict[str, Any]]:
    """Decisions as JSON-ready records for the manifest (missing values become None)."""
    cols = [c for c in ("csm_id", "model_rating", "final_rating", "is_override", "reason", "decided_by") if c in decisions.columns]
    records = []
    for rec in decisions[cols].to_dict(orient="records"):
        clean = {}
        for key, value in rec.items():
            if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
                clean[key] = None
            elif isinstance(value, (bool, np.bool_)):
                clean[key] = bool(value)
            else:
                clean[key] = str(value)
        records.append(clean)
    return records


def nine_box(merged: pd.DataFrame) -> pd.DataFrame:
    """Performance (final rating, else model rating) × potential: the nine boxes.

    Returns
    -------
    DataFrame with 9 rows (potential high → low, performance
    needs_development → exceeds): ``potential``, ``performance``, ``count``,
    ``csm_ids`` (``;``-separated). CSMs without a potential are left out.

    Raises
    ------
    InsufficientDataError
        When no CSM has a potential (the manager_ratings table has none for the period).
    """
    if "potential" not in merged.columns or merged["potential"].isna().all():
        raise InsufficientDataError(
            "No potential is recorded for this period, so there is no nine-box grid. "
            "Add a potential (low / medium / high) to manager_ratings to see one."
        )
    rating_col = "final_rating" if "final_rating" in merged.columns else "model_rating"
    perf = merged[rating_col].astype("string")
    if rating_col == "final_rating" and "model_rating" in merged.columns:
        perf = perf.fillna(merged["model_rating"].astype("string"))
    placed = pd.DataFrame({"csm_id": merged["csm_id"].astype(str), "potential": merged["potential"].astype("string"), "performance": perf}).dropna()
    rows = []
    for potential in reversed(POTENTIAL_LEVELS):
        for performance in RATING_LEVELS:
            ids = sorted(placed.loc[(placed["potential"] == potential) & (placed["performance"] == performance), "csm_id"])
            rows.append({"potential": potential, "performance": performance, "count": len(ids), "csm_ids": ";".join(ids)})
    return pd.DataFrame(rows)
