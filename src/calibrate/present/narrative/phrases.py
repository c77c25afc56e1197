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

__all__ = [
    "SECTION_TITLES",
    "COMPETENCIES",
    "LEVELS",
    "COMPETENCY",
    "GROUPS",
    "COMMON_WORDS",
    "KIND_TEXT",
    "NOTE_KIND_TEXT",
    "with_article",
    "render",
    "slots_of",
    "vocabulary",
]

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

# How known trigger kinds read in a sentence; other kinds read as their name with spaces.
# Each reads on its own after a colon or "for": templates never put an article before it.
KIND_TEXT: dict[str, str] = {
    "health_decline": "a run of weekly health declines",
    "sentiment_decline": "declining sentiment",
    "sla_breach": "responses outside the SLA",
    "proactive_drop": "a drop in proactive touches",
    "churn_risk": "churn risk",
    "escalation_risk": "escalation risk",
    "adoption_drop": "falling adoption",
    "expansion": "an expansion",
    "expansion_signal": "an expansion signal",
    "save": "a save from red",
    "nps_exceptional": "an exceptional NPS response",
    "book_health_decline": "a run of weekly declines in the book's average health",
    "nps_decline": "a run of declining NPS responses",
    "promoter": "a promoter response",
    "red_to_green": "an account back from red to green",
}

# Evidence-note categories: (the word before "note", the label of a strength built on one).
NOTE_KIND_TEXT: dict[str, tuple[str, str]] = {
    "customer_outcome": ("customer-outcome", "Customer outcome"),
    "voice_of_customer": ("voice-of-customer", "Customer feedback passed on"),
    "mentorship": ("mentoring", "Mentoring"),
    "playbook": ("playbook", "Playbook work"),
    "cross_team": ("cross-team", "Cross-team work"),
    "escalation": ("escalation", "Escalation handling"),
    "other": ("general", "Other work"),
}

# Acronyms whose spoken name starts with a vowel sound take "an": an NPS, an SLA, an EBR.
_VOWEL_SOUND_LETTERS = set("AEFHILMNORSX")
_CONSONANT_SOUND_WORDS = ("one", "once", "uni", "use", "usa", "user", "usu", "eu")
_VOWEL_SOUND_WORDS = ("hour", "honest", "honour", "heir")


def with_article(text: str) -> str:
    """``text`` with ``a`` or ``an`` in front, chosen by the sound of its first word."""
    word = text.split()[0] if text.split() else ""
    if word.isupper() and len(word) > 1:
        vowel = word[0] in _VOWEL_SOUND_LETTERS
    else:
        low = word.lower()
        vowel = low[:1] in "aeiou"
        if vowel and low.startswith(_CONSONANT_SOUND_WORDS):
            vowel = False
        if not vowel and low.startswith(_VOWEL_SOUND_WORDS):
            vowel = True
    return f"{'an' if vowel else 'a'} {text}"


