"""Fast AUC and the account bootstrap agree with scikit-learn and with explicit weights."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from calibrate.models.bootstrap import (
    BootstrapPlan,
    bootstrap_auc,
    bootstrap_sums,
    fast_auc,
    percentile_interval,
)


@pytest.mark.parametrize("rounding", [None, 1, 0])
def test_fast_auc_equals_sklearn_with_and_without_ties(rounding):
    rng = np.random.default_rng(5)
    y = (rng.random(2000) < 0.1).astype(int)
    s = rng.normal(size=2000) + 0.8 * y
    if rounding is not None:
        s = np.round(s, rounding)
    assert fast_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_fast_auc_with_weights_equals_sklearn_sample_weight():
    rng = np.random.default_rng(6)
    y = (rng.random(500) < 0.2).astype(int)
    s = np.round(rng.normal(size=500) + y, 1)
    w = rng.integers(0, 4, 500).astype(float)
    assert fast_auc(y, s, w) == pytest.approx(roc_auc_score(y, s, sample_weight=w), abs=1e-12)


def test_fast_auc_is_nan_with_one_class():
    assert np.isnan(fast_auc(np.zeros(5), np.arange(5.0)))


def test_each_bootstrap_replicate_is_the_auc_with_account_count_weights():
    rng = np.random.default_rng(7)
    n_acc = 40
    row_account = np.repeat(np.arange(n_acc), 5)
    y = (rng.random(len(row_account)) < 0.25).astype(int)
    score = np.round(rng.normal(size=len(y)) + y, 1)
    plan = BootstrapPlan(n_accounts=n_acc, n_boot=30, seed=3, chunk_size=7)
    got = bootstrap_auc(y, {"m": score}, row_account, plan)["m"]
    counts = np.vstack([c for _, c in plan.chunks()])
    assert counts.sum(axis=1).tolist() == [n_acc] * 30
    for b in (0, 9, 29):
        weights = counts[b][row_account]
        assert got[b] == pytest.approx(roc_auc_score(y, score, sample_weight=weights), abs=1e-12)


def test_plan_is_seeded_and_pairs_models():
    rng = np.random.default_rng(8)
    row_account = np.arange(300) % 60
    y = (rng.random(300) < 0.3).astype(int)
    a = rng.normal(size=300) + y
    plan = BootstrapPlan(n_accounts=60, n_boot=50, seed=11)
    first = bootstrap_auc(y, {"a": a, "same": a.copy()}, row_account, plan)
    again = bootstrap_auc(y, {"a": a}, row_account, plan)
    np.testing.assert_array_equal(first["a"], again["a"])
    np.testing.assert_array_equal(first["a"] - first["same"], np.zeros(50))


def test_bootstrap_sums_are_count_weighted_totals():
    per_account = np.arange(12.0).reshape(4, 3)
    plan = BootstrapPlan(n_accounts=4, n_boot=6, seed=2, chunk_size=4)
    counts = np.vstack([c for _, c in plan.chunks()])
    np.testing.assert_allclose(bootstrap_sums(per_account, plan), counts @ per_account)


def test_percentile_interval_needs_ten_finite_values():
    assert all(np.isnan(percentile_interval(np.array([1.0, np.nan, 2.0]))))
    low, high = percentile_interval(np.arange(101.0))
    assert (low, high) == pytest.approx((2.5, 97.5))
