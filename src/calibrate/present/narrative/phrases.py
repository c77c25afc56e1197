"""The narrative's own phrase library: sentence templates with named slots.

Templates hold no digits: every number comes from a slot, and every slot is
filled from :mod:`facts` (values formatted by :mod:`formatting`). A group of
templates is rendered by :func:`render`, which picks, with the caller's seeded
random generator, one template whose slots are all available, so thin
evidence falls back to shorter sentences instead of inventing a value.

``COMPETENCY`` holds sentences per competency and rating level; ``GROUPS``
everything else (lead, traps, accounts, notes, triggers, and, from
:mod:`coaching_phrases`, strengths, development areas and the 30-day plan). :func:`vocabulary` lists every word the
templates use; the grounding check accepts a capitalised word at the start of
a sentence only when it is in that vocabulary.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Mapping
from functools import lru_cache

from .coaching_phrases import COACHING_GROUPS

__all__ = ["SECTION_TITLES", "COMPETENCIES", "LEVELS", "COMPETENCY", "GROUPS", "COMMON_WORDS", "render", "slots_of", "vocabulary"]

SECTION_TITLES = ("Book performance", "Health discipline", "Customer outcomes", "Growth and influence")

COMPETENCIES = (
    "retention_renewal",
    "expansion_upsell",
    "onboarding_adoption",
    "health_management",
    "voice_of_customer",
)
LEVELS = ("exceeds", "meets", "needs_development")

T = tuple[str, ...]

COMPETENCY: dict[str, dict[str, T]] = {
    "retention_renewal": {
        "exceeds": (
            "Retention is above target: GRR of {grr} against a team median of {med_grr}, with {lost_phrase}.",
            "Gross retention of {grr} and net retention of {nrr} clear the renewal target; the team median NRR is {med_nrr}.",
            "Renewals came in ahead of target, with GRR at {grr} and {lost_phrase}.",
        ),
        "meets": (
            "Retention is close to target: GRR of {grr} and NRR of {nrr}, against a team median NRR of {med_nrr}.",
            "GRR of {grr} with {lost_phrase} is in line with what the team expects.",
            "Renewals landed near target, with GRR at {grr} and {lost_phrase}.",
        ),
        "needs_development": (
            "Retention is below target: GRR of {grr}, with {lost_phrase} and {churn_arr} of ARR gone.",
            "The book lost {churn_arr} to churn, leaving GRR at {grr} against a team median of {med_grr}.",
            "GRR of {grr} is the main gap this quarter, with {lost_phrase}.",
        ),
    },
    "expansion_upsell": {
        "exceeds": (
            "Expansion is a steady pipeline: {expansion_arr} from {n_expanded}, led by {top_expansion_account} at {top_expansion_change}.",
            "{n_expanded} grew in the quarter and added {expansion_arr}; {top_expansion_account} added the most, {top_expansion_change}.",
            "Upsell work added {expansion_arr} across {n_expanded}, against a team median of {med_expansion_arr}.",
        ),
        "meets": (
            "Expansion added {expansion_arr} from {n_expanded}, the largest at {top_expansion_account}.",
            "Some expansion came through: {expansion_arr} across {n_expanded}.",
            "Upsell added {expansion_arr}, most of it at {top_expansion_account}.",
        ),
        "needs_development": (
            "Expansion was thin: {expansion_arr} from {n_expanded}, against a team median of {med_expansion_arr}.",
            "Upsell contributed little, {expansion_arr} across {n_expanded}.",
        ),
    },
    "onboarding_adoption": {
        "exceeds": (
            "Adoption work is consistent: QBR or EBR coverage of {qbr_coverage} against a team median of {med_qbr_coverage}, and {proactive_share} of touches started by {first_name}.",
            "{first_name} started {proactive_share} of customer touches rather than waiting for the customer, and {qbr_coverage} of accounts had a QBR or EBR.",
            "Business reviews reached {qbr_coverage} of the book, against a team median of {med_qbr_coverage}.",
        ),
        "meets": (
            "QBR or EBR coverage reached {qbr_coverage}, with {proactive_share} of touches proactive.",
            "Engagement is adequate: {qbr_coverage} of accounts had a business review and {proactive_share} of touches were proactive.",
            "Business reviews reached {qbr_coverage} of the book; the team median is {med_qbr_coverage}.",
        ),
        "needs_development": (
            "Engagement lags: only {qbr_coverage} of accounts had a QBR or EBR, against a team median of {med_qbr_coverage}.",
            "Only {proactive_share} of touches were started by {first_name}; the rest began with the customer reaching out.",
            "Business reviews reached only {qbr_coverage} of the book, and {proactive_share} of touches were proactive.",
        ),
    },
    "health_management": {
        "exceeds": (
            "Average health {health_move_phrase}, and red accounts went from {n_red_t0} to {n_red_t1}.",
            "Health is watched across the whole book: the average {health_move_phrase}, with {n_red_t1} red at quarter end.",
            "The book's average health {health_move_phrase}, against a team median of {med_avg_health}.",
        ),
        "meets": (
            "Average health {health_move_phrase}; {n_red_t1} ended the quarter red.",
            "Health monitoring is adequate: the book's average {health_move_phrase}.",
            "The average health score {health_move_phrase}, against a team median of {med_avg_health}.",
        ),
        "needs_development": (
            "Health work has been reactive: the average {health_move_phrase} and {n_red_t1} ended the quarter red.",
            "The book's average health {health_move_phrase}, with {n_red_t1} in the red at quarter end.",
            "Average health {health_move_phrase}; the team median is {med_avg_health}.",
        ),
    },
    "voice_of_customer": {
        "exceeds": (
            "Customers rate the work highly: NPS of {nps} against a team median of {med_nps}.",
            "An NPS of {nps} and CSAT of {csat} make this book a source of reference customers.",
            "Survey results are the best part of the quarter, with NPS at {nps}.",
        ),
        "meets": (
            "Customer feedback is steady: NPS of {nps}, against a team median of {med_nps}.",
            "Survey scores sit near the team, with NPS at {nps}.",
            "CSAT of {csat} and NPS of {nps} show stable working relationships.",
        ),
        "needs_development": (
            "Customer sentiment is slipping: NPS of {nps} against a team median of {med_nps}.",
            "NPS of {nps} against a team median of {med_nps} means each detractor needs a named follow-up.",
            "Survey scores are low, with NPS at {nps}.",
        ),
    },
}

GROUPS: dict[str, T] = {
    # --- book performance: lead sentence, by the strongest number
    "lead_nrr": (
        "{csm} finished {period} at {nrr} net revenue retention on {start_arr} of starting ARR across {n_book}.",
        "Net revenue retention for {csm} in {period} came in at {nrr}, measured on {start_arr} of starting ARR and {n_book}.",
        "{csm} ended {period} with {nrr} of the starting {start_arr} retained or grown, across {n_book}.",
    ),
    "lead_grr": (
        "{csm} kept {grr} of starting ARR in {period} before any expansion, on a book of {n_book} that began the quarter at {start_arr}.",
        "Gross retention is the headline for {csm} in {period}: {grr} of {start_arr} kept, across {n_book}.",
    ),
    "lead_expansion_arr": (
        "{csm} added {expansion_arr} of expansion ARR in {period} from {n_expanded}, on a book of {n_book} that started at {start_arr}.",
        "Expansion leads {csm}'s quarter: {expansion_arr} of new ARR from {n_expanded} in {period}, on a starting book of {start_arr}.",
    ),
    "lead_avg_health": (
        "{csm}'s book ended {period} at an average health of {avg_health} across {n_book}, the strongest figure in this review.",
        "Average health of {avg_health} across {n_book} at the end of {period} is where {csm}'s quarter stands out.",
    ),
    "lead_qbr_coverage": (
        "{csm} held a QBR or EBR with {qbr_coverage} of the book in {period}, across {n_book} and {start_arr} of starting ARR.",
        "QBR or EBR coverage of {qbr_coverage} across {n_book} is the clearest number in {csm}'s {period}.",
    ),
    "lead_nps": (
        "Customers in {csm}'s book gave an NPS of {nps} in {period}, across {n_book} and {start_arr} of starting ARR.",
        "An NPS of {nps} from {csm}'s customers leads {period}, on a book of {n_book}.",
    ),
    "lead_health_change": (
        "{csm}'s book gained {health_gain} of average health in {period}, to {avg_health} across {n_book}.",
        "Average health across {csm}'s {n_book} rose {health_gain} in {period}, to {avg_health}.",
    ),
    "lead_plain": (
        "{csm} owns {n_accounts} at the end of {period}, {tenure} into the role.",
        "{csm} ends {period} with {n_accounts} in the book, {tenure} after joining.",
        "{csm} ends {period} with {n_accounts} in the book.",
    ),
    "comp_concentrated": (
        "{top_account} alone is {top_share} of the book's starting ARR.",
        "One account, {top_account}, holds {top_share} of the starting ARR.",
    ),
    "comp_inherited": (
        "{inherited_share} of the book's ARR at quarter end sits in accounts that changed hands to {first_name} inside the quarter.",
        "Accounts taken over inside the quarter hold {inherited_share} of the book's ARR at quarter end.",
        "{n_inherited} in the book changed hands to {first_name} inside the quarter.",
    ),
    "comp_tiers": (
        "The book mixes sizes: {n_strategic} above {strategic_floor} and {n_nurture} below {nurture_floor}.",
    ),
    "comp_top": (
        "The largest account, {top_account}, is {top_share} of starting ARR.",
        "Its largest account is {top_account}, at {top_share} of starting ARR.",
    ),
    "comp_new": (
        "New logos sit outside the retention figures: {new_names}.",
    ),
    "churn_named": (
        "{churned_names} churned, a loss of {churn_arr}.",
        "The book lost {churned_names}, {churn_arr} of ARR.",
    ),
    "churn_none": (
        "No account churned in the window {first_name} owned.",
        "Nothing churned while {first_name} owned the accounts.",
    ),
    "contraction_named": (
        "{contracted_names} contracted, a loss of {contraction_arr}.",
        "Contraction came from {contracted_names}, {contraction_arr} of ARR.",
    ),
    "expansion_single": (
        "All of the expansion, {expansion_arr}, came from {top_expansion_account}.",
        "Expansion came from one account, {top_expansion_account}, which added {expansion_arr}.",
    ),
    "expansion_none": (
        "No account expanded in {period}, so expansion added nothing to NRR.",
        "Expansion contributed nothing this quarter: no account grew.",
    ),
    "renewals": (
        "Of {n_renewals} due in the quarter, {n_renewed_n} renewed, {renewal_rest}.",
        "{n_renewed_n} of {n_renewals} due in the quarter renewed; {renewal_rest}.",
    ),
    "renewals_none": (
        "No renewal fell due in the book during {period}.",
        "The book had no renewal due in {period}, so the retention figures rest on ARR movement alone.",
    ),
    # --- traps
    "conc_excl": (
        "Without {top_account}, NRR is {nrr_excl_top} rather than {nrr}, a difference of {top_points}.",
        "Take {top_account} out and the rest of the book retains {nrr_excl_top}, not {nrr}.",
    ),
    "conc_small_churn": (
        "The smaller accounts tell the other half: {small_churned_names} churned, {small_churn_arr} between them.",
        "Below the top account, {small_churned_names} churned, a loss of {small_churn_arr}.",
    ),
    "conc_excl_same": (
        "Without {top_account}, NRR is still {nrr_excl_top}, so the largest account does not flatter the result.",
    ),
    "conc_excl_higher": (
        "Without {top_account}, NRR would be {nrr_excl_top} rather than {nrr}: the largest account pulled the result down.",
    ),
    "conc_no_small_churn": (
        "None of the smaller accounts churned, so the rest of the book holds up on its own.",
    ),
    "conc_small_contracted": (
        "{small_contracted_names} also contracted.",
    ),
    "inherited_intro": (
        "{first_name} took over {n_inherited} during the quarter: {inherited_windows}.",
        "Part of this book is new to {first_name}: {inherited_windows}.",
    ),
    "inherited_scope": (
        "The figures above cover only the window {first_name} owned each account.",
        "Each figure here counts only the weeks {first_name} owned the account.",
    ),
    "credit_churned": (
        "{account} churned early in the handover window, so the loss counts against the previous owner's setup rather than {first_name}'s work.",
        "The churn at {account} came within weeks of the handover; it is credited to the previous owner's setup.",
    ),
    "credit_renewed": (
        "The renewal of {account} on {renewal_date} closed inside the handover window and rests on the previous owner's setup.",
        "{account} renewed inside the handover window; the previous owner set that renewal up.",
    ),
    "credit_expanded": (
        "The expansion at {account} was set up before the handover, and the previous owner gets the credit for it.",
    ),
    "credit_contracted": (
        "The contraction at {account} came early in the handover window and reflects the previous owner's setup.",
    ),
    "saves": (
        "Churn that did not happen leaves no number, so it is named here: {saved_names} {saved_be} red during the quarter and renewed.",
        "{first_name} brought {saved_names} back from red to a renewal in {period}.",
        "{saved_names} {saved_be} red during the quarter and renewed; none of that shows in NRR.",
    ),
    "save_detail": (
        "{account} went from a health of {health_t0} to {health_t1} and renewed on {renewal_date}.",
        "{account} moved from {health_t0} to {health_t1} and renewed.",
    ),
    "red_open": (
        "{red_t1_names} {red_be} red at quarter end.",
        "Still red at quarter end: {red_t1_names}.",
    ),
    "escalations": (
        "Escalated tickets in the quarter: {escalations}, against a team median of {med_escalations}.",
        "The book had {escalations} escalated tickets in the quarter.",
    ),
    "onboard_new": (
        "New logos this quarter: {new_names}.",
        "The book took on new logos this quarter: {new_names}.",
    ),
    "ai_usage": (
        "AI-drafted touches reached {ai_coverage} of accounts in the last month of the quarter, with an override rate of {override_rate}.",
        "The override rate on AI drafts was {override_rate}, and AI-drafted touches reached {ai_coverage} of accounts.",
    ),
    "ai_out_of_band": (
        "The override rate of {override_rate} is outside the agreed band, which deserves a conversation about how drafts are reviewed.",
    ),
    "hours": (
        "Customer-facing time averaged {hours} hours a week.",
        "{first_name} spent {hours} hours a week with customers on average.",
    ),
    "health_none": (
        "No health readings were recorded for the book in {period}, so health discipline cannot be judged from scores.",
    ),
    "outcomes_none": (
        "The book held no accounts with evidence in {period}.",
    ),
    # --- accounts, one sentence each
    "acct_expanded": (
        "{account} grew from {arr_start} to {arr_end}, with health moving from {health_t0} to {health_t1}.",
        "{account} expanded by {arr_change} to {arr_end}; its health went from {health_t0} to {health_t1}.",
        "{account} grew from {arr_start} to {arr_end} and ends the quarter at a health of {health_t1}.",
        "{account} grew from {arr_start} to {arr_end}.",
    ),
    "acct_contracted": (
        "{account} contracted from {arr_start} to {arr_end}, with health moving from {health_t0} to {health_t1}.",
        "{account} shrank by {arr_change} to {arr_end}; its health went from {health_t0} to {health_t1}.",
        "{account} contracted from {arr_start} to {arr_end} and ends the quarter at a health of {health_t1}.",
        "{account} contracted from {arr_start} to {arr_end}.",
    ),
    "acct_churned": (
        "{account} churned and took {arr_start} of ARR; its health had gone from {health_t0} to {health_t1}.",
        "{account} left, taking {arr_start} of ARR, after its health slid from {health_t0} to {health_t1}.",
        "{account} churned, a loss of {arr_start}.",
    ),
    "acct_flat": (
        "{account} held at {arr_end}, with health moving from {health_t0} to {health_t1}.",
        "{account} stayed flat at {arr_end}; its health went from {health_t0} to {health_t1}.",
        "{account} held at {arr_end} and ends the quarter at a health of {health_t1}.",
        "{account} held at {arr_end}.",
    ),
    "acct_new": (
        "{account} joined as a new logo at {arr_end} and reads {health_t1} on health.",
        "{account} is a new logo at {arr_end}, at a health of {health_t1}.",
        "{account} joined as a new logo at {arr_end}.",
    ),
    "acct_pending": (
        "{account} renews on {renewal_date} and is still open.",
        "{account} has a renewal pending on {renewal_date}.",
    ),
    "acct_window": (
        "{first_name} has owned {account} since {window_start}.",
        "{account} has been in the book since {window_start}.",
    ),
    # --- notes and triggers
    "note_quoted": (
        "On {note_date} the manager noted for {account}: \"{note_text}\"",
        "A {category_text} note from {note_date} about {account} reads: \"{note_text}\"",
        "On {note_date} the manager noted: \"{note_text}\"",
    ),
    "note_summary": (
        "The manager logged a {category_text} note about {account} on {note_date}; its text is kept in the evidence log.",
        "A {category_text} note about {account} was logged on {note_date}.",
        "The manager logged a {category_text} note on {note_date}; its text is kept in the evidence log.",
    ),
    "notes_none": (
        "No notes on mentoring, playbooks or product feedback were logged for {period}, so this section rests on the scores.",
        "The evidence log holds no notes on mentoring, playbooks or product feedback for {period}.",
    ),
    "trigger_negative": (
        "Monitoring raised a warning on {account} on {trigger_date}: {kind_text}.",
        "On {trigger_date} monitoring flagged {account} for {kind_text}.",
        "On {trigger_date} monitoring raised a warning for the book as a whole: {kind_text}.",
    ),
    "trigger_positive": (
        "Monitoring recorded a positive signal at {account} on {trigger_date}: {kind_text}.",
        "On {trigger_date} monitoring logged good news at {account}: {kind_text}.",
        "On {trigger_date} monitoring recorded a positive signal: {kind_text}.",
    ),
    # --- growth and influence
    "trend": (
        "The overall score is {overall_score} this quarter, {trend_word} from {prev_score} in {prev_period}.",
        "Against {prev_score} in {prev_period}, the overall score is now {overall_score}.",
    ),
    "trend_six_months": (
        "Six months ago, in {older_period}, the overall score was {older_score}; it is {overall_score} now.",
        "Compared with {older_period}, two quarters back, the overall score moved from {older_score} to {overall_score}.",
    ),
    "trend_none": (
        "With {tenure} in the role, there is no earlier quarter on record to compare with.",
        "There is no earlier quarter on record to compare with.",
    ),
    "surveys_none": (
        "No survey responses came back from this book in {period}, so there is no customer score to weigh.",
        "The book returned no NPS or CSAT responses in {period}; satisfaction is unscored rather than low.",
    ),
    "thin": (
        "The evidence for this review is thin: {thin_list}.",
        "There is little evidence to judge this quarter on: {thin_list}.",
    ),
    "thin_followup": (
        "Most of what follows describes where each account stands rather than a trend.",
        "What follows is mostly the state of each account, not a trend.",
    ),
    "verdict_bad_numbers_good_work": (
        "The retention numbers look worse than the work behind them: {good_signals}. Renewals reflect work done two to four quarters back, so the leading indicators deserve more weight here.",
        "The retention figures trail the work: {good_signals}.",
    ),
    "verdict_good_numbers_thin_work": (
        "The numbers look better than the habits behind them: {weak_signals}. Part of the result rests on the book rather than on this quarter's work.",
        "The result is ahead of the work that should sustain it: {weak_signals}.",
    ),
    "verdict_consistent_good": (
        "The numbers and the habits behind them point the same way: {good_signals}.",
        "The leading indicators back up the result: {good_signals}.",
    ),
    "verdict_consistent_weak": (
        "The numbers and the habits behind them both need work: {weak_signals}.",
        "The leading indicators do not yet support a turnaround: {weak_signals}.",
    ),
    "percentiles": (
        "On signals that do not depend on the book, {first_name} sits at the {pct_qbr_coverage} percentile of the cohort for QBR coverage and the {pct_health_change} for health movement.",
        "On book-independent signals {first_name} ranks at the {pct_proactive_share} percentile for proactive touches and the {pct_qbr_coverage} for QBR coverage.",
        "On book-independent signals {first_name} ranks at the {pct_qbr_coverage} percentile for QBR coverage.",
        "On book-independent signals {first_name} ranks at the {pct_health_change} percentile for health movement.",
    ),
}
GROUPS.update(COACHING_GROUPS)

# Ordinary words a manager's note may start with; with the template words they
# form the vocabulary the grounding check accepts at the start of a sentence.
COMMON_WORDS = frozenset(
    """a an the this that these those it its he she they we i our their his her
    after before during when while since until on in at for with from by to of and but or as
    ran led wrote built shared mentored coached presented drafted joined hosted brought helped
    worked raised flagged sent organised organized created delivered trained onboarded documented
    rebuilt redesigned designed launched relaunched rolled mapped ran planned prepared wrote rewrote
    introduced proposed pushed persuaded convinced unblocked restored repaired rescued identified spotted
    caught noticed escalated coordinated aligned agreed arranged booked scheduled held hosted facilitated
    taught shadowed supervised guided owned drove championed represented attended spoke demonstrated
    analysed analyzed measured tracked audited cleaned migrated integrated configured automated
    customer's client clients users user executive sponsor cfo ceo cto vp
    paired reviewed ran set started finished closed opened fixed found called met visited
    secured negotiated renewed expanded saved rescued recovered turned took gave got made kept
    gathered collected passed reported escalated resolved handled supported partnered
    customer customers team product support sales feedback workshop playbook renewal health
    new first second last good strong weak clear early late
    """.split()
)

_FIELD_RE = re.compile(r"\{(\w+)\}")


def slots_of(template: str) -> set[str]:
    """The named slots a template needs."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(templates: T, slots: Mapping[str, str], rng: random.Random) -> str | None:
    """One template of ``templates`` whose slots are all in ``slots``, filled; None if none fits.

    Among fitting templates only those whose slots are not a strict subset of
    another fitting template's slots are candidates.

    The choice among fitting templates is ``rng.choice``, so a seeded generator
    varies the wording deterministically.
    """
    fitting = [t for t in templates if slots_of(t) <= slots.keys()]
    # A template that leaves out an available slot (the "as a whole" fallback
    # when an account is known) is used only when no fuller one fits.
    fitting = [t for t in fitting if not any(slots_of(t) < slots_of(u) for u in fitting)]
    if not fitting:
        return None
    template = fitting[rng.randrange(len(fitting))]
    text = _FIELD_RE.sub(lambda m: str(slots[m.group(1)]), template)
    return re.sub(r"\.\.(?=\s|$)", ".", text)  # a name ending in "Inc." at the end of a sentence


def _all_templates() -> list[str]:
    out = [t for group in GROUPS.values() for t in group]
    out += [t for levels in COMPETENCY.values() for group in levels.values() for t in group]
    return out


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Every lower-cased word of the templates (slots removed), plus :data:`COMMON_WORDS`."""
    words: set[str] = set(COMMON_WORDS)
    for template in _all_templates():
        text = _FIELD_RE.sub(" ", template)
        words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text))
        words.update(w.lower().split("'")[0] for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text))
    return frozenset(words)
