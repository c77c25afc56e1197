"""Time-ordered split, model metrics against scikit-learn, reliability bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from calibrate.models.flag_models import fit_and_predict, reliability_curve, holdout_metrics, time_split


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
