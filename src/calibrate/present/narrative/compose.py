"""Draft the per-CSM review narrative from evidence, in four sections.

:func:`draft_narrative` gathers candidate sentences for the four sections
(book performance, health discipline, customer outcomes, growth and
influence), each with a priority: 0 = must say (lead number, composition of
the book, the traps that apply), 1 = should say, 2 and 3 = account-level
detail. Sentences are taken in priority order while the body stays within 600
words, and detail stops once it passes 540; they are then printed in their
section order. Every sentence comes from :mod:`phrases` filled with
:mod:`facts` slots, so every number is formatted from the evidence.

Word count rule (:func:`grounding.count_words`): whitespace-separated tokens
containing a letter or digit, section headings excluded. When all grounded
candidates together stay under 400 words, the draft is returned short with
``too_short_reason`` set; nothing is padded.

Wording varies by ``seed`` and by the CSM's name and period through a seeded
``random.Random``, so the same inputs always give the same text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .coaching import PlanItem, ReviewPoint, coaching_plan, strengths_and_development
from .evidence import ReviewEvidence
from .facts import Facts, derive_facts
from .formatting import is_missing
from .grounding import MAX_WORDS, MIN_WORDS, check_grounding, count_words
from .phrases import COMPETENCY, GROUPS, SECTION_TITLES, render

__all__ = [
    "Narrative",
    "NarrativeSection",
    "draft_narrative",
    "strengths_and_development",
    "coaching_plan",
    "ReviewPoint",
    "PlanItem",
    "TARGET_WORDS",
]

TARGET_WORDS = 540
SECTION_KEYS = ("book_performance", "health_discipline", "customer_outcomes", "growth_influence")
_HEADLINES = ("nrr", "grr", "expansion_arr", "avg_health", "health_change", "qbr_coverage", "nps")
_INFLUENCE_NOTES = ("voice_of_customer", "mentorship", "playbook", "cross_team", "escalation", "other")
_QUOTE_MAX_WORDS = 40


@dataclass(frozen=True)
class NarrativeSection:
    key: str
    title: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True)
class Narrative:
    """A drafted review: sections of sentences, their word count and why it is short, if it is."""

    sections: tuple[NarrativeSection, ...]
    word_count: int
    too_short_reason: str | None = None
    seed: int = 0

    @property
    def text(self) -> str:
        """Markdown: ``## <title>`` then the section's paragraph, for each non-empty section."""
        return "\n\n".join(f"## {s.title}\n\n{s.text}" for s in self.sections if s.sentences)

    @property
    def body(self) -> str:
        return "\n\n".join(s.text for s in self.sections if s.sentences)


@dataclass(order=True)
class _Candidate:
    priority: int
    seq: int
    section: int = field(compare=False)
    text: str = field(compare=False)
    words: int = field(compare=False)


class _Draft:
    def __init__(self, evidence: ReviewEvidence, facts: Facts, rng: random.Random):
        self.ev, self.facts, self.rng = evidence, facts, rng
        self.candidates: list[_Candidate] = []

    def slots(self, **extra: str) -> dict[str, str]:
        return {**self.facts.book, **extra}

    def add(self, section: int, priority: int, group: str | tuple[str, ...], slots: dict[str, str] | None = None) -> bool:
        templates = GROUPS[group] if isinstance(group, str) else group
        text = render(templates, slots if slots is not None else self.facts.book, self.rng)
        if text is None:
            return False
        self.candidates.append(_Candidate(priority, len(self.candidates), section, text, count_words(text)))
        return True

    def competency(self, section: int, priority: int, competency: str) -> bool:
        level = self.facts.levels[competency]
        return self.add(section, priority, COMPETENCY[competency][level])

    def account(self, section: int, priority: int, group: str, account_id: str) -> bool:
        return self.add(section, priority, group, {**self.facts.book, **self.facts.accounts[account_id]})

    def finish(self, seed: int) -> Narrative:
        chosen: list[_Candidate] = []
        total = 0
        for cand in sorted(self.candidates):
            if cand.priority >= 2 and total >= TARGET_WORDS:
                continue
            if total + cand.words > MAX_WORDS:
                continue
            chosen.append(cand)
            total += cand.words
        sections = []
        for index, (key, title) in enumerate(zip(SECTION_KEYS, SECTION_TITLES)):
            picked = sorted((c for c in chosen if c.section == index), key=lambda c: c.seq)
            sections.append(NarrativeSection(key, title, tuple(c.text for c in picked)))
        reason = None
        if total < MIN_WORDS:
            thin = self.facts.book.get("thin_list", self.facts.book["n_accounts"])
            reason = (
                f"The evidence supports only {total} grounded words ({thin}); "
                "the draft is left short rather than padded."
            )
        return Narrative(tuple(sections), total, reason, seed)


