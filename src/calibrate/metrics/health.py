"""Health discipline: the book's health at T0 and T1, its movement, and saves.

Definitions (bands configurable: red <= ``red_max`` < yellow <= ``yellow_max`` < green):

* **Health at a date** d: the account's latest score dated on or before d.
  At T0 the date is T0; at T1 it is the period's last day (``T1 - 1 day``),
  so only scores dated inside P or earlier count.
* **Books**: the T0 book is the accounts owned at T0 with ARR above $0 at
  T0; the T1 book is the live book at quarter end (owned on P's last day with
  ARR above $0 in P's last month, ``calibrate.book.lifecycle``). Dormant
  records (assigned, $0 all quarter) are in neither.
* ``avg_health = mean(health at T1)`` over the T1 book; ``avg_health_t0`` is
  the T0 book's mean at T0.
* ``health_change = mean(health(T1) - health(T0))`` over T1-book accounts with
  both scores: how the accounts the CSM holds moved, paired account by
  account, so a changed book does not masquerade as movement.
* **Transition matrix**: T1-book accounts by (band at T0, band at T1).
* ``red_recovery = #(red at T0 and yellow or green at T1) / #(red at T0)``
  over the T1 book; NaN when none was red at T0.
* **Save**: an account red at any time in P (its score in force at T0, or any
  score dated in P, at or before the renewal) and renewed in P (``renewals``
  outcome ``renewed`` with ``renewal_date`` in P), credited to the owner on the
  renewal date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import AsOfIndex, asof_index, owner_at, period_close
from ..periods import Period

__all__ = [
    "health_as_of",
    "health_index",
    "health_bands",
    "account_health",
    "health_metrics",
    "health_transitions",
    "saves",
    "HEALTH_COLUMNS",
    "BANDS",
]

BANDS = ("red", "yellow", "green")
HEALTH_COLUMNS = (
    "avg_health",
    "avg_health_t0",
    "health_change",
    "red_accounts",
    "yellow_accounts",
    "green_accounts",
    "red_at_t0",
    "red_recovered",
    "red_recovery",
)


def health_index(health: pd.DataFrame) -> AsOfIndex:
    """Sort the health table once for repeated ``health_as_of`` look-ups."""
    return asof_index(health["account_id"], health["date"])


def health_as_of(health: pd.DataFrame, account_ids, dates, *, index: AsOfIndex | None = None) -> np.ndarray:
    """The latest score dated on or before each date, per account (NaN when none).

    Pass ``index=health_index(health)`` to reuse the sorted table across calls.
    """
    index = index if index is not None else health_index(health)
    pos = index.positions(account_ids, dates)
    scores = health["score"].to_numpy(dtype=float)
    return np.where(pos >= 0, scores[np.maximum(pos, 0)] if len(scores) else np.nan, np.nan)


def health_bands(scores, *, red_max: float, yellow_max: float) -> np.ndarray:
    """``red`` (<= red_max), ``yellow`` (<= yellow_max), ``green``; None for NaN."""
    scores = np.asarray(scores, dtype=float)
    out = np.where(scores <= red_max, "red", np.where(scores <= yellow_max, "yellow", "green")).astype(object)
    out[np.isnan(scores)] = None
    return out


def account_health(
    ownership: pd.DataFrame,
    health: pd.DataFrame,
    period: Period,
    *,
    red_max: float,
    yellow_max: float,
    close_book: pd.DataFrame,
    open_book: pd.DataFrame,
    index: AsOfIndex | None = None,
) -> pd.DataFrame:
    """One row per (book, account): the T0 book and the T1 book, with scores and bands.

    ``open_book`` and ``close_book`` (``csm_id``, ``account_id``) are the T0
    and T1 books (module docstring); ``ownership`` is not read and is kept
    for a stable signature.

    Returns ``csm_id``, ``account_id``, ``book`` (``t0`` or ``t1``),
    ``score_t0``, ``score_t1``, ``band_t0``, ``band_t1``: an account handed
    over in P appears once in the T0 owner's book and once in the T1 owner's.
    """
    frames = [
        open_book[["csm_id", "account_id"]].astype("string").assign(book="t0"),
        close_book[["csm_id", "account_id"]].astype("string").assign(book="t1"),
    ]
    rows = pd.concat(frames, ignore_index=True)
    ids = rows["account_id"]
    index = index if index is not None else health_index(health)
    rows["score_t0"] = health_as_of(health, ids, pd.Series(period.start, index=rows.index), index=index)
    rows["score_t1"] = health_as_of(health, ids, pd.Series(period_close(period), index=rows.index), index=index)
    rows["band_t0"] = health_bands(rows["score_t0"], red_max=red_max, yellow_max=yellow_max)
    rows["band_t1"] = health_bands(rows["score_t1"], red_max=red_max, yellow_max=yellow_max)
    return rows


def health_metrics(accounts: pd.DataFrame) -> pd.DataFrame:
    """Per-CSM health metrics from ``account_health`` (formulas in the module docstring)."""
    t0 = accounts.loc[accounts["book"] == "t0"]
    t1 = accounts.loc[accounts["book"] == "t1"].copy()
    t1["_delta"] = t1["score_t1"] - t1["score_t0"]
    t1["_red_t0"] = t1["band_t0"].eq("red")
    t1["_recovered"] = t1["_red_t0"] & t1["band_t1"].isin(["yellow", "green"])
    for band in BANDS:
        t1[f"_{band}"] = t1["band_t1"].eq(band)
    per = t1.groupby("csm_id", sort=True).agg(
        avg_health=("score_t1", "mean"),
        health_change=("_delta", "mean"),
        red_accounts=("_red", "sum"),
        yellow_accounts=("_yellow", "sum"),
        green_accounts=("_green", "sum"),
        red_at_t0=("_red_t0", "sum"),
        red_recovered=("_recovered", "sum"),
    )
    per["red_recovery"] = per["red_recovered"] / per["red_at_t0"].where(per["red_at_t0"] > 0)
    per = per.join(t0.groupby("csm_id", sort=True)["score_t0"].mean().rename("avg_health_t0"), how="outer")
    per.index = per.index.astype("string")
    per.index.name = "csm_id"
    return per.loc[:, list(HEALTH_COLUMNS)]


def health_transitions(accounts: pd.DataFrame) -> pd.DataFrame:
    """The T1 book's red/yellow/green transition matrix, long form.

    Returns ``csm_id``, ``band_t0``, ``band_t1``, ``accounts`` (count) for every
    observed pair; accounts without a score at T0 have ``band_t0 = "none"``.
    """
    t1 = accounts.loc[accounts["book"] == "t1", ["csm_id", "band_t0", "band_t1"]].copy()
    t1["band_t0"] = t1["band_t0"].fillna("none")
    t1["band_t1"] = t1["band_t1"].fillna("none")
    out = t1.groupby(["csm_id", "band_t0", "band_t1"], sort=True).size().rename("accounts").reset_index()
    return out


def saves(
    ownership: pd.DataFrame,
    health: pd.DataFrame,
    renewals: pd.DataFrame | None,
    period: Period,
    *,
    red_max: float,
    index: AsOfIndex | None = None,
) -> pd.DataFrame:
    """Accounts red at some time in P and renewed in P, named per CSM.

    Returns ``csm_id`` (owner on the renewal date), ``account_id``,
    ``renewal_date``, ``first_red_date`` (T0 when the score in force at T0 was
    red), ``lowest_score``, ``arr_before``, ``arr_after``.
    """
    cols = ["csm_id", "account_id", "renewal_date", "first_red_date", "lowest_score", "arr_before", "arr_after"]
    if renewals is None or renewals.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    in_p = (renewals["renewal_date"] >= period.start) & (renewals["renewal_date"] < period.end)
    renewed = renewals.loc[in_p & renewals["outcome"].eq("renewed").fillna(False)]
    renewed = renewed[["account_id", "renewal_date", "arr_before", "arr_after"]].reset_index(drop=True)
    # Scores that were in force during P: the one at T0 (dated T0 or earlier) and those dated in P.
    carried = health_as_of(health, renewed["account_id"], pd.Series(period.start, index=renewed.index), index=index)
    first_red = pd.Series(pd.NaT, index=renewed.index, dtype="datetime64[ns]")
    lowest = pd.Series(carried, index=renewed.index)
    first_red[carried <= red_max] = period.start
    scores = health.loc[(health["date"] >= period.start) & (health["date"] < period.end), ["account_id", "date", "score"]]
    pairs = renewed.reset_index().merge(scores, on="account_id", how="inner")
    pairs = pairs.loc[pairs["date"] <= pairs["renewal_date"]]
    if not pairs.empty:
        low = pairs.groupby("index")["score"].min()
        lowest = pd.concat([lowest, low], axis=1).min(axis=1)
        red_dates = pairs.loc[pairs["score"] <= red_max].groupby("index")["date"].min()
        first_red = first_red.combine_first(red_dates).reindex(renewed.index)
    out = renewed.assign(first_red_date=first_red, lowest_score=lowest)
    out = out.loc[out["first_red_date"].notna()].copy()
    out["csm_id"] = owner_at(ownership, out["account_id"], out["renewal_date"]).to_numpy()
    return out.loc[:, cols].sort_values(["csm_id", "renewal_date", "account_id"]).reset_index(drop=True)
