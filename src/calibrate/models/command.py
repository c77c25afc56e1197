"""Did the AI copilot's flags predict churn and escalations: the top-level calls.

``validate_flags`` returns every table for the notebook; ``flags_command``
loads a data folder and writes ``flag_validation.csv`` (one row per flag
kind × outcome × horizon, columns in ``FLAG_VALIDATION_COLUMNS``) atomically
and byte-for-byte reproducibly: fixed float format, sorted rows, seeded
bootstrap.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..dataset import Dataset
from ..atomic import write_csv_atomic
from ..params import Params
from ..periods import Period, parse_period
from .alerts import RESPONSE_NOTE
from .evaluate import evaluate_horizon
from .panel import build_panel, panel_for_horizon

__all__ = [
    "FLAG_VALIDATION_COLUMNS",
    "FlagValidation",
    "validate_flags",
    "format_flag_validation",
    "write_flag_validation",
    "flags_command",
]

FLAG_VALIDATION_COLUMNS = (
    "flag_kind", "outcome", "horizon_days", "n_flags", "n_events", "precision", "recall", "lift",
    "median_lead_days", "auc", "auc_low", "auc_high", "verdict",
    "base_rate", "lift_low", "lift_high", "auc_m0", "auc_gain", "auc_gain_low", "auc_gain_high",
    "average_precision", "brier", "brier_m0", "brier_skill", "lead_q1_days", "lead_q3_days",
    "alerts_per_csm_week", "n_rows", "n_flagged_rows", "n_caught_events", "n_train_events", "n_test_events",
    "n_dropped_churned", "n_dropped_censored", "test_quarters", "sentence",
)
_INT_COLUMNS = ("horizon_days", "n_flags", "n_events", "n_rows", "n_flagged_rows", "n_caught_events",
                "n_train_events", "n_test_events", "n_dropped_churned", "n_dropped_censored")
_TEXT_COLUMNS = ("flag_kind", "outcome", "verdict", "test_quarters", "sentence")


@dataclass(frozen=True)
class FlagValidation:
    """Everything the flag-validation notebook shows.

    ``table`` is ``flag_validation.csv`` as a frame; ``panel_summary`` has one
    row per horizon (rows kept, drops and why); ``alerts``, ``models``,
    ``reliability`` and ``response`` are the detailed views; ``notes`` says
    what could not be computed and why. ``lead_times`` holds every caught
    event's lead time (the distribution behind the median and IQR);
    ``test_quarters`` and ``min_events`` are the settings the verdicts used.
    """

    period: str
    table: pd.DataFrame
    panel_summary: pd.DataFrame
    alerts: pd.DataFrame
    models: pd.DataFrame
    reliability: pd.DataFrame
    response: pd.DataFrame
    notes: tuple[str, ...] = ()
    response_note: str = RESPONSE_NOTE
    horizons: tuple[int, ...] = field(default=())
    lead_times: pd.DataFrame | None = None
    test_quarters: int = 0
    min_events: int = 20


def _period(params: Params, period: Period | str | None) -> Period:
    if period is None:
        return params.quarter
    if isinstance(period, Period):
        return period
    return parse_period(period, fiscal_year_start_month=params.fiscal_year_start_month)


def validate_flags(dataset: Dataset, params: Params, period: Period | str | None = None, *,
                   n_boot: int | None = None) -> FlagValidation:
    """Judge every flag kind against churn and escalations, up to ``period``.

    The panel covers every quarter of the data up to and including
    ``period`` (default ``params.period``). Settings come from
    ``params.flags``; the bootstrap is seeded from ``params.batch.seed``.
    ``n_boot`` overrides ``params.flags.n_boot``.
    """
    quarter = _period(params, period)
    settings = params.flags
    horizons = tuple(sorted({settings.horizon_days, settings.secondary_horizon_days}))
    flags = dataset.get("ai_flags")
    if flags is None or flags.empty:
        note = "No ai_flags table in the data: there are no AI flags to validate."
        return _empty(quarter.label, (note,), horizons, settings.test_quarters, settings.min_events)
    notes: list[str] = []
    outcomes: tuple[str, ...] = ("churn", "escalation")
    if dataset.get("tickets") is None:
        outcomes = ("churn",)
        notes.append("No tickets table in the data: escalations cannot be checked, only churn.")
    if dataset.get("renewals") is None:
        notes.append("No renewals table: churn is dated from ARR alone and renewal timing is not in the baseline.")
    panel = build_panel(dataset, last=quarter, lookback_days=settings.lookback_days)
    if panel.quarters_without_flag_history:
        notes.append(
            "Left out for lack of flag history before them: " + ", ".join(panel.quarters_without_flag_history) + "."
        )
    results, summary = [], []
    for horizon in horizons:
        hp = panel_for_horizon(panel, horizon)
        results.append(evaluate_horizon(
            hp, flags, kinds=panel.flag_kinds, lookback_days=settings.lookback_days,
            min_lead_days=settings.min_lead_days, min_events=settings.min_events,
            test_quarters=settings.test_quarters, n_boot=settings.n_boot if n_boot is None else n_boot,
            seed=params.batch.seed, outcomes=outcomes,
        ))
        summary.append({
            "horizon_days": horizon, "n_rows": hp.n_rows, "n_accounts": int(hp.frame["account_id"].nunique()),
            "n_dropped_churned": hp.n_dropped_churned, "n_dropped_censored": hp.n_dropped_censored,
            "n_not_customer": panel.n_not_customer, "quarters": ";".join(hp.quarters),
            **{f"n_{o}_events": int(hp.frame[f"y_{o}"].sum()) for o in outcomes},
        })
    table = pd.concat([r.flags for r in results], ignore_index=True)
    return FlagValidation(
        period=quarter.label,
        table=_order(table),
        panel_summary=pd.DataFrame.from_records(summary),
        alerts=pd.concat([r.alerts for r in results], ignore_index=True),
        models=pd.concat([r.models for r in results], ignore_index=True),
        reliability=pd.concat([r.reliability for r in results], ignore_index=True),
        response=pd.concat([r.response for r in results], ignore_index=True),
        notes=tuple(notes),
        horizons=horizons,
        lead_times=pd.concat([r.lead_times for r in results], ignore_index=True),
        test_quarters=settings.test_quarters,
        min_events=settings.min_events,
    )


def _empty(period: str, notes: tuple[str, ...], horizons: tuple[int, ...], test_quarters: int,
           min_events: int) -> FlagValidation:
    empty = pd.DataFrame()
    return FlagValidation(period, _order(pd.DataFrame(columns=list(FLAG_VALIDATION_COLUMNS))), empty, empty,
                          empty, empty, empty, notes, horizons=horizons, lead_times=empty,
                          test_quarters=test_quarters, min_events=min_events)


def _order(table: pd.DataFrame) -> pd.DataFrame:
    out = table.reindex(columns=list(FLAG_VALIDATION_COLUMNS))
    return out.sort_values(["flag_kind", "outcome", "horizon_days"], kind="stable").reset_index(drop=True)


def _cell(value: object, column: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in _TEXT_COLUMNS:
        return str(value)
    if column in _INT_COLUMNS:
        return str(int(value))
    text = f"{float(value) + 0.0:.6f}"
    return "0.000000" if text == "-0.000000" else text


def format_flag_validation(table: pd.DataFrame) -> pd.DataFrame:
    """The table as text cells: floats with 6 decimals, integers plain, missing empty."""
    ordered = _order(table)
    return pd.DataFrame({c: [_cell(v, c) for v in ordered[c].tolist()] for c in ordered.columns}, dtype=object)


def write_flag_validation(table: pd.DataFrame, out: str | Path) -> Path:
    """Write ``flag_validation.csv`` atomically (temporary file, then rename)."""
    path = Path(out)
    write_csv_atomic(format_flag_validation(table), path)  # the one writer: atomic, formula-safe, shareable
    return path


def flags_command(params: Params, *, data_dir: str | Path | None = None, period: Period | str | None = None,
                  out: str | Path) -> Path:
    """Load the data folder, validate the flags, write ``out`` (a CSV path); returns the path."""
    from ..load import load_dataset

    folder = data_dir if data_dir is not None else params.data_path()  # a path or a database URL
    dataset = load_dataset(folder, **params.load_options())
    result = validate_flags(dataset, params, period)
    return write_flag_validation(result.table, out)
