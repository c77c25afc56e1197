"""Where a CSM stands in their scoring cohort: cohort medians and percentiles, in the direction of "better".

* Cohort: the CSM's scoring cohort (``cohort`` column of the scores: the
  segment, or the whole team when the segment is pooled).
* Cohort median of a metric: the median over the cohort's CSMs with a value.
* Percentile: the share of the cohort's values that this CSM's value is at
  least as good as, times 100. "Good" follows :data:`DIRECTION`: for a metric
  where higher is better it counts values ``<=`` own; where lower is better
  (churn, escalations, response time) it counts values ``>=`` own, so the
  best CSM of a cohort is at the 100th percentile for every metric. A metric
  with no better side (a share that should sit in a band, a concentration)
  gets no percentile.
* A metric with fewer than ``min_cohort_size`` cohort values gets neither a
  median nor a percentile: in a small cohort they would reveal a colleague's
  own figure.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["DIRECTION", "cohort_standing", "percentile_direction"]

# +1: higher is better; -1: lower is better; 0: neither (no percentile is shown).
DIRECTION: dict[str, int] = {
    "logo_churn_rate": -1,
    "churn_arr": -1,
    "contraction_arr": -1,
    "escalations": -1,
    "first_response_hours": -1,
    "time_to_value_days": -1,
    "median_minutes_touch": -1,
    "median_minutes_qbr_prep": -1,
    "median_minutes_renewal_brief": -1,
    "median_minutes_risk_brief": -1,
    "override_rate": 0,
    "edit_rate": 0,
    "reject_rate": 0,
    "top_account_share": 0,
}


def percentile_direction(metric: str) -> int:
    """+1 when a higher value is better (the default), -1 when lower is better, 0 when neither."""
    return DIRECTION.get(metric, 1)


def cohort_standing(
    scores: pd.DataFrame, csm_id: str, *, min_cohort_size: int, metrics
) -> tuple[dict[str, float], dict[str, float], int, str]:
    """``(medians, percentiles, cohort_size, cohort)`` of ``csm_id`` within its scoring cohort (module docstring)."""
    row = scores.loc[scores["csm_id"] == csm_id].iloc[0]
    cohort = str(row["cohort"]) if "cohort" in scores and pd.notna(row["cohort"]) else "team"
    members = scores if cohort == "team" else scores[scores["cohort"] == cohort]
    medians: dict[str, float] = {}
    percentiles: dict[str, float] = {}
    for metric in metrics:
        if metric not in scores:
            continue
        values = pd.to_numeric(members[metric], errors="coerce").dropna()
        if len(values) < min_cohort_size:
            continue
        medians[metric] = float(values.median())
        own = pd.to_numeric(pd.Series([row[metric]]), errors="coerce").iloc[0]
        direction = percentile_direction(metric)
        if pd.notna(own) and direction != 0:
            at_least_as_good = (values <= own) if direction > 0 else (values >= own)
            percentiles[metric] = float(100.0 * at_least_as_good.sum() / len(values))
    return medians, percentiles, int(len(members)), cohort
