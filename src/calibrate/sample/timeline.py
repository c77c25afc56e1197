"""The calendar of a synthetic sample: days, months, weeks and quarters as integers.

Every date inside the generator is an integer day number (days since
1970-01-01) and every month an integer month number (months since 1970-01), so
that millions of rows stay plain numpy arrays until they are written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CalibrateError
from ..periods import Period, parse_period

__all__ = ["Timeline", "build_timeline", "day_number", "month_number", "month_first_day"]


def day_number(ts) -> int:
    """Days since 1970-01-01 of a date-like value."""
    return int(np.datetime64(pd.Timestamp(ts).date(), "D").astype(np.int64))


def month_number(ts) -> int:
    """Months since 1970-01 of a date-like value."""
    ts = pd.Timestamp(ts)
    return (ts.year - 1970) * 12 + ts.month - 1


def month_first_day(months) -> np.ndarray:
    """Day number of the first day of each month number."""
    return np.asarray(months, dtype="int64").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


@dataclass(frozen=True)
class Timeline:
    """The data window ``[w0, t1)``: ``quarters`` quarters ending with ``review``.

    ``months`` holds the month numbers from the month of ``w0`` to the month of
    ``t1`` inclusive (the ``arr`` table carries ARR at T1). ``weeks`` holds the
    day numbers of the Mondays in ``[w0, t1)`` (the weekly health dates).
    """

    review: Period
    quarters: tuple[Period, ...]
    w0: int
    t0: int
    t1: int
    months: np.ndarray
    month_days: np.ndarray
    weeks: np.ndarray

    @property
    def n_months(self) -> int:
        return len(self.months)

    @property
    def n_weeks(self) -> int:
        return len(self.weeks)

    def month_index(self, day) -> np.ndarray | int:
        """Index into ``months`` of the month containing each day number."""
        months = np.asarray(day, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        return months - int(self.months[0])

    def week_index(self, day) -> np.ndarray | int:
        """Index of the last health week starting on or before each day (clipped to the window)."""
        idx = np.searchsorted(self.weeks, np.asarray(day, dtype="int64"), side="right") - 1
        return np.clip(idx, 0, self.n_weeks - 1)

    def quarter_bounds(self) -> np.ndarray:
        """``(n_quarters, 2)`` day numbers ``[start, end)`` of every quarter, oldest first."""
        return np.array([[day_number(q.start), day_number(q.end)] for q in self.quarters], dtype="int64")


def build_timeline(end_period: str, quarters: int) -> Timeline:
    """The calendar of ``quarters`` quarters ending with ``end_period`` (``2026-Q3``)."""
    if quarters < 4:
        raise CalibrateError(
            f"The sample needs at least 4 quarters of history to plant its scenarios. Got quarters={quarters}; "
            "use --quarters 4 or more (default 8)."
        )
    review = parse_period(end_period)
    periods = tuple(review.shift(-k) for k in range(quarters - 1, -1, -1))
    w0, t0, t1 = day_number(periods[0].start), day_number(review.start), day_number(review.end)
    months = np.arange(month_number(periods[0].start), month_number(review.end) + 1, dtype="int64")
    first_monday = w0 + (-(w0 - 4) % 7)  # 1970-01-05 (day 4) was a Monday
    weeks = np.arange(first_monday, t1, 7, dtype="int64")
    return Timeline(review, periods, w0, t0, t1, months, month_first_day(months), weeks)
