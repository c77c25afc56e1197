"""The team calibration report on the committed sample: planted books, rescuer, fairness, decisions."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibrate.errors import DataValidationError, ParamsError
from calibrate.load import load_dataset
from calibrate.models.adapters import book_rescorers, company_retention
from calibrate.params import load_params
from calibrate.present.team import RATING_COLUMNS, build_team_report, load_calibration_decisions
from calibrate.scoring import SCORES_CONTRACT_COLUMNS, compute_period

from sample_truths import readme_ordinary_csms, readme_scenarios

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
ROLES = {name: csm_id for name, (csm_id, _) in readme_scenarios(SAMPLE).items()}


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "params" / "sample.yaml")


@pytest.fixture(scope="module")
def dataset(params):
    return load_dataset(SAMPLE)


@pytest.fixture(scope="module")
def periods(dataset, params):
    current = compute_period(dataset, params, triggers=True)
    previous = [compute_period(dataset, params, q, triggers=False) for q in current.period.previous(4)]
    return current, previous


@pytest.fixture(scope="module")
def report(periods, dataset, params):
    current, previous = periods
    decisions = load_calibration_decisions(params, dataset, current.scores)
    return build_team_report(current, previous, dataset, params, decisions=decisions)


def _row(table: pd.DataFrame, csm_id: str) -> pd.Series:
    rows = table.loc[table["csm_id"].astype(str) == csm_id]
    assert len(rows) == 1, f"{csm_id} should have exactly one row"
    return rows.iloc[0]


@pytest.mark.parametrize("scenario, flag", [("inherited_book", "inherited book"), ("concentrated_book", "concentrated book")])
def test_planted_books_are_marked_in_the_csm_table(report, scenario, flag):
    csm_id = ROLES[scenario]
    assert flag in _row(report.csm_table, csm_id)["flags"]
    assert flag in _row(report.csm_table_display, csm_id)["flags"]


def test_ordinary_books_carry_no_book_flag(report):
    names = readme_ordinary_csms(SAMPLE)
    assert names
    ordinary = report.csm_table.loc[report.csm_table["csm_id"].isin(names)]
    assert len(ordinary) == len(names)
    assert not ordinary["flags"].str.contains("inherited|concentrated|small book").any()


def test_one_csm_table_row_per_scored_csm(report, periods):
    current, _ = periods
    assert sorted(report.csm_table["csm_id"]) == sorted(current.scores["csm_id"].astype(str))


def test_rescuer_is_not_below_the_median_on_book_adjusted_churn(report):
    # Churn, not NRR: the rescue shows as renewals of red accounts, i.e. churn the book predicted but that did not happen.
    adjusted = report.book_adjusted
    rescuer = _row(adjusted, ROLES["rescued_red_accounts"])
    assert rescuer["churn_diff"] <= adjusted["churn_diff"].median()
    assert rescuer["expected_churn_rate"] > adjusted["expected_churn_rate"].median()


def test_fairness_finds_no_adverse_impact_where_none_was_planted(report):
    impact = report.fairness.impact
    assert not impact.empty
    significant = impact["below_threshold"].astype(bool) & (impact["fisher_p"] < 0.05)
    assert not significant.any()
    assert (impact["n"] >= 4).all()


def test_team_nrr_is_the_company_cohort_not_an_average(report, periods, dataset):
    current, _ = periods
    arr = pd.read_csv(SAMPLE / "arr.csv", dtype={"account_id": "string"})
    arr["month"] = pd.to_datetime(arr["month"])

    def at(month: str) -> pd.Series:
        upto = arr.loc[arr["month"] <= pd.Timestamp(month)].sort_values("month")
        return upto.groupby("account_id")["arr"].last()

    start, end = at("2026-07-01"), at("2026-10-01")
    cohort = start[start > 0]
    e = end.reindex(cohort.index).fillna(0.0)
    expected_nrr = e.sum() / cohort.sum()
    expected_grr = np.minimum(e, cohort).sum() / cohort.sum()
    glance = report.glance.set_index("key")
    assert glance.loc["nrr", "value_raw"] == pytest.approx(expected_nrr)
    assert glance.loc["grr", "value_raw"] == pytest.approx(expected_grr)
    assert report.headline["Company NRR (quarter)"] == pytest.approx(expected_nrr)
    assert glance.loc["nrr", "missed"] == bool(expected_nrr < load_params(ROOT / "params" / "sample.yaml").scoring.targets.nrr)


def test_glance_compares_with_the_previous_quarter(report, periods, dataset):
    _, previous = periods
    prior = company_retention(dataset["arr"], previous[0].period)
    glance = report.glance.set_index("key")
    assert report.previous_period == previous[0].period.label
    assert glance.loc["nrr", "previous_raw"] == pytest.approx(prior["nrr"])


def test_book_rescorers_reproduce_the_reported_scores(periods, params):
    current, _ = periods
    rescorers = book_rescorers(current.categories, targets=params.scoring.targets)
    s = current.scores
    for row in s.itertuples():
        retention, expansion = rescorers[row.csm_id](*(np.array([v]) for v in (row.nrr, row.grr, row.logo_churn_rate, row.expansion_rate)))
        assert retention[0] == pytest.approx(row.score_retention)
        assert expansion[0] == pytest.approx(row.score_expansion)


def test_scores_table_adds_the_rating_columns_after_the_contract_columns(report, periods):
    current, _ = periods
    table = report.scores_table
    columns = list(table.columns)
    n = len(SCORES_CONTRACT_COLUMNS)
    assert columns[:n] == list(SCORES_CONTRACT_COLUMNS)
    assert columns[n : n + len(RATING_COLUMNS)] == list(RATING_COLUMNS)
    assert table["csm_id"].tolist() == current.scores["csm_id"].tolist()
    assert table["final_rating"].notna().all()
    assert report.audit_trail == []


def test_rank_intervals_cover_every_scored_csm(report):
    ranks = report.ranks
    assert set(ranks["csm_id"]) == set(report.csm_table["csm_id"])
    assert (ranks["score_low"] <= ranks["overall_score"] + 1e-9).all()
    assert (ranks["score_high"] >= ranks["overall_score"] - 1e-9).all()
    marked = set(report.csm_table.loc[report.csm_table["discuss"], "csm_id"])
    assert marked == set(ranks.loc[ranks["discuss"], "csm_id"])


# --------------------------------------------------------------------------- decisions


@pytest.fixture()
def sample_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(SAMPLE, target)
    return target


def _write(folder: Path, rows: list[dict]) -> Path:
    path = folder / "calibration_decisions.csv"
    pd.DataFrame(rows, columns=["csm_id", "final_rating", "reason", "decided_by"]).to_csv(path, index=False)
    return path


def test_override_without_reason_is_refused_naming_file_row_and_column(sample_copy, params, periods):
    current, _ = periods
    model = dict(zip(current.scores["csm_id"].astype(str), current.scores["rating"].astype(str)))
    other = "exceeds" if model["CSM-004"] != "exceeds" else "meets"
    _write(sample_copy, [
        {"csm_id": "CSM-001", "final_rating": model["CSM-001"], "reason": "", "decided_by": "VP CS"},
        {"csm_id": "CSM-004", "final_rating": other, "reason": "", "decided_by": "VP CS"},
    ])
    local = params.replace(data_dir=str(sample_copy))
    data = load_dataset(sample_copy)
    with pytest.raises(DataValidationError, match=r"calibration_decisions\.csv row 3, column reason") as info:
        load_calibration_decisions(local, data, current.scores)
    assert len(info.value.violations) == 1
    assert "override" in str(info.value)


def test_decisions_reach_final_rating_scores_and_audit_trail(sample_copy, params, periods):
    current, previous = periods
    model = dict(zip(current.scores["csm_id"].astype(str), current.scores["rating"].astype(str)))
    other = "exceeds" if model["CSM-004"] != "exceeds" else "meets"
    _write(sample_copy, [{"csm_id": "CSM-004", "final_rating": other, "reason": "Two saves not in the numbers", "decided_by": "VP CS"}])
    local = params.replace(data_dir=str(sample_copy))
    data = load_dataset(sample_copy)
    decisions = load_calibration_decisions(local, data, current.scores)
    report = build_team_report(current, previous[:1], data, local, decisions=decisions)
    row = _row(report.scores_table, "CSM-004")
    assert row["final_rating"] == other and row["final_source"] == "decision"
    assert row["decision_reason"] == "Two saves not in the numbers"
    assert report.audit_trail == [{"period": current.period.label, "csm_id": "CSM-004", "model_rating": model["CSM-004"],
                                   "final_rating": other, "is_override": True, "reason": "Two saves not in the numbers",
                                   "decided_by": "VP CS"}]
    assert _row(report.decisions, "CSM-004")["is_override"] == "yes"


def test_a_configured_decisions_file_that_does_not_exist_is_an_error(params, dataset, periods):
    current, _ = periods
    local = params.replace(calibration_decisions="no-such-decisions.csv")
    with pytest.raises(ParamsError, match="calibration_decisions"):
        load_calibration_decisions(local, dataset, current.scores)


def test_no_decisions_file_means_no_decisions(params, dataset, periods):
    current, _ = periods
    assert load_calibration_decisions(params, dataset, current.scores) is None
