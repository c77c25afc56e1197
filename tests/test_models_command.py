"""Flag validation end to end: planted truths found, too few events refused, byte-identical CSV."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from test_models_support import simulate_flag_world

from calibrate.models import FLAG_VALIDATION_COLUMNS, validate_flags, write_flag_validation
from calibrate.params import Params

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ("flag_kind", "outcome", "horizon_days", "n_flags", "n_events", "precision", "recall", "lift",
            "median_lead_days", "auc", "auc_low", "auc_high", "verdict")


@pytest.fixture(scope="module")
def world():
    return simulate_flag_world(4000, seed=11)


@pytest.fixture(scope="module")
def result(world):
    return validate_flags(world, Params(), n_boot=300)


def verdict(table: pd.DataFrame, kind: str, outcome: str, horizon: int = 90) -> str:
    hit = table.loc[(table["flag_kind"] == kind) & (table["outcome"] == outcome) & (table["horizon_days"] == horizon)]
    assert len(hit) == 1
    return hit["verdict"].iloc[0]


def test_planted_truths_are_found(result):
    table = result.table
    assert verdict(table, "churn_risk", "churn") == "predictive"
    assert verdict(table, "escalation_risk", "escalation") == "predictive"
    assert verdict(table, "churn_risk", "escalation") == "not_predictive"
    for outcome in ("churn", "escalation"):
        for horizon in (90, 180):
            assert verdict(table, "sentiment_decline", outcome, horizon) == "not_predictive"


def test_table_has_the_contract_columns_and_sensible_values(result):
    table = result.table
    assert tuple(table.columns[: len(REQUIRED)]) == REQUIRED
    assert set(table["verdict"]) <= {"predictive", "not_predictive", "insufficient_data"}
    assert len(table) == 3 * 2 * 2
    ok = table.dropna(subset=["auc"])
    assert ((ok["auc_low"] <= ok["auc"]) & (ok["auc"] <= ok["auc_high"])).all()
    assert ((table["lift_low"] <= table["lift"]) & (table["lift"] <= table["lift_high"])).all()
    assert (table["n_dropped_churned"] > 0).all()
    assert (table.loc[table["horizon_days"] == 180, "n_dropped_censored"] > 0).all()
    assert table["sentence"].str.len().gt(40).all()


def test_detail_tables_for_the_notebook(result):
    assert set(result.panel_summary["horizon_days"]) == {90, 180}
    assert {"M0", "M1[churn_risk]"} <= set(result.models["model"])
    assert result.reliability.groupby(["outcome", "horizon_days", "model"]).size().max() <= 10
    assert set(result.response["csm_response"]) == {"actioned", "not_actioned"}
    assert "not causal" in result.response_note.lower() or "not causal" in result.response_note


def test_too_few_events_is_insufficient_with_no_auc():
    small = simulate_flag_world(150, seed=2, churn_base=0.01, churn_risky=0.02, escalation_base=0.01,
                                escalation_risky=0.02)
    table = validate_flags(small, Params(), n_boot=50).table
    churn = table.loc[table["outcome"] == "churn"]
    assert (churn["verdict"] == "insufficient_data").all()
    for column in ("auc", "auc_low", "auc_high", "auc_gain_low", "lift_low"):
        assert churn[column].isna().all()
    assert churn["sentence"].str.contains("Too little history").all()


def test_two_runs_write_byte_identical_csv(world, tmp_path):
    first = write_flag_validation(validate_flags(world, Params(), n_boot=100).table, tmp_path / "a" / "fv.csv")
    second = write_flag_validation(validate_flags(world, Params(), n_boot=100).table, tmp_path / "b" / "fv.csv")
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text()
    assert text.splitlines()[0] == ",".join(FLAG_VALIDATION_COLUMNS)
    assert not list((tmp_path / "a").glob(".*tmp"))


def test_no_tickets_means_churn_only_and_a_note(world):
    tables = dict(world.tables)
    tables["tickets"] = None
    from calibrate.dataset import Dataset

    result = validate_flags(Dataset(tables=tables), Params(), n_boot=20)
    assert set(result.table["outcome"]) == {"churn"}
    assert any("tickets" in note for note in result.notes)


def test_no_flags_gives_an_empty_table_and_a_note(world):
    tables = dict(world.tables)
    tables["ai_flags"] = None
    from calibrate.dataset import Dataset

    result = validate_flags(Dataset(tables=tables), Params())
    assert result.table.empty and list(result.table.columns) == list(FLAG_VALIDATION_COLUMNS)
    assert "ai_flags" in result.notes[0]


def _generator():
    if importlib.util.find_spec("calibrate.sample") is None:
        return None
    module = importlib.import_module("calibrate.sample")
    return getattr(module, "generate_sample", None)


import importlib  # noqa: E402


@pytest.mark.slow
def test_generated_sample_with_80_csms(tmp_path):
    generate = _generator()
    load = importlib.util.find_spec("calibrate.load")
    if generate is None or load is None:
        pytest.skip("calibrate.sample.generate_sample or calibrate.load is not available yet")
    from calibrate.load import load_dataset

    generate(tmp_path, seed=7, n_csms=80, n_accounts=None, quarters=8, end_period="2026-Q3", file_format="parquet")
    table = validate_flags(load_dataset(tmp_path), Params(), n_boot=300).table
    assert verdict(table, "churn_risk", "churn") == "predictive"
    assert verdict(table, "escalation_risk", "escalation") == "predictive"
    for outcome in ("churn", "escalation"):
        assert verdict(table, "sentiment_decline", outcome) != "predictive"


def test_committed_sample_runs(capsys):
    folder = ROOT / "data" / "sample"
    if not (folder / "ai_flags.csv").exists() or importlib.util.find_spec("calibrate.load") is None:
        pytest.skip("data/sample has no ai_flags.csv yet (or calibrate.load is missing)")
    from calibrate.load import load_dataset

    table = validate_flags(load_dataset(folder), Params(), n_boot=200).table
    assert set(table["verdict"]) <= {"predictive", "not_predictive", "insufficient_data"}
    assert not table.loc[table["verdict"] == "insufficient_data", "auc"].notna().any()
    with capsys.disabled():
        print("\ndata/sample verdicts:\n" + table[["flag_kind", "outcome", "horizon_days", "n_events",
                                                  "lift", "auc_gain", "verdict"]].to_string(index=False))


def test_flags_command_on_the_sample_is_byte_identical(tmp_path):
    folder = ROOT / "data" / "sample"
    if not (folder / "ai_flags.csv").exists() or importlib.util.find_spec("calibrate.load") is None:
        pytest.skip("data/sample has no ai_flags.csv yet (or calibrate.load is missing)")
    from calibrate.models import flags_command
    from calibrate.params import load_params

    params = load_params(ROOT / "params" / "sample.yaml")
    first = flags_command(params, out=tmp_path / "one" / "flag_validation.csv")
    second = flags_command(params, data_dir=folder, period="2026-Q3", out=tmp_path / "two" / "flag_validation.csv")
    assert first.read_bytes() == second.read_bytes()
    table = pd.read_csv(first)
    assert tuple(table.columns[: len(REQUIRED)]) == REQUIRED
    assert table.loc[table["verdict"] == "insufficient_data", ["auc", "auc_low", "auc_high"]].isna().all().all()
