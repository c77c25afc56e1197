"""One period end to end: metrics, category scores, overall scores, triggers, scores.csv.

``compute_period(dataset, params)`` is the Python entry for notebooks;
``score_command(params, out=...)`` is what the ``calibrate score`` command
runs: load and validate the folder, compute, and write ``scores.csv``
atomically (a temporary file in the same folder, then ``os.replace``), so a
failed run never leaves a half-written file.

``scores.csv`` columns: every column docs/TABLES.md names, in its order
(``SCORES_CONTRACT_COLUMNS``), then the extras (``hhi``, ``n_eff``,
``time_weighted_base``, ``red_recovery``, ``sla_adherence``, ``csat``,
``edit_rate``, ``reject_rate``, ``cohort``, ``missing_categories``, ...).
Ratios are fractions, NPS is -100..100, uncomputable values are empty,
booleans are ``true``/``false``, and ``flags`` lists ``inherited_book``,
``concentrated_book``, ``small_book`` and ``override_out_of_band`` where they
apply, ``;``-separated.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..book import RENEWALS_DUE_DAYS, arr_series, owned_windows, upcoming_renewals
from ..dataset import Dataset
from ..metrics.table import compute_metrics
from ..metrics.triggers import coaching_triggers
from ..atomic import write_csv_atomic
from ..params import CATEGORIES, Params
from ..periods import Period, parse_period
from .overall import SCORE_COLUMNS, apply_weights, category_table

__all__ = [
    "PeriodResult",
    "compute_period",
    "scores_table",
    "write_scores_csv",
    "score_command",
    "SCORES_CONTRACT_COLUMNS",
    "FLAG_NAMES",
]

SCORES_CONTRACT_COLUMNS = (
    "csm_id",
    "segment",
    "n_accounts",
    "start_arr",
    "nrr",
    "grr",
    "logo_churn_rate",
    "expansion_arr",
    "contraction_arr",
    "churn_arr",
    "top_account_share",
    "nrr_excl_top",
    "avg_health",
    "health_change",
    "qbr_coverage",
    "proactive_share",
    "escalations",
    "nps",
    "ai_coverage",
    "override_rate",
    "net_retention_per_cost",
    "customer_facing_hours_per_week",
    *SCORE_COLUMNS,
    "overall_score",
    "rating",
    "tier",
    "flags",
)
FLAG_NAMES = ("inherited_book", "concentrated_book", "small_book", "override_out_of_band")
_COUNT_COLUMNS = (
    "n_accounts",
    "n_dormant",
    "n_new_logos",
    "n_reactivated",
    "n_handed_away",
    "book_size",
    "retention_windows",
    "churned_logos",
    "expanded_logos",
    "contracted_logos",
    "inherited_accounts",
    "renewals_won",
    "renewals_lost",
    "red_accounts",
    "yellow_accounts",
    "green_accounts",
    "red_at_t0",
    "red_recovered",
    "saves",
    "n_activities",
    "n_tickets",
    "escalations",
    "onboardings",
    "onboardings_open",
    "nps_responses",
    "promoters",
    "detractors",
    "csat_responses",
    "n_drafts",
    "cohort_size",
    "rank",
)


@dataclass(frozen=True)
class PeriodResult:
    """Everything computed for one period; frames are read-only by convention.

    ``categories`` is the precomputed category table: pass it to
    ``apply_weights`` to re-score with new weights without touching metrics.
    ``lifecycle`` holds one state per (CSM, account) and the live book
    (``calibrate.book.account_lifecycle``); ``renewals_due`` the renewals due
    in the ``RENEWALS_DUE_DAYS`` after the period on live-book accounts.
    """

    period: Period
    windows: pd.DataFrame
    lifecycle: pd.DataFrame
    renewals_due: pd.DataFrame
    owned: pd.DataFrame
    accounts: pd.DataFrame
    metrics: pd.DataFrame
    categories: pd.DataFrame
    scores: pd.DataFrame
    triggers: pd.DataFrame
    account_health: pd.DataFrame
    transitions: pd.DataFrame
    saves: pd.DataFrame
    reconciliation: dict = field(default_factory=dict)


def _as_period(period: Period | str | None, params: Params) -> Period:
    if period is None:
        return params.quarter
    if isinstance(period, Period):
        return period
    return parse_period(str(period), fiscal_year_start_month=params.fiscal_year_start_month)


def compute_period(dataset: Dataset, params: Params, period: Period | str | None = None, *, triggers: bool = True) -> PeriodResult:
    """Metrics, category table, scores and (optionally) coaching triggers of one period.

    ``period`` defaults to ``params.period``. Set ``triggers=False`` to skip
    the weekly triggers when only scores are needed.
    """
    quarter = _as_period(period, params)
    arr = arr_series(dataset["arr"])
    computed = compute_metrics(dataset, quarter, params, arr=arr)
    sp = params.scoring
    categories = category_table(
        computed.metrics,
        targets=sp.targets,
        override_band_low=params.ai.override_band_low,
        override_band_high=params.ai.override_band_high,
        min_cohort_size=sp.min_cohort_size,
        small_book_accounts=sp.small_book_accounts,
        shrinkage_k=sp.shrinkage_k,
        shrinkage=sp.shrinkage,
    )
    weighted = apply_weights(categories, sp.weights, rating_cuts=sp.rating_cuts, tier_cuts=sp.tier_cuts)
    found = (
        coaching_triggers(
            dataset,
            quarter,
            red_max=params.health.red_max,
            yellow_max=params.health.yellow_max,
            sla_hours=params.activity.sla_hours,
            consecutive_declines=params.triggers.consecutive_declines,
            sla_breach_share=params.triggers.sla_breach_share,
            proactive_drop_share=params.triggers.proactive_drop_share,
            trailing_weeks=params.triggers.trailing_weeks,
            arr=arr,
            health_lookup=computed.health_lookup,
            saved=computed.saves,
        )
        if triggers
        else pd.DataFrame()
    )
    return PeriodResult(
        period=quarter,
        windows=computed.windows,
        lifecycle=computed.lifecycle,
        renewals_due=upcoming_renewals(computed.lifecycle, dataset.get("renewals"), quarter, days=RENEWALS_DUE_DAYS),
        owned=owned_windows(computed.windows),
        accounts=computed.accounts,
        metrics=computed.metrics,
        categories=categories,
        scores=scores_table(computed.metrics, categories, weighted),
        triggers=found,
        account_health=computed.account_health,
        transitions=computed.transitions,
        saves=computed.saves,
        reconciliation=computed.reconciliation,
    )


def scores_table(metrics: pd.DataFrame, categories: pd.DataFrame, weighted: pd.DataFrame) -> pd.DataFrame:
    """The scores.csv frame: contract columns in order, then extras.

    ``metrics``, ``categories`` and ``weighted`` (from ``apply_weights``) are
    row-aligned on ``csm_id``.
    """
    base = metrics.reset_index(drop=True)
    cats = categories.set_index("csm_id").reindex(base["csm_id"]).reset_index(drop=True)
    wt = weighted.set_index("csm_id").reindex(base["csm_id"]).reset_index(drop=True)
    table = base.copy()
    for column in ("cohort", "cohort_pooled", "cohort_size", "small_book", "shrink_weight", *SCORE_COLUMNS):
        table[column] = cats[column].to_numpy()
    for category in CATEGORIES:
        table[f"raw_score_{category}"] = cats[f"raw_score_{category}"].to_numpy()
    for category in CATEGORIES:
        for column in (f"shrink_strength_{category}", f"shrink_source_{category}"):
            if column in cats:
                table[column] = cats[column].to_numpy()
    for column in ("overall_score", "rating", "tier", "rank", "weight_shared_out", "missing_categories"):
        table[column] = wt[column].to_numpy()
    flags = np.column_stack([table[f].fillna(False).to_numpy(bool) for f in FLAG_NAMES])
    names = np.array(FLAG_NAMES, dtype=object)
    table["flags"] = [";".join(names[row]) for row in flags]
    extras = [c for c in table.columns if c not in SCORES_CONTRACT_COLUMNS]
    table = table[list(SCORES_CONTRACT_COLUMNS) + extras]
    for column in _COUNT_COLUMNS:
        if column in table:
            table[column] = pd.to_numeric(table[column]).round().astype("Int64")
    for column in ("rating", "tier", "flags", "missing_categories", "cohort", "segment", "name", "top_account_id"):
        if column in table:
            table[column] = table[column].astype("string")
    return table


def write_scores_csv(scores: pd.DataFrame, path: str | Path) -> Path:
    """Write ``scores`` to ``path`` with the one writer (``calibrate.atomic``); empty cells for missing values."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = scores.copy()
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: "true", False: "false"}).astype("string")
    write_csv_atomic(out, path, na_rep="", float_format="%.10g")  # formula-safe, atomic, shareable
    return path


def score_command(
    params: Params,
    *,
    data_dir: str | Path | None = None,
    period: Period | str | None = None,
    out: str | Path,
) -> Path:
    """Load, validate, score one period and write ``scores.csv``; returns the file's path.

    ``out`` is the file to write, or a folder (an existing one, or any path
    without a ``.csv`` suffix) that receives ``scores.csv``. ``data_dir``
    defaults to ``params.data_dir``; ``period`` to ``params.period``. Invalid
    inputs raise ``DataValidationError`` before anything is written.
    """
    from ..load import load_dataset

    folder = data_dir if data_dir is not None else params.data_path()  # a path or a database URL
    dataset = load_dataset(folder, **params.load_options())
    result = compute_period(dataset, params, period, triggers=False)
    target = Path(out)
    if target.is_dir() or target.suffix.lower() != ".csv":
        target = target / "scores.csv"
    return write_scores_csv(result.scores, target)
