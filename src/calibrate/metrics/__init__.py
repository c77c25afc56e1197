"""Metrics: pure functions from validated tables to per-CSM and per-account tables.

One module per family (retention, concentration, health, activity,
satisfaction, ai, triggers); ``table`` assembles the per-CSM table of a period.
Formulas are in each module's docstring; docs/FORMULAS.md is the map.
"""

from .activity import activity_metrics, onboarding_metrics, ticket_metrics, tickets_in_period
from .ai import DRAFT_KINDS, ai_metrics, net_retention_per_cost
from .concentration import CONCENTRATION_COLUMNS, concentration_metrics, window_influence
from .health import BANDS, account_health, health_as_of, health_bands, health_index, health_metrics, health_transitions, saves
from .retention import RETENTION_COLUMNS, renewal_metrics, retention_metrics, window_movements
from .satisfaction import SATISFACTION_COLUMNS, responses_in_period, survey_metrics
from .table import METRIC_COLUMNS, PeriodMetrics, compute_metrics, metrics_history, metrics_table
from .triggers import TRIGGER_COLUMNS, coaching_triggers, week_grid

__all__ = [
    "BANDS",
    "CONCENTRATION_COLUMNS",
    "DRAFT_KINDS",
    "METRIC_COLUMNS",
    "RETENTION_COLUMNS",
    "SATISFACTION_COLUMNS",
    "TRIGGER_COLUMNS",
    "PeriodMetrics",
    "account_health",
    "activity_metrics",
    "ai_metrics",
    "coaching_triggers",
    "compute_metrics",
    "concentration_metrics",
    "health_as_of",
    "health_bands",
    "health_index",
    "health_metrics",
    "health_transitions",
    "metrics_history",
    "metrics_table",
    "net_retention_per_cost",
    "onboarding_metrics",
    "renewal_metrics",
    "responses_in_period",
    "retention_metrics",
    "saves",
    "survey_metrics",
    "ticket_metrics",
    "tickets_in_period",
    "week_grid",
    "window_influence",
    "window_movements",
]
