"""Per-CSM reviews built from data/sample: coverage, privacy, the traps, grounding and units."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pandas as pd
import pytest

from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.present.narrative import assert_grounded, coaching_plan, count_words, draft_narrative, strengths_and_development
from calibrate.present.review import CsmReview, TeamReference, build_csm_reviews
from calibrate.scoring import compute_period

ROOT = Path(__file__).resolve().parents[1]
UNIT_FORMATS = {"money", "money_k", "percent", "days", "date"}
# A number in a text cell must carry one of these units (or be part of a date / quarter label).
UNIT_RE = re.compile(
    r"^-?\$[\d,]+(\.\d+)?(k|M)?( per \$1)?$|^[+-]?[\d,.]+%$|^[+-]?\d+ points?$|^[\d,.]+ (hours/week|hours|minutes|days|accounts?|tickets?)$"
    r"|^\d{1,2}(\.\d)? / (5|10)$|^\d+(st|nd|rd|th) percentile$"
)


@pytest.fixture(scope="module")
def built():
    params = load_params(ROOT / "params" / "base.yaml")
    dataset = load_dataset(ROOT / "data" / "sample", **params.load_options())
    current = compute_period(dataset, params, "2026-Q3")
    previous = [compute_period(dataset, params, p, triggers=False) for p in current.period.previous(3)]
    reviews, team = build_csm_reviews(current, previous, dataset, params)
    return params, dataset, current, reviews, team


def _flagged(current, flag: str) -> str:
    ids = current.scores.loc[current.scores["flags"].fillna("").str.contains(flag), "csm_id"].astype(str).tolist()
    assert len(ids) == 1, f"the sample plants exactly one {flag} CSM"
    return ids[0]


def _sentences_with(text: str, word: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if word in s]


def test_every_csm_gets_a_review(built):
    _, _, current, reviews, team = built
    assert set(reviews) == set(current.scores["csm_id"].astype(str))
    assert all(isinstance(r, CsmReview) for r in reviews.values())
    assert isinstance(team, TeamReference) and team.n_csms == len(reviews)


def test_no_review_carries_another_csm(built):
    _, dataset, _, reviews, team = built
    people = dict(zip(dataset["csms"]["csm_id"].astype(str), dataset["csms"]["name"].astype(str)))
    for csm_id, review in reviews.items():
        raw = pickle.dumps(review)
        text = raw.decode("latin-1")
        own_words = set(people[csm_id].split())
        for other_id, other_name in people.items():
            if other_id == csm_id:
                continue
            assert other_id.encode() not in raw, f"{csm_id}'s review holds {other_id}"
            assert other_name.encode() not in raw, f"{csm_id}'s review holds {other_name}"
            for word in set(other_name.split()) - own_words:
                assert not re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text), f"{csm_id}'s review mentions {word}"
    team_raw = pickle.dumps(team)
    for other_id, other_name in people.items():
        assert other_id.encode() not in team_raw and other_name.encode() not in team_raw


def test_inherited_review_states_windows_and_credits_the_previous_owner(built):
    _, dataset, current, reviews, _ = built
    csm_id = _flagged(current, "inherited_book")
    review = reviews[csm_id]
    period = current.period
    own = dataset["ownership"]
    mine = own[(own["csm_id"] == csm_id) & (own["start_date"] > period.start) & (own["start_date"] < period.end)]
    handed = mine[mine["account_id"].isin(own.loc[own["csm_id"] != csm_id, "account_id"])]
    assert len(handed) > 0
    arr = dataset["arr"]
    churned = handed[handed["end_date"].notna() & (handed["end_date"] < period.end)]
    early = [
        a for a, end in zip(churned["account_id"], churned["end_date"])
        if (arr[(arr["account_id"] == a) & (arr["month"] == end.to_period("M").to_timestamp())]["arr"] == 0).any()
    ]
    assert early, "the sample plants an early churn after the handover"
    names = dataset["accounts"].set_index("account_id")["name"]
    windows = review.tables["windows"].frame
    for account_id, start in zip(handed["account_id"], handed["start_date"]):
        row = windows[[names[account_id] in group for group in windows["account_names"]]]
        assert len(row) == 1 and row["owned_from"].iloc[0] == start
        assert "previous owner" in row["note"].iloc[0]
    draft = draft_narrative(review.evidence).text
    notes = " ".join(text for _, text in review.notes["book_performance"])
    for account_id in early:
        assert any("previous owner" in s for s in _sentences_with(draft, names[account_id]))
        assert any("previous owner" in s for s in _sentences_with(notes, names[account_id]))


def test_concentrated_review_shows_the_book_without_its_top_account(built):
    _, _, current, reviews, _ = built
    csm_id = _flagged(current, "concentrated_book")
    review = reviews[csm_id]
    measures = review.tables["book_measures"].frame
    row = measures[measures["measure"] == "NRR without the top account"]
    assert len(row) == 1 and row["value"].iloc[0].endswith("%")
    book = review.evidence.accounts
    top = max((a for a in book if (a.start_arr or 0) > 0), key=lambda a: a.start_arr)
    small_churned = [a.name for a in book if a.movement == "churned" and a is not top]
    assert small_churned
    notes = " ".join(text for _, text in review.notes["book_performance"])
    draft = draft_narrative(review.evidence).text
    for name in small_churned:
        assert name in notes and name in draft


def test_rescuer_saves_are_named(built):
    _, dataset, current, reviews, _ = built
    counts = current.saves.groupby("csm_id").size()
    csm_id = str(counts.idxmax())
    review = reviews[csm_id]
    names = dataset["accounts"].set_index("account_id")["name"]
    saved = [names[a] for a in current.saves.loc[current.saves["csm_id"] == csm_id, "account_id"]]
    table = review.tables["saves"].frame
    notes = " ".join(text for _, text in review.notes["health_discipline"])
    draft = draft_narrative(review.evidence).text
    for name in saved:
        assert name in set(table["name"]) and name in notes
    assert sum(name in draft for name in saved) >= min(4, len(saved))


def test_every_narrative_is_grounded_and_400_to_600_words(built):
    _, _, _, reviews, _ = built
    for review in reviews.values():
        draft = draft_narrative(review.evidence)
        assert draft.too_short_reason is None, f"{review.csm_id}: {draft.too_short_reason}"
        assert 400 <= count_words(draft.text) <= 600
        assert_grounded(draft.text, review.evidence, too_short_reason=draft.too_short_reason)
        strengths, development = strengths_and_development(review.evidence)
        assert strengths or development
        assert coaching_plan(review.evidence)


def _check_table(where: str, table) -> None:
    frame = table.frame
    for column in table.columns:
        if frame.empty:
            continue
        fmt = table.formats.get(column)
        label = table.labels.get(column, column)
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            assert fmt in UNIT_FORMATS or (fmt == "int" and re.search(r"\((count|accounts|points)\)$", label)), (where, column, fmt, label)
        elif fmt == "text" or series.dtype == object or pd.api.types.is_string_dtype(series):
            for value in series.dropna().astype(str):
                if column in ("text", "comment", "evidence", "note", "action", "trigger", "effect", "measure", "label", "name", "band", "start", "kind", "category"):
                    continue  # quoted or descriptive text: numbers there are part of a sentence
                if re.search(r"\d", value) and not re.match(r"^(\d{4}-Q\d|Week \d)$", value):
                    assert UNIT_RE.match(value) or " on " in value or " to " in value, (where, column, value)


def test_every_number_in_the_tables_has_a_unit(built):
    _, _, _, reviews, team = built
    from calibrate.present.review import team_table

    for review in reviews.values():
        for name, table in review.tables.items():
            _check_table(f"{review.csm_id}/{name}", table)
        for section in review.kpis.values():
            for label, value in section.items():
                assert not re.search(r"\d", value) or UNIT_RE.match(value), (review.csm_id, label, value)
    _check_table("team", team_table(team))


def test_sections_have_their_tables_and_no_data_notes(built):
    _, _, _, reviews, _ = built
    for review in reviews.values():
        for table in review.tables.values():
            assert table.empty_note
        assert review.notes["scores"], "the rating reason is always stated"


def test_sample_drafts_pair_money_with_its_own_count_and_compare_nps_by_the_numbers(built):
    from calibrate.present.narrative.formatting import fmt_money

    _, _, _, reviews, _ = built
    for review in reviews.values():
        ev = review.evidence
        base = [a for a in ev.accounts if a.attributed and (a.start_arr or 0) > 0]
        money = fmt_money(ev.metrics["start_arr"])
        for seed in range(3):
            text = draft_narrative(ev, seed=seed).text
            for sentence in _sentences_with(text, money):
                paired = re.search(r"across (?:the )?(\d+) accounts", sentence)
                if paired:
                    assert int(paired.group(1)) == len(base), (review.csm_id, sentence)
            nps, median = ev.metrics.get("nps"), ev.cohort_medians.get("nps")
            for sentence in _sentences_with(text, "NPS of"):
                if "median" in sentence and nps is not None and median is not None:
                    same = round(nps) == round(median)
                    word = "level with" if same else ("above" if nps > median else "below")
                    assert word in sentence or ("ahead" in sentence and word == "above") or ("trail" in sentence and word == "below") or ("team's level" in sentence and same), (review.csm_id, sentence)
