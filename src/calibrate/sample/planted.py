"""The planted scenarios of the review quarter, and the guards that keep every other book clean.

Planted (review quarter ``P = [T0, T1)``):

* **inherited**: on the first Monday at least 30 days after T0 the
  ``handover_source`` CSM hands six accounts to this CSM; the smallest of them
  churns (ARR 0) on the first day of the next month but one, after notice given
  nine days into the new ownership. The inherited accounts are scaled so they
  hold over 40% of the CSM's ARR at T1.
* **concentrated**: one account holds 36% of the book's ARR at T0 and expands
  by at least 35% in P while the three smallest accounts churn at renewal.
* **rescuer**: four accounts are red (health <= 47) from ten weeks before T0
  to 2.5 weeks after it, recover to yellow/green, and renew in P
  (flat, -10%, flat, +6%); every other account of the book is flat in P.
* **new_hire**: hired 44 days before T0 with six new customers since the month
  before T0; flat in P.
* **override_low / override_high**: see ``ai.py`` (3% and 60% in P).

Guards (every CSM with a book in P except ``concentrated``): the largest
account at T0 is under 16% of the book (21% for books under 8 accounts; its
whole ARR history is scaled down until it is) and its ARR does not move in P;
the rest of the book's NRR stays within [0.82, 1.18] (the largest movers are
frozen in P until it does). Then ``concentrated_book`` cannot fire: with the
top account flat, ``NRR >= 1`` exactly when ``NRR_excl_top >= 1``, and the top
account moves NRR by ``share x |1 - NRR_excl_top| < 0.16 x 0.18 < 0.05``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .derive import owner_at, ownership_segments
from .generate import sorted_plan
from .world import Roles, World

__all__ = [
    "prepare_scenarios",
    "script_health",
    "script_arr",
    "guard_books",
    "ensure_inherited_share",
    "TOP_SHARE_CAP",
]

TOP_SHARE_CAP = 0.16
SMALL_TOP_SHARE_CAP = 0.21
REST_NRR_RANGE = (0.82, 1.18)
INHERITED_MIN_SHARE = 0.42
CONCENTRATED_TOP_SHARE = 0.36


def _indices(world: World):
    tl = world.timeline
    return int(tl.month_index(tl.t0)), int(tl.month_index(tl.t1))


def _force_legacy(world: World, rows: np.ndarray) -> None:
    acc, rng, tl = world.accounts, world.rng["planted"], world.timeline
    newish = rows[acc["new_logo"].to_numpy()[rows]]
    since = tl.w0 - rng.integers(200, 1800, len(newish))
    acc.loc[newish, "customer_since"] = since
    acc.loc[newish, "start_m"] = 0
    acc.loc[newish, "new_logo"] = False
    acc.loc[newish, "anniversary"] = since.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    plan = world.plan
    first = ~plan["acc"].duplicated()
    hire = world.csms["hire_day"].to_numpy()[plan["csm"].to_numpy()]
    fix = first & plan["acc"].isin(newish)
    plan.loc[fix, "start"] = np.maximum(
        acc["customer_since"].to_numpy()[plan.loc[fix, "acc"].to_numpy()], hire[fix.to_numpy()]
    )


def prepare_scenarios(world: World) -> None:
    """Choose the planted accounts, their renewal months and the mid-quarter handover."""
    tl, acc = world.timeline, world.accounts
    i0, _ = _indices(world)
    primary = acc["primary"].to_numpy()
    a, b = world.role_index(Roles.SOURCE), world.role_index(Roles.INHERITED)
    c, r = world.role_index(Roles.CONCENTRATED), world.role_index(Roles.RESCUER)
    h = world.role_index(Roles.NEW_HIRE)
    for who in (a, b, c, r):
        _force_legacy(world, np.flatnonzero(primary == who))
    init = acc["init_arr"].to_numpy()
    month_of = lambda m: int(tl.months[m] % 12)  # noqa: E731

    # inherited: six of the source's larger accounts change hands mid-quarter.
    a_book = np.flatnonzero(primary == a)
    handed = a_book[np.argsort(-init[a_book], kind="stable")][1:7]
    handover = tl.t0 + 30
    handover += (-(handover - 4)) % 7
    lost = int(handed[-1])
    churn_m = int(tl.month_index(handover + 7)) + 1
    acc.loc[lost, "anniversary"] = month_of(churn_m)
    new_rows = world.plan.iloc[:0].copy()
    new_rows = new_rows.reindex(range(len(handed)))
    new_rows["acc"], new_rows["csm"], new_rows["start"], new_rows["end"] = handed, b, handover, -1
    world.plan = sorted_plan(pd.concat([world.plan, new_rows], ignore_index=True))
    acc.loc[handed, "owner"] = b
    acc.loc[handed, "protected"] = True
    acc.loc[handed, "frozen_from"] = i0 + 1
    world.facts["inherited"] = {
        "csm": b, "source": a, "handover_day": int(handover), "accounts": [int(k) for k in handed],
        "churned": lost, "churn_m": churn_m,
    }

    # concentrated: the largest account carries the book; the three smallest churn in P.
    c_book = np.flatnonzero(primary == c)
    order = c_book[np.argsort(-init[c_book], kind="stable")]
    large, churners = int(order[0]), order[-3:][::-1]
    for k, m in zip(churners, (i0 + 1, i0 + 2, i0 + 2)):
        acc.loc[k, "anniversary"] = month_of(m)
    acc.loc[[large, *churners], "protected"] = True
    acc.loc[c_book, "frozen_from"] = i0 + 1
    world.facts["concentrated"] = {"csm": c, "large": large, "churned": [int(k) for k in churners]}

    # rescuer: four mid-sized accounts are red at T0 and renew in P.
    r_book = np.flatnonzero(primary == r)
    ranked = r_book[np.argsort(-init[r_book], kind="stable")]
    rescued = ranked[3:7]
    for k, m in zip(rescued, (i0 + 1, i0 + 1, i0 + 2, i0 + 2)):
        acc.loc[k, "anniversary"] = month_of(m)
    acc.loc[rescued, "protected"] = True
    acc.loc[r_book, "frozen_from"] = i0 + 1
    world.facts["rescuer"] = {"csm": r, "accounts": [int(k) for k in rescued]}

    nh_book = np.flatnonzero(primary == h)
    acc.loc[nh_book, "protected"] = True
    acc.loc[nh_book, "frozen_from"] = i0 + 1
    world.facts["new_hire"] = {"csm": h, "accounts": [int(k) for k in nh_book]}


def script_health(world: World) -> None:
    """Overwrite the weekly health of the planted accounts around T0."""
    rng, tl, health = world.rng["planted"], world.timeline, world.health
    weeks = tl.weeks.astype(float)
    t0 = tl.t0

    def ramp(k: int, lo: int, hi: int, value: float) -> None:
        sel = (weeks >= lo) & (weeks < hi)
        if sel.any():
            first = float(health[k, np.flatnonzero(sel)[0]])
            health[k, sel] = np.linspace(first, value, int(sel.sum()))

    def band(k: int, lo: int, hi: int, low: float, high: float) -> None:
        sel = (weeks >= lo) & (weeks < hi)
        health[k, sel] = rng.uniform(low, high, int(sel.sum()))

    for k in world.facts["rescuer"]["accounts"]:
        ramp(k, t0 - 112, t0 - 70, 44)
        band(k, t0 - 70, t0 + 18, 34, 47)
        sel = (weeks >= t0 + 18) & (weeks < t0 + 60)
        health[k, sel] = np.linspace(46, 74, int(sel.sum())) + rng.uniform(-2, 2, int(sel.sum()))
        band(k, t0 + 60, tl.t1, 68, 84)
    lost = world.facts["inherited"]["churned"]
    ramp(lost, t0 - 100, world.facts["inherited"]["handover_day"], 31)
    band(lost, world.facts["inherited"]["handover_day"], tl.t1, 24, 36)
    for k in world.facts["concentrated"]["churned"]:
        ramp(k, t0 - 90, t0 + 7, 41)
        band(k, t0 + 7, tl.t1, 30, 45)
    band(world.facts["concentrated"]["large"], t0 - 120, tl.t1, 80, 91)


def _set_churn(world: World, k: int, m: int, notice: int) -> None:
    world.arr[k, m] = 0.0
    world.arr[k, m + 1 :] = np.nan
    world.churn_month[k] = m
    world.notice_day[k] = notice


def _freeze(world: World, k: int, i0: int) -> None:
    world.arr[k, i0 + 1 :] = world.arr[k, i0]
    if world.churn_month[k] > i0:
        world.churn_month[k] = -1
        world.notice_day[k] = -1


def _scale(world: World, rows, factor: float) -> None:
    world.arr[rows, :] = np.round(world.arr[rows, :] * factor, -1)


def script_arr(world: World) -> None:
    """Write the planted ARR movements of P (churns, the large expansion, the renewals)."""
    rng, tl, arr = world.rng["planted"], world.timeline, world.arr
    i0, _ = _indices(world)
    inh = world.facts["inherited"]
    _set_churn(world, inh["churned"], inh["churn_m"], inh["handover_day"] + 9)

    con = world.facts["concentrated"]
    for k, m in zip(con["churned"], (i0 + 1, i0 + 2, i0 + 2)):
        _set_churn(world, k, m, int(tl.month_days[m] - rng.integers(35, 61)))
    c_book = np.flatnonzero((world.accounts["primary"].to_numpy() == con["csm"]) & (arr[:, i0] > 0))
    large = con["large"]
    others = float(arr[c_book[c_book != large], i0].sum())
    _scale(world, large, CONCENTRATED_TOP_SHARE / (1 - CONCENTRATED_TOP_SHARE) * others / arr[large, i0])
    base = float(arr[large, i0])
    churned_arr = float(arr[con["churned"], i0].sum())
    growth = max(1.35, 1 + (churned_arr + 0.05 * (others + base)) / base)
    arr[large, i0 + 2 :] = np.round(base * growth, -1)
    con["growth"] = growth

    for k, m, f in zip(world.facts["rescuer"]["accounts"], (i0 + 1, i0 + 1, i0 + 2, i0 + 2), (1.0, 0.9, 1.0, 1.06)):
        arr[k, m:] = np.round(arr[k, i0] * f, -1)



def guard_books(world: World) -> None:
    """Keep every non-planted flag off: cap the top account's share, freeze it, bound the rest."""
    tl, arr = world.timeline, world.arr
    i0, i1 = _indices(world)
    n = arr.shape[0]
    owner_t0 = owner_at(ownership_segments(world.plan), np.arange(n), np.full(n, tl.t0))
    alive = np.nan_to_num(arr[:, i0]) > 0
    scripted = set(world.facts["rescuer"]["accounts"]) | {world.facts["inherited"]["churned"]}
    roles = world.csms["role"].to_numpy()
    for c in np.flatnonzero(~np.isin(roles, (Roles.CONCENTRATED, Roles.LEFT))):
        book = np.flatnonzero((owner_t0 == c) & alive)
        if len(book) == 0:
            continue
        cap = TOP_SHARE_CAP if len(book) >= 8 else SMALL_TOP_SHARE_CAP
        for _ in range(200):
            start = arr[book, i0]
            top = int(np.argmax(start))
            if start[top] / start.sum() < cap:
                break
            rest = start.sum() - start[top]
            _scale(world, book[top], 0.97 * cap * rest / ((1 - 0.97 * cap) * start[top]))
        start = arr[book, i0]
        tops = book[start == start.max()]
        for k in tops:
            _freeze(world, int(k), i0)
        rest = np.setdiff1d(book, tops)
        for _ in range(len(rest)):
            end = np.nan_to_num(arr[rest, i1])
            ratio = end.sum() / arr[rest, i0].sum()
            if REST_NRR_RANGE[0] <= ratio <= REST_NRR_RANGE[1]:
                break
            moves = np.abs(end - arr[rest, i0])
            moves[np.isin(rest, list(scripted))] = -1
            pick = int(np.argmax(moves))
            if moves[pick] <= 0:
                break
            _freeze(world, int(rest[pick]), i0)


def ensure_inherited_share(world: World) -> None:
    """Scale the inheriting CSM's own accounts so the inherited ones hold over 40% of ARR at T1.

    A uniform scale leaves that book's shares and movements, hence its other flags, unchanged.
    """
    arr = world.arr
    inh = world.facts["inherited"]
    handed = [k for k in inh["accounts"] if k != inh["churned"]]
    i0, i1 = _indices(world)
    own = np.flatnonzero((world.accounts["primary"].to_numpy() == inh["csm"]) & (np.nan_to_num(arr[:, i0]) > 0))
    inh_t1, own_t1 = float(arr[handed, i1].sum()), float(np.nansum(arr[own, i1]))
    if inh_t1 / (inh_t1 + own_t1) < INHERITED_MIN_SHARE:
        _scale(world, own, inh_t1 * (1 - INHERITED_MIN_SHARE - 0.03) / ((INHERITED_MIN_SHARE + 0.03) * own_t1))