def draft_narrative(evidence: ReviewEvidence, *, seed: int = 0) -> Narrative:
    """Draft the four-section review narrative for one CSM; see the module docstring.

    Parameters
    ----------
    evidence : the CSM's review evidence.
    seed : varies the wording; the same seed and evidence give the same text.

    Returns
    -------
    Narrative whose ``text`` passes :func:`check_grounding` with its
    ``too_short_reason``.
    """
    facts = derive_facts(evidence)
    rng = random.Random(f"{seed}:{evidence.csm_name}:{evidence.period_label}")
    draft = _Draft(evidence, facts, rng)
    _book_performance(draft)
    _health_discipline(draft)
    _customer_outcomes(draft)
    _growth_influence(draft)
    return draft.finish(seed)


def _num(value) -> float | None:
    return None if is_missing(value) else float(value)


def _concentrated(d: _Draft) -> bool:
    if "concentrated_book" in d.ev.flags:
        return "top_account" in d.facts.book
    share = d.ev.metrics.get("top_account_share")
    cohort = [a for a in d.ev.accounts if (a.start_arr or 0) > 0]
    try:
        return len(cohort) >= 2 and float(share) >= 0.25
    except (TypeError, ValueError):
        return False


def _headline(d: _Draft) -> str:
    b, pct = d.facts.book, d.ev.percentiles
    if _concentrated(d) and "nrr" in b and "n_base" in b:
        return "lead_nrr"  # the trap is the NRR one account carries: state it first, then take it apart
    needs = {"expansion_arr": "expanded_names", "health_change": "health_gain"}
    usable = [h for h in _HEADLINES if h in b and needs.get(h, h) in b]
    if d.facts.levels.get("expansion_upsell") == "needs_development":
        usable = [h for h in usable if h != "expansion_arr"]  # expansion below target is not a headline
    ranked = [h for h in usable if pct.get(h) is not None and pct.get(h) == pct.get(h)]
    if ranked:
        return "lead_" + max(ranked, key=lambda h: (float(pct[h]), -_HEADLINES.index(h)))
    return "lead_nrr" if "nrr" in b else "lead_plain"


