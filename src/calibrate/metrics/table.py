"""The per-CSM metrics table of one period, and its history for trends.

``compute_metrics`` runs every metric module on a validated ``Dataset`` and
returns a frozen ``PeriodMetrics`` holding the per-CSM table and the
per-window / per-account tables the reports need. The CSMs in the table are
those with an attribution window in the period or accounts at its close
(docs/TABLES.md, scores.csv).

Missing values: a value that cannot be computed is NaN, never 0. Counts that
are genuinely zero are 0 when their source table is present (``escalations``
with a ``tickets`` table, ``saves`` with a ``renewals`` table, ``n_accounts``)
and NaN when it is absent. ``customer_facing_hours_per_week`` is 0 for a CSM
without any activity in P when the export records minutes at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..book import (
    ArrSeries,
    AsOfIndex,
    account_lifecycle,
    arr_series,
    attribution_windows,
    inherited_book,
    lifecycle_counts,
    live_book,
    movement_reconciliation,
    require_arr_through,
)
from ..dataset import Dataset
from ..errors import InsufficientDataError
from ..params import Params
from ..periods import Period
from .activity import activity_metrics, onboarding_metrics, ticket_metrics
from .ai import ai_metrics, net_retention_per_cost
from .concentration import concentration_metrics, window_influence
from .health import HEALTH_COLUMNS, account_health, health_index, health_metrics, health_transitions, saves
from .retention import renewal_metrics, retention_metrics
from .satisfaction import survey_metrics

__all__ = ["PeriodMetrics", "compute_metrics", "metrics_table", "metrics_history", "METRIC_COLUMNS"]

# Column order of the metrics table (after csm_id, name, segment).
METRIC_COLUMNS = (
    "n_accounts",
    "n_dormant",
    "n_new_logos",
    "n_reactivated",
    "n_handed_away",
    "book_size",
    "start_arr",
    "end_arr",
    "nrr",
    "grr",
    "logo_churn_rate",
    "expansion_arr",
    "contraction_arr",
    "churn_arr",
    "expansion_rate",
    "net_arr_movement",
    "time_weighted_base",
    "retention_windows",
    "churned_logos",
    "expanded_logos",
    "contracted_logos",
    "top_account_id",
    "top_account_share",
    "hhi",
    "n_eff",
    "nrr_excl_top",
    "top_nrr_move",
    "end_book_arr",
    "inherited_arr",
    "inherited_accounts",
    "inherited_share",
    "renewals_won",
    "renewals_lost",
    "renewal_rate",
    *HEALTH_COLUMNS,
    "saves",
    "qbr_coverage",
    "proactive_share",
    "n_activities",
    "customer_facing_hours_per_week",
    "n_tickets",
    "first_response_hours",
    "sla_adherence",
    "escalations",
    "onboardings",
    "onboardings_open",
    "time_to_value_days",
    "nps",
    "nps_responses",
    "promoters",
    "detractors",
    "csat",
    "csat_responses",
    "ai_coverage",
    "n_drafts",
    "override_rate",
    "edit_rate",
    "reject_rate",
    "median_minutes_touch",
    "median_minutes_qbr_prep",
    "median_minutes_renewal_brief",
    "median_minutes_risk_brief",
    "fully_loaded_cost",
    "net_retention_per_cost",
    "inherited_book",
    "concentrated_book",
    "override_out_of_band",
)


@dataclass(frozen=True)
class PeriodMetrics:
    """Everything the metrics stage computes for one period.

    Attributes
    ----------
    windows : per ownership window touching P (``book.attribution_windows``)
    lifecycle : per (CSM, account): lifecycle state, live book (``book.account_lifecycle``)
    accounts : per retention window, with movements, share and NRR influence
    metrics : one row per CSM (``csm_id``, ``name``, ``segment``, ``METRIC_COLUMNS``)
    account_health : T0 and T1 books with scores and bands
    transitions : red/yellow/green transition counts per CSM
    saves : accounts red in P and renewed in P
    reconciliation : company vs attributed ARR movement
    health_lookup : the sorted health table, reusable by ``coaching_triggers``
    """

    period: Period
    windows: pd.DataFrame
    lifecycle: pd.DataFrame
    accounts: pd.DataFrame
    metrics: pd.DataFrame
    account_health: pd.DataFrame
    transitions: pd.DataFrame
    saves: pd.DataFrame
    reconciliation: dict = field(default_factory=dict)
    health_lookup: AsOfIndex | None = field(default=None, repr=False, compare=False)


def compute_metrics(dataset: Dataset, period: Period, params: Params, *, arr: ArrSeries | None = None) -> PeriodMetrics:
    """Every per-CSM metric of ``period`` (top-level orchestration: takes ``params``).

    Raises ``InsufficientDataError`` when ``arr`` does not reach the month
    containing T1 (see ``calibrate.book.require_arr_through``).
    """
    arr = arr if arr is not None else arr_series(dataset["arr"])
    require_arr_through(arr, period)
    ownership = dataset["ownership"]
    windows = attribution_windows(ownership, arr, period, handover_grace_days=params.attribution.handover_grace_days)
    accounts = window_influence(windows)
    renewals = dataset.get("renewals")
    lifecycle = account_lifecycle(windows, arr, period, renewals=renewals)
    close_book = live_book(lifecycle)[["csm_id", "account_id"]]
    open_book = windows.loc[windows["owned_from"].eq(period.start).fillna(False) & windows["in_cohort"], ["csm_id", "account_id"]]
    counts = lifecycle_counts(lifecycle).rename(columns={"n_new_logo": "n_new_logos"})
    counts = counts[["n_dormant", "n_new_logos", "n_reactivated", "n_handed_away"]]

    parts: list[pd.DataFrame] = [
        retention_metrics(windows),
        concentration_metrics(
            windows,
            top_share_threshold=params.concentration.top_share_threshold,
            top_nrr_move=params.concentration.top_nrr_move,
        ),
        inherited_book(lifecycle, inherited_share_threshold=params.attribution.inherited_share_threshold).set_index("csm_id"),
        counts,
    ]
    health = dataset["health"]
    by_account = health_index(health)
    acc_health = account_health(
        ownership,
        health,
        period,
        red_max=params.health.red_max,
        yellow_max=params.health.yellow_max,
        close_book=close_book,
        open_book=open_book,
        index=by_account,
    )
    parts.append(health_metrics(acc_health))
    saved = saves(ownership, health, renewals, period, red_max=params.health.red_max, index=by_account)
    if renewals is not None:
        parts.append(renewal_metrics(renewals, ownership, period))
        parts.append(saved.groupby("csm_id").size().rename("saves").to_frame())
    parts.append(activity_metrics(dataset["activities"], ownership, period, close_book=close_book))
    tickets = dataset.get("tickets")
    if tickets is not None:
        parts.append(ticket_metrics(tickets, ownership, period, sla_hours=params.activity.sla_hours))
    onboarding = dataset.get("onboarding")
    if onboarding is not None:
        parts.append(onboarding_metrics(onboarding, ownership, period))
    surveys = dataset.get("surveys")
    if surveys is not None:
        parts.append(survey_metrics(surveys, ownership, period))
    drafts = dataset.get("ai_drafts")
    if drafts is not None:
        parts.append(
            ai_metrics(
                drafts,
                ownership,
                period,
                coverage_window_days=params.ai.coverage_window_days,
                override_band_low=params.ai.override_band_low,
                override_band_high=params.ai.override_band_high,
                close_book=close_book,
            )
        )

    roster = _roster(windows, parts[2])
    table = pd.DataFrame(index=roster)
    for part in parts:
        part = part.copy()
        part.index = part.index.astype("string")
        table = table.join(part[[c for c in part.columns if c not in table.columns]], how="left")

    csms = dataset["csms"].copy()
    csms["csm_id"] = csms["csm_id"].astype("string")
    info = csms.set_index("csm_id")
    table["name"] = info["name"].reindex(table.index)
    table["segment"] = info["segment"].reindex(table.index)
    cost = info["fully_loaded_cost"] if "fully_loaded_cost" in info else pd.Series(np.nan, index=info.index)
    table["fully_loaded_cost"] = cost.reindex(table.index)
    table["net_retention_per_cost"] = net_retention_per_cost(
        table["net_arr_movement"], table["fully_loaded_cost"], period
    ).reindex(table.index)
    book_size = windows.groupby(windows["csm_id"].astype("string"))["account_id"].nunique()
    table["book_size"] = book_size.reindex(table.index).fillna(0).astype(int)
    table = _fill_counts(table, dataset, renewals is not None, tickets is not None, drafts is not None)
    table = table.reindex(columns=["name", "segment", *METRIC_COLUMNS])
    table = _plain_dtypes(table)
    table.index.name = "csm_id"
    metrics = table.reset_index()
    return PeriodMetrics(
        period=period,
        windows=windows,
        lifecycle=lifecycle,
        accounts=accounts,
        metrics=metrics,
        account_health=acc_health,
        transitions=health_transitions(acc_health),
        saves=saved,
        reconciliation=movement_reconciliation(windows, arr, period),
        health_lookup=by_account,
    )


def _roster(windows: pd.DataFrame, end_book: pd.DataFrame) -> pd.Index:
    attributed = windows.loc[windows["attr_from"].notna(), "csm_id"].astype("string")
    ids = pd.Index(pd.unique(pd.concat([attributed, pd.Series(end_book.index, dtype="string")], ignore_index=True)))
    return ids.sort_values().rename("csm_id")


def _fill_counts(table: pd.DataFrame, dataset: Dataset, has_renewals: bool, has_tickets: bool, has_drafts: bool) -> pd.DataFrame:
    zero_when_present = {
        "n_accounts": True,
        "n_dormant": True,
        "n_new_logos": True,
        "n_reactivated": True,
        "n_handed_away": True,
        "end_book_arr": True,
        "inherited_arr": True,
        "inherited_accounts": True,
        "retention_windows": True,
        "churned_logos": True,
        "expanded_logos": True,
        "contracted_logos": True,
        "n_activities": True,
        "saves": has_renewals,
        "renewals_won": has_renewals,
        "renewals_lost": has_renewals,
        "n_tickets": has_tickets,
        "escalations": has_tickets,
        "n_drafts": has_drafts,
    }
    for column, present in zero_when_present.items():
        if present:
            table[column] = table[column].fillna(0) if column in table else 0
    activities = dataset["activities"]
    if "customer_facing_minutes" in activities and activities["customer_facing_minutes"].notna().any():
        idle = table["n_activities"].eq(0)
        table.loc[idle, "customer_facing_hours_per_week"] = 0.0
    for flag in ("inherited_book", "concentrated_book", "override_out_of_band"):
        column = table[flag] if flag in table else pd.Series(False, index=table.index)
        table[flag] = column.astype("boolean").fillna(False).astype(bool)
    return table


_TEXT_COLUMNS = ("name", "segment", "top_account_id")
_FLAG_COLUMNS = ("inherited_book", "concentrated_book", "override_out_of_band")


def _plain_dtypes(table: pd.DataFrame) -> pd.DataFrame:
    """Text as ``string``, flags as ``bool``, every number as ``float64`` (NaN for missing)."""
    out = {}
    for column in table.columns:
        values = table[column]
        if column in _TEXT_COLUMNS:
            out[column] = values.astype("string")
        elif column in _FLAG_COLUMNS:
            out[column] = values.astype(bool)
        else:
            out[column] = pd.Series(pd.to_numeric(values).to_numpy(dtype=float, na_value=np.nan), index=table.index)
    return pd.DataFrame(out, index=table.index)


def metrics_table(dataset: Dataset, period: Period, params: Params) -> pd.DataFrame:
    """The per-CSM metrics table of ``period`` (``compute_metrics(...).metrics``)."""
    return compute_metrics(dataset, period, params).metrics


def metrics_history(dataset: Dataset, period: Period, params: Params, *, quarters: int = 3) -> pd.DataFrame:
    """The metrics tables of ``period`` and the ``quarters`` before it, stacked.

    Adds a ``period`` column (``2026-Q3``) first, most recent period first. A
    previous period the data cannot support (e.g. before the first ``arr``
    month) is left out rather than shown as zeros.
    """
    arr = arr_series(dataset["arr"])
    frames = []
    for p in [period, *period.previous(quarters)]:
        try:
            result = compute_metrics(dataset, p, params, arr=arr)
        except InsufficientDataError:
            if p == period:
                raise
            continue
        if p != period and result.windows.empty:
            continue
        frames.append(result.metrics.assign(period=p.label))
    out = pd.concat(frames, ignore_index=True)
    return out[["period", *[c for c in out.columns if c != "period"]]]
