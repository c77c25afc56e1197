"""Every measure the review shows, with its label and unit, and the one formatter for it.

Ratios are stored as fractions and shown as percentages; scores as points;
money in dollars; time with its unit. :func:`format_measure` is the only place
a review table turns a number into text, so every number carries a unit.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MEASURES", "UNIT_KINDS", "format_measure", "format_metric", "label_of", "kind_of", "is_missing"]

# kind -> how a value is written (see format_measure).
UNIT_KINDS = ("money", "percent", "points", "signed_points", "count", "hours", "hours_week", "per_dollar", "csat", "minutes", "days")

# metric -> (label, unit kind)
MEASURES: dict[str, tuple[str, str]] = {
    "overall_score": ("Overall score", "points"),
    "score_retention": ("Retention", "points"),
    "score_expansion": ("Expansion", "points"),
    "score_health": ("Health", "points"),
    "score_engagement": ("Engagement", "points"),
    "score_satisfaction": ("Satisfaction", "points"),
    "score_efficiency": ("Efficiency", "points"),
    "score_ai_productivity": ("AI productivity", "points"),
    "start_arr": ("Starting ARR (attributed windows)", "money"),
    "end_book_arr": ("Book ARR at quarter end", "money"),
    "nrr": ("Net revenue retention (NRR)", "percent"),
    "grr": ("Gross revenue retention (GRR)", "percent"),
    "nrr_excl_top": ("NRR without the top account", "percent"),
    "logo_churn_rate": ("Logo churn rate", "percent"),
    "expansion_arr": ("Expansion ARR", "money"),
    "contraction_arr": ("Contraction ARR", "money"),
    "churn_arr": ("Churned ARR", "money"),
    "renewal_rate": ("Renewal close rate", "percent"),
    "top_account_share": ("Top account's share of starting ARR", "percent"),
    "inherited_share": ("Share of quarter-end ARR taken over in the quarter", "percent"),
    "avg_health": ("Average health at quarter end", "points"),
    "health_change": ("Health change, account by account", "signed_points"),
    "red_recovery": ("Red accounts recovered", "percent"),
    "saves": ("Saves (red, then renewed)", "count"),
    "red_accounts": ("Red accounts at quarter end", "count"),
    "qbr_coverage": ("QBR or EBR coverage", "percent"),
    "proactive_share": ("Proactive share of touches", "percent"),
    "customer_facing_hours_per_week": ("Customer-facing time", "hours_week"),
    "first_response_hours": ("First response time (median)", "hours"),
    "sla_adherence": ("Tickets answered within SLA", "percent"),
    "escalations": ("Escalated tickets", "count"),
    "time_to_value_days": ("Time to value (median)", "days"),
    "nps": ("NPS", "points"),
    "csat": ("CSAT", "csat"),
    "ai_coverage": ("AI-assisted coverage (last 30 days)", "percent"),
    "override_rate": ("Override rate (edited + rejected)", "percent"),
    "edit_rate": ("Edit rate", "percent"),
    "reject_rate": ("Reject rate", "percent"),
    "net_retention_per_cost": ("Net retention per fully-loaded dollar", "per_dollar"),
    "median_minutes_touch": ("Touch draft", "minutes"),
    "median_minutes_qbr_prep": ("QBR preparation", "minutes"),
    "median_minutes_renewal_brief": ("Renewal brief", "minutes"),
    "median_minutes_risk_brief": ("Risk one-pager", "minutes"),
}

_COUNT_NOUNS = {"saves": "account", "red_accounts": "account", "escalations": "ticket"}


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return str(value) in {"<NA>", "nan", "NaT"}


def label_of(metric: str) -> str:
    return MEASURES.get(metric, (metric.replace("_", " "), ""))[0]


def kind_of(metric: str) -> str:
    return MEASURES[metric][1]


def _round_half_up(x: float, digits: int = 0) -> float:
    factor = 10**digits
    return math.floor(abs(x) * factor + 0.5) / factor * (1 if x >= 0 else -1)


def format_measure(value: Any, kind: str, *, noun: str = "account") -> str | None:
    """``value`` written with its unit; None when it cannot be computed.

    money ``$1,234,567``; percent ``105.7%`` (from a fraction); points ``67 points``;
    signed_points ``+5 points``; count ``3 accounts``; hours ``2.4 hours``;
    hours_week ``10.0 hours/week``; per_dollar ``$3.19 per $1``; csat ``4.0 / 5``;
    minutes ``20.5 minutes``; days ``12 days``.
    """
    if is_missing(value):
        return None
    x = float(value)
    if kind == "money":
        return f"-${abs(x):,.0f}" if x < 0 else f"${x:,.0f}"
    if kind == "percent":
        return f"{x * 100:,.1f}%"
    if kind == "points":
        n = int(_round_half_up(x))
        return f"{n} point" if abs(n) == 1 else f"{n} points"
    if kind == "signed_points":
        n = int(_round_half_up(x))
        return f"{n:+d} point" if abs(n) == 1 else f"{n:+d} points"
    if kind == "count":
        n = int(round(x))
        return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
    if kind == "hours":
        return f"{x:,.1f} hours"
    if kind == "hours_week":
        return f"{x:,.1f} hours/week"
    if kind == "per_dollar":
        return f"-${abs(x):.2f} per $1" if x < 0 else f"${x:.2f} per $1"
    if kind == "csat":
        return f"{x:.1f} / 5"
    if kind == "minutes":
        return f"{x:,.1f} minutes"
    if kind == "days":
        return f"{x:,.0f} days"
    raise ValueError(f"Unknown unit kind {kind!r}; use one of {UNIT_KINDS}.")


def format_metric(metric: str, value: Any) -> str | None:
    """A metric of :data:`MEASURES` with its unit."""
    return format_measure(value, kind_of(metric), noun=_COUNT_NOUNS.get(metric, "account"))
