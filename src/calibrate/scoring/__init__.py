"""Scoring: category scores against targets, peer cohorts, shrinkage, weights, ratings.

``category_table`` is computed once per period; ``apply_weights`` re-scores it
for new weights in milliseconds. ``compute_period`` and ``score_command`` run
a whole period. The exact functions are in docs/SCORING.md.
"""

from .categories import CATEGORY_METRICS, METRIC_SCALES, MetricScale, category_scores, metric_score, metric_scores, override_band_distance
from .cohorts import TEAM_COHORT, assign_cohorts, shrink_to_cohort, shrinkage_weight
from .command import FLAG_NAMES, SCORES_CONTRACT_COLUMNS, PeriodResult, compute_period, score_command, scores_table, write_scores_csv
from .overall import SCORE_COLUMNS, apply_weights, category_table, rate, tier

__all__ = [
    "CATEGORY_METRICS",
    "FLAG_NAMES",
    "METRIC_SCALES",
    "SCORES_CONTRACT_COLUMNS",
    "SCORE_COLUMNS",
    "TEAM_COHORT",
    "MetricScale",
    "PeriodResult",
    "apply_weights",
    "assign_cohorts",
    "category_scores",
    "category_table",
    "compute_period",
    "metric_score",
    "metric_scores",
    "override_band_distance",
    "rate",
    "score_command",
    "scores_table",
    "shrink_to_cohort",
    "shrinkage_weight",
    "tier",
    "write_scores_csv",
]