# Sentences that compare with the cohort take their direction ("above", "below",
# "level with the team median of X") from the {vs_med_*} slots, which facts.vs_median
# reads from the two numbers; a level word ("above target") speaks of the rating
# cut points only, never of the median.
COMPETENCY: dict[str, dict[str, T]] = {
    "retention_renewal": {
        "exceeds": (
            "Retention is above target: GRR of {grr}, {vs_med_grr}, with {lost_phrase}.",
            "Gross retention of {grr} and net retention of {nrr} clear the renewal target; NRR is {vs_med_nrr}.",
            "Renewals came in ahead of target, with GRR at {grr} and {lost_phrase}.",
        ),
        "meets": (
            "Retention is close to target: GRR of {grr}, and NRR of {nrr}, {vs_med_nrr}.",
            "GRR of {grr} with {lost_phrase} is in line with the retention target.",
            "Renewals landed near target, with GRR at {grr} and {lost_phrase}.",
        ),
        "needs_development": (
            "Retention is below target: GRR of {grr}, with {lost_phrase} and {churn_arr} of ARR gone.",
            "The book lost {churn_arr} to churn, leaving GRR at {grr}, {vs_med_grr}.",
            "GRR of {grr} is the main gap against target this quarter, with {lost_phrase}.",
        ),
    },
    "expansion_upsell": {
        "exceeds": (
            "Expansion is a steady pipeline: {expansion_arr} from {n_expanded}, led by {top_expansion_account} at {top_expansion_change}.",
            "{n_expanded} grew in the quarter and added {expansion_arr}; {top_expansion_account} added the most, {top_expansion_change}.",
            "Upsell work added {expansion_arr}, {vs_med_expansion_arr}, across {n_expanded}.",
        ),
        "meets": (
            "Expansion added {expansion_arr} from {n_expanded}, the largest at {top_expansion_account}.",
            "Some expansion came through: {expansion_arr} across {n_expanded}.",
            "Upsell added {expansion_arr}, {vs_med_expansion_arr}, across {n_expanded}.",
        ),
        "needs_development": (
            "Expansion was small for the size of the book: {expansion_arr}, {vs_med_expansion_arr}, from {n_expanded} on {start_arr} of starting ARR.",
            "Expansion added {expansion_arr} across {n_expanded}, below target for a book that started at {start_arr}.",
        ),
    },
    "onboarding_adoption": {
        "exceeds": (
            "Adoption work is consistent: QBR or EBR coverage of {qbr_coverage}, {vs_med_qbr_coverage}, and {proactive_share} of touches started by {first_name}.",
            "{first_name} started {proactive_share} of customer touches rather than waiting for the customer, and {qbr_coverage} of accounts had a QBR or EBR.",
            "Business reviews reached {qbr_coverage} of the book, {vs_med_qbr_coverage}.",
        ),
        "meets": (
            "QBR or EBR coverage reached {qbr_coverage}, with {proactive_share} of touches proactive.",
            "Engagement is close to target: {qbr_coverage} of accounts had a business review and {proactive_share} of touches were proactive.",
            "Business reviews reached {qbr_coverage} of the book, {vs_med_qbr_coverage}.",
        ),
        "needs_development": (
            "Engagement is below target: QBR or EBR coverage of {qbr_coverage} is {vs_med_qbr_coverage}.",
            "{first_name} started {proactive_share} of touches; the rest began with the customer reaching out.",
            "Business reviews reached {qbr_coverage} of the book, and {proactive_share} of touches were proactive; both count toward an engagement score below target.",
        ),
    },
    "health_management": {
        "exceeds": (
            "Average health {health_move_phrase}, and the number of red accounts went from {n_red_t0_n} to {n_red_t1_n}.",
            "Health is watched across the whole book: the average {health_move_phrase}, with {n_red_t1} red at quarter end.",
            "The book's average health {health_move_phrase}, {vs_med_avg_health}.",
        ),
        "meets": (
            "Average health {health_move_phrase}; {n_red_t1} ended the quarter red.",
            "Health is close to target: the book's average {health_move_phrase}.",
            "The average health score {health_move_phrase}, {vs_med_avg_health}.",
        ),
        "needs_development": (
            "Health is below target: the average {health_move_phrase} and {n_red_t1} ended the quarter red.",
            "The book's average health {health_move_phrase}, with {n_red_t1} in the red at quarter end.",
            "Average health {health_move_phrase}, {vs_med_avg_health}.",
        ),
    },
    # Kept for callers that read a level; the draft uses the voc_* groups, chosen by the NPS comparison.
    "voice_of_customer": {
        "exceeds": (
            "NPS of {nps} is {vs_med_nps}.",
            "CSAT of {csat} and NPS of {nps} put satisfaction above target.",
        ),
        "meets": (
            "NPS of {nps} is {vs_med_nps}.",
            "CSAT of {csat} and NPS of {nps} put satisfaction on target.",
        ),
        "needs_development": (
            "NPS of {nps} is {vs_med_nps}.",
            "CSAT of {csat} and NPS of {nps} leave satisfaction below target.",
        ),
    },
}

