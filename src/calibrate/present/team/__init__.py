"""The cross-team calibration report (leadership only): build it, chart it, word it.

``build_team_report`` assembles a ``TeamReport`` from a scored period;
``load_calibration_decisions`` reads the session's decisions first. The chart
functions take the report's frames; the builder draws them once to SVG
(``TeamReport.charts``) and the notebook shows that. The chart functions are
loaded on first use, so importing this package does not import Altair.
"""

from typing import Any

from .builder import POOLED_QUARTERS, RATING_COLUMNS, TeamReport, build_team_report, load_calibration_decisions

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
    "team_charts",
]

_CHART_NAMES = ("funnel_plot", "nine_box_chart", "portfolio_chart", "rank_interval_plot", "rating_share_chart",
                "score_distribution_chart", "team_charts")


def __getattr__(name: str) -> Any:
    """Load the Altair chart builders only when someone uses them."""
    if name in _CHART_NAMES:
        from . import charts

        return getattr(charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
