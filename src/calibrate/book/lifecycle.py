"""Account lifecycle: one state per (CSM, account) and quarter, and the live book.

This module is the only place that decides what an assigned account *was*
for a CSM in a quarter. Every count a report shows ("accounts at quarter
end", "new logos", "inherited", "dormant", "renewals due") reads the frame
built here. The rules are written out for users in ``docs/LIFECYCLE.md``.

Monthly ARR
-----------
ARR at a date is the ``arr`` row of the month containing it (see
``calibrate.book``). For ``P = [T0, T1)`` the months of P are the month of
T0 and the two after it (July, August, September for 2026-Q3); ``ARR(T1)``
is the row of the month after P.

The live book
-------------
An account is in a CSM's **live book at quarter end** when the CSM owned it
on the quarter's last day (``T1 - 1 day``) and its ARR in the quarter's last
month is above $0. Unless a label says otherwise, every "accounts" count
means this book.

States (exactly one per row, first rule that holds wins)
--------------------------------------------------------
1. ``dormant``: ARR is $0 in every month of P (churned before P, a trial, a
   record never billed). Not in the book, not a new logo, not a renewal due.
2. ``new_logo``: ARR(T0) is $0, the account never had ARR above $0 before
   T0, and it has ARR above $0 in a later month of P.
3. ``reactivated``: ARR(T0) is $0, the account had ARR above $0 before T0,
   and it is above $0 again in a later month of P.
4. ``churned``: the CSM was credited with the account's retention
   (``S_w > 0``) and its ARR at the end of the credited window is $0.
5. ``handed_away``: the CSM's ownership ended inside P (or the CSM holds only
   the handover-grace credit of an account handed over just before P).
6. ``inherited``: the CSM's ownership began inside P (a handover or a new
   assignment) on an account that was already a customer.
7. ``expanded`` / ``contracted`` / ``retained``: ARR at the end of the CSM's
   window above / below / equal to ARR at its start.

``inherited`` is also kept as a flag beside the state (an inherited account
can still churn): the ``inherited_book`` flag reads it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period
from .arr import ArrSeries
from .ownership import period_close

__all__ = [
    "RENEWALS_DUE_DAYS",
    "LIFECYCLE_STATES",
    "LIFECYCLE_COLUMNS",
    "account_lifecycle",
    "live_book",
    "lifecycle_counts",
    "upcoming_renewals",
    "dormant_assignments",
    "dormant_warning",
]

# "Renewals due" in every report means renewals dated in the 90 days after the quarter.
RENEWALS_DUE_DAYS = 90

LIFECYCLE_STATES = (
    "retained",
    "expanded",
    "contracted",
    "churned",
    "new_logo",
    "reactivated",
    "inherited",
    "handed_away",
    "dormant",
)

LIFECYCLE_COLUMNS = (
    "csm_id",
    "account_id",
    "state",
    "owned_from",
    "owned_until",
    "credited_from",
    "credited_until",
    "arr_start",
    "arr_end",
    "arr_t0",
    "arr_last_month",
    "arr_t1",
    "in_retention",
    "in_live_book",
    "inherited",
    "handed_away",
    "previous_csm_id",
    "next_csm_id",
    "notice_date",
    "arr_at_risk",
)


def _month_index(arr: ArrSeries, date: pd.Timestamp) -> int:
    return int(pd.Timestamp(date).to_period("M").ordinal - pd.Period("1970-01", "M").ordinal) - arr.first_month


def _arr_profile(arr: ArrSeries, account_ids: pd.Series, period: Period) -> pd.DataFrame:
    """Per account: ARR in each month of P, at T1, and whether it ever had ARR before T0."""
    accounts = pd.Index(pd.unique(account_ids.astype("string")))
    n = len(accounts)
    t0 = pd.Series(period.start, index=range(n))
    months = [period.start + pd.DateOffset(months=k) for k in range(3)]
    profile = pd.DataFrame({"account_id": accounts.astype("string")})
    for k, month in enumerate(months):
        profile[f"m{k}"] = arr.at(accounts, pd.Series(month, index=range(n)))
    profile["arr_t1"] = arr.at(accounts, pd.Series(period.end, index=range(n)))
    profile["arr_last_month"] = arr.at(accounts, pd.Series(period_close(period), index=range(n)))
    ever_before = np.zeros(n, dtype=bool)
    upto = _month_index(arr, period.start)  # column of T0's month; earlier columns are before P
    if arr.values.size and upto > 0 and n:
        codes = arr.accounts.get_indexer(accounts)
        known = codes >= 0
        cols = min(upto, arr.values.shape[1])
        ever_before[known] = (arr.values[codes[known], :cols] > 0).any(axis=1)
    profile["ever_before"] = ever_before
    profile["arr_t0"] = arr.at(accounts, t0)
    return profile


def _notices(renewals: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    """Per account, the churn notice in force: a notice given before T1 for a renewal on or after T0."""
    cols = ["account_id", "notice_date", "notice_arr"]
    if renewals is None or "notice_date" not in renewals or renewals.empty:
        return pd.DataFrame(columns=cols)
    given = renewals.loc[
        renewals["notice_date"].notna().to_numpy(bool)
        & (renewals["notice_date"] < period.end).fillna(False).to_numpy(bool)
        & (renewals["renewal_date"] >= period.start).fillna(False).to_numpy(bool)
        & renewals["outcome"].isin(["churned", "pending"]).fillna(False).to_numpy(bool)
    ]
    if given.empty:
        return pd.DataFrame(columns=cols)
    given = given.sort_values(["account_id", "notice_date"], kind="stable").groupby("account_id", sort=False).tail(1)
    return pd.DataFrame(
        {
            "account_id": given["account_id"].astype("string").to_numpy(),
            "notice_date": given["notice_date"].to_numpy(),
            "notice_arr": pd.to_numeric(given["arr_before"], errors="coerce").to_numpy(dtype=float),
        }
    )


def account_lifecycle(windows: pd.DataFrame, arr: ArrSeries, period: Period, *, renewals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (CSM, account) with a window in P: its lifecycle state and the ARR behind it.

    Parameters
    ----------
    windows : DataFrame
        From ``calibrate.book.attribution_windows`` for ``period``.
    arr : ArrSeries
        From ``arr_series(dataset["arr"])``.
    period : Period
        ``P = [T0, T1)``.
    renewals : DataFrame, optional
        The validated ``renewals`` table, for churn notices.

    Returns
    -------
    DataFrame with ``LIFECYCLE_COLUMNS``, sorted by ``csm_id``, ``account_id``:

    * ``owned_from`` / ``owned_until``: actual ownership clipped to P (NaT when
      the CSM holds only the handover-grace credit);
    * ``credited_from`` / ``credited_until``: the attribution window (NaT when none);
    * ``arr_start`` / ``arr_end``: ARR at the start and end of the credited
      window, else of the owned window;
    * ``arr_t0``, ``arr_last_month``, ``arr_t1``: the account's ARR at T0, in
      P's last month and at T1;
    * ``in_retention``: counted in this CSM's NRR and GRR;
    * ``in_live_book``: owned on P's last day with ARR above $0 in P's last month;
    * ``inherited`` / ``handed_away``: ownership began / ended inside P;
    * ``notice_date`` / ``arr_at_risk``: the churn notice in force (given
      before T1 for a renewal on or after T0) and the ARR it puts at risk
      (``arr_before`` of that renewal, else the last ARR above $0).
    """
    if windows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LIFECYCLE_COLUMNS})
    t0, t1 = period.start, period.end
    w = windows.copy()
    w["csm_id"] = w["csm_id"].astype("string")
    w["account_id"] = w["account_id"].astype("string")
    w["_began_in_p"] = (w["start_date"] >= t0) & w["owned_from"].notna()
    w["_ended_in_p"] = w["end_date"].notna() & (w["end_date"] < t1)
    w["_owns_at_close"] = w["owned_to"].eq(t1).fillna(False)
    first = w.sort_values(["csm_id", "account_id", "start_date"], kind="stable")
    grouped = first.groupby(["csm_id", "account_id"], sort=True)
    rows = grouped.agg(
        owned_from=("owned_from", "min"),
        owned_until=("owned_to", "max"),
        credited_from=("attr_from", "min"),
        credited_until=("attr_to", "max"),
        in_retention=("retention_window", "any"),
        inherited=("_began_in_p", "last"),
        handed_away=("_ended_in_p", "last"),
        owns_at_close=("_owns_at_close", "any"),
        previous_csm_id=("previous_csm_id", "first"),
        next_csm_id=("next_csm_id", "last"),
        s_arr=("s_arr", "first"),
        e_arr=("e_arr", "last"),
    ).reset_index()

    profile = _arr_profile(arr, rows["account_id"], period).set_index("account_id")
    prof = profile.reindex(rows["account_id"].to_numpy())
    active = (prof[["m0", "m1", "m2"]].to_numpy(float) > 0).any(axis=1)
    arr_t0 = prof["arr_t0"].to_numpy(float)
    ever_before = prof["ever_before"].to_numpy(bool)

    credited = rows["credited_from"].notna().to_numpy(bool)
    start_at = rows["credited_from"].where(credited, rows["owned_from"])
    end_at = rows["credited_until"].where(credited, rows["owned_until"])
    arr_start = np.where(credited, rows["s_arr"].to_numpy(float), arr.at(rows["account_id"], start_at))
    arr_end = np.where(credited, rows["e_arr"].to_numpy(float), arr.at(rows["account_id"], end_at))

    in_retention = rows["in_retention"].to_numpy(bool)
    owned = rows["owned_from"].notna().to_numpy(bool)
    handed_away = rows["handed_away"].to_numpy(bool) | ~owned
    new_logo = active & (arr_t0 <= 0) & ~ever_before
    reactivated = active & (arr_t0 <= 0) & ever_before
    inherited = rows["inherited"].fillna(False).to_numpy(bool) & owned & active & ~new_logo & ~reactivated
    churned = in_retention & (arr_end == 0)

    conditions = [
        ~active,
        new_logo,
        reactivated,
        churned,
        handed_away,
        inherited,
        arr_end > arr_start,
        arr_end < arr_start,
    ]
    choices = ["dormant", "new_logo", "reactivated", "churned", "handed_away", "inherited", "expanded", "contracted"]
    state = np.select(conditions, choices, default="retained")

    out = pd.DataFrame(
        {
            "csm_id": rows["csm_id"],
            "account_id": rows["account_id"],
            "state": pd.Series(state, dtype="string"),
            "owned_from": rows["owned_from"],
            "owned_until": rows["owned_until"],
            "credited_from": rows["credited_from"],
            "credited_until": rows["credited_until"],
            "arr_start": arr_start,
            "arr_end": arr_end,
            "arr_t0": arr_t0,
            "arr_last_month": prof["arr_last_month"].to_numpy(float),
            "arr_t1": prof["arr_t1"].to_numpy(float),
            "in_retention": in_retention,
            "in_live_book": rows["owns_at_close"].to_numpy(bool) & (prof["arr_last_month"].to_numpy(float) > 0),
            "inherited": inherited,
            "handed_away": handed_away & active,
            "previous_csm_id": rows["previous_csm_id"].astype("string"),
            "next_csm_id": rows["next_csm_id"].astype("string"),
        }
    )
    notices = _notices(renewals, period).set_index("account_id") if renewals is not None else None
    if notices is not None and len(notices):
        found = notices.reindex(out["account_id"].to_numpy())
        out["notice_date"] = pd.to_datetime(found["notice_date"].to_numpy())
        last_positive = np.where(out["arr_last_month"] > 0, out["arr_last_month"], out["arr_start"])
        at_risk = np.where(np.isnan(found["notice_arr"].to_numpy(float)), last_positive, found["notice_arr"].to_numpy(float))
        out["arr_at_risk"] = np.where(found["notice_date"].notna().to_numpy(bool), at_risk, np.nan)
    else:
        out["notice_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        out["arr_at_risk"] = np.nan
    # A dormant record carries no live notice: nothing is at risk on an account already at $0.
    dormant = out["state"].eq("dormant").to_numpy(bool)
    out.loc[dormant, "arr_at_risk"] = np.nan
    out.loc[dormant, "notice_date"] = pd.NaT
    return out.loc[:, list(LIFECYCLE_COLUMNS)].reset_index(drop=True)


def live_book(lifecycle: pd.DataFrame) -> pd.DataFrame:
    """The live book at quarter end: rows with ``in_live_book`` (see module docstring)."""
    return lifecycle.loc[lifecycle["in_live_book"].to_numpy(bool)].reset_index(drop=True)


def lifecycle_counts(lifecycle: pd.DataFrame) -> pd.DataFrame:
    """Per CSM: ``n_accounts`` (live book), ``live_book_arr``, one ``n_<state>`` per state, ``inherited_accounts``.

    ``live_book_arr`` sums ARR in P's last month over the live book.
    ``inherited_accounts`` counts live-book accounts whose ownership began
    inside P (the flag beside the state, so an inherited account that
    expanded still counts).
    """
    frame = lifecycle.assign(_live=lifecycle["in_live_book"].astype(int))
    frame["_live_arr"] = np.where(frame["_live"] > 0, frame["arr_last_month"], 0.0)
    frame["_inherited_live"] = (frame["inherited"] & frame["in_live_book"]).astype(int)
    per = frame.groupby("csm_id", sort=True).agg(
        n_accounts=("_live", "sum"), live_book_arr=("_live_arr", "sum"), inherited_accounts=("_inherited_live", "sum")
    )
    states = pd.crosstab(frame["csm_id"], frame["state"]).reindex(columns=list(LIFECYCLE_STATES), fill_value=0)
    states.columns = [f"n_{s}" for s in states.columns]
    per = per.join(states, how="left").fillna(0)
    per.index = per.index.astype("string")
    per.index.name = "csm_id"
    return per


def upcoming_renewals(lifecycle: pd.DataFrame, renewals: pd.DataFrame | None, period: Period, *, days: int = RENEWALS_DUE_DAYS) -> pd.DataFrame:
    """Renewals due in the ``days`` after P on accounts in a CSM's live book.

    Returns ``csm_id``, ``account_id``, ``renewal_date``, ``outcome``,
    ``arr`` (ARR in P's last month: the ARR that renews), ``notice_date`` and
    ``arr_at_risk`` (set when the customer has given churn notice), sorted by
    CSM and date. Dormant records are never in it (they are not in the live
    book); an account whose churn takes effect at T1 is, at the ARR it puts
    at risk, because it was live on P's last day.
    """
    cols = ["csm_id", "account_id", "renewal_date", "outcome", "arr", "notice_date", "arr_at_risk"]
    if renewals is None or renewals.empty or lifecycle.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    horizon = period.end + pd.Timedelta(days=int(days))
    due = renewals.loc[((renewals["renewal_date"] >= period.end) & (renewals["renewal_date"] < horizon)).fillna(False).to_numpy(bool)]
    due = due.assign(account_id=due["account_id"].astype("string"))
    live = live_book(lifecycle)[["csm_id", "account_id", "arr_last_month", "notice_date", "arr_at_risk"]]
    merged = due[["account_id", "renewal_date", "outcome"]].merge(live, on="account_id", how="inner")
    merged = merged.rename(columns={"arr_last_month": "arr"})
    return merged.loc[:, cols].sort_values(["csm_id", "renewal_date", "account_id"], kind="stable").reset_index(drop=True)


def dormant_assignments(lifecycle: pd.DataFrame) -> pd.DataFrame:
    """Rows in state ``dormant``: ``csm_id``, ``account_id`` (for the validate warning and RevOps clean-up)."""
    rows = lifecycle.loc[lifecycle["state"].eq("dormant").to_numpy(bool), ["csm_id", "account_id"]]
    return rows.reset_index(drop=True)


def dormant_warning(ownership: pd.DataFrame, arr: ArrSeries, period: Period, *, handover_grace_days: int, show: int = 5) -> str | None:
    """The ``calibrate validate`` warning for dormant assignments in ``period``, or None.

    A dormant assignment is an account assigned to a CSM in P whose ARR is $0
    in every month of P (churned earlier, a trial, a record never billed).
    The workbook keeps it out of every book, new-logo list and renewals due;
    the warning gives the count and the first ``show`` account ids so the
    CRM's owner can clean the records. Returns None when there are none or
    when the ``arr`` table does not reach P.
    """
    from .arr import require_arr_through
    from .attribution import attribution_windows
    from ..errors import InsufficientDataError

    try:
        require_arr_through(arr, period)
    except InsufficientDataError:
        return None
    windows = attribution_windows(ownership, arr, period, handover_grace_days=handover_grace_days)
    rows = dormant_assignments(account_lifecycle(windows, arr, period))
    if rows.empty:
        return None
    ids = list(pd.unique(rows["account_id"]))
    first = ", ".join(str(a) for a in ids[:show])
    more = f" and {len(ids) - show} more" if len(ids) > show else ""
    return (
        f"ownership: {len(ids)} account(s) assigned to a CSM in {period.label} had $0 ARR in every month of the quarter "
        f"(dormant: churned earlier, a trial or never billed): {first}{more}. They are left out of every book, "
        "new-logo list and renewals due; end or remove these assignments in the CRM to clear this warning."
    )
