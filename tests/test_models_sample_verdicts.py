"""The committed sample's planted flag truths, judged by the real rolling-origin evaluation.

data/sample/README.md plants three facts about the AI flags: ``churn_risk``
precedes most churns, ``escalation_risk`` precedes most escalations and
``sentiment_decline`` is pure noise. ``validate_flags`` with the sample's own
params (the settings the report uses, 1000 bootstrap resamples) must find them:
the first two ``predictive`` at the primary 90-day horizon, the noise never
``predictive``. The sample must also hold enough churn events to be judged at
all (the verdict rule itself is tested in test_models_verdicts.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from calibrate.load import load_dataset
from calibrate.models import validate_flags
from calibrate.params import load_params

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "sample.yaml"


@pytest.fixture(scope="module")
def validation():
    params = load_params(PARAMS)
    dataset = load_dataset(params.data_path(), **params.load_options())
    return params, validate_flags(dataset, params)


def _row(table: pd.DataFrame, kind: str, outcome: str, horizon: int) -> pd.Series:
    hit = table.loc[(table["flag_kind"] == kind) & (table["outcome"] == outcome) & (table["horizon_days"] == horizon)]
    assert len(hit) == 1, f"expected one row for {kind} -> {outcome} at {horizon} days, got {len(hit)}"
    return hit.iloc[0]


def test_the_sample_has_enough_churn_events_to_judge_churn_at_the_primary_horizon(validation):
    params, result = validation
    row = _row(result.table, "churn_risk", "churn", params.flags.horizon_days)
    assert row["n_train_events"] >= params.flags.min_events
    assert row["n_test_events"] >= params.flags.min_events
    # Every one of the last test_quarters quarters is tested: the first origin already has enough to train on.
    assert len(str(row["test_quarters"]).split(";")) == params.flags.test_quarters


def test_churn_risk_is_predictive_of_churn(validation):
    params, result = validation
    row = _row(result.table, "churn_risk", "churn", params.flags.horizon_days)
    assert row["verdict"] == "predictive", row["sentence"]
    assert row["lift_low"] > 1.0 and row["auc_gain_low"] > 0.0


def test_escalation_risk_is_predictive_of_escalations(validation):
    params, result = validation
    row = _row(result.table, "escalation_risk", "escalation", params.flags.horizon_days)
    assert row["verdict"] == "predictive", row["sentence"]
    assert row["lift_low"] > 1.0 and row["auc_gain_low"] > 0.0


@pytest.mark.parametrize("outcome", ["churn", "escalation"])
def test_sentiment_decline_predicts_nothing_at_either_horizon(validation, outcome):
    params, result = validation
    horizons = sorted({params.flags.horizon_days, params.flags.secondary_horizon_days})
    assert len(horizons) == 2
    for horizon in horizons:
        row = _row(result.table, "sentiment_decline", outcome, horizon)
        assert row["verdict"] in ("not_predictive", "insufficient_data"), row["sentence"]
