"""Funnel positions and limits: one rule, the limits its exact inverse."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from calibrate.models.funnel import (Z95, Z998, band_of, count_limits, count_positions, overdispersion, resampled_null,
                                     sample_limits, sample_positions)


def test_mid_p_positions_by_hand():
    pmf = stats.binom.pmf(np.arange(4), 3, 0.2)[None, :].repeat(4, axis=0)
    got = count_positions(pmf, np.arange(4), np.full(4, 0.6))
    cdf = np.cumsum(pmf[0])
    assert got == pytest.approx([cdf[0] / 2, (cdf[0] + cdf[1]) / 2, (cdf[1] + cdf[2]) / 2, (cdf[2] + 1) / 2])


def test_count_limits_are_the_inverse_of_the_positions_even_after_overdispersion():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.01, 0.3, (30, 12))
    from calibrate.models.expected import poisson_binomial_pmf

    pmf = poisson_binomial_pmf(p)
    e = p.sum(axis=1)
    for phi in (1.0, 1.7):
        for q in (0.001, 0.025, 0.975, 0.999):
            limit = count_limits(pmf, e, q, phi=phi)
            inside = np.isfinite(limit) & (limit > -0.5) & (limit < 12.5)
            g = count_positions(pmf, limit, e, phi=phi)
            assert g[inside] == pytest.approx(q, abs=1e-9)


def test_one_account_book_is_not_flagged_for_one_likely_churn():
    # p = .1: a churn has mid-p position 1 - .05 = .95 -> inside at 95% (needs > .975), inside at 99.8%.
    pmf = np.array([[0.9, 0.1]])
    g = count_positions(pmf, [1], [0.1])
    assert g[0] == pytest.approx(0.95)
    assert band_of(stats.norm.ppf(g))[0] == "inside"


def test_resampled_null_positions_and_limits_agree():
    rng = np.random.default_rng(2)
    pool = rng.normal(0, 0.2, 500)
    books = [np.full(n, 1 / n) for n in (1, 3, 10, 40)]
    null = resampled_null(books, pool, n_draws=3000, seed=7)
    centre = np.full(4, pool.mean())
    hi = sample_limits(null, centre, 0.975, phi=1.3)
    lo = sample_limits(null, centre, 0.025, phi=1.3)
    assert np.all(hi[:-1] > hi[1:])  # the funnel narrows as books grow
    assert sample_positions(null, hi, centre, phi=1.3) == pytest.approx(0.975, abs=1e-6)
    assert sample_positions(null, lo, centre, phi=1.3) == pytest.approx(0.025, abs=1e-6)


def test_bands_and_overdispersion():
    assert list(band_of([0.0, Z95 + 1e-9, -Z998 - 1e-9, np.nan])) == ["inside", "outside_95", "outside_998", ""]
    z = np.random.default_rng(3).normal(0, 2.0, 2000)
    # Winsorised at 10%/90%, the mean square of N(0, 4) z-scores is below 4 but far above 1.
    assert 2.0 < overdispersion(z) < 4.0
    assert np.isnan(overdispersion([1.0, 2.0]))
