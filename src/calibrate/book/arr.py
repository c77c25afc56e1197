"""ARR at a date: the ``arr`` row of the month containing the date, as a dense matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InsufficientDataError
from ..periods import Period
from .asof import arrow_strings, id_codes

__all__ = ["ArrSeries", "arr_series", "require_arr_through"]


def _month_number(dates) -> np.ndarray:
    """Months since 1970-01 for each date (int64); NaT gives a very negative number."""
    values = pd.Series(dates, copy=False).to_numpy(dtype="datetime64[ns]")
    return values.astype("datetime64[M]").astype(np.int64)


@dataclass(frozen=True)
class ArrSeries:
    """Monthly ARR as a dense matrix (accounts x months), carried forward.

    ``values[i, m]`` is the ARR of ``accounts[i]`` on the first day of month
    ``first_month + m``: the row for that month, else the last earlier row,
    else 0 (before the account's first row). Build with ``arr_series``.
    """

    accounts: pd.Index
    first_month: int
    values: np.ndarray
    last_month_present: pd.Timestamp | None

    def at(self, account_ids, dates) -> np.ndarray:
        """ARR at each (account, date): the row of the month containing the date.

        Unknown accounts and dates before the first month give 0; dates after
        the last month carry the last value forward; NaT gives NaN.
        """
        codes = id_codes(account_ids, arrow_strings(self.accounts))
        dates_ns = pd.Series(dates, copy=False).to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(dates_ns)
        months = np.where(missing, 0, _month_number(np.where(missing, np.datetime64("1970-01-01", "ns"), dates_ns)))
        offset = months - self.first_month
        n_months = self.values.shape[1] if self.values.size else 0
        out = np.zeros(len(codes), dtype=float)
        ok = (codes >= 0) & (offset >= 0) & (n_months > 0)
        if ok.any():
            out[ok] = self.values[codes[ok], np.minimum(offset[ok], n_months - 1)]
        out[missing] = np.nan
        return out


def arr_series(arr: pd.DataFrame) -> ArrSeries:
    """Build the dense monthly ARR lookup from a validated ``arr`` table."""
    if arr.empty:
        return ArrSeries(pd.Index([], dtype="string"), 0, np.zeros((0, 0)), None)
    accounts = pd.Index(pd.unique(arr["account_id"].astype("string"))).sort_values()
    months = _month_number(arr["month"])
    first = int(months.min())
    n_months = int(months.max()) - first + 1
    rows = id_codes(arr["account_id"], arrow_strings(accounts))
    matrix = np.full((len(accounts), n_months), np.nan)
    matrix[rows, months - first] = arr["arr"].to_numpy(dtype=float)
    # Carry the last present value forward along each row; 0 before the first row.
    present = ~np.isnan(matrix)
    last_index = np.where(present, np.arange(n_months), -1)
    np.maximum.accumulate(last_index, axis=1, out=last_index)
    filled = np.where(last_index >= 0, matrix[np.arange(len(accounts))[:, None], np.maximum(last_index, 0)], 0.0)
    return ArrSeries(accounts, first, filled, pd.Timestamp(arr["month"].max()))


def require_arr_through(series: ArrSeries, period: Period) -> None:
    """Raise ``InsufficientDataError`` unless ``arr`` holds the month containing T1.

    ARR at the end of a window that reaches T1 is the row of T1's month (the
    2026-10 row for 2026-Q3); without it every book would look flat.
    """
    needed = period.end.to_period("M").to_timestamp()
    have = series.last_month_present
    if have is None or have < needed:
        got = "no rows" if have is None else f"rows through {have:%Y-%m}"
        raise InsufficientDataError(
            f"The arr table has {got}, but {period.label} needs the {needed:%Y-%m} rows: ARR at the end of the "
            f"period (T1 = {period.end:%Y-%m-%d}) is the row of the month containing T1. Add the {needed:%Y-%m} "
            "rows to arr, or review an earlier period."
        )
