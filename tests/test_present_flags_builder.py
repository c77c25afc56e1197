"""The flag validation report built from data/sample: every section, units, intervals, no-data and too-few-events."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest
from test_models_support import simulate_flag_world

from calibrate.load import load_dataset
from calibrate.models import validate_flags
from calibrate.params import Params
from calibrate.periods import parse_period
from calibrate.present import chart_to_svg, find_remote_references
from calibrate.present.flags import FlagReport, build_flag_report
from calibrate.present.flags.text import fmt_interval, kind_sentence, validity_reading

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
INTERVAL = re.compile(r"^[−+]?[\d.,]+[×%]? \([−+]?[\d.,]+[×%]?–[−+]?[\d.,]+[×%]?\)$")


@pytest.fixture(scope="module")
def params():
    base = Params(period="2026-Q3")
    return dataclasses.replace(base, flags=dataclasses.replace(base.flags, n_boot=200))


@pytest.fixture(scope="module")
def history(params):
    from calibrate.batch.period import compute_history

    dataset = load_dataset(SAMPLE)
    current, previous = compute_history(dataset, params, parse_period("2026-Q3"))
    return dataset, current, previous


@pytest.fixture(scope="module")
def fv(history, params):
    return validate_flags(history[0], params, "2026-Q3")


@pytest.fixture(scope="module")
def report(fv, history, params):
    return build_flag_report(fv, history[1], history[2], params)


def test_report_is_frozen_and_covers_every_verdict_row(report, fv):
    assert isinstance(report, FlagReport) and report.available
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.period = "x"  # type: ignore[misc]
    assert len(report.verdicts) == len(fv.table) == len(report.alerts) == len(report.timing)
    kinds = sorted(fv.table["flag_kind"].unique())
    assert len(report.kind_sentences) == len(kinds)
    for sentence in report.kind_sentences:
        assert sentence.endswith(".") and "\n" not in sentence and "flags" in sentence
    assert set(report.verdicts["Verdict"]) <= {"Predictive", "Not predictive", "Too few events to judge"}
    assert report.verdicts["In one sentence"].str.len().gt(40).all()


def test_panel_states_rows_and_both_kinds_of_drop(report, fv):
    for (_, row), sentence in zip(fv.panel_summary.iterrows(), report.panel_sentences):
        assert f"{int(row['n_rows']):,} account-quarters kept" in sentence
        assert f"{int(row['n_dropped_churned']):,} account-quarters whose account had already churned" in sentence
        assert f"and {int(row['n_dropped_censored']):,} whose" in sentence
    assert list(report.panel["Dropped: past data end"]) == [f"{int(v):,}" for v in fv.panel_summary["n_dropped_censored"]]


def test_alert_view_has_units_and_intervals_only_where_judged(report, fv):
    judged = (fv.table["verdict"] != "insufficient_data").to_numpy()
    lift = report.alerts["Lift (95% interval)"]
    for text, ok, low in zip(lift, judged, fv.table["lift_low"]):
        if ok and pd.notna(low):
            assert INTERVAL.match(text), text
        if not ok:
            assert "(" not in text
    assert report.alerts["Precision"].str.endswith("%").all()
    assert report.timing["Recall"].str.endswith("%").all()
    leads = report.timing["Lead time, median (IQR)"]
    assert all(t == "—" or re.match(r"^\d[\d,]* days \(\d[\d,]*–\d[\d,]*\)$", t) for t in leads)


def test_model_view_has_m0_and_m1_with_intervals(report, fv):
    if fv.models.empty:
        pytest.skip("no outcome of the sample has enough events to fit the models")
    models = report.models
    assert (models["Model"] == "M0 (baseline)").any() and models["Model"].str.startswith("M0 + ").any()
    assert models["ROC AUC (95% interval)"].map(lambda t: bool(INTERVAL.match(t))).all()
    m1 = models.loc[models["Model"] != "M0 (baseline)"]
    assert m1["Brier skill over M0"].str.contains("%").all()
    assert set(report.tested["Outcome"]) == set(models["Outcome"])


def test_charts_render_offline(report):
    for chart in (report.reliability_chart, report.lift_chart, report.lead_time_chart):
        assert chart is not None
        svg = chart_to_svg(chart)
        assert "<svg" in svg and find_remote_references(svg) == []


def test_response_and_validity_are_labelled_descriptive(report, history):
    assert "not causal" in report.response_note.lower()
    assert set(report.response["CSM response"]) == {"Actioned", "Not actioned"}
    assert "descriptive" in report.validity_note.lower()
    raw = report.validity_raw
    categories = [c for c in history[1].scores.columns if c.startswith("score_")]
    assert set(raw["predictor"]) == {"overall_score", "rating", *categories}
    assert set(raw["outcome"]) == {"nrr", "grr", "escalations_per_account"}
    assert (raw["n"] > 0).all()
    shown = report.validity["Spearman ρ (95% interval)"]
    assert shown.map(lambda t: bool(INTERVAL.match(t)) or t.count("(") == 0).all()
    assert report.validity["Reading"].str.len().gt(0).all()
    assert f"{int(raw.loc[raw['predictor'] == 'overall_score', 'n'].max()):,} pairs" in report.validity_summary


def test_no_flags_gives_a_clear_no_data_report(history, params):
    report = build_flag_report(None, history[1], history[2], params)
    assert not report.available and "ai_flags" in report.no_data_note
    assert report.intro_note == report.no_data_note and report.intro_kind == "nodata"
    assert report.verdicts is None and report.lift_chart is None and report.reliability_chart is None
    assert report.validity is not None and len(report.validity) > 0  # scores are still checked


def test_too_few_events_reads_as_insufficient(history, params):
    small = simulate_flag_world(150, seed=2, churn_base=0.01, churn_risky=0.02, escalation_base=0.01,
                                escalation_risky=0.02)
    thin = validate_flags(small, Params(), n_boot=50)
    report = build_flag_report(thin, history[1], history[2], params)
    churn = report.verdicts.loc[report.verdicts["Outcome"].str.startswith("Churn")]
    assert (churn["Verdict"] == "Too few events to judge").all()
    assert any("cannot be judged for any flag kind" in note for note in report.notes)
    assert report.models is None or not report.models["Outcome"].str.startswith("Churn").any()


def test_interval_and_sentence_helpers():
    assert fmt_interval(0.712, 0.62, 0.79) == "0.71 (0.62–0.79)"
    assert fmt_interval(2.34, 1.0, 3.8, digits=1, style="multiple") == "2.3× (1.0×–3.8×)"
    assert fmt_interval(-0.013, -0.038, 0.007, digits=3, style="signed") == "−0.013 (−0.038–+0.007)"
    assert fmt_interval(0.5, float("nan"), 0.7) == "0.50" and fmt_interval(None, 0.1, 0.2) == "—"
    rows = [{"outcome": "churn", "horizon_days": 90, "verdict": "predictive"},
            {"outcome": "churn", "horizon_days": 180, "verdict": "predictive"},
            {"outcome": "escalation", "horizon_days": 90, "verdict": "insufficient_data"}]
    assert kind_sentence("churn_risk", rows) == (
        "Churn risk flags predicted churn within 90 and 180 days; they had too few escalations to be judged "
        "within 90 days.")
    assert validity_reading(0.3, 0.1, 0.5, -1) == "against the expected direction"
    assert validity_reading(0.3, -0.1, 0.5, 1).startswith("no clear relation")


def test_a_signed_value_that_rounds_to_zero_has_no_sign():
    assert fmt_interval(0.16, -0.001, 0.35, style="signed") == "+0.16 (0.00–+0.35)"


def test_lead_time_chart_shows_the_tables_quartiles_whatever_the_number_of_events():
    """The chart is drawn from the table's quartile columns, so it cannot disagree with them and stays small."""
    from calibrate.present.flags.charts import lead_time_chart

    table = pd.DataFrame({"flag_kind": ["churn_risk", "escalation_risk"], "outcome": ["churn", "escalation"],
                          "horizon_days": [90, 90], "lead_q1_days": [12.0, 3.0], "median_lead_days": [30.5, 8.0],
                          "lead_q3_days": [55.0, 21.0]})
    spec = lead_time_chart(table)
    rows = next(iter(spec["datasets"].values()))
    assert sorted((r["q1"], r["median"], r["q3"]) for r in rows) == [(3.0, 8.0, 21.0), (12.0, 30.5, 55.0)]
    assert lead_time_chart(table.assign(median_lead_days=float("nan"))) is None
