"""The one formatter of the review: every measure written with its unit (labels and units: ``calibrate.measures``).

Ratios are stored as fractions and shown as percentages; scores as points;
money in dollars; time with its unit. :func:`format_measure` is the only place
a review table turns a number into text, so every number carries a unit.
"""

from __future__ import annotations

import math
from typing import Any

from ...measures import COUNT_NOUNS as _COUNT_NOUNS
from ...measures import MEASURES, UNIT_KINDS, label_of
from ...measures import kind_of
from ..escape import is_missing
from ..narrative.formatting import fmt_pct

__all__ = ["MEASURES", "UNIT_KINDS", "format_measure", "format_metric", "label_of", "kind_of", "is_missing"]


def _round_half_up(x: float, digits: int = 0) -> float:
    factor = 10**digits
    return math.floor(abs(x) * factor + 0.5) / factor * (1 if x >= 0 else -1)


def format_measure(value: Any, kind: str, *, noun: str = "account") -> str | None:
    """``value`` written with its unit; None when it cannot be computed.

    money ``$1,234,567``; percent ``105.7%`` (from a fraction); points ``67 points``;
    signed_points ``+5 points``; count ``3 accounts``; hours ``2.4 hours``;
    hours_week ``10.0 hours/week``; per_dollar ``$3.19 per $1``; csat ``4.0 / 5``;
    minutes ``20.5 minutes``; days ``12 days``.
    """
    if is_missing(value):
        return None
    x = float(value)
    if kind == "money":
        return f"-${abs(x):,.0f}" if x < 0 else f"${x:,.0f}"
    if kind == "percent":
        return fmt_pct(x)
    if kind == "points":
        n = int(_round_half_up(x))
        return f"{n} point" if abs(n) == 1 else f"{n} points"
    if kind == "signed_points":
        n = int(_round_half_up(x))
        return f"{n:+d} point" if abs(n) == 1 else f"{n:+d} points"
    if kind == "count":
        n = int(round(x))
        return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
    if kind == "hours":
        return f"{x:,.1f} hours"
    if kind == "hours_week":
        return f"{x:,.1f} hours/week"
    if kind == "per_dollar":
        return f"-${abs(x):.2f} per $1" if x < 0 else f"${x:.2f} per $1"
    if kind == "csat":
        return f"{x:.1f} / 5"
    if kind == "minutes":
        return f"{x:,.1f} minutes"
    if kind == "days":
        return f"{x:,.0f} days"
    raise ValueError(f"Unknown unit kind {kind!r}; use one of {UNIT_KINDS}.")


def format_metric(metric: str, value: Any) -> str | None:
    """A metric of :data:`MEASURES` with its unit."""
    return format_measure(value, kind_of(metric), noun=_COUNT_NOUNS.get(metric, "account"))
