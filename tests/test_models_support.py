"""Builders for the models tests: typed frames and a simulated world with known truths.

``simulate_flag_world`` plants three flag kinds: ``churn_risk`` raised mostly
on accounts at risk of churn in the coming quarter (churn ~4x as likely),
``escalation_risk`` raised mostly on accounts with friction (escalations
~4x as likely), ``sentiment_decline`` raised at random (pure noise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibrate.contract import TABLES
from calibrate.dataset import Dataset
from calibrate.periods import parse_period

_DTYPES = {
    "id": "string", "text": "string", "label": "string", "enum": "string", "period": "string",
    "date": "datetime64[ns]", "timestamp": "datetime64[ns]", "month": "datetime64[ns]",
    "number": "float64", "money": "float64", "bool": "boolean",
}


def typed(table: str, rows: list[dict] | dict[str, object]) -> pd.DataFrame:
    """A frame of ``table`` with contract dtypes (rows as dicts, or columns as arrays)."""
    spec = TABLES[table]
    if isinstance(rows, dict):
        n = len(next(iter(rows.values()))) if rows else 0
        columns = rows
    else:
        n = len(rows)
        columns = {c.name: [r.get(c.name) for r in rows] for c in spec.columns}
    data = {}
    for col in spec.columns:
        values = columns.get(col.name, [None] * n)
        dtype = _DTYPES[col.kind]
        series = pd.Series(list(values) if not isinstance(values, np.ndarray) else values)
        if dtype.startswith("datetime"):
            data[col.name] = pd.to_datetime(series).astype(dtype)
        elif dtype == "float64":
            data[col.name] = pd.to_numeric(series).astype(dtype)
        else:
            data[col.name] = series.astype(object).where(series.notna(), None).astype(dtype)
    return pd.DataFrame(data)


def make_dataset(**tables: pd.DataFrame | None) -> Dataset:
    out = {}
    for name, spec in TABLES.items():
        value = tables.get(name)
        out[name] = typed(name, []) if value is None and spec.required else value
    return Dataset(tables=out)


def simulate_flag_world(
    n_accounts: int = 3000,
    *,
    seed: int = 1,
    quarters: int = 8,
    end: str = "2026-Q3",
    n_csms: int = 60,
    churn_base: float = 0.03,
    churn_risky: float = 0.12,
    escalation_base: float = 0.05,
    escalation_risky: float = 0.20,
) -> Dataset:
    """Accounts over ``quarters`` quarters ending at ``end`` with planted flag truths."""
    rng = np.random.default_rng(seed)
    last = parse_period(end)
    periods = [last.shift(-k) for k in range(quarters - 1, -1, -1)]
    start, stop = periods[0].start, last.end  # ARR through the month of T1
    months = pd.date_range(start, stop, freq="MS")
    ids = np.array([f"A{i:05d}" for i in range(n_accounts)])
    csm_ids = np.array([f"C{i:03d}" for i in range(n_csms)])
    owner = csm_ids[rng.integers(0, n_csms, n_accounts)]
    segment = rng.choice(["enterprise", "mid_market", "smb"], n_accounts)
    since = start - pd.to_timedelta(rng.integers(30, 2000, n_accounts), unit="D")
    base_arr = np.round(np.exp(rng.normal(10, 0.8, n_accounts)), 0)

    churn_date = np.full(n_accounts, np.datetime64("NaT"), dtype="datetime64[ns]")
    flag_rows: list[tuple[str, str, pd.Timestamp, float, str]] = []
    esc_rows: list[tuple[str, pd.Timestamp]] = []
    health_rows = []
    alive = np.ones(n_accounts, bool)
    for q in periods:
        t0 = q.start
        risky = rng.random(n_accounts) < 0.15
        friction = rng.random(n_accounts) < 0.15
        # flags raised in the 80 days before t0 describe the coming quarter
        for kind, truth, hit, false_alarm in (("churn_risk", risky, 0.6, 0.08), ("escalation_risk", friction, 0.6, 0.08),
                                              ("sentiment_decline", np.zeros(n_accounts, bool), 0.0, 0.15)):
            p = np.where(truth, hit, false_alarm)
            raise_it = alive & (rng.random(n_accounts) < p)
            for i in np.flatnonzero(raise_it):
                when = t0 - pd.Timedelta(days=int(rng.integers(15, 80)))
                response = "actioned" if rng.random() < 0.4 else "none"
                flag_rows.append((ids[i], kind, when, float(rng.uniform(0.5, 1.0)), response))
        churns = alive & (rng.random(n_accounts) < np.where(risky, churn_risky, churn_base))
        days = rng.integers(1, q.days - 1, n_accounts)
        for i in np.flatnonzero(churns):
            churn_date[i] = np.datetime64(t0 + pd.Timedelta(days=int(days[i])))
        alive &= ~churns
        escalates = rng.random(n_accounts) < np.where(friction, escalation_risky, escalation_base)
        esc_days = rng.integers(1, q.days - 1, n_accounts)
        for i in np.flatnonzero(escalates):
            esc_rows.append((ids[i], t0 + pd.Timedelta(days=int(esc_days[i]))))
        score = np.clip(rng.normal(72, 12, n_accounts) - 6 * risky, 0, 100)
        health_rows.append(pd.DataFrame({"account_id": ids, "date": t0 - pd.Timedelta(days=3), "score": score}))

    churn_month = pd.Series(churn_date).dt.to_period("M").dt.to_timestamp() + pd.DateOffset(months=1)
    grid_acc = np.repeat(ids, len(months))
    grid_month = np.tile(months.to_numpy(), n_accounts)
    zero_from = np.repeat(churn_month.to_numpy(), len(months))
    arr_values = np.repeat(base_arr, len(months))
    arr_values = np.where(pd.notna(zero_from) & (grid_month >= zero_from), 0.0, arr_values)

    churned = np.flatnonzero(pd.notna(churn_date))
    with_notice = churned[rng.random(len(churned)) < 0.5]
    renewals = typed("renewals", {
        "account_id": ids[churned],
        "renewal_date": churn_month.to_numpy()[churned],
        "outcome": ["churned"] * len(churned),
        "arr_before": base_arr[churned],
        "arr_after": np.zeros(len(churned)),
        "notice_date": [churn_date[i] if i in set(with_notice) else None for i in churned],
    })
    flags = pd.DataFrame(flag_rows, columns=["account_id", "kind", "raised_at", "score", "csm_response"])
    flags = typed("ai_flags", {
        "flag_id": [f"F{i:07d}" for i in range(len(flags))], "account_id": flags["account_id"].to_numpy(),
        "raised_at": flags["raised_at"].to_numpy(), "kind": flags["kind"].to_numpy(),
        "score": flags["score"].to_numpy(), "csm_response": flags["csm_response"].to_numpy(),
    })
    esc = pd.DataFrame(esc_rows, columns=["account_id", "at"])
    tickets = typed("tickets", {
        "ticket_id": [f"T{i:07d}" for i in range(len(esc))], "account_id": esc["account_id"].to_numpy(),
        "opened_at": (esc["at"] - pd.Timedelta(days=1)).to_numpy(), "escalated": [True] * len(esc),
        "escalated_at": esc["at"].to_numpy(),
    })
    health = pd.concat(health_rows, ignore_index=True)
    return make_dataset(
        csms=typed("csms", {"csm_id": csm_ids, "name": csm_ids, "segment": ["smb"] * n_csms,
                            "hire_date": [pd.Timestamp("2020-01-01")] * n_csms}),
        accounts=typed("accounts", {"account_id": ids, "name": ids, "segment": segment, "customer_since": since}),
        ownership=typed("ownership", {"account_id": ids, "csm_id": owner, "start_date": [since.min()] * n_accounts}),
        arr=typed("arr", {"account_id": grid_acc, "month": grid_month, "arr": arr_values}),
        health=typed("health", {"account_id": health["account_id"].to_numpy(), "date": health["date"].to_numpy(),
                                "score": health["score"].to_numpy()}),
        renewals=renewals,
        tickets=tickets,
        ai_flags=flags,
    )


def test_simulated_world_has_contract_tables():
    ds = simulate_flag_world(200, seed=3, quarters=4)
    assert set(ds["ai_flags"]["kind"].unique()) == {"churn_risk", "escalation_risk", "sentiment_decline"}
    assert (ds["arr"]["arr"] == 0).any()
