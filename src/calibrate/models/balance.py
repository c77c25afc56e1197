"""Portfolio balance: load against capacity, concentration, ARR at risk, and moves that even it out.

Per CSM c, over the accounts c owns at T1 (the book at the period's close):

* ``n_accounts``, ``arr`` = Σ ARR(T1); ``target_accounts`` = the capacity
  target of c's segment; ``account_load`` = n_accounts / target_accounts;
  ``arr_load`` = arr / arr_per_csm_max.
* ``status``: ``over`` when n_accounts > target · (1 + tolerance) or arr >
  arr_per_csm_max; ``under`` when n_accounts < target and arr <
  arr_per_csm_max (room to take accounts); else ``within``.
* ``top_account_share`` = max ARR / Σ ARR (concentration risk).
* ``at_risk_arr_share`` = Σ ARR of accounts red at T1 (health ≤ red_max) or
  flagged ``at_risk`` / Σ ARR.

Rebalancing (``rebalancing_moves``), within each segment, greedy:

1. Donors: ``over`` CSMs, most loaded first (account_load, then arr_load).
2. A donor's movable accounts: not its top account by ARR, not renewing
   within ``renewal_freeze_days`` of ``as_of`` (a renewal in flight should
   not change hands), smallest ARR first (the smallest customer impact).
3. Each movable account goes to the receiver in the same segment with the
   most room (target − accounts) that stays at or under its target and under
   ``arr_per_csm_max`` after the move; moves stop when the donor is at its
   target and ARR ceiling, or no receiver can take the account.

Every move states both CSMs' accounts and ARR before and after it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import InsufficientDataError

__all__ = ["BOOK_COLUMNS", "portfolio_balance", "rebalancing_moves"]

BOOK_COLUMNS = ("csm_id", "account_id", "arr")


def _targets(segment: pd.Series, target_accounts: Mapping[str, int], default_accounts: int) -> np.ndarray:
    lookup = {str(k).strip().lower(): int(v) for k, v in target_accounts.items()}
    return np.array([lookup.get(str(s).strip().lower(), int(default_accounts)) for s in segment], dtype=float)


def _prepare(book: pd.DataFrame, csms: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in BOOK_COLUMNS if c not in book.columns]
    if missing or not {"csm_id", "segment"} <= set(csms.columns):
        raise InsufficientDataError(
            f"Portfolio balance needs book columns {', '.join(BOOK_COLUMNS)} (missing: {', '.join(missing) or 'none'}) "
            "and csms columns csm_id, segment."
        )
    return book.assign(csm_id=book["csm_id"].astype(str), arr=pd.to_numeric(book["arr"], errors="coerce").fillna(0.0))


def portfolio_balance(
    book: pd.DataFrame,
    csms: pd.DataFrame,
    *,
    target_accounts: Mapping[str, int],
    default_accounts: int,
    arr_per_csm_max: float,
    tolerance: float = 0.10,
    red_max: float = 50.0,
) -> pd.DataFrame:
    """Load, concentration and ARR at risk per CSM.

    Parameters
    ----------
    book : DataFrame
        Accounts owned at T1: ``csm_id``, ``account_id``, ``arr`` (ARR at
        T1); optional ``health_t1`` (score 0..100), ``at_risk`` (bool).
    csms : DataFrame
        ``csm_id``, ``segment`` (every CSM, so an empty book shows as 0).
    target_accounts : mapping
        Segment -> target accounts per CSM (e.g. ``{"enterprise": 15, ...}``
        from ``params.capacity``); ``default_accounts`` for other labels.
    arr_per_csm_max : float
        ARR ceiling per CSM.
    tolerance : float
        Accounts may exceed the target by this fraction before ``over``.
    red_max : float
        Health at or below this is red.

    Returns
    -------
    DataFrame, one row per CSM: ``csm_id``, ``segment``, ``n_accounts``,
    ``target_accounts``, ``account_load``, ``arr``, ``arr_per_csm_max``,
    ``arr_load``, ``status``, ``top_account_id``, ``top_account_share``,
    ``at_risk_arr``, ``at_risk_arr_share``. Most loaded first.
    """
    book = _prepare(book, csms)
    health = pd.to_numeric(book["health_t1"], errors="coerce") if "health_t1" in book else pd.Series(np.nan, index=book.index)
    flagged = book["at_risk"].astype("boolean").fillna(False) if "at_risk" in book else pd.Series(False, index=book.index)
    risky = (health.le(red_max).fillna(False) | flagged).to_numpy(bool)
    work = book.assign(at_risk_arr=np.where(risky, book["arr"], 0.0))
    top = work.sort_values(["arr", "account_id"], ascending=[False, True], kind="stable").drop_duplicates("csm_id")
    g = work.groupby("csm_id")
    per = pd.DataFrame({"n_accounts": g.size(), "arr": g["arr"].sum(), "at_risk_arr": g["at_risk_arr"].sum()})
    per = per.join(top.set_index("csm_id")[["account_id", "arr"]].rename(columns={"account_id": "top_account_id", "arr": "top_arr"}))
    team = csms[["csm_id", "segment"]].assign(csm_id=csms["csm_id"].astype(str)).drop_duplicates("csm_id")
    out = team.merge(per.reset_index(), on="csm_id", how="left")
    out["n_accounts"] = out["n_accounts"].fillna(0).astype(int)
    out["arr"] = out["arr"].fillna(0.0)
    out["at_risk_arr"] = out["at_risk_arr"].fillna(0.0)
    out["target_accounts"] = _targets(out["segment"], target_accounts, default_accounts)
    out["account_load"] = out["n_accounts"] / out["target_accounts"]
    out["arr_per_csm_max"] = float(arr_per_csm_max)
    out["arr_load"] = out["arr"] / float(arr_per_csm_max)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["top_account_share"] = np.where(out["arr"] > 0, out["top_arr"] / out["arr"], np.nan)
        out["at_risk_arr_share"] = np.where(out["arr"] > 0, out["at_risk_arr"] / out["arr"], np.nan)
    over = (out["n_accounts"] > out["target_accounts"] * (1 + tolerance)) | (out["arr"] > arr_per_csm_max)
    under = (out["n_accounts"] < out["target_accounts"]) & (out["arr"] < arr_per_csm_max)
    out["status"] = np.where(over, "over", np.where(under, "under", "within"))
    cols = ["csm_id", "segment", "n_accounts", "target_accounts", "account_load", "arr", "arr_per_csm_max", "arr_load",
            "status", "top_account_id", "top_account_share", "at_risk_arr", "at_risk_arr_share"]
    out = out[cols].sort_values(["account_load", "arr_load", "csm_id"], ascending=[False, False, True], kind="stable")
    return out.reset_index(drop=True)


def rebalancing_moves(
    book: pd.DataFrame,
    balance: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    renewal_freeze_days: int = 60,
) -> pd.DataFrame:
    """Concrete account moves from over-capacity to under-capacity CSMs in the same segment.

    Parameters
    ----------
    book : DataFrame
        As for ``portfolio_balance``, plus optional ``next_renewal_date``
        (the account's next contract end; missing = none known).
    balance : DataFrame
        Output of ``portfolio_balance``.
    as_of : Timestamp
        The date the moves would take effect (usually T1).
    renewal_freeze_days : int
        Accounts renewing in ``[as_of, as_of + renewal_freeze_days]`` stay put.

    Returns
    -------
    DataFrame, one row per suggested move in the order to make them:
    ``segment``, ``account_id``, ``account_arr``, ``from_csm_id``,
    ``to_csm_id``, ``from_accounts_before`` / ``_after``, ``from_arr_before``
    / ``_after``, ``to_accounts_before`` / ``_after``, ``to_arr_before`` /
    ``_after``. Empty when nobody is over capacity or nobody can receive.
    """
    book = _prepare(book, balance)
    as_of = pd.Timestamp(as_of)
    if "next_renewal_date" in book:
        renew = pd.to_datetime(book["next_renewal_date"], errors="coerce")
        frozen = (renew >= as_of) & (renew <= as_of + pd.Timedelta(days=int(renewal_freeze_days)))
    else:
        frozen = pd.Series(False, index=book.index)
    book = book.assign(frozen=frozen.fillna(False).to_numpy(bool))
    state = {
        str(rec.csm_id): {"segment": rec.segment, "n": int(rec.n_accounts), "arr": float(rec.arr), "target": float(rec.target_accounts),
                          "max": float(rec.arr_per_csm_max), "status": rec.status}
        for rec in balance.itertuples(index=False)
    }
    receivers: dict[object, list[str]] = {}
    for csm in sorted(state):
        if state[csm]["status"] == "under":
            receivers.setdefault(state[csm]["segment"], []).append(csm)
    by_csm = {k: v for k, v in book.groupby("csm_id", sort=False)}
    moves: list[dict] = []
    for donor in balance.loc[balance["status"] == "over", "csm_id"].astype(str):
        d = state[donor]
        accounts = by_csm.get(donor)
        if accounts is None or accounts.empty:
            continue
        accounts = accounts.sort_values(["arr", "account_id"], ascending=[False, True], kind="stable")
        movable = accounts.iloc[1:]
        movable = movable[~movable["frozen"]].sort_values(["arr", "account_id"], kind="stable")
        pool = [c for c in receivers.get(d["segment"], []) if c != donor]
        for account_id, arr in zip(movable["account_id"], movable["arr"].astype(float)):
            if d["n"] <= d["target"] and d["arr"] <= d["max"]:
                break
            fits = [c for c in pool if state[c]["n"] + 1 <= state[c]["target"] and state[c]["arr"] + arr <= state[c]["max"]]
            if not fits:
                continue
            # Most room first; ties go to the first csm_id (pool is sorted).
            best = max(fits, key=lambda c: state[c]["target"] - state[c]["n"])
            r = state[best]
            moves.append(
                {
                    "segment": d["segment"],
                    "account_id": account_id,
                    "account_arr": arr,
                    "from_csm_id": donor,
                    "to_csm_id": best,
                    "from_accounts_before": d["n"],
                    "from_accounts_after": d["n"] - 1,
                    "from_arr_before": d["arr"],
                    "from_arr_after": d["arr"] - arr,
                    "to_accounts_before": r["n"],
                    "to_accounts_after": r["n"] + 1,
                    "to_arr_before": r["arr"],
                    "to_arr_after": r["arr"] + arr,
                }
            )
            d["n"], d["arr"] = d["n"] - 1, d["arr"] - arr
            r["n"], r["arr"] = r["n"] + 1, r["arr"] + arr
    columns = ["segment", "account_id", "account_arr", "from_csm_id", "to_csm_id", "from_accounts_before", "from_accounts_after",
               "from_arr_before", "from_arr_after", "to_accounts_before", "to_accounts_after", "to_arr_before", "to_arr_after"]
    return pd.DataFrame(moves, columns=columns)
