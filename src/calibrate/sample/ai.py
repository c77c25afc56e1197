"""AI flags and AI drafts.

Flags (known truths for the flag-validation report):

* ``churn_risk``: 70% of churns get one, raised 14 to 90 days before the
  notice date; false alarms per account-quarter at ``0.06 exp(0.5 h)`` where
  ``h`` is the hidden driver (which also raises churn odds), so flagged
  accounts churn at several times the base rate.
* ``escalation_risk``: 65% of escalated tickets get one 14 to 60 days before
  the escalation; false alarms at ``0.05 exp(0.4 h)`` per account-quarter.
* ``sentiment_decline``: pure noise, 12% of account-quarters at a uniform
  random day, independent of everything else.
* ``adoption_drop``: likelier where health fell over the quarter.
  ``expansion_signal``: half of the ARR increases get one 20 to 80 days before.

Drafts: the assistant goes live at the start of the data's third quarter.
Monthly ``touch`` drafts per account at the owner's AI-use rate, a
``qbr_prep`` per account-quarter (50%), a ``renewal_brief`` before 60% of
renewals and a ``risk_brief`` after half of the actioned churn-risk flags.
Within every (CSM, quarter) exactly ``round(n x target)`` drafts are edited or
rejected (3/4 edited), so each CSM's override rate is fixed by design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .derive import owner_at
from .events import DAY, ai_rollout_day
from .world import World

__all__ = ["build_flags", "build_drafts"]


def _account_quarters(world: World, first, end, min_days: int = 7):
    tl = world.timeline
    bounds = tl.quarter_bounds()
    n, nq = len(first), len(bounds)
    acc = np.repeat(np.arange(n), nq)
    q = np.tile(np.arange(nq), n)
    lo = np.maximum(bounds[q, 0], first[acc])
    hi = np.minimum(bounds[q, 1], end[acc])
    ok = hi - lo >= min_days
    return acc[ok], q[ok], lo[ok], hi[ok]


def _in_window(world: World, day: np.ndarray) -> np.ndarray:
    return (day >= world.timeline.w0) & (day < world.timeline.t1)


def build_flags(world: World, segments: pd.DataFrame, tickets: pd.DataFrame, first, end) -> pd.DataFrame:
    rng, tl, acc = world.rng["flags"], world.timeline, world.accounts
    hidden = acc["hidden"].to_numpy()
    parts = []

    def add(kind, a, day, score):
        ok = _in_window(world, day) & (day >= first[a] - 1) & (day < end[a])
        parts.append(pd.DataFrame({"acc": a[ok], "day": day[ok], "kind": kind, "score": np.round(score[ok], 3)}))

    churned = np.flatnonzero(world.notice_day >= 0)
    hit = churned[rng.random(len(churned)) < 0.7]
    add("churn_risk", hit, world.notice_day[hit] - rng.integers(14, 91, len(hit)),
        1 / (1 + np.exp(-(1.0 + 0.5 * hidden[hit] + rng.normal(0, 0.6, len(hit))))))

    q_acc, _, lo, hi = _account_quarters(world, first, end)
    span = hi - lo

    def noise(p):
        sel = rng.random(len(q_acc)) < p
        return q_acc[sel], lo[sel] + np.floor(rng.random(int(sel.sum())) * span[sel]).astype(np.int64)

    a, d = noise(np.minimum(0.4, 0.06 * np.exp(0.5 * hidden[q_acc])))
    add("churn_risk", a, d, 1 / (1 + np.exp(-(-0.6 + 0.5 * hidden[a] + rng.normal(0, 0.6, len(a))))))

    esc = tickets.loc[tickets["escalated"].to_numpy()]
    pick = rng.random(len(esc)) < 0.65
    e_acc = esc["account_id"].to_numpy()[pick]
    e_day = esc["escalated_at"].to_numpy()[pick] // DAY - rng.integers(14, 61, int(pick.sum()))
    add("escalation_risk", e_acc, e_day, rng.uniform(0.55, 0.95, len(e_acc)))
    a, d = noise(np.minimum(0.4, 0.05 * np.exp(0.4 * hidden[q_acc])))
    add("escalation_risk", a, d, rng.uniform(0.35, 0.8, len(a)))

    a, d = noise(np.full(len(q_acc), 0.12))
    add("sentiment_decline", a, d, rng.uniform(0.3, 0.9, len(a)))

    drop = world.health[q_acc, tl.week_index(lo)] - world.health[q_acc, tl.week_index(hi - 1)]
    a, d = noise(np.where(drop > 8, 0.5, 0.03))
    add("adoption_drop", a, d, rng.uniform(0.4, 0.9, len(a)))

    arr = np.nan_to_num(world.arr)
    up_acc, up_m = np.nonzero((arr[:, 1:] > arr[:, :-1]) & (arr[:, :-1] > 0))
    sel = rng.random(len(up_acc)) < 0.5
    up_acc, up_day = up_acc[sel], tl.month_days[up_m[sel] + 1] - rng.integers(20, 81, int(sel.sum()))
    add("expansion_signal", up_acc, up_day, rng.uniform(0.5, 0.95, len(up_acc)))
    a, d = noise(np.full(len(q_acc), 0.04))
    add("expansion_signal", a, d, rng.uniform(0.3, 0.7, len(a)))

    for k in world.facts["rescuer"]["accounts"]:
        parts.append(pd.DataFrame({"acc": [k], "day": [tl.t0 - 40], "kind": "churn_risk", "score": [0.81]}))
    lost = world.facts["inherited"]["churned"]
    parts.append(pd.DataFrame({"acc": [lost], "day": [tl.t0 - 25], "kind": "churn_risk", "score": [0.77]}))

    flags = pd.concat(parts, ignore_index=True)
    raised = flags["day"].to_numpy() * DAY + rng.integers(6 * 3600, 20 * 3600, len(flags))
    owner = owner_at(segments, flags["acc"].to_numpy(), flags["day"].to_numpy())
    skill = np.where(owner >= 0, world.csms["skill"].to_numpy()[np.maximum(owner, 0)], -3.0)
    u = rng.random(len(flags))
    p_act = np.clip(0.45 + 0.1 * skill, 0.0, 0.8)
    response = np.where(u < p_act, "actioned", np.where(u < p_act + 0.3, "dismissed", "none")).astype(object)
    rescued = np.isin(flags["acc"].to_numpy(), world.facts["rescuer"]["accounts"]) & (flags["kind"] == "churn_risk").to_numpy()
    response[rescued] = "actioned"
    response[(flags["acc"].to_numpy() == lost) & (flags["day"].to_numpy() == tl.t0 - 25)] = "dismissed"
    responded = raised + rng.integers(2 * 3600, 6 * DAY, len(flags))
    response[(responded >= tl.t1 * DAY) & (response != "none")] = "none"
    responded = np.where(response == "none", -1, responded)
    order = np.lexsort((flags["acc"].to_numpy(), raised))
    out = pd.DataFrame(
        {
            "flag_id": np.arange(1, len(flags) + 1),
            "account_id": flags["acc"].to_numpy()[order],
            "raised_at": raised[order],
            "kind": flags["kind"].to_numpy()[order],
            "score": flags["score"].to_numpy()[order],
            "csm_response": pd.Categorical(response[order]),
            "responded_at": responded[order],
        }
    )
    return out


def build_drafts(world: World, segments: pd.DataFrame, renewals: pd.DataFrame, flags: pd.DataFrame,
                 first, end) -> pd.DataFrame:
    rng, tl, csms = world.rng["drafts"], world.timeline, world.csms
    rollout = ai_rollout_day(world)
    n = len(first)
    months = tl.month_days[:-1]
    m_acc = np.repeat(np.arange(n), len(months))
    m_day = np.tile(months, n) + rng.integers(0, 28, n * len(months))
    ok = (m_day >= rollout) & (m_day >= first[m_acc]) & (m_day < end[m_acc])
    m_acc, m_day = m_acc[ok], m_day[ok]
    owner = owner_at(segments, m_acc, m_day)
    use = np.where(owner >= 0, csms["ai_use"].to_numpy()[np.maximum(owner, 0)], 0.0)
    sel = rng.random(len(m_acc)) < use
    parts = [("touch", m_acc[sel], m_day[sel])]

    q_acc, _, lo, hi = _account_quarters(world, first, end, min_days=14)
    sel = (rng.random(len(q_acc)) < 0.5) & (hi > rollout)
    day = np.maximum(lo[sel], rollout) + np.floor(rng.random(int(sel.sum())) * (hi[sel] - np.maximum(lo[sel], rollout))).astype(np.int64)
    parts.append(("qbr_prep", q_acc[sel], day))

    ren = renewals.loc[rng.random(len(renewals)) < 0.6]
    parts.append(("renewal_brief", ren["acc"].to_numpy(), ren["renewal_date"].to_numpy() - rng.integers(30, 61, len(ren))))
    act = flags.loc[(flags["kind"] == "churn_risk").to_numpy() & (flags["csm_response"] == "actioned").to_numpy()]
    act = act.loc[rng.random(len(act)) < 0.5]
    parts.append(("risk_brief", act["account_id"].to_numpy(), act["responded_at"].to_numpy() // DAY))

    kind = np.concatenate([np.full(len(a), k, dtype=object) for k, a, _ in parts])
    acc = np.concatenate([a for _, a, _ in parts])
    day = np.concatenate([d for _, _, d in parts]).astype(np.int64)
    owner = owner_at(segments, acc, day)
    keep = (owner >= 0) & (day >= rollout) & (day < tl.t1)
    kind, acc, day, owner = kind[keep], acc[keep], day[keep], owner[keep]
    created = day * DAY + rng.integers(13 * 3600, 22 * 3600, len(day))
    order = np.lexsort((acc, created))
    kind, acc, day, owner, created = kind[order], acc[order], day[order], owner[order], created[order]

    quarter = np.searchsorted(tl.quarter_bounds()[:, 1], day, side="right")
    outcome = _exact_outcomes(rng, owner, quarter, csms["override_target"].to_numpy())
    median = pd.Series(kind).map({"touch": 4.0, "qbr_prep": 22.0, "renewal_brief": 14.0, "risk_brief": 8.0}).to_numpy()
    factor = np.where(outcome == "edited", 1.6, np.where(outcome == "rejected", 0.5, 1.0))
    minutes = np.round(median * factor * np.exp(rng.normal(0, 0.35, len(kind))), 1)
    sent = created + (minutes * 60).astype(np.int64) + rng.integers(60, 3 * 3600, len(kind))
    sent = np.where((outcome == "rejected") | (sent >= tl.t1 * DAY), -1, sent)
    return pd.DataFrame(
        {
            "draft_id": np.arange(1, len(kind) + 1),
            "csm_id": owner,
            "account_id": acc,
            "created_at": created,
            "kind": pd.Categorical(kind),
            "outcome": pd.Categorical(outcome),
            "minutes_to_complete": minutes,
            "sent_at": sent,
        }
    )


def _exact_outcomes(rng, owner: np.ndarray, quarter: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Within each (owner, quarter) exactly ``round(n x target)`` drafts are overridden."""
    frame = pd.DataFrame({"g": owner * 1000 + quarter, "u": rng.random(len(owner))})
    rank = frame.groupby("g")["u"].rank(method="first").to_numpy() - 1
    size = frame.groupby("g")["u"].transform("size").to_numpy()
    n_over = np.round(size * target[owner])
    over = rank < n_over
    rejected = over & (rng.random(len(owner)) < 0.25)
    return np.where(rejected, "rejected", np.where(over, "edited", "approved")).astype(object)
