"""The statistics keep their nominal rates on null teams (smaller runs of benchmarks/bench_statistics.py).

Every tolerance is a multiple of the Monte-Carlo standard error at the
nominal rate for the number of replications run here, so a failure means the
method is off by more than simulation noise.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from calibrate.models.simulate import auc_coverage, efron_morris, four_fifths_at_exact, funnel_false_flags, rank_null

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "efron_morris_1975.csv"


def binomial_se(rate: float, n: int) -> float:
    return math.sqrt(rate * (1 - rate) / n)


def test_efron_morris_transcription_and_shrinkage():
    got = efron_morris(FIXTURE)
    # The published figures (Efron & Morris 1975): raw squared error .0755, James-Stein 3.5 times smaller.
    assert got["sse_raw"] == pytest.approx(0.0755, abs=5e-4)
    assert got["reduction_james_stein"] == pytest.approx(3.5, abs=0.05)
    assert got["reduction_fixed_8"] == pytest.approx(1.32, abs=0.01)  # the old fixed prior of 8
    assert got["share_of_js_beta_binomial"] >= 0.85
    assert got["share_of_js_normal"] >= 0.85
    assert got["reduction_beta_binomial"] >= 0.85 * got["reduction_james_stein"]


def test_the_four_fifths_rule_never_flags_an_exact_four_fifths():
    got = four_fifths_at_exact(12)
    assert got["cases"] > 20
    assert got["flagged"] == 0
    assert got["flagged_by_plain_comparison"] > 0  # floating point would have flagged some


def test_delong_intervals_cover_at_20_events_and_more():
    reps = 150
    table = auc_coverage(reps, events=(20, 50), seed=3)
    slack = 3 * binomial_se(0.95, reps)
    for _, row in table.iterrows():
        assert row["coverage"] >= 0.94 - slack, row.to_dict()
        assert row["coverage"] <= 1.0


@pytest.mark.slow
def test_funnel_false_flags_hold_their_rates_in_every_book_size_band():
    table = funnel_false_flags(12, n_csms=200, seed=5, n_draws=1000)
    for _, row in table.iterrows():
        n = int(row["n_csm_quarters"])
        if row["level"] == "99.8":
            assert row["rate"] <= 0.004 + 3 * binomial_se(0.004, n), row.to_dict()
        elif row["measure"] == "nrr":
            assert 0.03 - 3 * binomial_se(0.03, n) <= row["rate"] <= 0.07 + 3 * binomial_se(0.07, n), row.to_dict()
        else:
            # A churn count is discrete: without a random tie-break it can only sit at or below nominal.
            assert row["rate"] <= 0.05 + 3 * binomial_se(0.05, n), row.to_dict()


def test_no_sure_top_quartile_under_the_null_and_no_certainty_for_small_books():
    got = rank_null(8, n_csms=40, n_boot=300, seed=2)
    n = got["csm_quarters"]
    assert got["p_top_ge_95"] <= 0.01 + 3 * binomial_se(0.01, n)
    assert got["small_books_at_0_or_1"] == 0.0
    assert np.isfinite(got["too_few_to_rank"])


def test_estimated_score_shrinkage_helps_when_the_default_is_wrong_and_costs_little_when_it_is_right():
    """Category scores shrunk with k estimated from the team (scoring.cohorts.score_prior_strength).

    The bench prints 300 teams per row (MC SE of the ratio about 0.01); here 80 teams at a fixed seed, with
    tolerances of about four of those standard errors.
    """
    from calibrate.models.simulate import score_shrinkage

    table = score_shrinkage(80, team_sizes=(10, 200), true_k=(8.0, 100.0), seed=3).set_index(["n_csms", "k_true"])
    ratio = table["estimated_over_fixed"]
    assert ratio[(200, 100.0)] < 0.6          # a large team whose books are noisier than the default assumes
    assert ratio[(10, 100.0)] < 1.0           # even ten CSMs gain a little
    assert ratio[(200, 8.0)] < 1.08           # the default is exactly right: the estimate costs a few percent at most
    assert ratio[(10, 8.0)] < 1.08
    assert abs(table.loc[(10, 8.0), "median_k"] - 8.0) < 2.0  # a small team stays near the documented default
    assert (table["mse_estimated"] < table["mse_raw"]).all()


def test_score_prior_strength_falls_back_with_too_few_books_and_when_shrinkage_is_off():
    import numpy as np

    from calibrate.scoring.cohorts import score_prior_strength

    few = score_prior_strength([50.0, 60.0, 70.0], [10, 20, 30], ["a"] * 3, default_k=8.0)
    assert (few.source, few.strength) == ("default", 8.0)
    off = score_prior_strength(np.linspace(40, 80, 30), np.arange(3, 33), ["a"] * 30, default_k=0.0)
    assert (off.source, off.strength) == ("default", 0.0)
    est = score_prior_strength(np.linspace(40, 80, 30), np.arange(3, 33), ["a"] * 30, default_k=8.0)
    assert est.source == "estimated" and est.strength > 0
