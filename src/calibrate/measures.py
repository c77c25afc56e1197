"""What each measure a report shows is: its label and its unit.

One table for every stage: the fact files (``calibrate.facts``) record each
figure with this label and unit, the review formats it by its unit, and the
report-wide consistency check reads a figure back by its label.

Units: ``money`` (dollars), ``percent`` (stored as a fraction, shown as a
percentage), ``points`` (scores and health, 0..100), ``signed_points`` (a
change in points), ``count`` (accounts or tickets), ``hours``,
``hours_week``, ``per_dollar``, ``csat`` (1..5), ``minutes``, ``days``.
"""

from __future__ import annotations

__all__ = ["MEASURES", "UNIT_KINDS", "COUNT_NOUNS", "label_of", "kind_of"]

# kind -> how a value is written (see present.review.units.format_measure).
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

COUNT_NOUNS = {"saves": "account", "red_accounts": "account", "escalations": "ticket"}



def label_of(metric: str) -> str:
    return MEASURES.get(metric, (metric.replace("_", " "), ""))[0]


def kind_of(metric: str) -> str:
    return MEASURES[metric][1]
