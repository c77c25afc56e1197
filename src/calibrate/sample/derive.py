"""Tables derived from the simulated world: ownership windows, ARR rows, renewals.

Conventions the README documents:

* A churned account's ARR has one explicit ``0`` row, in the month its contract
  ended (the renewal month); later months have no row (the loader carries the
  0 forward).
* Ownership of a churned account ends on the first day of that month, the day
  the contract ended. So a churned account is in no one's book at T1.
* A renewal's ``renewal_date`` is the first day of the month in which the new
  contract term starts; ``arr_before`` / ``arr_after`` are the ARR rows of the
  month before and of that month. Renewals due in the quarter after the data
  ends are listed as ``pending``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .world import World

__all__ = ["ownership_segments", "owner_at", "arr_rows", "renewal_rows", "churn_days"]


def churn_days(world: World) -> np.ndarray:
    """Day of the explicit 0 ARR row per account (-1 when the account never churned)."""
    out = np.full(len(world.churn_month), -1, dtype=np.int64)
    has = world.churn_month >= 0
    out[has] = world.timeline.month_days[world.churn_month[has]]
    return out


def ownership_segments(plan: pd.DataFrame, churn_day: np.ndarray | None = None) -> pd.DataFrame:
    """Windows ``[start, end)`` per plan row; ``end`` -1 = still owned.

    Without an explicit end a window runs to the next row of the same account.
    With ``churn_day`` windows stop at the churn and those starting after it go.
    """
    acc = plan["acc"].to_numpy()
    start = plan["start"].to_numpy()
    end = plan["end"].to_numpy().copy()
    same_next = np.r_[acc[1:] == acc[:-1], False]
    next_start = np.r_[start[1:], -1]
    implicit = (end < 0) & same_next
    end[implicit] = next_start[implicit]
    seg = pd.DataFrame({"acc": acc, "csm": plan["csm"].to_numpy(), "start": start, "end": end})
    if churn_day is not None:
        cd = churn_day[acc]
        churned = cd >= 0
        keep = ~churned | (start < cd)
        cut = churned & ((end < 0) | (end > cd))
        seg.loc[cut, "end"] = cd[cut]
        seg = seg.loc[keep].reset_index(drop=True)
    return seg


def owner_at(segments: pd.DataFrame, acc: np.ndarray, day: np.ndarray) -> np.ndarray:
    """CSM row owning each ``acc`` on each ``day`` (-1 when nobody did)."""
    seg_acc = segments["acc"].to_numpy(np.int64)
    seg_start = segments["start"].to_numpy(np.int64)
    seg_end = segments["end"].to_numpy(np.int64)
    big = np.int64(1 << 20)
    keys = seg_acc * big + (seg_start + (1 << 19))
    query = np.asarray(acc, np.int64) * big + (np.asarray(day, np.int64) + (1 << 19))
    pos = np.searchsorted(keys, query, side="right") - 1
    pos_ok = np.clip(pos, 0, len(keys) - 1)
    ok = (pos >= 0) & (seg_acc[pos_ok] == acc) & ((seg_end[pos_ok] < 0) | (np.asarray(day) < seg_end[pos_ok]))
    return np.where(ok, segments["csm"].to_numpy(np.int64)[pos_ok], -1)


def arr_rows(world: World) -> pd.DataFrame:
    """Long ``arr`` rows (account row, month day, arr), account then month order."""
    present = ~np.isnan(world.arr)
    acc, m = np.nonzero(present)
    return pd.DataFrame({"acc": acc, "month": world.timeline.month_days[m], "arr": world.arr[acc, m]})


def renewal_rows(world: World) -> pd.DataFrame:
    """Renewals in the data window plus ``pending`` ones due in the next quarter."""
    tl, acc = world.timeline, world.accounts
    arr = world.arr
    n, n_months = arr.shape
    anniversary = acc["anniversary"].to_numpy()
    legacy = ~acc["new_logo"].to_numpy()
    start_m = acc["start_m"].to_numpy()
    m = np.arange(1, n_months)
    due = ((tl.months[m][None, :] % 12) == anniversary[:, None]) & (legacy[:, None] | (m[None, :] - start_m[:, None] >= 12))
    before = arr[:, :-1]
    due &= np.nan_to_num(before, nan=0.0) > 0
    k, j = np.nonzero(due)
    mm = j + 1
    after = arr[k, mm]
    health_before = world.health[k, tl.week_index(tl.month_days[mm] - 60)]
    churned = after == 0
    rows = pd.DataFrame(
        {
            "acc": k,
            "renewal_date": tl.month_days[mm],
            "outcome": np.where(churned, "churned", "renewed"),
            "arr_before": arr[k, mm - 1],
            "arr_after": after,
            "at_risk": (health_before < 55) | churned & (world.rng["arr"].random(len(k)) < 0.6),
            "notice_date": np.where(churned, world.notice_day[k], -1),
        }
    )
    # Pending: renewals due in the three months after the data's last full month.
    last = n_months - 1
    alive = np.nan_to_num(arr[:, last], nan=0.0) > 0
    upcoming = []
    for step in range(1, 4):
        month = tl.months[last] + step
        hit = alive & ((month % 12) == anniversary) & (legacy | (last + step - start_m >= 12))
        upcoming.append(
            pd.DataFrame(
                {
                    "acc": np.flatnonzero(hit),
                    "renewal_date": np.full(int(hit.sum()), int(np.datetime64(int(month), "M").astype("datetime64[D]").astype(np.int64))),
                    "outcome": "pending",
                    "arr_before": arr[hit, last],
                    "arr_after": np.nan,
                    "at_risk": world.health[hit, -1] < 55,
                    "notice_date": -1,
                }
            )
        )
    out = pd.concat([rows, *upcoming], ignore_index=True)
    return out.sort_values(["acc", "renewal_date"], kind="stable").reset_index(drop=True)
