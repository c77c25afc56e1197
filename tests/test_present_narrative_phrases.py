"""The phrase library reads naturally: articles, comparisons with the median, money paired with its own count."""

from __future__ import annotations

import dataclasses
import re
import string
from datetime import date

import pytest

from calibrate.present.narrative import (
    EvidenceNote,
    TriggerEvidence,
    coaching_plan,
    derive_facts,
    draft_narrative,
    strengths_and_development,
)
from calibrate.present.narrative.evidence import NOTE_CATEGORIES
from calibrate.present.narrative.facts import vs_median
from calibrate.present.narrative.formatting import fmt_money
from calibrate.present.narrative.phrases import COMPETENCY, GROUPS, KIND_TEXT, with_article

import narrative_fixtures as F

# --- a small article checker -------------------------------------------------------------

_VOWEL_LETTER_ACRONYM = set("AEFHILMNORSX")  # an NPS, an SLA, an EBR; a QBR, a CSAT
_ARTICLE_WORD = re.compile(r"\b(a|an|A|An)\s+([A-Za-z][\w'-]*)")
_DOUBLE = re.compile(r"\b(a|an|the)\s+(a|an|the)\b", re.IGNORECASE)


def _vowel_sound(word: str) -> bool:
    if word.isupper() and len(word) > 1:
        return word[0] in _VOWEL_LETTER_ACRONYM
    low = word.lower()
    if low.startswith(("one", "uni", "use", "eu")):
        return False
    if low.startswith(("hour", "honest")):
        return True
    return low[0] in "aeiou"


def article_problems(text: str) -> list[str]:
    """Every "a" before a vowel sound, "an" before a consonant sound and doubled article in ``text``."""
    problems = [m.group(0) for m in _DOUBLE.finditer(text)]
    for m in _ARTICLE_WORD.finditer(text):
        article, word = m.group(1).lower(), m.group(2)
        if (article == "a") == _vowel_sound(word):
            problems.append(m.group(0))
    return problems


def test_the_checker_catches_the_reported_errors():
    for bad in ("A escalation note", "A other note", "Review the a drop in proactive touches trigger",
                "a a note", "an playbook note", "the an expansion"):
        assert article_problems(bad), bad
    for good in ("An escalation note", "a general note", "an NPS response", "a QBR", "a one-page brief", "an hour"):
        assert article_problems(good) == [], good


@pytest.mark.parametrize("text", ["escalation", "other", "NPS", "QBR", "one-off", "hour", "mentoring", "update"])
def test_with_article_agrees_with_the_checker(text):
    assert article_problems(with_article(text)) == []


# --- every category and trigger kind through every template that carries one ---------------

_KIND_SLOTS = {"kind_text", "category_text", "a_note_kind", "cap_note_kind", "work_text"}


class _Filler(dict):
    def __missing__(self, key: str) -> str:
        return "12"  # a number: the checker looks at words only


def _templates() -> list[str]:
    out = [t for group in GROUPS.values() for t in group]
    out += [t for levels in COMPETENCY.values() for group in levels.values() for t in group]
    return out


def _kind_templates() -> list[str]:
    fields = lambda t: {name for _, name, _, _ in string.Formatter().parse(t) if name}  # noqa: E731
    return [t for t in _templates() if fields(t) & _KIND_SLOTS]


def _every_kind_evidence():
    ev = F.strong_book()
    account = ev.accounts[0].account_id
    notes = tuple(EvidenceNote(date(2026, 8, 1), cat, "Ran a renewal workshop.", account) for cat in NOTE_CATEGORIES)
    kinds = [*KIND_TEXT, "weird_kind_42", "usage_drop"]
    triggers = tuple(
        TriggerEvidence(date(2026, 8, 1 + i % 28), acc, kind, polarity)
        for i, kind in enumerate(kinds)
        for acc in (account, None)
        for polarity in ("negative", "positive")
    )
    return dataclasses.replace(ev, notes=notes, triggers=triggers)


def test_templates_with_a_kind_slot_exist():
    assert len(_kind_templates()) >= 10


def test_every_category_and_trigger_kind_reads_with_the_right_article():
    ev = _every_kind_evidence()
    facts = derive_facts(ev)
    base = {**facts.book, **next(iter(facts.accounts.values()))}
    slot_sets = facts.notes + facts.triggers + [g for _, _, g in facts.trigger_groups]
    assert {s["category_text"] for s in facts.notes} and len(facts.triggers) == len(ev.triggers)
    problems = []
    for template in _kind_templates():
        for slots in slot_sets:
            text = template.format_map(_Filler({**base, **slots}))
            problems += [(p, text) for p in article_problems(text)]
    assert problems == []


