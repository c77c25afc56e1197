"""Strengths, development areas and the 30-day coaching plan, each tied to evidence.

Every item names a specific account, number or trigger: it is a phrase of
:mod:`phrases` filled with :mod:`facts` slots, so the grounding check applies
to it as to the narrative (without the length rule).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .evidence import AccountEvidence, ReviewEvidence
from .facts import RED_MAX, Facts, derive_facts, join_names
from .formatting import is_missing
from .phrases import GROUPS, render

__all__ = ["ReviewPoint", "PlanItem", "strengths_and_development", "coaching_plan", "MAX_POINTS", "MAX_PLAN_ITEMS"]

MAX_POINTS = 4
MAX_PLAN_ITEMS = 6
_RNG_SEED = "coaching"


@dataclass(frozen=True)
class ReviewPoint:
    """A strength or development area: its text, competency and what it rests on.

    ``basis`` is ``account``, ``metric:<name>``, ``trigger`` or ``note``.
    """

    text: str
    competency: str
    basis: str
    account_id: str | None = None


@dataclass(frozen=True)
class PlanItem:
    """One action of the 30-day plan (week 1..4), the account and trigger behind it and its expected effect."""

    week: int
    action: str
    account_id: str | None
    account: str | None
    trigger: str
    expected_effect: str


def _num(value) -> float | None:
    return None if is_missing(value) else float(value)


def _below_median(ev: ReviewEvidence, name: str) -> bool:
    value, med = _num(ev.metrics.get(name)), _num(ev.cohort_medians.get(name))
    return value is not None and med is not None and value < med


def _at_or_above_median(ev: ReviewEvidence, name: str) -> bool:
    value, med = _num(ev.metrics.get(name)), _num(ev.cohort_medians.get(name))
    return value is not None and med is not None and value >= med


def _by_size(accounts) -> list[AccountEvidence]:
    return sorted(accounts, key=lambda a: -max(_num(a.start_arr) or 0.0, _num(a.end_arr) or 0.0))


def _red_pending(ev: ReviewEvidence) -> list[AccountEvidence]:
    red = [
        a
        for a in ev.accounts
        if a.renewal_outcome == "pending" and _num(a.health_t1) is not None and a.health_t1 <= RED_MAX
    ]
    return sorted(red, key=lambda a: (a.renewal_date is None, a.renewal_date or a.window_start))


class _Writer:
    def __init__(self, ev: ReviewEvidence, facts: Facts):
        self.ev, self.facts = ev, facts
        self.rng = random.Random(f"{_RNG_SEED}:{ev.csm_name}:{ev.period_label}")

    def text(self, group: str, account_id: str | None = None, extra: dict[str, str] | None = None) -> str | None:
        slots = dict(self.facts.book)
        if account_id is not None and account_id in self.facts.accounts:
            slots.update(self.facts.accounts[account_id])
        slots.update(extra or {})
        return render(GROUPS[group], slots, self.rng)


def strengths_and_development(evidence: ReviewEvidence) -> tuple[list[ReviewPoint], list[ReviewPoint]]:
    """Up to four strengths and four development areas, strongest evidence first.

    Strengths: saves (red and renewed), retention at the exceeds level, the
    largest expansions, QBR coverage and NPS at or above the cohort median,
    rising health, positive triggers, influence notes. Development areas: red
    accounts with a renewal pending, churned accounts not credited to a
    previous owner, a concentrated book, negative triggers, QBR coverage,
    proactive share or NPS below the cohort median, falling health, no survey
    responses, an override rate out of band, no expansion. Either list may be
    empty when the evidence shows nothing of the kind.
    """
    ev, facts = evidence, derive_facts(evidence)
    w = _Writer(ev, facts)
    b = facts.book
    strengths: list[tuple[str, str, str | None, str | None]] = []  # (group, competency, account, basis)
    for acc in ev.accounts:
        if acc.saved and "health_t0" in facts.accounts[acc.account_id]:
            strengths.append(("s_save", "health_management", acc.account_id, "account"))
    if facts.levels["retention_renewal"] == "exceeds" and "grr" in b:
        strengths.append(("s_retention", "retention_renewal", None, "metric:grr"))
    for acc in [a for a in _by_size(ev.accounts) if a.movement == "expanded"][:2]:
        strengths.append(("s_expansion", "expansion_upsell", acc.account_id, "account"))
    if _at_or_above_median(ev, "qbr_coverage"):
        strengths.append(("s_qbr", "onboarding_adoption", None, "metric:qbr_coverage"))
    if (_num(ev.metrics.get("health_change")) or 0) >= 0.5 and "health_move_phrase" in b:
        strengths.append(("s_health", "health_management", None, "metric:health_change"))
    if _at_or_above_median(ev, "nps"):
        strengths.append(("s_nps", "voice_of_customer", None, "metric:nps"))
    trig_slots = list(zip(ev.triggers, facts.triggers))
    for trig, slots in sorted(trig_slots, key=lambda t: t[0].date, reverse=True):
        if trig.polarity == "positive":
            strengths.append(("s_trigger", "health_management", trig.account_id, "trigger"))
    for note in ev.notes:
        if note.category in ("voice_of_customer", "mentorship", "playbook", "cross_team"):
            strengths.append(("s_note", "voice_of_customer", note.account_id, "note"))

    development: list[tuple[str, str, str | None, str | None]] = []
    for acc in _red_pending(ev):
        development.append(("d_red_pending", "retention_renewal", acc.account_id, "account"))
    for acc in _by_size(a for a in ev.accounts if a.movement == "churned" and not a.previous_owner_credited)[:2]:
        development.append(("d_churn", "retention_renewal", acc.account_id, "account"))
    if "concentrated_book" in ev.flags and "nrr_excl_top" in b:
        development.append(("d_concentration", "retention_renewal", None, "metric:nrr_excl_top"))
    for trig, slots in sorted(trig_slots, key=lambda t: t[0].date, reverse=True):
        if trig.polarity == "negative":
            development.append(("d_trigger", "health_management", trig.account_id, "trigger"))
    if _below_median(ev, "qbr_coverage"):
        development.append(("d_qbr", "onboarding_adoption", None, "metric:qbr_coverage"))
    if _below_median(ev, "proactive_share"):
        development.append(("d_proactive", "onboarding_adoption", None, "metric:proactive_share"))
    if (_num(ev.metrics.get("health_change")) or 0) <= -0.5 and "n_red_t1" in b:
        development.append(("d_health", "health_management", None, "metric:health_change"))
    if _below_median(ev, "nps"):
        development.append(("d_nps", "voice_of_customer", None, "metric:nps"))
    if "nps" not in b and "csat" not in b and ev.accounts:
        development.append(("d_no_surveys", "voice_of_customer", None, "metric:nps"))
    if "override_out_of_band" in ev.flags and "override_rate" in b:
        development.append(("d_override", "onboarding_adoption", None, "metric:override_rate"))
    if "top_account" in b and "expanded_names" not in b:
        development.append(("d_expansion_none", "expansion_upsell", None, "metric:expansion_arr"))

    if not development:
        # Nothing went wrong: name the nearest growth edge instead of leaving the list empty.
        flat = [a for a in _by_size(ev.accounts) if a.movement == "flat" and not a.previous_owner_credited]
        if flat:
            development.append(("d_flat", "expansion_upsell", flat[0].account_id, "account"))
        scored = [a for a in ev.accounts if _num(a.health_t1) is not None and a.movement != "churned"]
        if scored:
            lowest = min(scored, key=lambda a: (a.health_t1, a.name))
            development.append(("d_lowest_health", "health_management", lowest.account_id, "account"))

    def build(items) -> list[ReviewPoint]:
        out: list[ReviewPoint] = []
        trig_iter = {"s_trigger": iter([s for t, s in sorted(trig_slots, key=lambda t: t[0].date, reverse=True) if t.polarity == "positive"]),
                     "d_trigger": iter([s for t, s in sorted(trig_slots, key=lambda t: t[0].date, reverse=True) if t.polarity == "negative"])}
        note_iter = iter([s for n, s in zip(ev.notes, facts.notes) if n.category in ("voice_of_customer", "mentorship", "playbook", "cross_team")])
        for group, competency, account_id, basis in items:
            extra = next(trig_iter[group]) if group in trig_iter else (next(note_iter) if group == "s_note" else None)
            text = w.text(group, account_id, extra)
            if text is not None and text not in (p.text for p in out):
                out.append(ReviewPoint(text, competency, basis, account_id))
            if len(out) >= MAX_POINTS:
                break
        return out

    return build(strengths), build(development)


_FAMILIES = (
    ("sla", ("sla", "response")),
    ("proactive", ("proactive", "outreach")),
    ("sentiment", ("sentiment", "nps", "detractor", "csat")),
    ("renewal", ("churn", "renewal")),
    ("adoption", ("adoption", "usage")),
    ("escalation", ("escalat",)),
    ("health", ("health", "decline")),
)


def _family(kind: str) -> str:
    kind = kind.lower()
    for family, keys in _FAMILIES:
        if any(k in kind for k in keys):
            return family
    return "generic"


def coaching_plan(evidence: ReviewEvidence) -> list[PlanItem]:
    """A 30-day plan: up to six actions over weeks 1–3 and a review with the manager in week 4.

    Order of urgency: red accounts with a renewal pending (soonest first),
    negative triggers (most recent first, one per account and one per kind of
    book-level warning, with a book-level action where the phrase library has
    one), a loss review of
    the largest churn not credited to a previous owner, then gaps against the
    cohort median (QBR coverage, proactive share), no survey responses and an
    override rate out of band. Items i = 0, 1, ... fall in week min(3, 1 + i // 2).
    """
    ev, facts = evidence, derive_facts(evidence)
    w = _Writer(ev, facts)
    b = facts.book
    items: list[tuple[str, str | None, str, dict[str, str] | None]] = []  # (family, account, trigger text, extra)
    used: set[str] = set()
    for acc in _red_pending(ev):
        slots = facts.accounts[acc.account_id]
        trigger = f"red at {slots['health_t1']} with a renewal pending" if "health_t1" in slots else "renewal pending"
        items.append(("renewal", acc.account_id, trigger, None))
        used.add(acc.account_id)
    negatives = sorted((t for t in zip(ev.triggers, facts.triggers) if t[0].polarity == "negative"), key=lambda t: t[0].date, reverse=True)
    book_kinds: set[str] = set()
    for trig, slots in negatives:
        acc = ev.account(trig.account_id)
        on_account = acc is not None
        if on_account and (trig.account_id in used or acc.movement == "churned"):
            continue  # one action per account, none for an account already gone
        if not on_account:
            # One action per kind of book-level warning: the latest one stands for the rest.
            if str(trig.kind).lower() in book_kinds:
                continue
            book_kinds.add(str(trig.kind).lower())
        family = _family(trig.kind)
        if not on_account and f"plan_{family}_book" in GROUPS:
            family += "_book"
        items.append((family, trig.account_id if on_account else None, f"warning on {slots['trigger_date']}: {slots['kind_text']}", slots))
        if on_account:
            used.add(trig.account_id)
    churned = _by_size(a for a in ev.accounts if a.movement == "churned" and not a.previous_owner_credited)
    if churned:
        items.append(("churn", churned[0].account_id, f"churn of {churned[0].name}", None))
    largest = _by_size(a for a in ev.accounts if a.movement not in ("churned",) and a.account_id not in used)
    if _below_median(ev, "qbr_coverage"):
        missing = [a for a in largest if a.qbr_in_period is False] or largest
        if missing:
            items.append(("qbr", missing[0].account_id, f"QBR or EBR coverage of {b['qbr_coverage']}", None))
    if _below_median(ev, "proactive_share") and largest:
        items.append(("proactive", largest[0].account_id, f"proactive share of {b['proactive_share']}", None))
    if "nps" not in b and "csat" not in b and largest:
        items.append(("surveys", largest[0].account_id, "no survey responses", None))
    if "override_out_of_band" in ev.flags and "override_rate" in b:
        items.append(("override", None, f"override rate of {b['override_rate']}", None))

    if len(items) < 2:
        # A book with little to fix gets stretch goals: a reference and an expansion.
        healthy = [a for a in ev.accounts if _num(a.health_t1) is not None and a.movement != "churned"]
        if healthy:
            best = max(healthy, key=lambda a: (a.health_t1, -(_num(a.end_arr) or 0), a.name))
            items.append(("reference", best.account_id, f"health of {facts.accounts[best.account_id]['health_t1']} at {best.name}", None))
        flat = [a for a in _by_size(ev.accounts) if a.movement == "flat" and not a.previous_owner_credited]
        if flat:
            items.append(("expansion", flat[0].account_id, f"{flat[0].name} flat at {facts.accounts[flat[0].account_id]['arr_end']}", None))

    plan: list[PlanItem] = []
    for family, account_id, trigger, extra in items:
        if len(plan) >= MAX_PLAN_ITEMS:
            break
        action = w.text(f"plan_{family}", account_id, extra)
        effect = w.text(f"plan_{family}_effect", account_id, extra)
        if action is None or effect is None:
            action = w.text("plan_generic", account_id, extra)
            effect = w.text("plan_generic_effect", account_id, extra)
        if action is None or effect is None:
            continue
        acc = ev.account(account_id)
        week = min(3, 1 + len(plan) // 2)
        plan.append(PlanItem(week, action, account_id, acc.name if acc else None, trigger, effect))
    if plan:
        names = [p.account for p in plan if p.account]
        extra = {"plan_accounts": join_names(list(dict.fromkeys(names)), limit=MAX_PLAN_ITEMS)} if names else {}
        action = w.text("plan_review", None, extra)
        effect = w.text("plan_review_effect", None, extra)
        plan.append(PlanItem(4, action, None, None, "end of the plan", effect))
    return plan
