"""Books, weekly health and monthly ARR: the core of the synthetic world.

The model, in words:

* **ARR** starts lognormal by segment (medians: enterprise $140k, mid-market
  $38k, SMB $9.5k; sigma 0.5). It changes only at the yearly renewal (churn,
  contraction, expansion or flat) or through a mid-term expansion.
* **Health** is a weekly score: an account-level mean (lifted by the owning
  CSM's skill), a slow drift, and an AR(1) wobble (phi 0.88).
* **Churn** at renewal: ``logit p = -2.2 + 0.075 (60 - H) + 0.9 h - 0.35 skill
  + segment offset``, where ``H`` is health a month before the renewal and
  ``h`` is a hidden account driver that never shows in health; only the AI
  flags see it (``ai.py``). Segment offsets: enterprise -0.6, mid-market 0,
  SMB +0.7, so about one SMB customer in five leaves in a year (some 5% a
  quarter), enough churn events on an SMB-heavy team for the flag validation
  to judge. Expansion odds rise with health and skill.
* An ordinary book never falls below ``BOOK_FLOOR`` accounts: a churn that
  would take it there is turned into a flat renewal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .names import INDUSTRIES, REGIONS, account_names
from .world import Roles, World

__all__ = ["build_accounts", "plan_handovers", "simulate_health", "simulate_arr", "sorted_plan", "SEGMENT_MEDIAN"]

SEGMENT_MEDIAN = {"enterprise": 140_000.0, "mid_market": 38_000.0, "smb": 9_500.0}
_SEGMENT_CHURN_OFFSET = {"enterprise": -0.6, "mid_market": 0.0, "smb": 0.7}
NEW_LOGO_SHARE = 0.2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def build_accounts(world: World) -> None:
    """One row per account: primary owner, segment, start month, renewal month, hidden driver."""
    rng, tl, csms = world.rng["accounts"], world.timeline, world.csms
    primary = np.repeat(np.arange(len(csms)), csms["book_size"].to_numpy())
    n = len(primary)
    segment = csms["segment"].to_numpy()[primary]
    role = csms["role"].to_numpy()[primary]
    t0_index = int(tl.month_index(tl.t0))

    new_logo = rng.random(n) < NEW_LOGO_SHARE
    start_m = np.where(new_logo, rng.integers(1, t0_index, n), 0)
    since = np.where(new_logo, tl.month_days[start_m], tl.w0 - rng.integers(60, 2200, n))
    hire_owner = role == Roles.NEW_HIRE
    start_m[hire_owner] = t0_index - 1
    since[hire_owner] = tl.month_days[t0_index - 1]
    new_logo |= hire_owner
    anniversary = since.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12

    median = np.array([SEGMENT_MEDIAN[s] for s in segment])
    init_arr = np.round(median * np.exp(rng.normal(0.0, 0.5, n)), -1)
    width = max(6, len(str(n)))
    world.accounts = pd.DataFrame(
        {
            "account_id": [f"ACC-{k:0{width}d}" for k in range(1, n + 1)],
            "name": account_names(world.rng["names"], n),
            "segment": segment,
            "customer_since": since.astype(np.int64),
            "industry": rng.choice(INDUSTRIES, n),
            "region": rng.choice(REGIONS, n),
            "primary": primary,
            "owner": primary.copy(),  # owner at the end of the plan (set again by plan_handovers)
            "new_logo": new_logo,
            "start_m": start_m.astype(np.int64),
            "anniversary": anniversary,
            "init_arr": init_arr,
            "hidden": rng.normal(0.0, 1.0, n),
            "protected": np.zeros(n, dtype=bool),  # never churned by the simulation
            "frozen_from": np.full(n, 10_000, dtype=np.int64),  # month index from which ARR is left alone
        }
    )


def plan_handovers(world: World) -> None:
    """The ownership plan: primary owners, then the leavers' and rebalancing handovers.

    Columns: ``acc``, ``csm``, ``start`` (day), ``end`` (day, -1 = until the next
    row or open). Every handover here ends at least 90 days before T0, so no
    ordinary book has a handover near the review quarter.
    """
    rng, tl, csms, acc = world.rng["ownership"], world.timeline, world.csms, world.accounts
    hire = csms["hire_day"].to_numpy()[acc["primary"].to_numpy()]
    start = np.maximum(acc["customer_since"].to_numpy(), hire)
    rows = [pd.DataFrame({"acc": np.arange(len(acc)), "csm": acc["primary"].to_numpy(), "start": start, "end": -1})]
    roles = csms["role"].to_numpy()
    receivers = np.flatnonzero(np.isin(roles, (Roles.STEADY, Roles.OVERRIDE_LOW, Roles.OVERRIDE_HIGH, Roles.SOURCE)))
    gap_done = False
    for leaver in np.flatnonzero(roles == Roles.LEFT):
        left_day = int(csms["left_day"].iat[leaver])
        book = np.flatnonzero(acc["primary"].to_numpy() == leaver)
        # Customers signed after the leaver left go straight to a colleague.
        late = book[start[book] >= left_day]
        late_csm = rng.choice(receivers, size=len(late))
        is_late = rows[0]["acc"].isin(late)
        rows[0].loc[is_late, "csm"] = late_csm[np.searchsorted(late, rows[0].loc[is_late, "acc"].to_numpy())]
        book = book[start[book] < left_day]
        takers = rng.choice(receivers, size=len(book))
        begin = np.full(len(book), left_day)
        ends = np.full(len(book), -1)
        if not gap_done and len(book):
            # One account waits three weeks for a new owner: a gap, not a handover.
            begin[0] += 21
            acc.loc[book[0], "protected"] = True  # so the gap is still there at the end
            ends_first = left_day
            gap_done = True
            rows.append(pd.DataFrame({"acc": [book[0]], "csm": [leaver], "start": [start[book[0]]], "end": [ends_first]}))
            rows[0] = rows[0].loc[rows[0]["acc"] != book[0]]
        rows.append(pd.DataFrame({"acc": book, "csm": takers, "start": begin, "end": ends}))

    # Rebalancing between ordinary books in earlier quarters.
    steady = np.flatnonzero(roles == Roles.STEADY)
    latest = tl.t0 - 120
    bounds = tl.quarter_bounds()
    earliest = int(bounds[1, 0]) if len(bounds) > 1 else tl.w0
    if len(steady) >= 2 and latest > earliest:
        primary = acc["primary"].to_numpy()
        pool = np.flatnonzero(np.isin(primary, steady) & (start < earliest))
        n_moves = min(len(pool), max(3, len(acc) // 150))
        moved = rng.choice(pool, size=n_moves, replace=False)
        day = rng.integers(earliest, latest, n_moves)
        day = day - (day - 4) % 7  # a Monday
        taker = rng.choice(steady, n_moves)
        same = taker == primary[moved]
        taker[same] = steady[(np.searchsorted(steady, taker[same]) + 1) % len(steady)]
        rows.append(pd.DataFrame({"acc": moved, "csm": taker, "start": day, "end": -1}))
    world.plan = sorted_plan(pd.concat(rows, ignore_index=True))
    world.accounts["owner"] = world.plan.groupby("acc")["csm"].last().reindex(range(len(acc))).to_numpy()


def sorted_plan(plan: pd.DataFrame) -> pd.DataFrame:
    plan = plan.astype({"acc": np.int64, "csm": np.int64, "start": np.int64, "end": np.int64})
    return plan.sort_values(["acc", "start"], kind="stable").reset_index(drop=True)


def simulate_health(world: World) -> None:
    """Latent weekly health (accounts x weeks, float32), before any planted script."""
    rng, tl, acc = world.rng["health"], world.timeline, world.accounts
    n, n_weeks = len(acc), tl.n_weeks
    skill = world.csms["skill"].to_numpy()[acc["primary"].to_numpy()]
    mean = np.clip(64 + 5 * skill + rng.normal(0, 9, n), 30, 90)
    slope = rng.normal(0, 6, n) / 52.0
    health = np.empty((n, n_weeks), dtype=np.float32)
    wobble = rng.normal(0, 8, n)
    centre = (n_weeks - 1) / 2
    for w in range(n_weeks):
        wobble = 0.88 * wobble + rng.normal(0, 4, n)
        health[:, w] = mean + slope * (w - centre) + wobble
    # New customers start a little lower while they onboard.
    start_week = tl.week_index(acc["customer_since"].to_numpy())
    weeks_in = np.arange(n_weeks)[None, :] - start_week[:, None]
    onboarding = acc["new_logo"].to_numpy()[:, None] & (weeks_in >= 0) & (weeks_in < 8)
    health -= np.where(onboarding, 8.0, 0.0).astype(np.float32)
    world.health = np.clip(health, 1, 99)


def simulate_arr(world: World) -> None:
    """Monthly ARR (accounts x months) with renewals, churn and expansions."""
    rng, tl, acc, csms = world.rng["arr"], world.timeline, world.accounts, world.csms
    n, n_months = len(acc), tl.n_months
    owner = acc["owner"].to_numpy()
    skill = csms["skill"].to_numpy()[acc["primary"].to_numpy()]
    hidden = acc["hidden"].to_numpy()
    offset = np.array([_SEGMENT_CHURN_OFFSET[s] for s in acc["segment"]])
    start_m = acc["start_m"].to_numpy()
    anniversary = acc["anniversary"].to_numpy()
    protected = acc["protected"].to_numpy()
    frozen_from = acc["frozen_from"].to_numpy()
    floor = np.where(csms["role"].to_numpy() == Roles.NEW_HIRE, 0, csms["floor"].to_numpy())
    legacy = ~acc["new_logo"].to_numpy()

    arr = np.full((n, n_months), np.nan)
    arr[start_m == 0, 0] = acc["init_arr"].to_numpy()[start_m == 0]
    churn_month = np.full(n, -1, dtype=np.int64)
    alive = start_m == 0
    for m in range(1, n_months):
        starting = start_m == m
        arr[starting, m] = acc["init_arr"].to_numpy()[starting]
        going = alive.copy()
        prev = arr[:, m - 1]
        health = world.health[:, tl.week_index(tl.month_days[m] - 28)].astype(float)
        renewal = going & ((tl.months[m] % 12) == anniversary) & (legacy | (m - start_m >= 12))
        p_churn = _sigmoid(-2.2 + 0.075 * (60 - health) + 0.9 * hidden - 0.35 * skill + offset)
        churn = renewal & (rng.random(n) < p_churn) & ~protected & (m < frozen_from)
        churn &= _allowed_by_floor(churn, alive, owner, floor)
        u = rng.random(n)
        p_expand = _sigmoid(-1.1 + 0.05 * (health - 65) + 0.3 * skill)
        p_contract = 0.10 + 0.15 * (health < 50)
        factor = np.ones(n)
        expand = renewal & ~churn & (u < p_expand)
        contract = renewal & ~churn & ~expand & (u < p_expand + p_contract)
        factor[expand] = 1 + rng.uniform(0.05, 0.30, n)[expand]
        factor[contract] = 1 - rng.uniform(0.05, 0.25, n)[contract]
        mid_term = going & ~renewal & (rng.random(n) < np.minimum(0.05, 0.01 * np.exp(0.04 * (health - 65))))
        factor[mid_term] = 1 + rng.uniform(0.08, 0.35, n)[mid_term]
        factor[m >= frozen_from] = 1.0
        arr[going, m] = np.round(prev[going] * factor[going], -1)
        arr[churn, m] = 0.0
        churn_month[churn] = m
        alive = (alive | starting) & ~churn
    world.arr = arr
    world.churn_month = churn_month
    notice = np.full(n, -1, dtype=np.int64)
    has = churn_month >= 0
    notice[has] = tl.month_days[churn_month[has]] - rng.integers(30, 91, int(has.sum()))
    world.notice_day = notice


def _allowed_by_floor(churn: np.ndarray, alive: np.ndarray, owner: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """False for churns that would take a book (by owner at T1) below its floor this month."""
    n_csms = len(floor)
    alive_count = np.bincount(owner[alive], minlength=n_csms)
    churn_count = np.bincount(owner[churn], minlength=n_csms)
    ok = alive_count - churn_count >= floor
    return ok[owner]

