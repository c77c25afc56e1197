"""The account × quarter panel on which the AI copilot's flags are judged.

One row per account and quarter, indexed at the quarter's start ``t0``.
Everything a model may use is known at ``t0``; everything it is judged on
happens after ``t0``.

Features (as of ``t0``)
    * ``health``: the latest health score on or before ``t0`` (NaN if none)
    * ``segment``: the account's segment
    * ``log_arr = log(1 + ARR(t0))``
    * ``tenure_years = max(t0 - customer_since, 0) / 365.25 days`` (NaN if unknown)
    * ``next_renewal``: the first ``renewals.renewal_date`` after ``t0``
      (a contract date, known in advance; ``renewal due`` is derived per horizon)

Exposure (per flag kind ``k``)
    The AI raised ``k`` on the account in ``[t0 - L, t0)`` (L = lookback, 90 d):
    ``flagged_<k>`` (0/1), ``n_<k>`` (flags raised), ``score_<k>`` (highest
    flag score, 0 when none), ``actioned_<k>`` (any of them actioned by the CSM).
    The window ends strictly before ``t0``: a flag raised on or after ``t0``
    never counts as a prediction for that row.

Events (after ``t0``; the labels are cut per horizon by ``panel_for_horizon``)
    * churn: the first churn signal after ``t0``. Signals are a renewal's
      ``notice_date`` (outcome not ``renewed``) and, for churns without a
      notice, the month in which ARR went to 0, dated to the 15th of the last
      month with ARR > 0 (ARR is known on the first of each month only, so
      the midpoint keeps a churn in a quarter's last month inside that quarter).
    * escalation: the first escalated ticket after ``t0``, dated
      ``escalated_at`` (``opened_at`` when that is missing).

Rows dropped
    * ``churned``: ARR(t0) = 0 after having been > 0, or a churn notice was
      already given (``notice_date <= t0 <= renewal_date``).
    * ``censored`` (per horizon H): ``t0 + H`` is after the data's end (the
      last ``arr`` month), so the label window is not fully observed.
    Rows of accounts with no ARR at ``t0`` and none before are not customers
    yet; they are counted (``n_not_customer``) but are not drops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..errors import InsufficientDataError
from ..periods import Period, period_containing

__all__ = ["Panel", "HorizonPanel", "build_panel", "panel_for_horizon", "panel_quarters", "churn_signals",
           "escalation_events"]

_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class Panel:
    """Account × quarter rows with features, flag exposure and next event dates.

    ``frame`` still holds the rows already churned at ``t0`` (column
    ``churned_at_t0``) so that each horizon can count its drops.
    """

    frame: pd.DataFrame
    quarters: tuple[str, ...]
    flag_kinds: tuple[str, ...]
    lookback_days: int
    data_end: pd.Timestamp
    n_not_customer: int
    quarters_without_flag_history: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class HorizonPanel:
    """The rows kept for one horizon, with labels, and how many were dropped."""

    frame: pd.DataFrame
    horizon_days: int
    n_rows: int
    n_dropped_churned: int
    n_dropped_censored: int
    quarters: tuple[str, ...]


def panel_quarters(
    arr_months: pd.Series,
    *,
    last: Period,
    first_flag: pd.Timestamp | None = None,
    lookback_days: int = 90,
) -> tuple[list[Period], list[Period]]:
    """Quarters that enter the panel, and those left out for lack of flag history.

    A quarter enters when its start lies within the ``arr`` data and is not
    after ``last``. It is left out (second list) when the copilot was not yet
    live for its lookback: the month of the first flag is after the month of
    ``t0 - lookback_days``.
    """
    if arr_months.empty:
        return [], []
    first_month, last_month = arr_months.min(), arr_months.max()
    quarter = period_containing(first_month, fiscal_year_start_month=last.fiscal_year_start_month)
    if quarter.start < first_month:
        quarter = quarter.shift(1)
    kept: list[Period] = []
    skipped: list[Period] = []
    while quarter <= last and quarter.start <= last_month:
        start_of_lookback = (quarter.start - lookback_days * _DAY).to_period("M")
        if first_flag is not None and first_flag.to_period("M") > start_of_lookback:
            skipped.append(quarter)
        else:
            kept.append(quarter)
        quarter = quarter.shift(1)
    return kept, skipped


def build_panel(dataset: Dataset, *, last: Period, lookback_days: int = 90) -> Panel:
    """Build the account × quarter panel for every quarter up to ``last``.

    Parameters
    ----------
    dataset : Dataset
        Validated tables; ``ai_flags`` must be present (``renewals`` and
        ``tickets`` are optional: without them there are no notice dates and
        no escalations).
    last : Period
        The last quarter to include (the review period).
    lookback_days : int, keyword-only
        Length L of the exposure window ``[t0 - L, t0)``.

    Returns
    -------
    Panel
        See the module docstring for each column.
    """
    flags = dataset.get("ai_flags")
    if flags is None or flags.empty:
        raise InsufficientDataError(
            "The ai_flags table is missing or empty, so there are no flags to validate. "
            "Add ai_flags.csv to the data folder to get the flag validation."
        )
    arr = dataset["arr"]
    quarters, skipped = panel_quarters(
        arr["month"], last=last, first_flag=flags["raised_at"].min(), lookback_days=lookback_days
    )
    if not quarters:
        raise InsufficientDataError(
            f"No quarter up to {last.label} has both ARR at its start and {lookback_days} days of flag "
            "history before it. Use a later period or data that covers more quarters."
        )
    data_end = arr["month"].max()
    rows, n_not_customer = _cohort_rows(arr, quarters)
    rows = _mark_live_notice(rows, dataset.get("renewals"))
    rows = _attach_features(rows, dataset)
    rows = _attach_events(rows, arr, dataset.get("renewals"), dataset.get("tickets"))
    kinds = tuple(sorted(str(k) for k in flags["kind"].dropna().unique()))
    rows = _attach_exposure(rows, flags, kinds, lookback_days)
    rows = rows.sort_values(["t0", "account_id"], kind="stable").reset_index(drop=True)
    return Panel(
        frame=rows,
        quarters=tuple(q.label for q in quarters),
        flag_kinds=kinds,
        lookback_days=lookback_days,
        data_end=data_end,
        n_not_customer=n_not_customer,
        quarters_without_flag_history=tuple(q.label for q in skipped),
    )


def panel_for_horizon(panel: Panel, horizon_days: int) -> HorizonPanel:
    """Rows kept for horizon H with labels ``y_churn`` and ``y_escalation``.

    ``y_<outcome> = 1`` when the next event date lies in ``(t0, t0 + H]``;
    ``renewal_due = 1`` when the next renewal date lies in ``(t0, t0 + H]``.
    Rows churned at ``t0`` are dropped first, then rows with
    ``t0 + H > data_end`` (censored).
    """
    frame = panel.frame
    churned = frame["churned_at_t0"].to_numpy(bool)
    window_end = frame["t0"] + horizon_days * _DAY
    censored = ~churned & (window_end > panel.data_end).to_numpy(bool)
    keep = ~churned & ~censored
    kept = frame.loc[keep].copy()
    end = kept["t0"] + horizon_days * _DAY
    for outcome in ("churn", "escalation"):
        date = kept[f"next_{outcome}"]
        kept[f"y_{outcome}"] = (date.notna() & (date <= end)).to_numpy(np.int8)
    due = kept["next_renewal"]
    kept["renewal_due"] = (due.notna() & (due <= end)).to_numpy(float)
    kept = kept.reset_index(drop=True)
    return HorizonPanel(
        frame=kept,
        horizon_days=int(horizon_days),
        n_rows=int(keep.sum()),
        n_dropped_churned=int(churned.sum()),
        n_dropped_censored=int(censored.sum()),
        quarters=tuple(q for q in panel.quarters if q in set(kept["quarter"].unique())),
    )


# --------------------------------------------------------------------------- steps


def _cohort_rows(arr: pd.DataFrame, quarters: Sequence[Period]) -> tuple[pd.DataFrame, int]:
    """Accounts with an ``arr`` row at each ``t0``; zero ARR after positive ARR = churned."""
    starts = pd.DataFrame({"t0": [q.start for q in quarters], "quarter": [q.label for q in quarters]})
    at_t0 = arr.loc[arr["month"].isin(starts["t0"]), ["account_id", "month", "arr"]].rename(columns={"month": "t0"})
    rows = at_t0.merge(starts, on="t0", how="inner")
    first_positive = arr.loc[arr["arr"] > 0].groupby("account_id", observed=True)["month"].min()
    first_pos = rows["account_id"].map(first_positive)
    positive = rows["arr"].to_numpy(float) > 0
    was_customer = (first_pos.notna() & (first_pos < rows["t0"])).to_numpy(bool)
    not_customer = ~positive & ~was_customer
    rows = rows.loc[~not_customer].copy()
    rows["churned_at_t0"] = ~(rows["arr"].to_numpy(float) > 0)
    rows = rows.rename(columns={"arr": "arr_t0"}).reset_index(drop=True)
    return rows, int(not_customer.sum())


def _notices(renewals: pd.DataFrame | None) -> pd.DataFrame:
    if renewals is None or renewals.empty:
        return pd.DataFrame({"account_id": pd.Series(dtype="string"), "notice_date": pd.Series(dtype="datetime64[ns]"),
                             "renewal_date": pd.Series(dtype="datetime64[ns]")})
    live = renewals["notice_date"].notna() & (renewals["outcome"].astype("string") != "renewed").fillna(True)
    return renewals.loc[live.to_numpy(bool), ["account_id", "notice_date", "renewal_date"]]


def _mark_live_notice(rows: pd.DataFrame, renewals: pd.DataFrame | None) -> pd.DataFrame:
    """An account whose non-renewal notice is already in at ``t0`` has churned for our purpose."""
    notices = _notices(renewals)
    out = rows.copy()
    if notices.empty:
        return out
    pairs = out[["account_id", "t0"]].reset_index().merge(notices, on="account_id", how="inner")
    live = (pairs["notice_date"] <= pairs["t0"]) & (pairs["t0"] <= pairs["renewal_date"])
    hit = np.unique(pairs.loc[live.to_numpy(bool), "index"].to_numpy())
    churned = out["churned_at_t0"].to_numpy(bool).copy()
    churned[hit] = True
    out["churned_at_t0"] = churned
    return out


def _asof(rows: pd.DataFrame, events: pd.DataFrame, *, date_col: str, value_col: str, direction: str,
          exact: bool) -> pd.Series:
    """For each row, ``value_col`` of the account's event nearest ``t0`` in ``direction``."""
    left = rows[["account_id", "t0"]].reset_index().sort_values("t0", kind="stable")
    right = events[["account_id", date_col] + ([value_col] if value_col != date_col else [])]
    right = right.dropna(subset=[date_col]).sort_values(date_col, kind="stable")
    right = right.rename(columns={date_col: "_event_date"})
    value = "_event_date" if value_col == date_col else value_col
    left["account_id"] = left["account_id"].astype("string")
    right = right.assign(account_id=right["account_id"].astype("string"))
    merged = pd.merge_asof(left, right, left_on="t0", right_on="_event_date", by="account_id",
                           direction=direction, allow_exact_matches=exact)
    return merged.set_index("index")[value].reindex(rows.index)