def _book_performance(d: _Draft) -> None:
    b, ev = d.facts.book, d.ev
    if not d.add(0, 0, _headline(d)):
        d.add(0, 0, "lead_plain")
    concentrated, inherited = _concentrated(d), any(a.inherited for a in ev.accounts)
    if inherited:
        d.add(0, 0, "comp_inherited")
    elif concentrated:
        d.add(0, 0, "comp_concentrated")
    elif not d.add(0, 0, "comp_tiers") and not d.add(0, 0, "comp_new"):
        d.add(0, 1, "comp_top")
    has_cohort = "top_account" in b
    if has_cohort:
        d.competency(0, 0, "retention_renewal")
        said_no_loss = b["lost_phrase"] in d.candidates[-1].text if d.candidates else False
        if not concentrated and not said_no_loss:  # the concentration sentences name the churned accounts instead
            if "churned_names" in b:
                d.add(0, 1, "churn_named")
            elif "credited_churn_names" in b:
                if not inherited:  # with a handover, the credit sentences below tell it
                    many = " and " in b["credited_churn_names"] or "," in b["credited_churn_names"]
                    d.add(0, 1, "churn_none_credited_many" if many else "churn_none_credited")
            else:
                d.add(0, 1, "churn_none")
            d.add(0, 2, "contraction_named")
    if concentrated:
        nrr, excl = b.get("nrr"), b.get("nrr_excl_top")
        if nrr is not None and nrr == excl:
            d.add(0, 0, "conc_excl_same")
        elif _num(ev.metrics.get("nrr_excl_top")) is not None and _num(ev.metrics.get("nrr_excl_top")) > (_num(ev.metrics.get("nrr")) or 0):
            d.add(0, 0, "conc_excl_higher")
        else:
            d.add(0, 0, "conc_excl")
        d.add(0, 0, "conc_small_churn" if "small_churned_names" in b else "conc_no_small_churn")
        d.add(0, 2, "conc_small_contracted")
    if inherited:
        d.add(0, 0, "inherited_intro")
        for acc in ev.accounts:
            if not (acc.inherited and acc.previous_owner_credited):
                continue
            event = "renewed" if acc.renewal_outcome == "renewed" and acc.movement != "churned" else acc.movement
            if f"credit_{event}" in GROUPS:
                d.account(0, 0 if event == "churned" else 1, f"credit_{event}", acc.account_id)
        taken = [a for a in ev.accounts if a.inherited]
        d.add(0, 1, "inherited_scope_out" if not any(a.attributed for a in taken) else "inherited_scope")
    if has_cohort:
        if "expanded_names" in b and b.get("n_expanded", "").startswith("1 "):
            d.add(0, 1, "expansion_single")
        elif "expanded_names" in b:
            d.competency(0, 1, "expansion_upsell")
        else:
            d.add(0, 1, "expansion_none")
    if "n_renewals" in b:
        d.add(0, 1, "renewals")
    elif "renewal_account" in b:
        d.add(0, 1, "renewals_one")
    elif "credited_renewal_what" in b:
        d.add(0, 2, "renewals_credited")  # the credit sentences already name the account
    else:
        d.add(0, 1, "renewals_none")


def _health_discipline(d: _Draft) -> None:
    b, ev = d.facts.book, d.ev
    if "health_move_phrase" in b:
        d.competency(1, 0, "health_management")
    else:
        d.add(1, 0, "health_none")
    saved = [a for a in ev.accounts if a.saved]
    if saved:
        d.add(1, 0, "saves")
        if not d.add(1, 1, "saves_path"):
            for i, acc in enumerate(saved[:4]):
                d.account(1, 1 if i < 2 else 2, "save_detail", acc.account_id)
    if not d.competency(1, 1, "onboarding_adoption"):
        d.add(1, 1, "escalations")
    else:
        d.add(1, 2, "escalations")
    d.add(1, 1, "red_open")
    negatives = [slots for polarity, _, slots in d.facts.trigger_groups if polarity == "negative"]
    for i, slots in enumerate(negatives[:4]):
        d.add(1, 1 if i < 2 else 2, "trigger_negative", {**b, **slots})
    d.add(1, 1, "onboard_new")
    if "override_out_of_band" in ev.flags and d.add(1, 1, "ai_out_of_band"):
        d.add(1, 2, "ai_usage", {k: v for k, v in b.items() if k != "override_rate"})  # said once already
    else:
        d.add(1, 2, "ai_usage")
    d.add(1, 3, "hours")


