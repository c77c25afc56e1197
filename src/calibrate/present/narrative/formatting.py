"""The one number formatter of the narrative, and the pattern that finds numbers again.

Every number the narrative writes goes through a function here, and the
grounding check extracts numbers from text with :data:`NUMBER_RE`. The set of
allowed values is built by formatting the evidence with these same functions,
so a number in the text is grounded exactly when its formatted string is equal
to one produced from the evidence.

Forms: money ``$1.2M`` / ``$850k`` / ``$4.5k`` / ``$900``; ratios as whole
percentages ``108.4%``; health and scores as whole numbers; CSAT ``4.5/5``;
dates ``14 Aug 2026``; percentiles ``80th``; per-dollar ``$1.60``; hours
``14.5``.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from ..escape import is_missing

__all__ = [
    "NUMBER_RE",
    "is_missing",
    "fmt_money",
    "fmt_pct",
    "fmt_points",
    "fmt_int",
    "fmt_signed_int",
    "fmt_csat",
    "fmt_per_dollar",
    "fmt_hours",
    "fmt_date",
    "fmt_ordinal",
    "fmt_count",
    "fmt_metric",
    "number_tokens",
    "METRIC_KINDS",
]

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"

# Order matters: longer forms (dates, money, ratios) are tried before plain numbers.
NUMBER_RE = re.compile(
    rf"""(?<![\w$.,/])(?:
        \d{{1,2}}\ (?:{_MONTHS})\ \d{{4}}
      | \d{{4}}-\d{{2}}-\d{{2}}
      | \d{{4}}-Q[1-4]
      | -?\$\d+(?:,\d{{3}})*(?:\.\d+)?[kM]?
      | [-+]?\d+(?:\.\d+)?/\d+
      | [-+]?\d+(?:\.\d+)?%
      | \d+(?:st|nd|rd|th)\b
      | [-+]?\d+(?:,\d{{3}})*(?:\.\d+)?
    )""",
    re.VERBOSE,
)




def _round(x: float) -> int:
    """Round half away from zero (Python's round() rounds half to even: 18.5 -> 18)."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_money(amount: float) -> str:
    """``$1.2M`` (>= 1M, one decimal), ``$850k`` (>= 100k), ``$18.5k`` / ``$4k`` (>= 1k, one decimal), ``$900``.

    Trailing ``.0`` is dropped; halves round away from zero.
    """
    sign = "-" if amount < 0 else ""
    a = abs(float(amount))
    if a >= 999_500:
        return f"{sign}${_trim(f'{_round(a / 1e5) / 10:.1f}')}M"
    if a >= 99_950:
        return f"{sign}${_round(a / 1e3)}k"
    if a >= 999.5:
        return f"{sign}${_trim(f'{_round(a / 1e2) / 10:.1f}')}k"
    return f"{sign}${_round(a)}"


def fmt_pct(ratio: float) -> str:
    """A fraction as a percentage with one decimal, as every table and tile shows it: 1.0844 -> ``108.4%``.

    The one percent formatter of every report (tables use it too), so a
    narrative never says "100%" beside a tile that says 99.6%.
    """
    tenths = _round(float(ratio) * 1000)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{abs(tenths) // 10:,}.{abs(tenths) % 10}%"


def fmt_points(delta: float) -> str:
    """The size of a difference between two ratios in whole percentage points: 0.07 -> ``7 points``."""
    return fmt_count(_round(abs(float(delta)) * 100), "point")


def fmt_int(value: float) -> str:
    """Health scores, category scores, counts: a whole number, ``72``."""
    return str(_round(float(value)))


def fmt_signed_int(value: float) -> str:
    """NPS, which can be negative: ``-12``, ``0``, ``41``."""
    return fmt_int(value)


def fmt_csat(value: float) -> str:
    """CSAT on its 1..5 scale: ``4.5/5``."""
    return f"{_round(float(value) * 10) / 10:.1f}/5"


def fmt_per_dollar(value: float) -> str:
    """Net retention per fully-loaded dollar: ``$1.60``."""
    sign = "-" if value < 0 else ""
    return f"{sign}${_round(abs(float(value)) * 100) / 100:.2f}"


def fmt_hours(value: float) -> str:
    """Hours per week with one decimal: ``14.5``."""
    return f"{_round(float(value) * 10) / 10:.1f}"


def fmt_date(day: date) -> str:
    """``14 Aug 2026`` (datetime, date and pandas Timestamp all work)."""
    return f"{day.day} {day.strftime('%b')} {day.year}"


def fmt_ordinal(percentile: float) -> str:
    """A percentile 0..100 as an ordinal: ``80th``, ``21st``."""
    n = _round(float(percentile))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt_count(n: int, noun: str, plural: str | None = None, *, zero: str | None = None) -> str:
    """``1 account`` / ``3 accounts``; ``zero`` (e.g. ``no account``) replaces ``0 accounts`` when given."""
    n = int(n)
    if n == 0 and zero is not None:
        return zero
    word = noun if n == 1 else (plural or noun + "s")
    return f"{n} {word}"


# How each metric of the scores row is written.
METRIC_KINDS: dict[str, str] = {
    "start_arr": "money",
    "expansion_arr": "money",
    "contraction_arr": "money",
    "churn_arr": "money",
    "nrr": "pct",
    "grr": "pct",
    "nrr_excl_top": "pct",
    "logo_churn_rate": "pct",
    "top_account_share": "pct",
    "qbr_coverage": "pct",
    "proactive_share": "pct",
    "ai_coverage": "pct",
    "override_rate": "pct",
    "red_recovery": "pct",
    "sla_adherence": "pct",
    "avg_health": "int",
    "health_change": "int",
    "n_accounts": "int",
    "escalations": "int",
    "time_to_value_days": "int",
    "nps": "int",
    "csat": "csat",
    "net_retention_per_cost": "per_dollar",
    "customer_facing_hours_per_week": "hours",
    "overall_score": "int",
}

_KIND_FORMATTERS = {
    "money": fmt_money,
    "pct": fmt_pct,
    "int": fmt_int,
    "csat": fmt_csat,
    "per_dollar": fmt_per_dollar,
    "hours": fmt_hours,
}


def fmt_metric(name: str, value: Any) -> str | None:
    """Format a metric by its kind (``score_*`` as whole numbers); None when missing."""
    if is_missing(value):
        return None
    kind = "int" if name.startswith("score_") else METRIC_KINDS.get(name)
    if kind is None:
        return None
    if name == "health_change":
        return fmt_int(abs(float(value)))
    return _KIND_FORMATTERS[kind](float(value))


def number_tokens(text: str) -> list[str]:
    """Every number token of ``text`` as :data:`NUMBER_RE` finds it."""
    return [m.group(0) for m in NUMBER_RE.finditer(text)]