def _attach_features(rows: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    out = rows.copy()
    accounts = dataset["accounts"].drop_duplicates("account_id").set_index("account_id")
    out["segment"] = out["account_id"].map(accounts["segment"]).astype("string").fillna("unknown")
    since = out["account_id"].map(accounts["customer_since"]) if "customer_since" in accounts else None
    if since is None:
        out["tenure_years"] = np.nan
    else:
        days = (out["t0"] - pd.to_datetime(since)).dt.days.to_numpy(float)
        out["tenure_years"] = np.clip(days, 0, None) / 365.25
    out["log_arr"] = np.log1p(out["arr_t0"].to_numpy(float))
    health = dataset["health"]
    out["health"] = _asof(out, health, date_col="date", value_col="score", direction="backward", exact=True).to_numpy(float)
    renewals = dataset.get("renewals")
    if renewals is None or renewals.empty:
        out["next_renewal"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    else:
        out["next_renewal"] = _asof(out, renewals, date_col="renewal_date", value_col="renewal_date",
                                    direction="forward", exact=False).astype("datetime64[ns]")
    ownership = dataset.get("ownership")
    out["csm_id"] = _owner_at_t0(out, ownership)
    return out


def _owner_at_t0(rows: pd.DataFrame, ownership: pd.DataFrame | None) -> pd.Series:
    if ownership is None or ownership.empty:
        return pd.Series(pd.NA, index=rows.index, dtype="string")
    windows = ownership[["account_id", "csm_id", "start_date", "end_date"]]
    csm = _asof(rows, windows, date_col="start_date", value_col="csm_id", direction="backward", exact=True)
    end = _asof(rows, windows, date_col="start_date", value_col="end_date", direction="backward", exact=True)
    end = pd.to_datetime(end)
    open_window = end.isna() | (end > rows["t0"])
    return csm.astype("string").where(open_window.to_numpy(bool), pd.NA)


def churn_signals(arr: pd.DataFrame, renewals: pd.DataFrame | None) -> pd.DataFrame:
    """Every churn signal date per account: notices, and ARR going to 0 (dated mid-month)."""
    ordered = arr[["account_id", "month", "arr"]].sort_values(["account_id", "month"], kind="stable")
    previous = ordered.groupby("account_id", observed=True)["arr"].shift(1)
    drop = (ordered["arr"].to_numpy(float) <= 0) & (previous.to_numpy(float) > 0)
    zero_months = ordered.loc[drop, ["account_id", "month"]]
    last_paid = (zero_months["month"].dt.to_period("M") - 1).dt.to_timestamp()
    from_arr = pd.DataFrame({"account_id": zero_months["account_id"].to_numpy(),
                             "date": (last_paid + 14 * _DAY).to_numpy()})
    notices = _notices(renewals)
    from_notice = pd.DataFrame({"account_id": notices["account_id"].to_numpy(), "date": notices["notice_date"].to_numpy()})
    out = pd.concat([from_arr, from_notice], ignore_index=True)
    out["account_id"] = out["account_id"].astype("string")
    out["date"] = out["date"].astype("datetime64[ns]")
    return out


def escalation_events(tickets: pd.DataFrame | None) -> pd.DataFrame:
    """Escalated tickets dated ``escalated_at`` (``opened_at`` when missing)."""
    if tickets is None or tickets.empty:
        return pd.DataFrame({"account_id": pd.Series(dtype="string"), "date": pd.Series(dtype="datetime64[ns]")})
    escalated = tickets["escalated"].fillna(False).to_numpy(bool)
    chosen = tickets.loc[escalated]
    when = chosen["escalated_at"].fillna(chosen["opened_at"]) if "escalated_at" in chosen else chosen["opened_at"]
    return pd.DataFrame({"account_id": chosen["account_id"].astype("string").to_numpy(),
                         "date": when.astype("datetime64[ns]").to_numpy()})


def _attach_events(rows: pd.DataFrame, arr: pd.DataFrame, renewals: pd.DataFrame | None,
                   tickets: pd.DataFrame | None) -> pd.DataFrame:
    out = rows.copy()
    churn = churn_signals(arr, renewals)
    out["next_churn"] = _asof(out, churn, date_col="date", value_col="date", direction="forward",
                              exact=False).astype("datetime64[ns]")
    escalations = escalation_events(tickets)
    if escalations.empty:
        out["next_escalation"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    else:
        out["next_escalation"] = _asof(out, escalations, date_col="date", value_col="date", direction="forward",
                                       exact=False).astype("datetime64[ns]")
    return out


def _attach_exposure(rows: pd.DataFrame, flags: pd.DataFrame, kinds: Sequence[str], lookback_days: int) -> pd.DataFrame:
    """Per kind: flags raised in ``[t0 - L, t0)``: count, top score, last date, any actioned."""
    out = rows.copy()
    f = pd.DataFrame({
        "account_id": flags["account_id"].astype("string").to_numpy(),
        "kind": flags["kind"].astype("string").to_numpy(),
        "raised_at": flags["raised_at"].to_numpy(),
        "score": flags["score"].to_numpy(float) if "score" in flags else np.nan,
        "actioned": (flags["csm_response"].astype("string") == "actioned").fillna(False).to_numpy(bool)
        if "csm_response" in flags else False,
    })
    parts = []
    for t0 in out["t0"].drop_duplicates():
        inside = (f["raised_at"] >= t0 - lookback_days * _DAY) & (f["raised_at"] < t0)
        g = f.loc[inside.to_numpy(bool)].groupby(["account_id", "kind"], observed=True).agg(
            n=("raised_at", "size"), score=("score", "max"), last=("raised_at", "max"), actioned=("actioned", "max"))
        g = g.reset_index()
        g["t0"] = t0
        parts.append(g)
    exposure = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["account_id", "kind", "n", "score", "last", "actioned", "t0"])
    key = out[["account_id", "t0"]].assign(account_id=out["account_id"].astype("string"))
    for kind in kinds:
        e = exposure.loc[exposure["kind"] == kind, ["account_id", "t0", "n", "score", "last", "actioned"]]
        merged = key.merge(e, on=["account_id", "t0"], how="left")
        n = merged["n"].fillna(0).to_numpy(float)
        out[f"flagged_{kind}"] = (n > 0).astype(np.int8)
        out[f"n_{kind}"] = n
        out[f"score_{kind}"] = merged["score"].astype(float).fillna(0.0).to_numpy()
        out[f"last_{kind}"] = merged["last"].astype("datetime64[ns]").to_numpy()
        out[f"actioned_{kind}"] = merged["actioned"].astype("boolean").fillna(False).to_numpy(bool)
    return out