def test_drafts_strengths_and_plans_have_no_article_errors():
    evidences = [make() for make in F.ALL.values()] + [_every_kind_evidence()]
    for ev in evidences:
        texts = [draft_narrative(ev, seed=seed).text for seed in range(4)]
        strengths, development = strengths_and_development(ev)
        texts += [p.text for p in strengths + development]
        texts += [t for item in coaching_plan(ev) for t in (item.action, item.trigger, item.expected_effect)]
        for text in texts:
            assert article_problems(text) == [], (ev.csm_name, text)


# --- comparisons with the median take their direction from the numbers ---------------------

_DIRECTION = re.compile(r"\b(above|below|only|thin|low|slipping|lags?|trails?|ahead|behind|worse|better)\b")


def test_no_template_states_a_median_with_its_own_direction_word():
    """A template that names a median either takes the direction from a {vs_med_*} slot or
    belongs to a group the composer picks by comparing the numbers (the voc_* groups)."""
    by_numbers = {"voc_above", "voc_level", "voc_below"}
    offenders = []
    for name, group in GROUPS.items():
        for t in group:
            if re.search(r"\{med_\w+\}", t) and name not in by_numbers and _DIRECTION.search(t):
                offenders.append(t)
    for levels in COMPETENCY.values():
        for group in levels.values():
            offenders += [t for t in group if re.search(r"\{med_\w+\}", t)]
    assert offenders == []


@pytest.mark.parametrize(
    "value, median, expected",
    [(25, 23, "above"), (20, 23, "below"), (23, 23, "level with"), (22.6, 23.4, "level with"), (-10, 22, "below")],
)
def test_vs_median_reads_the_numbers(value, median, expected):
    assert vs_median("nps", value, median).startswith(expected)


@pytest.mark.parametrize("nps, score, word, wrong", [(25, 30, "above", ("below", "trail")), (20, 90, "below", ("above", "ahead"))])
def test_nps_sentence_follows_the_comparison_not_the_score_level(nps, score, word, wrong):
    ev = F.strong_book()
    ev = dataclasses.replace(
        ev,
        metrics={**ev.metrics, "nps": nps, "score_satisfaction": score},
        cohort_medians={**ev.cohort_medians, "nps": 23},
    )
    for seed in range(6):
        outcomes = draft_narrative(ev, seed=seed).sections[2].text
        sentence = next(s for s in re.split(r"(?<=[.!?])\s+", outcomes) if f"NPS of {nps}" in s)
        assert word in sentence and not any(w in sentence for w in wrong), sentence


# --- a money base is paired with the count of the accounts behind it -----------------------


def test_starting_arr_is_paired_with_the_count_of_its_own_accounts():
    ev = F.inherited_book()
    base = [a for a in ev.accounts if a.attributed and (a.start_arr or 0) > 0]
    unattributed = tuple(dataclasses.replace(a, attributed=False) if a.inherited else a for a in ev.accounts)
    for evidence, n in ((ev, len(base)), (dataclasses.replace(ev, accounts=unattributed), None)):
        count = n if n is not None else sum(1 for a in evidence.accounts if a.attributed and (a.start_arr or 0) > 0)
        money = fmt_money(sum(a.start_arr or 0 for a in evidence.accounts if a.attributed and (a.start_arr or 0) > 0))
        facts = derive_facts(dataclasses.replace(evidence, metrics={**evidence.metrics, "start_arr": None}))
        assert facts.book["start_arr"] == money
        assert re.search(rf"\b{count} accounts?\b|\bone account\b", facts.book["n_base"])
        if count < len(evidence.accounts):
            assert facts.book["n_base"].startswith("the ")


def test_renewal_wording_without_renewals_in_the_quarter():
    ev = F.strong_book()
    no_renewals = tuple(dataclasses.replace(a, renewal_outcome=None, renewal_date=None) for a in ev.accounts)
    text = draft_narrative(dataclasses.replace(ev, accounts=no_renewals)).sections[0].text
    assert "renewals due" not in text and "renewal due" not in text.replace("No renewal fell due", "")
    assert "No renewal fell due" in text or "None of the book's renewals fell due" in text
