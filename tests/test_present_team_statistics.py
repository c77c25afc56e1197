"""The team report and team_statistics.csv show one set of numbers; the funnel's chart, table and text agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibrate.cli import main
from calibrate.load import load_dataset
from calibrate.models.funnel import Z95
from calibrate.models.team_stats import TEAM_STATISTICS_COLUMNS
from calibrate.params import load_params
from calibrate.present.team import build_team_report
from calibrate.present.team.charts import funnel_plot
from calibrate.scoring import compute_period

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PARAMS = ROOT / "params" / "sample.yaml"


@pytest.fixture(scope="module")
def report():
    params = load_params(PARAMS)
    dataset = load_dataset(SAMPLE)
    current = compute_period(dataset, params, triggers=True)
    previous = [compute_period(dataset, params, q, triggers=False) for q in current.period.previous(4)]
    return build_team_report(current, previous, dataset, params, decisions=None)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("team") / "team_statistics.csv"
    assert main(["team", "--params", str(PARAMS), "--data", str(SAMPLE), "--out", str(out)]) == 0
    return pd.read_csv(out, dtype={"csm_id": str}, keep_default_na=False, na_values=[""])


def test_the_file_has_the_issue_columns_in_order(written):
    assert list(written.columns[:17]) == list(TEAM_STATISTICS_COLUMNS[:17])
    assert set(written["funnel_churn_band"]) <= {"inside", "outside_95", "outside_998", "too_few"}
    assert set(written["funnel_nrr_band"]) <= {"inside", "outside_95", "outside_998"}
    assert written["p_top_quartile"].between(0, 1, inclusive="neither").all()


def test_the_report_shows_the_numbers_of_the_file(report, written):
    shown = report.book_adjusted_table.set_index("csm_id")
    csv = written.set_index("csm_id")
    assert set(shown.index) <= set(csv.index)
    for csm, row in shown.iterrows():
        assert row["n_accounts"] == csv.loc[csm, "n_accounts"]
        assert row["observed_churn_rate"] == pytest.approx(csv.loc[csm, "churn_observed"], abs=1e-6)
        assert row["expected_churn_rate"] == pytest.approx(csv.loc[csm, "churn_expected"], abs=1e-6)
        assert row["churn_shrunk"] == pytest.approx(csv.loc[csm, "churn_shrunk"], abs=1e-6)
        assert row["observed_nrr"] == pytest.approx(csv.loc[csm, "nrr_observed"], abs=1e-6)
        assert row["nrr_shrunk"] == pytest.approx(csv.loc[csm, "nrr_shrunk"], abs=1e-6)
        inside = csv.loc[csm, "funnel_churn_band"] == "inside" and csv.loc[csm, "funnel_nrr_band"] == "inside"
        assert row["limits"].startswith("inside both limits") or row["limits"] == "small book" or not inside
        assert (row["limits"] in ("inside both limits", "small book")) == inside
    ranks = report.ranks.set_index("csm_id")
    for csm, row in ranks.iterrows():
        assert row["p_top_quartile"] == pytest.approx(csv.loc[csm, "p_top_quartile"], abs=1e-6)
        assert row["rank_low"] == pytest.approx(csv.loc[csm, "rank_low"], abs=1e-6)


@pytest.mark.parametrize("measure", ["churn", "nrr"])
def test_funnel_chart_table_and_text_agree_for_every_csm(report, measure):
    adjusted = report.book_adjusted
    band = adjusted[f"{measure}_band"].to_numpy()
    points = funnel_plot(adjusted, measure=measure).layer[2].data
    judged = band != "too_few"
    assert np.array_equal(np.abs(points["value"].to_numpy())[judged] > Z95, band[judged] != "inside")
    note = report.notes["expected"]
    names = adjusted["name"].fillna(adjusted["csm_id"]).astype(str)
    outside = report.book_adjusted[["churn_band", "nrr_band"]].isin(["outside_95", "outside_998"])
    if not outside.any().any():
        assert "inside the 95% limits" in note
    else:
        assert "Every CSM" not in note
        for name in names[np.isin(band, ["outside_95", "outside_998"])]:
            assert name in note
    if (band == "too_few").any():
        assert "too small to judge on churn" in note


def test_the_report_states_the_estimated_prior_in_words(report):
    priors = report.statistics.priors
    churn = priors.loc[priors["metric"] == "churn"].iloc[0]
    note = report.notes["expected"]
    if churn["source"] == "estimated":
        assert f"needs about {churn['strength']:,.0f} accounts before its own churn rate counts for half" in note
    assert "quarter's start" in note


def test_every_column_of_the_file_is_documented():
    import re

    text = (ROOT / "docs" / "STATISTICS.md").read_text(encoding="utf-8")
    section = text[text.index("## `team_statistics.csv`"):text.index("## What the simulation measured")]
    documented = set(re.findall(r"`([a-z_0-9]+)`", section))
    assert set(TEAM_STATISTICS_COLUMNS) <= documented, set(TEAM_STATISTICS_COLUMNS) - documented