def _customer_outcomes(d: _Draft) -> None:
    b, ev = d.facts.book, d.ev
    thin = "thin_list" in b
    if thin:
        d.add(2, 0, "thin")
        d.add(2, 1, "thin_followup")
    if "nps" in b or "csat" in b:
        d.add(2, 1, _voice_group(b))
    else:
        d.add(2, 1, "surveys_none")
    for note, slots in zip(ev.notes, d.facts.notes):
        if note.category == "customer_outcome":
            _add_note(d, 2, 1, slots)
    if not ev.accounts:
        d.add(2, 0, "outcomes_none")
    by_size = sorted(ev.accounts, key=lambda a: -max(a.start_arr or 0.0, a.end_arr or 0.0))
    detail = 1 if thin else 3
    expanded = [a for a in by_size if a.movement == "expanded"]
    for i, acc in enumerate(expanded):
        d.account(2, 1 if i < 3 else detail, "acct_expanded", acc.account_id)
    for acc in by_size:
        if acc.renewal_outcome == "pending":
            d.account(2, 2, "acct_pending", acc.account_id)
    # Flat accounts say the most through their health: the few with the largest health
    # moves are told one by one (facts.flat_told), the rest named together.
    # Churned accounts were named in the book section: they come last here.
    rest = [a for a in by_size if a.movement in ("contracted", "new")]
    rest += [d.ev.account(i) for i in d.facts.flat_told]
    rest += [a for a in by_size if a.movement == "churned"]
    for i, acc in enumerate(rest):
        d.account(2, 2 if i < 3 and acc.movement != "churned" else detail, f"acct_{acc.movement}", acc.account_id)
    d.add(2, detail, "acct_flat_rest")
    if thin:
        for slots in d.facts.window_groups:
            d.add(2, 2, "acct_windows", {**b, **slots})


def _voice_group(b: dict[str, str]) -> str:
    """The customer-voice group named by how NPS compares with the cohort median (voc_above / voc_level / voc_below)."""
    compared = b.get("vs_med_nps", "")
    for word, group in (("above", "voc_above"), ("level", "voc_level"), ("below", "voc_below")):
        if compared.startswith(word):
            return group
    return "voc_plain"


def _add_note(d: _Draft, section: int, priority: int, slots: dict[str, str]) -> None:
    quoted = render(GROUPS["note_quoted"], {**d.facts.book, **slots}, d.rng)
    short = quoted is not None and count_words(slots["note_text"]) <= _QUOTE_MAX_WORDS
    if short and not check_grounding(quoted, d.ev, check_length=False, facts=d.facts):
        d.candidates.append(_Candidate(priority, len(d.candidates), section, quoted, count_words(quoted)))
    else:  # a note too long to quote is only pointed at: it ranks below the quoted ones
        d.add(section, priority + 1, "note_summary", {**d.facts.book, **slots})


def _growth_influence(d: _Draft) -> None:
    b, ev, facts = d.facts.book, d.ev, d.facts
    if not d.add(3, 0, "trend"):
        d.add(3, 0, "trend_none")
    d.add(3, 1, "trend_six_months")
    good = facts.n_good_signals > facts.n_weak_signals
    weak = facts.n_weak_signals > facts.n_good_signals
    retention_weak = facts.levels["retention_renewal"] == "needs_development"
    if retention_weak and good:
        d.add(3, 0, "verdict_bad_numbers_good_work")
    elif not retention_weak and weak:
        d.add(3, 0, "verdict_good_numbers_thin_work")
    elif good:
        d.add(3, 1, "verdict_consistent_good")
    elif weak:
        d.add(3, 1, "verdict_consistent_weak")
    influence = [(n, s) for n, s in zip(ev.notes, facts.notes) if n.category in _INFLUENCE_NOTES]
    for note, slots in sorted(influence, key=lambda t: t[0].date):
        _add_note(d, 3, 1, slots)
    if not influence:
        d.add(3, 1, "notes_none")
    positives = [slots for polarity, _, slots in facts.trigger_groups if polarity == "positive"]
    for i, slots in enumerate(positives[:3]):
        d.add(3, 1 if i == 0 else 2, "trigger_positive", {**b, **slots})
    d.add(3, 2, "percentiles")
