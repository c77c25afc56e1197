"""Time-ordered split, model metrics against scikit-learn, reliability bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from calibrate.models.flag_models import fit_and_predict, holdout_metrics, reliability_curve, rolling_splits, time_split


def test_split_trains_on_earlier_quarters_only():
    quarter = pd.Series(["2026-Q1", "2025-Q3", "2026-Q2", "2025-Q4", "2026-Q1", "2025-Q3"])
    split = time_split(quarter, test_quarters=2)
    assert split.test_quarters == ("2026-Q1", "2026-Q2")
    assert split.train_quarters == ("2025-Q3", "2025-Q4")
    assert max(quarter[split.train]) < min(quarter[split.test])
    assert sorted(np.r_[split.train, split.test].tolist()) == list(range(6))


def test_split_keeps_one_training_quarter_and_refuses_one_quarter():
    assert time_split(pd.Series(["2026-Q1", "2026-Q2"]), test_quarters=3).test_quarters == ("2026-Q2",)
    assert time_split(pd.Series(["2026-Q1"] * 3)) is None


def test_metrics_equal_sklearn_on_the_same_arrays():
    rng = np.random.default_rng(3)
    y = (rng.random(800) < 0.15).astype(int)
    p = np.clip(rng.normal(0.15, 0.1, 800) + 0.1 * y, 0.001, 0.999)
    got = holdout_metrics(y, p)
    assert got["auc"] == pytest.approx(roc_auc_score(y, p))
    assert got["average_precision"] == pytest.approx(average_precision_score(y, p))
    assert got["brier"] == pytest.approx(brier_score_loss(y, p))
    curve = reliability_curve(y, p)
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="quantile")
    assert len(curve) == 10
    np.testing.assert_allclose(curve["observed_rate"], observed)
    np.testing.assert_allclose(curve["mean_predicted"], predicted)


def test_one_class_gives_no_auc():
    got = holdout_metrics(np.zeros(10, int), np.full(10, 0.1))
    assert np.isnan(got["auc"]) and got["brier"] == pytest.approx(0.01)
    assert reliability_curve(np.zeros(10, int), np.full(10, 0.1)).empty


def test_fit_uses_the_flag_features_and_predicts_probabilities():
    rng = np.random.default_rng(4)
    n = 4000
    flagged = (rng.random(n) < 0.2).astype(int)
    y = (rng.random(n) < np.where(flagged == 1, 0.3, 0.05)).astype(int)
    frame = pd.DataFrame({
        "quarter": np.where(np.arange(n) < 3000, "2026-Q1", "2026-Q2"),
        "health": rng.normal(70, 10, n), "log_arr": rng.normal(10, 1, n), "tenure_years": rng.random(n) * 3,
        "renewal_due": (rng.random(n) < 0.25).astype(float), "segment": rng.choice(["smb", "enterprise"], n),
        "flagged_x": flagged, "n_x": flagged.astype(float), "score_x": flagged * 0.8,
    })
    frame.loc[:50, "health"] = np.nan  # missing health is imputed, never an error
    split = time_split(frame["quarter"], test_quarters=1)
    m0 = fit_and_predict(frame, y, split, kind=None)
    m1 = fit_and_predict(frame, y, split, kind="x")
    assert m1.probability.shape == (1000,) and ((m1.probability > 0) & (m1.probability < 1)).all()
    assert roc_auc_score(y[split.test], m1.probability) > roc_auc_score(y[split.test], m0.probability) + 0.1
    none = fit_and_predict(frame, np.zeros(n, int), split, kind=None)
    assert none.probability is None and "no event" in none.reason


def _quarter_rows(labels_and_starts, per_quarter=3):
    quarter, t0 = [], []
    for label, start in labels_and_starts:
        quarter += [label] * per_quarter
        t0 += [pd.Timestamp(start)] * per_quarter
    return pd.Series(quarter), pd.Series(t0)


QUARTERS = [("2025-Q1", "2025-01-01"), ("2025-Q2", "2025-04-01"), ("2025-Q3", "2025-07-01"),
            ("2025-Q4", "2025-10-01"), ("2026-Q1", "2026-01-01"), ("2026-Q2", "2026-04-01")]


@pytest.mark.parametrize("horizon", [90, 180])
def test_rolling_origin_training_labels_never_reach_into_the_test_quarter(horizon):
    quarter, t0 = _quarter_rows(QUARTERS)
    splits = rolling_splits(quarter, t0, horizon_days=horizon, test_quarters=4)
    assert splits, "expected at least one origin"
    for split in splits:
        test_start = t0[split.test].min()
        assert (t0[split.test] == test_start).all() and len(split.test_quarters) == 1
        label_end = t0[split.train] + pd.Timedelta(days=horizon)
        assert (label_end <= test_start).all()  # every training label window closed before the test quarter
        # and every row that qualifies is used (expanding window)
        eligible = np.flatnonzero((t0 + pd.Timedelta(days=horizon) <= test_start).to_numpy())
        assert split.train.tolist() == eligible.tolist()
        assert not set(split.train) & set(split.test)


def test_rolling_origin_tests_the_last_quarters_in_order_and_skips_those_with_nothing_to_train_on():
    quarter, t0 = _quarter_rows(QUARTERS)
    at_90 = rolling_splits(quarter, t0, horizon_days=90, test_quarters=4)
    assert [s.test_quarters[0] for s in at_90] == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert at_90[0].train_quarters == ("2025-Q1", "2025-Q2")
    # at 180 days a quarter's labels run through the next one: 2026-Q2 trains on 2025-Q1..2025-Q4 only
    at_180 = rolling_splits(quarter, t0, horizon_days=180, test_quarters=4)
    assert at_180[-1].train_quarters == ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")
    # asking for every quarter: 2025-Q2 has no row whose 180-day window closed before it
    every = rolling_splits(quarter, t0, horizon_days=180, test_quarters=10)
    assert [s.test_quarters[0] for s in every] == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert rolling_splits(quarter[:3], t0[:3], horizon_days=90) == []
