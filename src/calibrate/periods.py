"""Quarters as half-open date intervals ``[T0, T1)``.

``2026-Q3`` with ``fiscal_year_start_month = 1`` is [2026-07-01, 2026-10-01).
With a fiscal year starting in February, ``FY2026-Q1`` starts 2026-02-01: the
year in the label is the calendar year in which the fiscal year starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .errors import CalibrateError

__all__ = ["Period", "parse_period", "period_containing"]

_PERIOD_RE = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Period:
    """A fiscal quarter. ``start`` is T0 (inclusive), ``end`` is T1 (exclusive)."""

    year: int
    quarter: int
    fiscal_year_start_month: int = 1

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def start(self) -> pd.Timestamp:
        months = (self.fiscal_year_start_month - 1) + 3 * (self.quarter - 1)
        return pd.Timestamp(year=self.year + months // 12, month=months % 12 + 1, day=1)

    @property
    def end(self) -> pd.Timestamp:
        return self.start + pd.DateOffset(months=3)

    @property
    def days(self) -> int:
        return int((self.end - self.start).days)

    @property
    def weeks(self) -> float:
        return self.days / 7.0

    @property
    def years(self) -> float:
        """Length in years (days / 365.25), used to put yearly costs on the period."""
        return self.days / 365.25

    def shift(self, quarters: int) -> "Period":
        """The period ``quarters`` later (negative for earlier)."""
        index = self.year * 4 + (self.quarter - 1) + quarters
        return Period(index // 4, index % 4 + 1, self.fiscal_year_start_month)

    def previous(self, n: int = 1) -> list["Period"]:
        """The ``n`` periods before this one, most recent first."""
        return [self.shift(-k) for k in range(1, n + 1)]

    def __str__(self) -> str:
        return self.label


def parse_period(text: str, *, fiscal_year_start_month: int = 1) -> Period:
    """Parse ``YYYY-Qn``; anything else is a ``CalibrateError`` saying the expected form."""
    match = _PERIOD_RE.match(str(text).strip())
    if not match:
        raise CalibrateError(f'The period must look like 2026-Q3. Got "{text}" instead.')
    return Period(int(match.group(1)), int(match.group(2)), fiscal_year_start_month)


def period_containing(day: pd.Timestamp, *, fiscal_year_start_month: int = 1) -> Period:
    """The fiscal quarter that contains ``day``."""
    months_since = (day.year * 12 + day.month - 1) - (fiscal_year_start_month - 1)
    fiscal_year, month_in_year = divmod(months_since, 12)
    return Period(fiscal_year, month_in_year // 3 + 1, fiscal_year_start_month)
