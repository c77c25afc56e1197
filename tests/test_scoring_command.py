"""scores.csv and compute_period: contract columns, empty-not-zero, atomic writes, the sample's flags."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from book_fixtures import dataset, monthly_arr
from calibrate.params import Params, load_params
from calibrate.scoring import FLAG_NAMES, SCORES_CONTRACT_COLUMNS, apply_weights, compute_period, score_command, write_scores_csv

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
DATA_CONTRACT = Path("/work/shared/design/DATA-CONTRACT.md")


def tiny():
    return dataset(
        ownership=[{"account_id": a, "csm_id": "c1", "start_date": "2025-01-01"} for a in "AB"]
        + [{"account_id": "C", "csm_id": "c2", "start_date": "2025-01-01"}],
        arr=monthly_arr("A", "2026-06", [100, 100, 110, 120, 130]) + monthly_arr("B", "2026-06", [50] * 5) + monthly_arr("C", "2026-06", [10] * 5),
        health=[{"account_id": a, "date": "2026-06-29", "score": 70} for a in "ABC"],
        activities=[],
    )


def test_contract_columns_listed_here_match_data_contract_md():
    if not DATA_CONTRACT.exists():
        pytest.skip("design docs not available")
    text = DATA_CONTRACT.read_text()
    section = text[text.index("`scores.csv` has one row per CSM") : text.index("`flag_validation.csv` has at least")]
    named = re.findall(r"`([a-z_<>]+)`", section)
    for column in SCORES_CONTRACT_COLUMNS:
        if column.startswith("score_"):
            continue
        assert column in named, column


def test_scores_csv_has_contract_columns_first_and_empty_for_uncomputable(tmp_path):
    result = compute_period(tiny(), Params(), "2026-Q3")
    path = write_scores_csv(result.scores, tmp_path / "out" / "scores.csv")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
        header = list(rows[0].keys())
    assert header[: len(SCORES_CONTRACT_COLUMNS)] == list(SCORES_CONTRACT_COLUMNS)
    c1 = next(r for r in rows if r["csm_id"] == "c1")
    assert c1["nps"] == "" and c1["escalations"] == "" and c1["override_rate"] == ""  # no surveys, tickets, drafts
    assert c1["n_accounts"] == "2" and float(c1["nrr"]) == pytest.approx((130 + 50) / (100 + 50))
    assert set(c1["flags"].split(";")) <= set(FLAG_NAMES) and "small_book" in c1["flags"]
    assert c1["small_book"] == "true"
    assert "ai_productivity" in c1["missing_categories"]
    assert not any(p.name.startswith(".scores-") for p in path.parent.iterdir())


def test_write_is_atomic_and_replaces_the_previous_file(tmp_path, monkeypatch):
    result = compute_period(tiny(), Params(), "2026-Q3", triggers=False)
    target = tmp_path / "scores.csv"
    target.write_text("old\n")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError):
        write_scores_csv(result.scores, target)
    assert target.read_text() == "old\n" and len(list(tmp_path.iterdir())) == 1


def test_reweighting_uses_the_category_table_only():
    result = compute_period(tiny(), Params(), "2026-Q3", triggers=False)
    sp = Params().scoring
    again = apply_weights(result.categories, sp.weights, rating_cuts=sp.rating_cuts, tier_cuts=sp.tier_cuts)
    pd.testing.assert_series_equal(again["overall_score"], result.scores["overall_score"], check_names=False)


# ---------------------------------------------------------------- the committed sample

needs_sample = pytest.mark.skipif(not (SAMPLE / "README.md").exists(), reason="data/sample not generated yet")


def expected_flags() -> dict[str, set[str]]:
    """The 'Expected flags' table of data/sample/README.md: csm_id -> set of flags."""
    text = (SAMPLE / "README.md").read_text()
    section = text[text.index("## Expected flags") :]
    table = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"[A-Z]+-\d+", cells[0]):
            table[cells[0]] = set() if cells[2] == "none" else set(cells[2].split(";"))
    assert table, "no rows found in the Expected flags table"
    return table


@pytest.fixture(scope="module")
def sample_result():
    from calibrate.load import load_dataset

    params = load_params(ROOT / "params" / "sample.yaml")
    ds = load_dataset(SAMPLE, **params.load_options())
    return compute_period(ds, params)


@needs_sample
def test_every_flag_on_the_sample_matches_the_readme(sample_result):
    expected = expected_flags()
    scores = sample_result.scores.set_index("csm_id")
    assert sorted(scores.index) == sorted(expected)
    for csm_id, flags in expected.items():
        got = set(filter(None, str(scores.loc[csm_id, "flags"]).split(";")))
        assert got == flags, f"{csm_id}: flags {sorted(got)}, README expects {sorted(flags)}"


@needs_sample
def test_sample_planted_books_carry_their_flags(sample_result):
    scores = sample_result.scores.set_index("csm_id")
    flagged = scores.loc[scores["override_out_of_band"]]
    assert len(flagged) >= 1
    for rate in flagged["override_rate"]:
        assert rate < 0.18 or rate > 0.32
    assert scores["inherited_book"].any() and scores["concentrated_book"].any()
    rec = sample_result.reconciliation
    assert rec["company_movement"] == pytest.approx(rec["attributed_movement"] + rec["unattributed_movement"])


@needs_sample
def test_score_command_writes_the_sample_scores(tmp_path):
    params = load_params(ROOT / "params" / "sample.yaml")
    path = score_command(params, out=tmp_path)
    assert path == tmp_path / "scores.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(frame.columns[: len(SCORES_CONTRACT_COLUMNS)]) == list(SCORES_CONTRACT_COLUMNS)
    assert set(frame["rating"]) <= {"exceeds", "meets", "needs_development"}
