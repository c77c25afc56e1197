"""The review's parts on tiny hand-made tables: units, suppression, redaction, notes, chart frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from calibrate.present.review.charts import TOP_MOVERS, waterfall_frame
from calibrate.present.review.evidence import arr_band, redactor
from calibrate.present.review.team import cohort_figures, team_reference
from calibrate.present.review.texts import header_notes, rating_reason
from calibrate.present.review.units import format_measure

T1 = pd.Timestamp("2026-10-01")


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (1234567.4, "money", "$1,234,567"),
        (-1200, "money", "-$1,200"),
        (1.0834, "percent", "108.3%"),
        (66.5, "points", "67 points"),
        (-0.4, "signed_points", "+0 points"),
        (5.2, "signed_points", "+5 points"),
        (1, "count", "1 account"),
        (10.04, "hours_week", "10.0 hours/week"),
        (3.1898, "per_dollar", "$3.19 per $1"),
        (3.97, "csat", "4.0 / 5"),
        (12.4, "days", "12 days"),
    ],
)
def test_format_measure_writes_the_unit(value, kind, shown):
    assert format_measure(value, kind) == shown


def test_format_measure_leaves_missing_values_empty():
    assert format_measure(float("nan"), "percent") is None and format_measure(None, "money") is None


@pytest.mark.parametrize(("arr", "band"), [(50_001, "strategic"), (50_000, "growth"), (20_000, "growth"), (19_999, "core"), (10_000, "core"), (9_999, "nurture")])
def test_arr_bands_follow_the_domain_tiers(arr, band):
    assert arr_band(arr) == band


def _scores(values, cohorts):
    return pd.DataFrame({"csm_id": [f"C{i}" for i in range(len(values))], "nrr": values, "cohort": cohorts})


def test_team_quartiles_are_suppressed_below_the_minimum_cohort():
    small = team_reference(_scores([1.0, 1.1, 0.9], ["team"] * 3), period="2026-Q3", min_cohort_size=5)
    row = small.figures.set_index("metric").loc["nrr"]
    assert math.isnan(row["median"]) and row["n_csms"] == 3 and small.notes
    big = team_reference(_scores([1.0, 1.1, 0.9, 1.2, 0.8], ["team"] * 5), period="2026-Q3", min_cohort_size=5)
    assert big.figures.set_index("metric").loc["nrr", "median"] == pytest.approx(1.0)


def test_cohort_percentile_is_the_share_at_or_below():
    scores = _scores([1.0, 1.1, 0.9, 1.2, 0.8, 2.0], ["a"] * 5 + ["b"])
    medians, pct, size, cohort = cohort_figures(scores, "C1", min_cohort_size=5, metrics=("nrr",))
    assert (size, cohort) == (5, "a") and medians["nrr"] == pytest.approx(1.0) and pct["nrr"] == pytest.approx(80.0)
    medians, pct, size, _ = cohort_figures(scores, "C5", min_cohort_size=5, metrics=("nrr",))
    assert size == 1 and medians == {} and pct == {}


def test_redactor_replaces_colleagues_but_not_shared_own_words():
    redact = redactor(["Fenwick Yellowhammer", "Clement Quibbleton"], "Avery Quibbleton")
    text = redact("Avery Quibbleton covered Fenwick's book; Clement Quibbleton helped. Yellowhammer agreed.")
    assert "Fenwick" not in text and "Clement" not in text and "Yellowhammer" not in text
    assert "a colleague's book" in text and text.startswith("Avery Quibbleton")


def test_the_company_redactor_gives_each_csm_what_the_per_review_redactor_gives():
    from calibrate.present.review.evidence import ColleagueRedactor

    company = ["Avery Quibbleton", "Fenwick Yellowhammer", "Clement Quibbleton", "Bo O'Hara", "Ana Quill", "Cher", "Jo Lee"]
    texts = [
        "Avery Quibbleton covered Fenwick's book; Clement Quibbleton helped. Yellowhammer agreed.",
        "Bo O'Hara and Ana Quill met Cher, then Jo Lee’s team; Quill said Avery would call.",
        "Nothing about people here. Quibbletonian is not a name.",
        "AnaQuill and Ana-Quill and (Fenwick) and Cher's note.",
    ]
    redactors = ColleagueRedactor(company)
    for own in company:
        others = [n for n in company if n != own]
        one_by_one, shared = redactor(others, own), redactors.for_csm(own)
        for text in texts:
            assert shared(text) == one_by_one(text), (own, text)
            for other in others:
                assert other not in shared(text) or other in own  # no colleague's full name survives
    assert redactors.for_csm("Avery Quibbleton")(None) is None


def _book(rows):
    base = {"account_id": "A", "name": "Acme", "segment": "smb", "owned_from": pd.Timestamp("2026-07-01"), "owned_to": T1,
            "start_arr": 10_000.0, "end_arr": 10_000.0, "arr_change": 0.0, "movement": "flat", "previous_owner_credited": False, "attributed": True,
            "in_live_book": True}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_a_csm_with_no_accounts_at_quarter_end_gets_a_clear_note():
    book = _book([{"owned_to": pd.Timestamp("2026-08-15"), "in_live_book": False}])
    notes = header_notes(book, period_end=T1, tenure=20.0, hire_date=pd.Timestamp("2024-12-01"), left_date=pd.Timestamp("2026-08-15"))
    kinds = [k for k, _ in notes]
    assert "nodata" in kinds and "warning" in kinds
    assert any("No accounts are held at quarter end" in t for _, t in notes)


def test_rating_reason_names_the_categories_that_moved_the_overall():
    metrics = {"overall_score": 60.0, "rating": "meets", "tier": "solid", "score_retention": 90.0, "score_expansion": 20.0}
    (kind, text), = rating_reason(metrics, weights={"retention": 1.0, "expansion": 1.0}, rating_cuts=(75, 55), tier_cuts=(90, 75, 60))
    assert "rated meets" in text and "Retention (90 points) lifted" in text and "expansion (20 points) pulled it down" in text


def test_waterfall_keeps_the_top_movers_and_nets_the_rest():
    rows = [{"account_id": f"A{i}", "name": f"Account {i}", "start_arr": 10_000.0, "end_arr": 10_000.0 + (i + 1) * 100, "arr_change": (i + 1) * 100.0, "movement": "expanded"} for i in range(60)]
    frame = waterfall_frame(_book(rows))
    assert len(frame) == TOP_MOVERS + 3  # start, movers, other, end
    assert frame["end"].iloc[-1] == pytest.approx(sum(r["end_arr"] for r in rows))
    assert frame["step"].iloc[-2].startswith(f"{60 - TOP_MOVERS} other accounts")


def test_the_arr_bridge_axis_never_shows_one_amount_twice():
    """A $1M book whose accounts moved by a few thousand: ticks $5k apart must read apart ($1.035M, $1.04M)."""
    import re
    from types import SimpleNamespace

    from calibrate.present.charts import chart_to_svg
    from calibrate.present.review.charts import arr_waterfall_chart

    rows = [{"account_id": f"A{i}", "name": f"Account {i}", "start_arr": 50_000.0, "end_arr": 50_000.0 + sign * 2_500.0,
             "arr_change": sign * 2_500.0, "movement": "expanded" if sign > 0 else "contracted"}
            for i, sign in enumerate([1, 1, -1, 1, -1, 1])]
    book = _book(rows + [{"account_id": f"B{i}", "name": f"Steady {i}", "start_arr": 50_000.0, "end_arr": 50_000.0,
                          "arr_change": 0.0, "movement": "flat"} for i in range(14)])
    svg = chart_to_svg(arr_waterfall_chart(SimpleNamespace(chart_data={"waterfall": waterfall_frame(book)})))
    ticks = [t for t in re.findall(r">(\$[0-9.]+[kM]?)</text>", svg)]
    assert len(ticks) >= 4 and len(set(ticks)) == len(ticks), ticks
