"""``calibrate sample --messy``: the clean sample, then what real CRM exports hold.

After the clean sample is written, :func:`make_messy` reads its tables back
and adds, for the review quarter ``P = [T0, T1)``:

* **dormant assignments**: accounts still assigned to a CSM whose ARR has
  been $0 for every month of P (a customer that churned in an earlier year; a
  trial that was never billed). One of them has a renewal row dated after
  the quarter, which must not make it a renewal due;
* **reactivations**: a former customer, at $0 at T0, billed again from the
  quarter's second month;
* **mid-quarter new logos**: first ARR ever in the quarter's second month;
* **a handover on a renewal day**: an account renewed on the day it moved
  from one CSM to another;
* **churn notices for next quarter**: a live account whose customer gave
  notice in P for a renewal after T1;
* **accounts without health rows**, and every table's rows shuffled out of
  order.

``messy_truths.json`` records what was injected and, per CSM, the live book
at quarter end counted directly from the written ``ownership`` and ``arr``
rows (owned on the quarter's last day, ARR above $0 in its last month): plain
arithmetic here, independent of the package's lifecycle code, so a test can
hold one against the other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..periods import parse_period

__all__ = ["make_messy", "TRUTHS_FILE"]

TRUTHS_FILE = "messy_truths.json"


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, name: str, frame: pd.DataFrame, rng: np.random.Generator) -> None:
    order = rng.permutation(len(frame))  # real exports come in no particular order
    frame.iloc[order].to_csv(folder / f"{name}.csv", index=False)


def _month(day: pd.Timestamp) -> str:
    return pd.Timestamp(day.year, day.month, 1).date().isoformat()


def _months(first: pd.Timestamp, last: pd.Timestamp) -> list[pd.Timestamp]:
    return list(pd.date_range(pd.Timestamp(first.year, first.month, 1), last, freq="MS"))


def make_messy(folder: str | Path, *, period: str, seed: int = 7) -> dict[str, Any]:
    """Add messy records to the clean sample in ``folder`` (CSV) and write ``messy_truths.json``; return the truths."""
    folder = Path(folder)
    rng = np.random.default_rng(seed + 1009)
    quarter = parse_period(period)
    t0, t1 = quarter.start, quarter.end
    last_day = t1 - pd.Timedelta(days=1)
    mid = t0 + pd.DateOffset(months=1)  # the quarter's second month
    tables = {name: _read(folder, name) for name in ("csms", "accounts", "ownership", "arr", "health", "renewals")}
    csms, accounts, ownership, arr = tables["csms"], tables["accounts"], tables["ownership"], tables["arr"]
    health, renewals = tables["health"], tables["renewals"]
    arr_months = sorted(set(arr["month"]))
    first_month, last_month = pd.Timestamp(arr_months[0]), pd.Timestamp(arr_months[-1])

    active = csms[(csms["left_date"] == "") | (pd.to_datetime(csms["left_date"], errors="coerce") >= t1)]
    csm_ids = sorted(active["csm_id"])
    picked = rng.permutation(csm_ids)
    segments = dict(zip(csms["csm_id"], csms["segment"]))
    next_id = [0]

    new_accounts, new_ownership, new_arr, new_renewals = [], [], [], []

    def add_account(csm_id: str, kind: str, monthly: dict[str, float], since: pd.Timestamp) -> str:
        next_id[0] += 1
        account_id = f"MSY-{next_id[0]:05d}"
        new_accounts.append({"account_id": account_id, "name": f"Messy {kind.replace('_', ' ').title()} {next_id[0]}",
                             "segment": segments.get(csm_id, "smb"), "customer_since": since.date().isoformat(),
                             "industry": "", "region": ""})
        new_ownership.append({"account_id": account_id, "csm_id": csm_id, "start_date": since.date().isoformat(), "end_date": ""})
        for month in _months(first_month, last_month):
            key = _month(month)
            new_arr.append({"account_id": account_id, "month": key, "arr": f"{monthly.get(key, 0.0):.0f}"})
        return account_id

    truths: dict[str, Any] = {"period": quarter.label, "dormant": {}, "reactivated": {}, "new_logo": {},
                              "churn_notice": {}, "handover_on_renewal_day": [], "without_health": []}
    # 1. dormant: churned a year before P but still assigned; a trial never billed (one with a later renewal row)
    for i, csm_id in enumerate(picked[: max(4, len(picked) // 3)]):
        churned_at = t0 - pd.DateOffset(months=12)
        paid = {_month(m): 24_000.0 for m in _months(first_month, churned_at - pd.Timedelta(days=1))}
        ids = [add_account(csm_id, "dormant", paid, first_month)]
        ids.append(add_account(csm_id, "trial", {}, t0 - pd.DateOffset(months=5)))
        if i == 0:
            new_renewals.append({"account_id": ids[0], "renewal_date": (t1 + pd.Timedelta(days=20)).date().isoformat(),
                                 "outcome": "pending", "arr_before": "0", "arr_after": "", "at_risk": "", "notice_date": ""})
        truths["dormant"][csm_id] = ids
    # 2. reactivated and 3. mid-quarter new logos
    for csm_id in picked[:6]:
        before = {_month(m): 15_000.0 for m in _months(first_month, t0 - pd.DateOffset(months=9) - pd.Timedelta(days=1))}
        back = {_month(m): 18_000.0 for m in _months(mid, last_month)}
        truths["reactivated"].setdefault(csm_id, []).append(add_account(csm_id, "reactivated", {**before, **back}, first_month))
        truths["new_logo"].setdefault(csm_id, []).append(
            add_account(csm_id, "new_logo", {_month(m): 30_000.0 for m in _months(mid, last_month)}, mid))

    # 4. churn notice for next quarter on a live account of a few CSMs
    owned = ownership.assign(start=pd.to_datetime(ownership["start_date"]), end=pd.to_datetime(ownership["end_date"].replace("", None)))
    live_sep = arr[(arr["month"] == _month(last_day)) & (pd.to_numeric(arr["arr"]) > 0)]
    at_end = owned[(owned["start"] <= last_day) & (owned["end"].isna() | (owned["end"] > last_day))]
    candidates = at_end[at_end["account_id"].isin(live_sep["account_id"])]
    taken: set[str] = set(renewals.loc[pd.to_datetime(renewals["renewal_date"]) >= t1, "account_id"])
    for csm_id in picked[6:10]:
        mine = candidates[(candidates["csm_id"] == csm_id) & ~candidates["account_id"].isin(taken)]
        if mine.empty:
            continue
        account_id = str(mine["account_id"].iloc[0])
        arr_now = float(pd.to_numeric(live_sep.loc[live_sep["account_id"] == account_id, "arr"]).iloc[0])
        notice = t0 + pd.Timedelta(days=40)
        new_renewals.append({"account_id": account_id, "renewal_date": (t1 + pd.Timedelta(days=30)).date().isoformat(),
                             "outcome": "pending", "arr_before": f"{arr_now:.0f}", "arr_after": "", "at_risk": "true",
                             "notice_date": notice.date().isoformat()})
        truths["churn_notice"][csm_id] = {"account_id": account_id, "arr_at_risk": arr_now,
                                          "notice_date": notice.date().isoformat()}
        taken.add(account_id)

    # 5. a handover on a renewal day: an in-quarter renewal whose account moves to another CSM that day
    in_q = renewals[(pd.to_datetime(renewals["renewal_date"]) >= t0 + pd.Timedelta(days=10))
                    & (pd.to_datetime(renewals["renewal_date"]) < t1 - pd.Timedelta(days=10))
                    & (renewals["outcome"] == "renewed")]
    single = at_end[at_end["start"] < t0]
    for row in in_q.sort_values(["renewal_date", "account_id"]).itertuples():
        holder = single[single["account_id"] == row.account_id]
        if holder.empty or row.account_id in taken:
            continue
        old_csm = str(holder["csm_id"].iloc[0])
        new_csm = next(c for c in picked if c != old_csm and segments.get(c) == segments.get(old_csm))
        idx = holder.index[0]
        ownership.loc[idx, "end_date"] = row.renewal_date
        new_ownership.append({"account_id": row.account_id, "csm_id": new_csm, "start_date": row.renewal_date, "end_date": ""})
        truths["handover_on_renewal_day"].append({"account_id": row.account_id, "from": old_csm, "to": new_csm,
                                                  "date": row.renewal_date})
        taken.add(row.account_id)
        break

    # 6. accounts without health rows
    live_ids = sorted(set(candidates["account_id"]) - taken)
    gone = [live_ids[i] for i in rng.choice(len(live_ids), size=min(5, len(live_ids)), replace=False)]
    health = health[~health["account_id"].isin(gone)]
    truths["without_health"] = sorted(gone)

    accounts = pd.concat([accounts, pd.DataFrame(new_accounts, columns=accounts.columns).fillna("")], ignore_index=True)
    ownership = pd.concat([ownership, pd.DataFrame(new_ownership, columns=ownership.columns).fillna("")], ignore_index=True)
    arr = pd.concat([arr, pd.DataFrame(new_arr, columns=arr.columns)], ignore_index=True)
    renewals = pd.concat([renewals, pd.DataFrame(new_renewals, columns=renewals.columns).fillna("")], ignore_index=True)
    for name, frame in (("accounts", accounts), ("ownership", ownership), ("arr", arr), ("health", health),
                        ("renewals", renewals)):
        _write(folder, name, frame, rng)

    # The live book per CSM, counted from the rows just written (independent of the package's lifecycle code).
    own = ownership.assign(start=pd.to_datetime(ownership["start_date"]),
                           end=pd.to_datetime(ownership["end_date"].replace("", None)))
    holders = own[(own["start"] <= last_day) & (own["end"].isna() | (own["end"] > last_day))]
    billed = set(arr.loc[(arr["month"] == _month(last_day)) & (pd.to_numeric(arr["arr"]) > 0), "account_id"])
    live = holders[holders["account_id"].isin(billed)]
    truths["live_book"] = {c: int(n) for c, n in live.groupby("csm_id")["account_id"].nunique().items()}
    (folder / TRUTHS_FILE).write_text(json.dumps(truths, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return truths
