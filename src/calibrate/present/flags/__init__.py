"""The flag validation report (leadership only): builder, charts and wording."""

from .builder import FlagReport, build_flag_report, outcomes_by_period, scores_by_period
from .charts import lead_time_chart, lift_chart, reliability_chart

__all__ = [
    "FlagReport",
    "build_flag_report",
    "scores_by_period",
    "outcomes_by_period",
    "reliability_chart",
    "lift_chart",
    "lead_time_chart",
]
