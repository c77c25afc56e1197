"""Attribution windows with the handover grace, inherited books, and the movement reconciliation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period
from .arr import ArrSeries
from .ownership import OPEN_END, normalize_ownership

__all__ = ["attribution_windows", "owned_windows", "inherited_book", "movement_reconciliation"]


def attribution_windows(
    ownership: pd.DataFrame,
    arr: ArrSeries,
    period: Period,
    *,
    handover_grace_days: int,
) -> pd.DataFrame:
    """One row per ownership window that touches the period, actual or attributed.

    Parameters
    ----------
    ownership : DataFrame
        Validated ``ownership``.
    arr : ArrSeries
        From ``arr_series(dataset["arr"])``.
    period : Period
        ``P = [T0, T1)``.
    handover_grace_days : int
        Days a handover boundary moves later (capped at the later window's end).

    Returns
    -------
    DataFrame with, per window: ``account_id``, ``csm_id``, ``start_date``,
    ``end_date`` (actual, NaT = open), ``previous_csm_id`` / ``next_csm_id``
    (the owner handing over / taking over at a handover, else NA),
    ``owned_from`` / ``owned_to`` (actual ownership clipped to P, NaT when the
    CSM did not own the account in P), ``attr_from`` / ``attr_to`` (the
    attribution window ``[a, b)``, NaT when empty), ``f`` = (b - a) / |P|,
    ``s_arr`` = ARR(a), ``e_arr`` = ARR(b), ``account_start_arr`` = ARR(T0),
    ``in_cohort`` (ARR(T0) > 0) and ``retention_window`` (attribution window
    not empty, account in the cohort and S_w > 0).
    """
    t0, t1 = period.start, period.end
    own = normalize_ownership(ownership)
    grace = pd.Timedelta(days=int(handover_grace_days))
    same_next = own["account_id"].eq(own["account_id"].shift(-1)).fillna(False).to_numpy(bool)
    next_start = own["start_date"].shift(-1)
    next_end = own["end_date"].shift(-1).fillna(OPEN_END)
    handover_out = same_next & (own["end_date"] == next_start).to_numpy(bool)
    end_filled = own["end_date"].fillna(OPEN_END)
    shifted_end = (end_filled + grace).where(end_filled + grace < next_end, next_end)
    attr_end = end_filled.where(~handover_out, shifted_end)
    handover_in = np.r_[False, handover_out[:-1]]
    attr_start = own["start_date"].where(~handover_in, attr_end.shift(1))

    out = own.copy()
    csm = own["csm_id"]
    out["previous_csm_id"] = csm.shift(1).where(handover_in)
    out["next_csm_id"] = csm.shift(-1).where(handover_out)
    owned_from = own["start_date"].clip(lower=t0)
    owned_to = end_filled.clip(upper=t1)
    owned = (owned_from < owned_to).to_numpy(bool)
    a = attr_start.clip(lower=t0)
    b = attr_end.clip(upper=t1)
    attributed = (a < b).to_numpy(bool)
    out["owned_from"] = owned_from.where(owned)
    out["owned_to"] = owned_to.where(owned)
    out["attr_from"] = a.where(attributed)
    out["attr_to"] = b.where(attributed)
    out = out.loc[owned | attributed].reset_index(drop=True)
    out["f"] = (out["attr_to"] - out["attr_from"]).dt.days / period.days
    out["s_arr"] = arr.at(out["account_id"], out["attr_from"])
    out["e_arr"] = arr.at(out["account_id"], out["attr_to"])
    out["account_start_arr"] = arr.at(out["account_id"], pd.Series(t0, index=out.index))
    out["in_cohort"] = out["account_start_arr"] > 0
    out["retention_window"] = out["attr_from"].notna() & out["in_cohort"] & (out["s_arr"] > 0)
    return out


def owned_windows(windows: pd.DataFrame) -> pd.DataFrame:
    """The window each CSM actually owned each account in the period (no grace).

    Returns ``csm_id``, ``account_id``, ``owned_from``, ``owned_to``
    (exclusive), ``previous_csm_id``, ``next_csm_id``, ``attr_from``,
    ``attr_to``: what the review states as "owned from ... to ...".
    """
    cols = ["csm_id", "account_id", "owned_from", "owned_to", "previous_csm_id", "next_csm_id", "attr_from", "attr_to"]
    rows = windows.loc[windows["owned_from"].notna(), cols]
    return rows.sort_values(["csm_id", "account_id", "owned_from"], kind="stable").reset_index(drop=True)


def inherited_book(lifecycle: pd.DataFrame, *, inherited_share_threshold: float) -> pd.DataFrame:
    """Share of each CSM's live-book ARR at T1 in accounts inherited inside P.

    ``inherited_share = sum(ARR(T1) of live-book accounts with the lifecycle's
    inherited flag) / sum(ARR(T1) of the live book)``;
    ``inherited_book = inherited_share > inherited_share_threshold``. NaN share
    (and no flag) when the live book's ARR at T1 is 0. The live book and the
    inherited flag come from ``calibrate.book.lifecycle.account_lifecycle``,
    so this count and every report's count are the same accounts. An account
    assigned as a new logo is not inherited: nobody else's work is in it.

    Returns one row per CSM in ``lifecycle``: ``csm_id``, ``n_accounts``
    (live book), ``end_book_arr``, ``inherited_arr``, ``inherited_accounts``,
    ``inherited_share``, ``inherited_book``.
    """
    live = lifecycle["in_live_book"].to_numpy(bool)
    arr_t1 = np.where(live, lifecycle["arr_t1"].to_numpy(float), 0.0)
    took_over = live & lifecycle["inherited"].to_numpy(bool)
    frame = pd.DataFrame(
        {
            "csm_id": lifecycle["csm_id"].astype("string"),
            "live": live.astype(int),
            "arr_t1": arr_t1,
            "inherited_arr": np.where(took_over, arr_t1, 0.0),
            "inherited": took_over.astype(int),
        }
    )
    per = frame.groupby("csm_id", sort=True).agg(
        n_accounts=("live", "sum"),
        end_book_arr=("arr_t1", "sum"),
        inherited_arr=("inherited_arr", "sum"),
        inherited_accounts=("inherited", "sum"),
    )
    share = per["inherited_arr"] / per["end_book_arr"].where(per["end_book_arr"] > 0)
    per["inherited_share"] = share
    per["inherited_book"] = (share > inherited_share_threshold).fillna(False).astype(bool)
    return per.reset_index()


def movement_reconciliation(windows: pd.DataFrame, arr: ArrSeries, period: Period) -> dict[str, float]:
    """Company ARR movement of the cohort vs the sum attributed to CSMs.

    ``company_movement = sum over cohort accounts of (E_k - S_k)``;
    ``attributed_movement = sum over retention windows of (E_w - S_w)``;
    ``unattributed_movement`` is the difference: movement while nobody owned
    the account, or ARR regained after a churn to 0. It is 0 when every cohort
    account is owned without a gap through the period.
    """
    accounts = arr.accounts
    t0 = np.full(len(accounts), np.datetime64(period.start, "ns"))
    t1 = np.full(len(accounts), np.datetime64(period.end, "ns"))
    s_k = arr.at(accounts, t0)
    e_k = arr.at(accounts, t1)
    cohort = s_k > 0
    company = float((e_k[cohort] - s_k[cohort]).sum())
    ret = windows.loc[windows["retention_window"]]
    attributed = float((ret["e_arr"] - ret["s_arr"]).sum())
    return {
        "company_start_arr": float(s_k[cohort].sum()),
        "company_movement": company,
        "attributed_movement": attributed,
        "unattributed_movement": company - attributed,
    }
