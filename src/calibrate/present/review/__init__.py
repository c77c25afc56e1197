"""The per-CSM review: what the batch builds once per CSM and what its notebook shows.

- :mod:`.builder` — ``build_csm_reviews(current, previous, dataset, params)`` and ``CsmReview``.
- :mod:`.evidence` — one CSM's book over the windows it owned; the narrative's ``ReviewEvidence``.
- :mod:`.team` — ``TeamReference`` (team quartiles), cohort medians and percentiles, with suppression.
- :mod:`.tables` / :mod:`.texts` / :mod:`.units` — display tables, computed sentences, unit formatting.
- :mod:`.charts` — ARR waterfall, health trajectories, scores vs cohort, score trend (Altair; drawn
  to SVG by the builder; loaded on first use so the notebook kernel never imports Altair).
- :mod:`.chart_data` — the small frames those charts draw.
- :mod:`.show` — what the notebook cells call.
"""

from typing import Any

from .builder import SECTIONS, CsmReview, build_csm_review, build_csm_reviews
from .show import show_kpi_tiles, show_narrative, show_review_notes, show_review_table, show_team_reference
from .tables import ReviewTable, plan_table, points_table, team_table
from .team import TeamReference, team_reference

__all__ = [
    "SECTIONS",
    "CsmReview",
    "ReviewTable",
    "TeamReference",
    "build_csm_review",
    "build_csm_reviews",
    "team_reference",
    "arr_waterfall_chart",
    "health_trajectory_chart",
    "review_charts",
    "score_trend_chart",
    "scores_vs_cohort_chart",
    "show_kpi_tiles",
    "show_narrative",
    "show_review_notes",
    "show_review_table",
    "show_team_reference",
    "plan_table",
    "points_table",
    "team_table",
]

_CHART_NAMES = ("arr_waterfall_chart", "health_trajectory_chart", "score_trend_chart", "scores_vs_cohort_chart", "review_charts")


def __getattr__(name: str) -> Any:
    """Load the Altair chart builders only when someone uses them."""
    if name in _CHART_NAMES:
        from . import charts

        return getattr(charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
