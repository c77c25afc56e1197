"""DeLong's AUC covariance: against the O(mn) definition, and clustered by account."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from calibrate.models.delong import auc_interval, delong, difference_interval


def brute_force(y, scores):
    """DeLong et al. (1988) eqs. 3-5 straight from the pairwise kernel."""
    comps10, comps01 = [], []
    for s in scores:
        x, z = s[y], s[~y]
        psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
        comps10.append(psi.mean(axis=1))
        comps01.append(psi.mean(axis=0))
    s10, s01 = np.cov(np.vstack(comps10)), np.cov(np.vstack(comps01))
    return s10 / y.sum() + s01 / (~y).sum()


def test_matches_the_pairwise_definition_with_ties():
    rng = np.random.default_rng(4)
    y = rng.random(80) < 0.3
    s1 = np.round(rng.normal(size=80) + y, 1)  # rounded: ties
    s2 = s1 + rng.normal(size=80)
    got = delong(y, [s1, s2])
    assert got.auc == pytest.approx([roc_auc_score(y, s1), roc_auc_score(y, s2)])
    assert got.cov == pytest.approx(brute_force(y, [s1, s2]))
    lo, hi = difference_interval(got, 0, 1)
    d = got.auc[0] - got.auc[1]
    var = got.cov[0, 0] + got.cov[1, 1] - 2 * got.cov[0, 1]
    # Welch-Satterthwaite degrees of freedom from the two class parts of the variance.
    w = np.array([1.0, -1.0])
    a, b = w @ got.cov10 @ w, w @ got.cov01 @ w
    df = (a + b) ** 2 / (a**2 / (y.sum() - 1) + b**2 / ((~y).sum() - 1))
    half = stats.t.ppf(0.975, df) * np.sqrt(var)
    assert (lo, hi) == pytest.approx((d - half, d + half), rel=1e-6)
    assert half > 1.959964 * np.sqrt(var)
    lo, hi = auc_interval(got, 0)
    assert 0 < lo < got.auc[0] < hi < 1


def test_duplicated_rows_in_one_account_do_not_shrink_the_interval():
    rng = np.random.default_rng(5)
    y = rng.random(120) < 0.25
    s = rng.normal(size=120) + y
    once = delong(y, s, clusters=np.arange(120))
    twice = delong(np.r_[y, y], np.r_[s, s], clusters=np.r_[np.arange(120), np.arange(120)])
    assert twice.auc[0] == pytest.approx(once.auc[0])
    # Copying every account's rows is no new information: the clustered variance stays put.
    assert twice.cov[0, 0] == pytest.approx(once.cov[0, 0], rel=0.02)
    naive = delong(np.r_[y, y], np.r_[s, s])
    assert naive.cov[0, 0] < 0.6 * once.cov[0, 0]


def test_one_class_only_is_undefined():
    got = delong(np.zeros(10, bool), np.arange(10.0))
    assert np.isnan(got.auc[0])
    assert np.isnan(auc_interval(got)[0])
