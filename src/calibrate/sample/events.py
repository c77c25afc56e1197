"""Activities, tickets, surveys and onboarding, vectorised over every account.

An account produces events only while it is a customer (from its first ARR
month, or the start of the data, until its churn) and each event is credited to
the CSM owning the account that day (events in an ownership gap go to nobody
and are dropped for activities). Timestamps are seconds since 1970-01-01 UTC,
during working hours (13:00 to 22:00 UTC).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .derive import owner_at
from .notes import COMMENTS
from .world import World

__all__ = [
    "active_spans", "build_activities", "build_tickets", "build_surveys", "build_onboarding", "ai_rollout_day", "DAY",
]

DAY = 86_400
_ACTIVITY_RATE = {"enterprise": 1.1, "mid_market": 0.55, "smb": 0.27}  # per week
_TICKET_RATE = {"enterprise": 0.36, "mid_market": 0.20, "smb": 0.12}  # per week
_REGULAR_KINDS = np.array(["call", "meeting", "email", "enablement", "other"], dtype=object)
_REGULAR_P = (0.30, 0.25, 0.30, 0.07, 0.08)
_MINUTES = {"call": 30, "meeting": 45, "email": 6, "qbr": 60, "ebr": 90, "onboarding": 60, "enablement": 45, "other": 15}
_TARGET_DAYS = {"enterprise": 60, "mid_market": 45, "smb": 30}


def active_spans(world: World, churn_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[first, end)`` day of each account's time as a customer inside the data window."""
    tl, acc = world.timeline, world.accounts
    first = np.maximum(tl.month_days[acc["start_m"].to_numpy()], tl.w0)
    end = np.where(churn_day >= 0, churn_day, tl.t1)
    return first, np.maximum(end, first)


