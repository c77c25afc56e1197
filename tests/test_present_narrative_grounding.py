"""The grounding check catches invented numbers, foreign accounts, other people and bare praise."""

from __future__ import annotations

from datetime import date

import pytest

from calibrate.errors import ReportError
from calibrate.present.narrative import assert_grounded, check_grounding, count_words, draft_narrative
from calibrate.present.narrative.formatting import (
    fmt_csat,
    fmt_date,
    fmt_money,
    fmt_ordinal,
    fmt_pct,
    fmt_per_dollar,
    number_tokens,
)

import narrative_fixtures as F


def kinds(problems):
    return [p.kind for p in problems]


@pytest.fixture
def ev():
    return F.concentrated_book()


def test_grounded_sentence_passes(ev):
    sentence = f"Without Halvorsen Shipping, NRR is {fmt_pct(ev.metrics['nrr_excl_top'])}."
    assert check_grounding(sentence, ev, check_length=False) == []


@pytest.mark.parametrize("invented", ["$3.7M", "137%", "4.9/5", "12 Mar 2026", "2025-Q1", "17", "99th"])
def test_invented_number_is_caught(ev, invented):
    problems = check_grounding(f"Halvorsen Shipping grew by {invented} this quarter.", ev, check_length=False)
    assert kinds(problems) == ["number"]
    assert problems[0].token == invented


def test_number_inside_an_account_name_is_not_a_number():
    ev = F.strong_book()
    from dataclasses import replace

    acc = replace(ev.accounts[0], name="Route 66 Diner")
    ev2 = replace(ev, accounts=(acc, *ev.accounts[1:]))
    assert check_grounding("Route 66 Diner held steady.", ev2, check_length=False) == []


def test_invented_account_name_is_caught_by_capitalisation(ev):
    problems = check_grounding("Zanzibar Freight renewed early.", ev, check_length=False)
    assert kinds(problems) == ["name"]
    assert problems[0].token == "Zanzibar Freight"


def test_account_of_another_book_is_caught_via_the_universe(ev):
    universe = [*ev.account_names, "Northwind Traders"]
    text = "The renewal at Northwind Traders closed."
    problems = check_grounding(text, ev, account_universe=universe, check_length=False)
    assert "account" in kinds(problems)


def test_another_csms_name_is_caught(ev):
    problems = check_grounding("Maria Lopez handled the Kestrel Foods renewal.", ev, check_length=False)
    assert [(p.kind, p.token) for p in problems] == [("name", "Maria Lopez")]
    problems = check_grounding(
        "Kestrel Foods was helped by Priya.", ev, forbidden_names=["Priya Raman", "Priya"], check_length=False
    )
    assert "name" in kinds(problems)


def test_the_csm_and_own_accounts_are_allowed(ev):
    assert check_grounding("Tomas Becker called Kestrel Foods. Tomas wrote to Marlow Printing.", ev, check_length=False) == []


@pytest.mark.parametrize("phrase", ["trusted advisor", "strong relationships", "customer-first", "go-to person", "above and beyond"])
def test_generic_phrase_alone_is_caught(ev, phrase):
    problems = check_grounding(f"Tomas is a {phrase} for the team.", ev, check_length=False)
    assert kinds(problems) == ["generic_phrase"]


def test_generic_phrase_followed_by_evidence_is_accepted(ev):
    nrr = fmt_pct(ev.metrics["nrr"])
    assert check_grounding(f"A trusted advisor at Halvorsen Shipping, which ended at {nrr} NRR.", ev, check_length=False) == []
    assert check_grounding("Strong relationships, as at Halvorsen Shipping.", ev, check_length=False) == []
    # Evidence before the phrase does not count.
    assert kinds(check_grounding("At Halvorsen Shipping, a trusted advisor.", ev, check_length=False)) == ["generic_phrase"]


def test_length_rules(ev):
    short = "## Book performance\n\nHalvorsen Shipping grew."
    assert kinds(check_grounding(short, ev)) == ["length"]
    assert check_grounding(short, ev, too_short_reason="The book has 3 accounts.") == []
    long_text = " ".join(["Halvorsen Shipping grew."] * 250)
    assert kinds(check_grounding(long_text, ev, too_short_reason="x")) == ["length"]


def test_headings_are_not_counted():
    assert count_words("## Book performance\n\nOne two $1.2M 14 Aug 2026.") == 6


def test_assert_grounded_raises_report_error_listing_problems(ev):
    with pytest.raises(ReportError, match=r"2 problem\(s\)") as info:
        assert_grounded("Maria Lopez lifted NRR to 137%.", ev, check_length=False)
    message = str(info.value)
    assert "137%" in message and "Maria Lopez" in message and "Tomas Becker" in message


def test_assert_grounded_accepts_a_draft(ev):
    narrative = draft_narrative(ev)
    assert_grounded(narrative.text, ev, too_short_reason=narrative.too_short_reason)


@pytest.mark.parametrize(
    "value, fmt, expected",
    [
        (1_200_000, fmt_money, "$1.2M"),
        (2_000_000, fmt_money, "$2M"),
        (850_000, fmt_money, "$850k"),
        (18_500, fmt_money, "$18.5k"),
        (45_000, fmt_money, "$45k"),
        (4_500, fmt_money, "$4.5k"),
        (900, fmt_money, "$900"),
        (999_999, fmt_money, "$1M"),
        (1.08, fmt_pct, "108.0%"),
        (0.925, fmt_pct, "92.5%"),
        (0.99551, fmt_pct, "99.6%"),
        (-0.0125, fmt_pct, "-1.3%"),
        (4.5, fmt_csat, "4.5/5"),
        (1.6, fmt_per_dollar, "$1.60"),
        (80, fmt_ordinal, "80th"),
        (21, fmt_ordinal, "21st"),
        (12, fmt_ordinal, "12th"),
        (date(2026, 8, 14), fmt_date, "14 Aug 2026"),
    ],
)
def test_numbers_are_formatted_one_way(value, fmt, expected):
    assert fmt(value) == expected
    # The grounding pattern finds each formatted value again as one token.
    assert number_tokens(f"at {expected}.") == [expected]
