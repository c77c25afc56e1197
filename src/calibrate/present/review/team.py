"""Team aggregates a per-CSM review may show: quartiles, cohort medians, percentiles.

Nothing here names or identifies a CSM. An aggregate over fewer than
``min_cohort_size`` CSMs is suppressed (left empty, with a note): in a small
team a median or a quartile would reveal a colleague's own figure.

* Team quartiles (``TeamReference.figures``): the 25th/50th/75th percentiles
  (linear interpolation) over every CSM with a value.
* Cohort medians and percentiles (in the direction of "better") are computed
  by ``calibrate.scoring.standing``; this module only passes them on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...scoring.standing import cohort_standing
from .units import MEASURES, format_measure, kind_of, label_of

__all__ = ["TeamReference", "REFERENCE_METRICS", "team_reference", "cohort_figures"]

REFERENCE_METRICS = (
    "overall_score",
    "score_retention",
    "score_expansion",
    "score_health",
    "score_engagement",
    "score_satisfaction",
    "score_efficiency",
    "score_ai_productivity",
    "nrr",
    "grr",
    "nrr_excl_top",
    "logo_churn_rate",
    "expansion_arr",
    "contraction_arr",
    "churn_arr",
    "renewal_rate",
    "top_account_share",
    "avg_health",
    "health_change",
    "red_recovery",
    "saves",
    "qbr_coverage",
    "proactive_share",
    "customer_facing_hours_per_week",
    "first_response_hours",
    "sla_adherence",
    "escalations",
    "time_to_value_days",
    "nps",
    "csat",
    "ai_coverage",
    "override_rate",
    "edit_rate",
    "reject_rate",
    "net_retention_per_cost",
    "median_minutes_touch",
    "median_minutes_qbr_prep",
    "median_minutes_renewal_brief",
    "median_minutes_risk_brief",
)


@dataclass(frozen=True)
class TeamReference:
    """Team aggregates only: what ``present.load_team`` returns to every per-CSM review.

    ``figures``: one row per metric with ``metric`` (machine name), ``label``,
    ``unit`` (a kind of :mod:`units`), ``p25``, ``median``, ``p75`` and
    ``n_csms`` (CSMs with a value); quartiles are NaN when ``n_csms`` is below
    ``min_cohort_size``. ``notes`` says what was suppressed.
    """

    period: str
    n_csms: int
    min_cohort_size: int
    figures: pd.DataFrame
    notes: tuple[str, ...] = ()


def team_reference(scores: pd.DataFrame, *, period: str, min_cohort_size: int) -> TeamReference:
    """Quartiles of each :data:`REFERENCE_METRICS` column over the team (see the module docstring)."""
    rows = []
    suppressed = []
    for metric in REFERENCE_METRICS:
        values = pd.to_numeric(scores[metric], errors="coerce").dropna() if metric in scores else pd.Series(dtype=float)
        enough = len(values) >= min_cohort_size
        if not enough and len(values):
            suppressed.append(label_of(metric))
        rows.append(
            {
                "metric": metric,
                "label": label_of(metric),
                "unit": kind_of(metric),
                "p25": float(values.quantile(0.25)) if enough else np.nan,
                "median": float(values.median()) if enough else np.nan,
                "p75": float(values.quantile(0.75)) if enough else np.nan,
                "n_csms": int(len(values)),
            }
        )
    notes = []
    if suppressed:
        notes.append(
            f"Team figures are left empty where fewer than {min_cohort_size} CSMs have a value "
            f"({', '.join(suppressed)}), so that no colleague's own figure can be read from them."
        )
    return TeamReference(
        period=period,
        n_csms=int(scores["csm_id"].nunique()),
        min_cohort_size=min_cohort_size,
        figures=pd.DataFrame(rows, columns=["metric", "label", "unit", "p25", "median", "p75", "n_csms"]),
        notes=tuple(notes),
    )


def cohort_figures(
    scores: pd.DataFrame, csm_id: str, *, min_cohort_size: int, metrics=REFERENCE_METRICS
) -> tuple[dict[str, float], dict[str, float], int, str]:
    """``(medians, percentiles, cohort_size, cohort)``: computed by ``scoring.standing.cohort_standing``."""
    return cohort_standing(scores, csm_id, min_cohort_size=min_cohort_size, metrics=metrics)


def format_reference(value, metric: str) -> str | None:
    """A team or cohort figure with its unit (counts as plain quantities, e.g. ``2.5 tickets``)."""
    kind = kind_of(metric) if metric in MEASURES else "points"
    if kind == "count" and value is not None and value == value:
        noun = "tickets" if metric == "escalations" else "accounts"
        return f"{float(value):,.1f} {noun}"
    return format_measure(value, kind)
