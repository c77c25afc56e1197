"""A tiny typed Dataset built in code for the batch and present tests.

Dtypes follow ``calibrate.contract``: ids/text -> string, dates -> datetime64[ns],
money -> float64. Names are hostile on purpose (markup, quotes, newlines, code).
"""

from __future__ import annotations

import pandas as pd

from calibrate.dataset import Dataset

HOSTILE_NAMES = {
    "csm-alpha-7": '<script>alert("alpha")</script> Ana Quill',
    "csm-bravo-3": "Bo O'Hara \"the closer\"\nsecond line",
    "csm-charlie-5": '"; import os; os.system("touch /tmp/pwned-calibrate") #',
}

ACCOUNTS = {
    "acct-kilo-1": ("csm-alpha-7", "Kilo <b>Bold</b> Ltd", 120000.0, 130000.0),
    "acct-lima-2": ("csm-alpha-7", "Lima & Sons", 40000.0, 0.0),
    "acct-mike-3": ("csm-bravo-3", "Mike \"quoted\" Inc", 80000.0, 90000.0),
    "acct-nova-4": ("csm-charlie-5", "Nova'; DROP TABLE accounts;--", 15000.0, 16000.0),
    "acct-oscar-5": ("csm-charlie-5", "Oscar Widgets", 22000.0, 22000.0),
}


def _s(values) -> pd.Series:
    return pd.Series(values, dtype="string")


def _d(values) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")


def tiny_dataset(names: dict[str, str] | None = None) -> Dataset:
    """Three CSMs, five accounts, ARR at the start and end of 2026-Q3."""
    names = names or HOSTILE_NAMES
    ids = list(names)
    csms = pd.DataFrame(
        {
            "csm_id": _s(ids),
            "name": _s([names[i] for i in ids]),
            "segment": _s(["enterprise", "mid_market", "smb"][: len(ids)]),
            "hire_date": _d(["2022-01-10", "2023-03-01", "2024-06-15"][: len(ids)]),
        }
    )
    acct_ids = list(ACCOUNTS)
    accounts = pd.DataFrame(
        {
            "account_id": _s(acct_ids),
            "name": _s([ACCOUNTS[a][1] for a in acct_ids]),
            "segment": _s(["enterprise"] * len(acct_ids)),
        }
    )
    ownership = pd.DataFrame(
        {
            "account_id": _s(acct_ids),
            "csm_id": _s([ACCOUNTS[a][0] for a in acct_ids]),
            "start_date": _d(["2025-01-01"] * len(acct_ids)),
            "end_date": _d([None] * len(acct_ids)),
        }
    )
    arr = pd.DataFrame(
        {
            "account_id": _s(acct_ids * 2),
            "month": _d(["2026-07-01"] * len(acct_ids) + ["2026-10-01"] * len(acct_ids)),
            "arr": pd.Series([ACCOUNTS[a][2] for a in acct_ids] + [ACCOUNTS[a][3] for a in acct_ids], dtype="float64"),
        }
    )
    health = pd.DataFrame({"account_id": _s([]), "date": _d([]), "score": pd.Series([], dtype="float64")})
    activities = pd.DataFrame(
        {
            "activity_id": _s([]),
            "account_id": _s([]),
            "csm_id": _s([]),
            "occurred_at": _d([]),
            "kind": _s([]),
            "initiated_by": _s([]),
        }
    )
    return Dataset(
        tables={
            "csms": csms,
            "accounts": accounts,
            "ownership": ownership,
            "arr": arr,
            "health": health,
            "activities": activities,
        },
        data_dir="(built in tests)",
    )
