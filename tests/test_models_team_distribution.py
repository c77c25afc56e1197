"""Ratings and tiers vs the target distribution: counts, chi-square, exact test, the note."""

from __future__ import annotations

import itertools
import math

import pytest
from scipy import stats

from calibrate.errors import InsufficientDataError
from calibrate.models.distribution import exact_multinomial_p, rating_distribution, tier_distribution
from calibrate.params import ScoringParams

SP = ScoringParams()
TARGET = dict(
    target_exceeds=SP.target_distribution_exceeds,
    target_meets=SP.target_distribution_meets,
    target_needs_development=SP.target_distribution_needs_development,
)


def test_counts_shares_and_chi_square_by_hand():
    ratings = ["exceeds"] * 30 + ["meets"] * 60 + ["needs_development"] * 10
    check = rating_distribution(ratings, **TARGET)
    table = check.table.set_index("category")
    assert list(table["count"]) == [30, 60, 10]
    assert list(table["expected_count"]) == pytest.approx([20, 70, 10])
    assert list(table["share"]) == pytest.approx([0.3, 0.6, 0.1])
    # (30-20)^2/20 + (60-70)^2/70 + 0 = 5 + 10/7
    assert check.chi2 == pytest.approx(5 + 100 / 70)
    assert check.dof == 2
    # With 2 degrees of freedom the chi-square tail is exp(-x/2).
    assert check.chi2_p == pytest.approx(math.exp(-(5 + 100 / 70) / 2))
    assert check.chi2_p == pytest.approx(stats.chisquare([30, 60, 10], [20, 70, 10]).pvalue)
    assert check.chi2_reliable
    assert "more 'exceeds' than the target" in check.note


def brute_force_exact(observed, probs):
    n = sum(observed)
    p_obs = stats.multinomial.pmf(observed, n, probs)
    total = 0.0
    for x in itertools.product(range(n + 1), repeat=len(observed)):
        if sum(x) == n:
            p = stats.multinomial.pmf(x, n, probs)
            if p <= p_obs * (1 + 1e-9):
                total += p
    return total


def test_exact_multinomial_p_by_hand_and_by_brute_force():
    # Two fair categories, two people: P(2,0) = P(0,2) = .25, P(1,1) = .5.
    assert exact_multinomial_p([2, 0], [0.5, 0.5]) == pytest.approx(0.5)
    assert exact_multinomial_p([1, 1], [0.5, 0.5]) == pytest.approx(1.0)
    for observed in ([4, 5, 1], [0, 10, 0], [6, 3, 1], [1, 2, 9]):
        assert exact_multinomial_p(observed, [0.2, 0.7, 0.1]) == pytest.approx(brute_force_exact(observed, [0.2, 0.7, 0.1]))


def test_small_team_note_warns_and_does_not_cry_leniency():
    check = rating_distribution(["exceeds"] * 4 + ["meets"] * 5 + ["needs_development"], **TARGET)
    assert check.n == 10
    assert check.min_expected == pytest.approx(1.0)
    assert check.chi2_reliable is False
    assert check.exact_p == pytest.approx(brute_force_exact([4, 5, 1], [0.2, 0.7, 0.1]))
    assert check.exact_p > 0.05
    assert "unreliable" in check.note
    assert "not evidence of lenient or harsh rating" in check.note


def test_a_large_lopsided_team_is_called_out():
    check = rating_distribution(["exceeds"] * 60 + ["meets"] * 35 + ["needs_development"] * 5, **TARGET)
    assert check.exact_p < 0.001
    assert "chance alone rarely produces this" in check.note


def test_used_category_with_a_zero_target_has_p_zero():
    check = rating_distribution(["exceeds"] * 3 + ["meets"] * 7, target_exceeds=0.0, target_meets=1.0, target_needs_development=0.0)
    assert check.chi2_p == 0.0
    assert check.exact_p == 0.0


def test_tiers_without_a_target_are_counted_only():
    check = tier_distribution(["top", "strong", "strong", "solid", "under", None])
    assert check.n == 5
    assert list(check.table["count"]) == [1, 2, 1, 1]
    assert check.chi2 is None and check.exact_p is None
    assert "No target distribution" in check.note


def test_unknown_labels_and_empty_input_are_refused():
    with pytest.raises(InsufficientDataError, match=r"Unknown label\(s\) 'excellent'; expected one of exceeds, meets, needs_development"):
        rating_distribution(["excellent", "meets"], **TARGET)
    with pytest.raises(InsufficientDataError, match="No labels to count"):
        rating_distribution([], **TARGET)


def test_target_shares_must_add_up_to_one():
    from calibrate.errors import CalibrateError

    with pytest.raises(CalibrateError, match=r"target shares must be >= 0 and add up to 1"):
        rating_distribution(["meets"], target_exceeds=0.5, target_meets=0.7, target_needs_development=0.1)
