"""Score validity: last quarter's scores against this quarter's outcomes (Spearman, CSM bootstrap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from calibrate.models.validity import prepare_score_validity, score_validity, weighted_spearman_rows

QUARTERS = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def book(n_csms: int = 30, seed: int = 4):
    """Retention skill drives next quarter's NRR; the engagement score is noise."""
    rng = np.random.default_rng(seed)
    skill = rng.normal(size=n_csms)
    scores, outcomes = [], []
    for q in QUARTERS:
        retention = 60 + 10 * skill + rng.normal(0, 3, n_csms)
        engagement = rng.uniform(30, 90, n_csms)
        overall = (retention + engagement) / 2
        rating = np.where(overall > 65, "exceeds", np.where(overall > 50, "meets", "needs_development"))
        scores.append(pd.DataFrame({"csm_id": [f"C{i:02d}" for i in range(n_csms)], "period": q,
                                    "score_retention": retention, "score_engagement": engagement,
                                    "overall_score": overall, "rating": rating}))
        outcomes.append(pd.DataFrame({"csm_id": [f"C{i:02d}" for i in range(n_csms)], "period": q,
                                      "nrr": 1.0 + 0.05 * skill + rng.normal(0, 0.01, n_csms),
                                      "escalations": rng.poisson(3, n_csms).astype(float)}))
    return pd.concat(scores, ignore_index=True), pd.concat(outcomes, ignore_index=True)


def test_weighted_spearman_with_unit_weights_equals_scipy():
    rng = np.random.default_rng(1)
    x = np.round(rng.normal(size=60), 1)
    y = x + rng.normal(size=60)
    assert weighted_spearman_rows(x, y, np.ones((1, 60)))[0] == pytest.approx(spearmanr(x, y).statistic)


def test_integer_weights_equal_spearman_of_the_replicated_sample():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=12), rng.normal(size=12)
    w = rng.integers(0, 3, 12).astype(float)
    replicated = np.repeat(np.arange(12), w.astype(int))
    expected = spearmanr(x[replicated], y[replicated]).statistic
    assert weighted_spearman_rows(x, y, w[None, :])[0] == pytest.approx(expected)


def test_scores_pair_with_the_next_quarter_and_retention_score_predicts_nrr():
    scores, outcomes = book()
    table = score_validity(scores, outcomes, n_boot=300, seed=1)
    by = table.set_index(["predictor", "outcome"])
    assert by.loc[("score_retention", "nrr"), "n"] == 30 * 3  # 2026-Q3 has no next quarter in the data
    assert by.loc[("score_retention", "nrr"), "spearman_low"] > 0.5
    assert abs(by.loc[("score_engagement", "nrr"), "spearman"]) < 0.3  # noise stays near 0
    low, high = by.loc[("score_engagement", "nrr"), ["spearman_low", "spearman_high"]]
    assert low < by.loc[("score_engagement", "nrr"), "spearman"] < high
    assert by.loc[("rating", "nrr"), "spearman"] > 0
    assert by.loc[("score_retention", "escalations"), "expected_sign"] == -1
    assert set(table["reading"]) == {"descriptive"}


def test_weights_recombine_the_overall_score():
    scores, outcomes = book()
    prepared = prepare_score_validity(scores, outcomes, n_boot=200, seed=3)
    retention_only = score_validity(None, None, category_table=prepared, weights={"retention": 1, "engagement": 0},
                                    predictors=["overall_score"]).set_index("outcome")
    category = score_validity(None, None, category_table=prepared, predictors=["score_retention"]).set_index("outcome")
    assert retention_only.loc["nrr", "spearman"] == pytest.approx(category.loc["nrr", "spearman"])
    scaled = score_validity(None, None, category_table=prepared, weights={"retention": 10, "engagement": 10},
                            predictors=["overall_score"])
    equal = score_validity(None, None, category_table=prepared, weights={"retention": 1, "engagement": 1},
                           predictors=["overall_score"])
    pd.testing.assert_frame_equal(scaled, equal)  # scaling every weight changes no rank


def test_missing_category_weight_is_shared_out():
    scores, outcomes = book()
    scores.loc[scores.index[:5], "score_engagement"] = np.nan
    prepared = prepare_score_validity(scores, outcomes, n_boot=50, seed=3)
    table = score_validity(None, None, category_table=prepared, weights={"retention": 1, "engagement": 1},
                           predictors=["overall_score"])
    assert (table["n"] == 90).all()


def test_too_few_pairs_give_no_numbers():
    scores, outcomes = book(n_csms=2)
    table = score_validity(scores, outcomes, n_boot=50, seed=1)
    assert table["spearman_low"].isna().all()