def _work_seconds(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    return day.astype(np.int64) * DAY + rng.integers(13 * 3600, 22 * 3600, len(day))


def _uniform_days(rng, acc, first, end) -> np.ndarray:
    span = (end[acc] - first[acc]).astype(float)
    return first[acc] + np.floor(rng.random(len(acc)) * span).astype(np.int64)


def _per_account(rng, rate_per_week: np.ndarray, first, end) -> np.ndarray:
    weeks = (end - first) / 7.0
    counts = rng.poisson(rate_per_week * weeks)
    return np.repeat(np.arange(len(first)), counts)


def build_activities(world: World, segments: pd.DataFrame, first, end, *, touch_rate_scale: float = 1.0) -> pd.DataFrame:
    """Regular touches (Poisson), one QBR/EBR per account-quarter at the owner's rate, onboarding sessions.

    ``touch_rate_scale`` multiplies the weekly rate of regular touches (1.0 = the
    sample's rates); the scale benchmark uses a touch-heavier team.
    """
    rng, tl, acc, csms = world.rng["activities"], world.timeline, world.accounts, world.csms
    segment = acc["segment"].to_numpy()
    rate = np.array([_ACTIVITY_RATE[s] for s in segment]) * touch_rate_scale
    reg_acc = _per_account(rng, rate, first, end)
    reg_day = _uniform_days(rng, reg_acc, first, end)
    reg_kind = rng.choice(_REGULAR_KINDS, size=len(reg_acc), p=_REGULAR_P)

    bounds = tl.quarter_bounds()
    n, nq = len(acc), len(bounds)
    q_acc = np.repeat(np.arange(n), nq)
    q_lo = np.maximum(np.tile(bounds[:, 0], n), first[q_acc])
    q_hi = np.minimum(np.tile(bounds[:, 1], n), end[q_acc])
    q_ok = q_hi - q_lo >= 14
    q_acc, q_lo, q_hi = q_acc[q_ok], q_lo[q_ok], q_hi[q_ok]
    q_day = q_lo + np.floor(rng.random(len(q_acc)) * (q_hi - q_lo)).astype(np.int64)
    q_owner = owner_at(segments, q_acc, q_day)
    qbr_rate = np.where(q_owner >= 0, csms["qbr_rate"].to_numpy()[np.maximum(q_owner, 0)], 0.0)
    qbr_rate = qbr_rate * np.where(segment[q_acc] == "smb", 0.75, 1.0)
    held = rng.random(len(q_acc)) < qbr_rate
    q_kind = np.where((segment[q_acc] == "enterprise") & (rng.random(len(q_acc)) < 0.3), "ebr", "qbr").astype(object)

    new = np.flatnonzero(acc["new_logo"].to_numpy() & (tl.month_days[acc["start_m"].to_numpy()] >= tl.w0))
    on_acc = np.repeat(new, 3)
    on_day = np.minimum(first[on_acc] + rng.integers(2, 42, len(on_acc)), end[on_acc] - 1)

    acc_all = np.concatenate([reg_acc, q_acc[held], on_acc])
    day = np.concatenate([reg_day, q_day[held], on_day])
    kind = np.concatenate([reg_kind, q_kind[held], np.full(len(on_acc), "onboarding", dtype=object)])
    owner = owner_at(segments, acc_all, day)
    keep = (owner >= 0) & (day < end[acc_all])
    acc_all, day, kind, owner = acc_all[keep], day[keep], kind[keep], owner[keep]
    ts = _work_seconds(rng, day)
    order = np.lexsort((acc_all, ts))
    acc_all, ts, kind, owner, day = acc_all[order], ts[order], kind[order], owner[order], day[order]

    planned = np.isin(kind, ("qbr", "ebr", "onboarding"))
    proactive = planned | (rng.random(len(kind)) < csms["proactive"].to_numpy()[owner])
    base_minutes = pd.Series(kind).map(_MINUTES).to_numpy(float)
    minutes = np.round(base_minutes * rng.uniform(0.6, 1.5, len(kind)))
    rollout = ai_rollout_day(world)
    ai = (day >= rollout) & (rng.random(len(kind)) < 0.6 * csms["ai_use"].to_numpy()[owner])
    return pd.DataFrame(
        {
            "activity_id": np.arange(1, len(kind) + 1),
            "account_id": acc_all,
            "csm_id": owner,
            "occurred_at": ts,
            "kind": pd.Categorical(kind),
            "initiated_by": pd.Categorical(np.where(proactive, "csm", "customer")),
            "customer_facing_minutes": minutes,
            "ai_assisted": ai,
        }
    )


def ai_rollout_day(world: World) -> int:
    """Day the AI drafting assistant went live: the start of the data's third quarter."""
    return int(world.timeline.quarter_bounds()[min(2, len(world.timeline.quarters) - 1), 0])


def build_tickets(world: World, segments: pd.DataFrame, first, end) -> pd.DataFrame:
    """Support tickets; escalation odds rise with the hidden driver, low health and priority."""
    rng, tl, acc, csms = world.rng["tickets"], world.timeline, world.accounts, world.csms
    hidden = acc["hidden"].to_numpy()
    rate = np.array([_TICKET_RATE[s] for s in acc["segment"]]) * np.exp(0.3 * hidden)
    t_acc = _per_account(rng, rate, first, end)
    day = _uniform_days(rng, t_acc, first, end)
    opened = day * DAY + rng.integers(0, DAY, len(t_acc))
    order = np.lexsort((t_acc, opened))
    t_acc, opened, day = t_acc[order], opened[order], day[order]
    n = len(t_acc)
    priority = rng.choice(np.array(["low", "normal", "high", "urgent"], dtype=object), n, p=(0.25, 0.5, 0.2, 0.05))
    owner = owner_at(segments, t_acc, day)
    skill = np.where(owner >= 0, csms["skill"].to_numpy()[np.maximum(owner, 0)], -0.5)
    first_hours = np.exp(np.log(2.6) - 0.15 * skill + rng.normal(0, 0.9, n))
    first_resp = (opened + first_hours * 3600).astype(np.int64)
    first_resp[rng.random(n) < 0.01] = -1
    resolve_days = np.exp(np.log(1.5) + rng.normal(0, 1.0, n))
    resolved = (opened + resolve_days * DAY).astype(np.int64)
    health = world.health[t_acc, tl.week_index(day)].astype(float)
    boost = pd.Series(priority).map({"low": -0.6, "normal": 0.0, "high": 0.8, "urgent": 1.5}).to_numpy(float)
    p = 1 / (1 + np.exp(-(-3.9 + 0.8 * hidden[t_acc] + 0.04 * (55 - health) + boost)))
    escalated = rng.random(n) < p
    esc_at = opened + rng.integers(2 * 3600, 4 * DAY, n)
    escalated &= esc_at < tl.t1 * DAY
    resolved = np.where(escalated, np.maximum(resolved, esc_at + DAY), resolved)
    resolved[resolved >= tl.t1 * DAY] = -1
    first_resp[first_resp >= tl.t1 * DAY] = -1
    return pd.DataFrame(
        {
            "ticket_id": np.arange(1, n + 1),
            "account_id": t_acc,
            "opened_at": opened,
            "first_response_at": first_resp,
            "resolved_at": resolved,
            "priority": pd.Categorical(priority),
            "escalated": escalated,
            "escalated_at": np.where(escalated, esc_at, -1),
        }
    )


def build_surveys(world: World, tickets: pd.DataFrame, first, end) -> pd.DataFrame:
    """NPS about once a quarter per account (from health), CSAT after some resolved tickets."""
    rng, tl = world.rng["surveys"], world.timeline
    n = len(world.accounts)
    bounds = tl.quarter_bounds()
    nq = len(bounds)
    q_acc = np.repeat(np.arange(n), nq)
    lo = np.maximum(np.tile(bounds[:, 0], n), first[q_acc])
    hi = np.minimum(np.tile(bounds[:, 1], n), end[q_acc])
    ok = (hi - lo >= 7) & (rng.random(len(q_acc)) < 0.35)
    q_acc, lo, hi = q_acc[ok], lo[ok], hi[ok]
    nps_day = lo + np.floor(rng.random(len(q_acc)) * (hi - lo)).astype(np.int64)
    health = world.health[q_acc, tl.week_index(nps_day)].astype(float)
    nps = np.clip(np.round(health / 10 + 1.2 + rng.normal(0, 1.4, len(q_acc))), 0, 10)

    resolved = tickets["resolved_at"].to_numpy()
    pick = (resolved >= 0) & (rng.random(len(resolved)) < 0.3)
    c_acc = tickets["account_id"].to_numpy()[pick]
    c_time = resolved[pick] + rng.integers(600, 2 * DAY, int(pick.sum()))
    fast = (tickets["first_response_at"].to_numpy()[pick] - tickets["opened_at"].to_numpy()[pick]) < 6 * 3600
    c_health = world.health[c_acc, tl.week_index(c_time // DAY)].astype(float)
    csat = np.clip(np.round(3.2 + 0.02 * (c_health - 60) + 0.8 * fast + rng.normal(0, 0.8, len(c_acc))), 1, 5)
    keep = c_time < tl.t1 * DAY

    acc_all = np.concatenate([q_acc, c_acc[keep]])
    when = np.concatenate([_work_seconds(rng, nps_day), c_time[keep]])
    kind = np.concatenate([np.full(len(q_acc), "nps", dtype=object), np.full(int(keep.sum()), "csat", dtype=object)])
    score = np.concatenate([nps, csat[keep]])
    band = np.where(kind == "nps", np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor")),
                    np.where(score >= 4, "satisfied", "unsatisfied"))
    comment = np.full(len(kind), None, dtype=object)
    say = rng.random(len(kind)) < 0.35
    for name, bank in COMMENTS.items():
        sel = say & (band == name)
        comment[sel] = np.array(bank, dtype=object)[rng.integers(0, len(bank), int(sel.sum()))]
    order = np.lexsort((acc_all, when))
    return pd.DataFrame(
        {
            "response_id": np.arange(1, len(kind) + 1),
            "account_id": acc_all[order],
            "responded_at": when[order],
            "kind": pd.Categorical(kind[order]),
            "score": score[order],
            "comment": comment[order],
        }
    )


def build_onboarding(world: World, segments: pd.DataFrame) -> pd.DataFrame:
    """One onboarding per account that became a customer within 120 days before the data or during it."""
    rng, tl, acc, csms = world.rng["onboarding"], world.timeline, world.accounts, world.csms
    since = acc["customer_since"].to_numpy()
    rows = np.flatnonzero(since >= tl.w0 - 120)
    kickoff = since[rows] + rng.integers(0, 11, len(rows))
    owner = owner_at(segments, rows, np.maximum(kickoff, since[rows]))
    skill = np.where(owner >= 0, csms["skill"].to_numpy()[np.maximum(owner, 0)], 0.0)
    target = pd.Series(acc["segment"].to_numpy()[rows]).map(_TARGET_DAYS).to_numpy(float)
    days = np.round(target * np.exp(-0.12 * skill + rng.normal(0, 0.35, len(rows))))
    first_value = kickoff + days.astype(np.int64)
    first_value[first_value >= tl.t1] = -1
    keep = kickoff < tl.t1
    return pd.DataFrame(
        {"account_id": rows[keep], "kickoff_date": kickoff[keep], "first_value_date": first_value[keep], "target_days": target[keep]}
    )
