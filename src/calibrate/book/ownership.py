"""Ownership windows: normalised, who owned an account when, the book on a date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period
from .asof import asof_positions

__all__ = ["OPEN_END", "normalize_ownership", "owner_at", "book_at", "period_close"]

# Stand-in for an open end (no end_date): far beyond any review period.
OPEN_END = pd.Timestamp("2200-01-01")


def normalize_ownership(ownership: pd.DataFrame) -> pd.DataFrame:
    """Ownership sorted by account and start, with back-to-back same-CSM windows merged.

    Returns ``account_id``, ``csm_id``, ``start_date``, ``end_date`` (NaT =
    still owned), a new frame; the input is not modified.
    """
    own = ownership[["account_id", "csm_id", "start_date", "end_date"]].copy()
    own["account_id"] = own["account_id"].astype("string")
    own["csm_id"] = own["csm_id"].astype("string")
    own = own.sort_values(["account_id", "start_date"], kind="stable").reset_index(drop=True)
    same_account = own["account_id"].eq(own["account_id"].shift()).fillna(False).to_numpy(bool)
    same_csm = own["csm_id"].eq(own["csm_id"].shift()).fillna(False).to_numpy(bool)
    contiguous = (own["start_date"] == own["end_date"].shift()).to_numpy(bool)
    new_run = ~(same_account & same_csm & contiguous)
    run = np.cumsum(new_run)
    if new_run.all():
        return own
    end_open = own["end_date"].isna()
    merged = own.assign(_run=run, _end=own["end_date"].where(~end_open, OPEN_END))
    merged = merged.groupby("_run", sort=True).agg(
        account_id=("account_id", "first"), csm_id=("csm_id", "first"), start_date=("start_date", "first"), end_date=("_end", "last")
    )
    merged["end_date"] = merged["end_date"].where(merged["end_date"] != OPEN_END)
    return merged.reset_index(drop=True)


def owner_at(ownership: pd.DataFrame, account_ids, times) -> pd.Series:
    """The CSM who owned each account at each time (actual ownership, no grace).

    Parameters
    ----------
    ownership : DataFrame
        Validated ``ownership`` (raw or normalised).
    account_ids, times : array-like
        One account and one timestamp per event (ticket, survey, flag...).

    Returns
    -------
    Series of ``string`` csm ids, positionally aligned with the inputs; NA
    where nobody owned the account at that time (``start <= t < end``).
    """
    own = normalize_ownership(ownership)
    times_ns = pd.Series(times, copy=False).to_numpy(dtype="datetime64[ns]")
    pos = asof_positions(own["account_id"], own["start_date"], account_ids, times_ns)
    found = pos >= 0
    safe = np.where(found, pos, 0)
    ends = own["end_date"].fillna(OPEN_END).to_numpy(dtype="datetime64[ns]")
    hit = found & (times_ns < ends[safe]) if len(own) else found
    out = np.full(len(pos), None, dtype=object)
    out[hit] = own["csm_id"].to_numpy(dtype=object)[safe[hit]]
    return pd.Series(out, dtype="string")


def period_close(period: Period) -> pd.Timestamp:
    """The last day of the period (``T1 - 1 day``): the date of the book "at T1"."""
    return period.end - pd.Timedelta(days=1)


def book_at(ownership: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    """Accounts owned at ``date`` (``start_date <= date < end_date``), one row each.

    Returns ``account_id``, ``csm_id``, ``start_date``, ``end_date``.
    """
    own = normalize_ownership(ownership)
    date = pd.Timestamp(date)
    mask = (own["start_date"] <= date) & (own["end_date"].isna() | (own["end_date"] > date))
    return own.loc[mask.to_numpy(bool)].reset_index(drop=True)
