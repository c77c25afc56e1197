"""The flag validation report (leadership only): builder, charts and wording.

The chart functions (Altair) are loaded on first use; the builder draws the
charts once to SVG (``FlagReport.charts``), so importing this package does not
import Altair.
"""

from typing import Any

from .builder import FlagReport, build_flag_report, outcomes_by_period, scores_by_period

__all__ = [
    "FlagReport",
    "build_flag_report",
    "scores_by_period",
    "outcomes_by_period",
    "reliability_chart",
    "lift_chart",
    "lead_time_chart",
    "flag_charts",
]

_CHART_NAMES = ("reliability_chart", "lift_chart", "lead_time_chart", "flag_charts")


def __getattr__(name: str) -> Any:
    """Load the Altair chart builders only when someone uses them."""
    if name in _CHART_NAMES:
        from . import charts

        return getattr(charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
