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

``cohort_standing`` is the definition, for one CSM. ``CohortStandings`` gives
every CSM's standing from one sort per cohort and metric (a batch of 1,000
reviews asked the one-CSM version 2,000 times, at 40 ms each); a test checks
the two agree on random teams.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DIRECTION", "CohortStandings", "cohort_standing", "percentile_direction"]

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


class CohortStandings:
    """Every CSM's ``cohort_standing``, each cohort's values sorted once per metric.

    ``standings.of(csm_id, metrics)`` returns what ``cohort_standing(scores,
    csm_id, min_cohort_size=..., metrics=metrics)`` returns; medians are the
    same pandas median, percentiles count the cohort's values at least as good
    by binary search in the sorted values instead of comparing every value.
    """

    def __init__(self, scores: pd.DataFrame, *, min_cohort_size: int):
        self._scores = scores
        self._min = min_cohort_size
        ids = scores["csm_id"].astype(str).to_numpy()
        first: dict[str, int] = {}
        for position, csm_id in enumerate(ids):
            first.setdefault(csm_id, position)  # the first row of a CSM, as ``.iloc[0]`` takes it
        self._row = first
        if "cohort" in scores:
            cohorts = scores["cohort"]
            known = cohorts.notna().to_numpy()
            self._cohort = {c: (str(cohorts.iloc[p]) if known[p] else "team") for c, p in first.items()}
            self._members = {label: np.flatnonzero((cohorts == label).to_numpy(dtype=bool, na_value=False))
                             for label in set(self._cohort.values()) if label != "team"}
        else:
            self._cohort = {c: "team" for c in first}
            self._members = {}
        self._numeric: dict[str, np.ndarray] = {}
        self._sorted: dict[tuple[str, str], tuple[float, np.ndarray] | None] = {}

    def _column(self, metric: str) -> np.ndarray:
        if metric not in self._numeric:
            self._numeric[metric] = pd.to_numeric(self._scores[metric], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return self._numeric[metric]

    def _cohort_values(self, cohort: str, metric: str) -> tuple[float, np.ndarray] | None:
        key = (cohort, metric)
        if key not in self._sorted:
            column = self._column(metric)
            values = column if cohort == "team" else column[self._members[cohort]]
            values = values[~np.isnan(values)]
            self._sorted[key] = (None if len(values) < self._min
                                 else (float(pd.Series(values).median()), np.sort(values)))
        return self._sorted[key]

    def of(self, csm_id: str, metrics) -> tuple[dict[str, float], dict[str, float], int, str]:
        """``(medians, percentiles, cohort_size, cohort)`` of ``csm_id``, as ``cohort_standing`` defines them."""
        position, cohort = self._row[str(csm_id)], self._cohort[str(csm_id)]
        size = len(self._scores) if cohort == "team" else len(self._members[cohort])
        medians: dict[str, float] = {}
        percentiles: dict[str, float] = {}
        for metric in metrics:
            if metric not in self._scores:
                continue
            found = self._cohort_values(cohort, metric)
            if found is None:
                continue
            median, values = found
            medians[metric] = median
            own = self._column(metric)[position]
            direction = percentile_direction(metric)
            if not np.isnan(own) and direction != 0:
                if direction > 0:
                    count = int(np.searchsorted(values, own, side="right"))
                else:
                    count = len(values) - int(np.searchsorted(values, own, side="left"))
                percentiles[metric] = float(100.0 * count / len(values))
        return medians, percentiles, int(size), cohort