GROUPS: dict[str, T] = {
    # --- book performance: lead sentence, by the strongest number. A starting-ARR
    # figure is always paired with {n_base}, the count of the accounts behind it.
    "lead_nrr": (
        "{csm} finished {period} at {nrr} net revenue retention on {start_arr} of starting ARR across {n_base}.",
        "Net revenue retention for {csm} in {period} came in at {nrr}, measured on {start_arr} of starting ARR across {n_base}.",
        "{csm} ended {period} with {nrr} of the starting {start_arr} retained or grown, across {n_base}.",
    ),
    "lead_grr": (
        "{csm} kept {grr} of starting ARR in {period} before any expansion, on {start_arr} across {n_base}.",
        "Gross retention is the headline for {csm} in {period}: {grr} of {start_arr} kept, across {n_base}.",
    ),
    "lead_expansion_arr": (
        "{csm} added {expansion_arr} of expansion ARR in {period} from {n_expanded}, on {start_arr} of starting ARR across {n_base}.",
        "Expansion leads {csm}'s quarter: {expansion_arr} of new ARR from {n_expanded} in {period}, on a starting book of {start_arr}.",
    ),
    "lead_avg_health": (
        "{csm}'s book ended {period} at an average health of {avg_health} across {n_accounts}, the strongest figure in this review.",
        "Average health of {avg_health} across the {n_accounts} held at the end of {period} is where {csm}'s quarter stands out.",
    ),
    "lead_qbr_coverage": (
        "{csm} held a QBR or EBR with {qbr_coverage} of the {n_accounts} in the book at the end of {period}, the strongest figure in this review.",
        "QBR or EBR coverage of {qbr_coverage} across {n_accounts} is the clearest number in {csm}'s {period}.",
    ),
    "lead_nps": (
        "Customers in {csm}'s book gave an NPS of {nps} in {period}, from {nps_responses}.",
        "An NPS of {nps} from {csm}'s customers leads {period}, on a book of {n_accounts} at quarter end.",
    ),
    "lead_health_change": (
        "{csm}'s book gained {health_gain} of average health in {period}, to {avg_health} across {n_accounts}.",
        "Average health across {csm}'s {n_accounts} rose {health_gain} in {period}, to {avg_health}.",
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
        "Accounts taken over inside the quarter hold {inherited_share} of the book's ARR at quarter end.",
        "Accounts that changed hands to {first_name} inside the quarter hold {inherited_share} of the book's ARR at quarter end.",
    ),
    "comp_tiers": (
        "The book mixes sizes: {n_strategic} above {strategic_floor} and {n_nurture} below {nurture_floor}.",
    ),
    "comp_top": (
        "The largest account, {top_account}, is {top_share} of starting ARR.",
        "The book's largest account is {top_account}, at {top_share} of starting ARR.",
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
    "churn_none_credited": (
        "No churn counts against {first_name}: the one loss in the book, {credited_churn_names}, is credited to the previous owner.",
    ),
    "churn_none_credited_many": (
        "No churn counts against {first_name}: the losses in the book, {credited_churn_names}, are credited to the previous owner.",
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
        "Of the {n_renewals} due in the quarter, {renewal_result}.",
        "In all, {n_renewals} fell due in the quarter: {renewal_result}.",
    ),
    "renewals_one": (
        "{renewal_account} was the only renewal due in the quarter, and it {renewal_verb}.",
    ),
    "renewals_credited": (
        "No renewal in {period} counts for {first_name}: {credited_renewal_what} falls to the previous owner.",
    ),
    "renewals_none": (
        "No renewal fell due in {first_name}'s accounts during {period}.",
        "None of the book's renewals fell due in {period}, so no renewal decision sits behind this quarter's retention figures.",
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
        "Part of this book is new to {first_name}, who took over {n_inherited}: {inherited_windows}.",
    ),
    "inherited_scope": (
        "For each account taken over, the figures above count only the weeks after the handover grace.",
        "Each figure here counts an account taken over only from the end of its handover grace.",
    ),
    "inherited_scope_out": (
        "The retention figures leave out the {n_inherited} taken over: {first_name}'s time with them falls inside the handover grace, so their movement this quarter counts for the previous owner.",
        "None of the {n_inherited} taken over counts in the retention figures yet; they are still inside the handover grace and count for the previous owner.",
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
    "saves_path": (
        "From the start to the end of the quarter, health went {saves_path}.",
        "Across the quarter, health went {saves_path}.",
    ),
    "red_open": (
        "{red_t1_names} {red_be} red at quarter end.",
        "Still red at quarter end: {red_t1_names}.",
    ),
    "escalations": (
        "The book had {escalations_text} in the quarter, {vs_med_escalations}.",
        "The book had {escalations_text} in the quarter.",
    ),
    "onboard_new": (
        "New logos this quarter: {new_names}.",
        "The book took on new logos this quarter: {new_names}.",
    ),
    "ai_usage": (
        "AI-drafted touches reached {ai_coverage} of accounts in the last month of the quarter, with an override rate of {override_rate}.",
        "The override rate on AI drafts was {override_rate}, and AI-drafted touches reached {ai_coverage} of accounts.",
        "AI-drafted touches reached {ai_coverage} of accounts in the last month of the quarter.",
    ),
    "ai_out_of_band": (
        "The override rate on AI drafts, {override_rate}, is outside the agreed band, which deserves a conversation about how drafts are reviewed.",
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
    # --- customer voice, chosen by how NPS compares with the cohort median
    "voc_above": (
        "NPS of {nps} from {nps_responses} is above the team median of {med_nps}, and CSAT is {csat}.",
        "Survey results run ahead of the team: NPS of {nps} from {nps_responses}, against a median of {med_nps}, with CSAT of {csat}.",
        "NPS of {nps} from {nps_responses} is above the team median of {med_nps}.",
        "NPS of {nps} is above the team median of {med_nps}.",
    ),
    "voc_level": (
        "NPS of {nps} from {nps_responses} is level with the team median of {med_nps}, and CSAT is {csat}.",
        "Survey results sit at the team's level: NPS of {nps} from {nps_responses}, against a median of {med_nps}, with CSAT of {csat}.",
        "NPS of {nps} from {nps_responses} is level with the team median of {med_nps}.",
        "NPS of {nps} is level with the team median of {med_nps}.",
    ),
    "voc_below": (
        "NPS of {nps} from {nps_responses} is below the team median of {med_nps}, with CSAT at {csat}, so each detractor needs a named follow-up.",
        "Survey results trail the team: NPS of {nps} from {nps_responses}, against a median of {med_nps}, with CSAT of {csat}.",
        "NPS of {nps} from {nps_responses} is below the team median of {med_nps}, so each detractor needs a named follow-up.",
        "NPS of {nps} sits below the team median of {med_nps}; each detractor needs a named follow-up.",
    ),
    "voc_plain": (
        "NPS came in at {nps} from {nps_responses}, with CSAT of {csat}.",
        "NPS came in at {nps}, with CSAT of {csat}.",
        "NPS came in at {nps}.",
        "CSAT came in at {csat}.",
    ),
    # --- accounts, one sentence each
    "acct_expanded": (
        "{account} grew from {arr_start} to {arr_end}, {health_clause}.",
        "{account} expanded by {arr_change} to {arr_end}; its health {health_moved}.",
        "{account} grew from {arr_start} to {arr_end} and ends the quarter at a health of {health_end_only}.",
        "{account} grew from {arr_start} to {arr_end}.",
    ),
    "acct_contracted": (
        "{account} contracted from {arr_start} to {arr_end}, {health_clause}.",
        "{account} shrank by {arr_change} to {arr_end}; its health {health_moved}.",
        "{account} contracted from {arr_start} to {arr_end} and ends the quarter at a health of {health_end_only}.",
        "{account} contracted from {arr_start} to {arr_end}.",
    ),
    "acct_churned": (
        "{account} churned and took {arr_start} of ARR, {health_clause}.",
        "{account} left, taking {arr_start} of ARR; its health {health_moved} over the quarter.",
        "{account} churned, a loss of {arr_start}.",
    ),
    "acct_flat": (
        "{account} held at {arr_end}, {health_clause}.",
        "{account} stayed flat at {arr_end} while its health {health_moved}.",
        "{account} held at {arr_end} and ends the quarter at a health of {health_end_only}.",
        "{account} held at {arr_end}.",
    ),
    "acct_flat_rest": (
        "{flat_rest_names} also held flat.",
        "The rest held flat: {flat_rest_names}.",
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
    "acct_windows": (
        "{first_name} has owned {window_names} since {window_start}.",
        "{window_names} have been in the book since {window_start}.",
    ),
    # --- notes and triggers
    "note_quoted": (
        "On {note_date} the manager noted for {account}: \"{note_text}\"",
        "{cap_note_kind} from {note_date} about {account} reads: \"{note_text}\"",
        "On {note_date} the manager noted: \"{note_text}\"",
    ),
    "note_summary": (
        "The manager logged {a_note_kind} about {account} on {note_date}; its text is kept in the evidence log.",
        "{cap_note_kind} about {account} was logged on {note_date}.",
        "The manager logged {a_note_kind} on {note_date}; its text is kept in the evidence log.",
    ),
    "notes_none": (
        "No notes on mentoring, playbooks or product feedback were logged for {period}, so this section rests on the scores.",
        "The evidence log holds no notes on mentoring, playbooks or product feedback for {period}.",
    ),
    "trigger_negative": (
        "Monitoring flagged {account} on {trigger_dates}: {kind_text}.",
        "On {trigger_dates} monitoring flagged {account} for {kind_text}.",
        "Monitoring raised the same warning, {kind_text}, at {trigger_sites}.",
        "On {trigger_dates} monitoring warned about the book as a whole: {kind_text}.",
    ),
    "trigger_positive": (
        "Monitoring recorded good news at {account} on {trigger_dates}: {kind_text}.",
        "On {trigger_dates} monitoring logged good news at {account}: {kind_text}.",
        "Monitoring recorded the same good news, {kind_text}, at {trigger_sites}.",
        "On {trigger_dates} monitoring recorded good news for the book as a whole: {kind_text}.",
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
    # Slot texts written here (trigger kinds, note kinds) can open a sentence too.
    out += list(KIND_TEXT.values()) + [text for pair in NOTE_KIND_TEXT.values() for text in pair]
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
