"""Peer cohorts with pooling and shrinkage of small books."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibrate.scoring.cohorts import TEAM_COHORT, assign_cohorts, shrink_to_cohort, shrinkage_weight


def test_small_segments_are_pooled_with_the_whole_team():
    seg = pd.Series(["ent"] * 5 + ["smb"] * 2, dtype="string")
    got = assign_cohorts(seg, min_cohort_size=5)
    assert got["cohort"].tolist() == ["ent"] * 5 + [TEAM_COHORT] * 2
    assert got["cohort_pooled"].tolist() == [False] * 5 + [True] * 2
    assert got["cohort_size"].tolist() == [5] * 5 + [7] * 2


def test_shrinkage_by_hand():
    seg = pd.Series(["ent"] * 5 + ["smb"] * 2, dtype="string")
    cohorts = assign_cohorts(seg, min_cohort_size=5)
    raw = pd.DataFrame({"retention": [90, 70, 60, 80, 50, 100, 30.0]})
    n = np.array([2, 40, 40, 40, 40, 8, 0])
    got = shrink_to_cohort(raw, cohorts, n, k=8)["retention"].to_numpy()
    ent_mean, team_mean = 70.0, 480 / 7
    assert got[0] == pytest.approx(ent_mean + 2 / 10 * (90 - ent_mean))
    assert got[5] == pytest.approx(team_mean + 0.5 * (100 - team_mean))  # pooled: the team's mean
    assert got[6] == pytest.approx(team_mean)  # no accounts: the cohort mean
    assert np.all(np.abs(got - np.r_[[ent_mean] * 5, [team_mean] * 2]) <= np.abs(raw["retention"].to_numpy() - np.r_[[ent_mean] * 5, [team_mean] * 2]) + 1e-9)


def test_smaller_books_are_pulled_further():
    cohorts = assign_cohorts(pd.Series(["a"] * 6, dtype="string"), min_cohort_size=5)
    raw = pd.DataFrame({"x": [100.0, 100.0, 40, 40, 40, 40]})
    got = shrink_to_cohort(raw, cohorts, np.array([3, 30, 10, 10, 10, 10]), k=8)["x"]
    assert got[0] < got[1] <= 100


def test_nan_stays_nan_and_k_zero_turns_shrinkage_off():
    cohorts = assign_cohorts(pd.Series(["a"] * 3, dtype="string"), min_cohort_size=1)
    raw = pd.DataFrame({"x": [np.nan, 50.0, 70.0]})
    got = shrink_to_cohort(raw, cohorts, np.array([1, 1, 1]), k=0)["x"]
    assert np.isnan(got[0]) and got[1] == 50 and got[2] == 70
    assert shrinkage_weight([0, 8, 24], k=8).tolist() == [0.0, 0.5, 0.75]


def test_beta_binomial_prior_by_hand_and_its_fallbacks():
    from calibrate.scoring.cohorts import beta_binomial_prior, shrink_rate

    x = np.array([0, 1, 2, 6, 1, 0])
    n = np.array([10, 10, 10, 10, 10, 10])
    p = x.sum() / n.sum()
    s = np.sum(n * (x / n - p) ** 2)
    rho = (s / (p * (1 - p)) - 5) / (60 - 600 / 60)
    prior = beta_binomial_prior(x, n, fallback_strength=8)
    assert prior.source == "estimated"
    assert prior.strength == pytest.approx((1 - rho) / rho)
    assert shrink_rate(x, n, prior) == pytest.approx((x + prior.strength * p) / (n + prior.strength))
    # Too few books: the stated default. No spread beyond chance: capped at the accounts it came from.
    assert beta_binomial_prior(x[:3], n[:3], fallback_strength=8).source == "default"
    assert beta_binomial_prior(x[:3], n[:3], fallback_strength=8).strength == 8
    flat = beta_binomial_prior(np.full(6, 1), np.full(6, 10), fallback_strength=8)
    assert (flat.source, flat.strength) == ("no_spread", 60.0)


def test_normal_prior_is_dersimonian_laird():
    from calibrate.scoring.cohorts import normal_prior, shrink_normal

    y = np.array([0.9, 1.1, 1.0, 1.3, 0.7, 1.05])
    v = np.array([0.01, 0.02, 0.005, 0.04, 0.03, 0.01])
    w = 1 / v
    ybar = np.sum(w * y) / w.sum()
    q = np.sum(w * (y - ybar) ** 2)
    tau2 = (q - 5) / (w.sum() - np.sum(w**2) / w.sum())
    prior = normal_prior(y, v, unit_variance=0.1, fallback_strength=8)
    assert prior.strength == pytest.approx(0.1 / tau2)
    wt = 1 / (v + tau2)
    assert prior.mean == pytest.approx(np.sum(wt * y) / wt.sum())
    got = shrink_normal(y, v, prior, unit_variance=0.1)
    assert got == pytest.approx(prior.mean + tau2 / (tau2 + v) * (y - prior.mean))
