"""The cross-team calibration report (leadership only): build it, chart it, word it.

``build_team_report`` assembles a ``TeamReport`` from a scored period;
``load_calibration_decisions`` reads the session's decisions first. The chart
functions take the report's frames; the notebook only calls them.
"""

from .builder import POOLED_QUARTERS, RATING_COLUMNS, TeamReport, build_team_report, load_calibration_decisions
from .charts import (
    funnel_plot,
    nine_box_chart,
    portfolio_chart,
    rank_interval_plot,
    rating_share_chart,
    score_distribution_chart,
)

__all__ = [
    "POOLED_QUARTERS",
    "RATING_COLUMNS",
    "TeamReport",
    "build_team_report",
    "load_calibration_decisions",
    "funnel_plot",
    "nine_box_chart",
    "portfolio_chart",
    "rank_interval_plot",
    "rating_share_chart",
    "score_distribution_chart",
]
