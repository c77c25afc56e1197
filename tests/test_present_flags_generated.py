"""On a generated team of 60 CSMs the planted truths come out, and the CSV is reproducible byte for byte."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from calibrate.load import load_dataset
from calibrate.models import flags_command, validate_flags
from calibrate.params import Params
from calibrate.sample import generate_sample

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated60")
    generate_sample(out, seed=23, n_csms=60, quarters=8, end_period="2026-Q3", file_format="parquet")
    return out


@pytest.fixture(scope="module")
def table(folder):
    return validate_flags(load_dataset(folder), Params(period="2026-Q3"), n_boot=300).table


def _verdict(table: pd.DataFrame, kind: str, outcome: str, horizon: int) -> str:
    row = table.loc[(table["flag_kind"] == kind) & (table["outcome"] == outcome) & (table["horizon_days"] == horizon)]
    assert len(row) == 1
    return str(row["verdict"].iloc[0])


def test_planted_flags_are_judged_as_planted(table):
    assert _verdict(table, "churn_risk", "churn", 90) == "predictive"
    assert _verdict(table, "escalation_risk", "escalation", 90) == "predictive"
    for outcome in ("churn", "escalation"):
        for horizon in (90, 180):
            assert _verdict(table, "sentiment_decline", outcome, horizon) != "predictive"


def test_judged_rows_rest_on_enough_pooled_test_events(table):
    judged = table.loc[table["verdict"] != "insufficient_data"]
    assert (judged["n_test_events"] >= 20).all() and (judged["n_train_events"] >= 20).all()
    assert judged["test_quarters"].str.count(";").ge(1).all()  # more than one rolling origin


def test_two_runs_write_byte_identical_csv(folder, tmp_path):
    base = Params(period="2026-Q3")
    params = dataclasses.replace(base, flags=dataclasses.replace(base.flags, n_boot=200))
    first = flags_command(params, data_dir=folder, out=tmp_path / "a.csv")
    second = flags_command(params, data_dir=folder, out=tmp_path / "b.csv")
    assert first.read_bytes() == second.read_bytes()
