"""Overall score: weights, missing categories, ratings, tiers, invariances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibrate.errors import ParamsError
from calibrate.params import CATEGORIES, RatingCuts, Targets, TierCuts, Weights
from calibrate.scoring.overall import SCORE_COLUMNS, apply_weights, category_table

RC, TC = RatingCuts(), TierCuts()


def table(rows):
    frame = pd.DataFrame(rows, columns=list(SCORE_COLUMNS), dtype=float)
    frame.insert(0, "csm_id", [f"c{i}" for i in range(len(frame))])
    missing = np.isnan(frame[list(SCORE_COLUMNS)].to_numpy())
    frame["missing_categories"] = [";".join(np.array(CATEGORIES)[m]) for m in missing]
    return frame


def test_overall_by_hand_and_missing_weight_shared_out():
    t = table([[80, 60, 70, 50, 90, 40, np.nan], [100] * 7])
    got = apply_weights(t, Weights(), rating_cuts=RC, tier_cuts=TC)
    w = Weights().as_dict()
    expected = (80 * w["retention"] + 60 * w["expansion"] + 70 * w["health"] + 50 * w["engagement"] + 90 * w["satisfaction"] + 40 * w["efficiency"]) / (1 - w["ai_productivity"])
    assert got.loc[0, "overall_score"] == pytest.approx(expected)
    assert got.loc[0, "weight_shared_out"] == pytest.approx(w["ai_productivity"])
    assert got.loc[0, "missing_categories"] == "ai_productivity"
    assert (got.loc[1, "overall_score"], got.loc[1, "rating"], got.loc[1, "tier"], got.loc[1, "rank"]) == (100, "exceeds", "top", 1)


def test_cut_points_are_inclusive():
    t = table([[s] * 7 for s in (90, 89.99, 75, 74.9, 60, 55, 54.9, np.nan)])
    got = apply_weights(t, Weights(), rating_cuts=RC, tier_cuts=TC)
    assert got["tier"].iloc[:7].tolist() == ["top", "strong", "strong", "solid", "solid", "under", "under"]
    assert got["rating"].iloc[:7].tolist() == ["exceeds", "exceeds", "exceeds", "meets", "meets", "meets", "needs_development"]
    assert got["tier"].isna().iloc[7] and got["rating"].isna().iloc[7]
    assert got["rank"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=7, max_size=7), min_size=1, max_size=8),
    st.lists(st.floats(0.01, 10), min_size=7, max_size=7),
    st.floats(0.001, 1000),
)
def test_scaling_all_weights_changes_no_score(rows, weights, factor):
    t = table([[np.nan if v is None else v for v in r] for r in rows])
    w = dict(zip(CATEGORIES, weights))
    a = apply_weights(t, w, rating_cuts=RC, tier_cuts=TC)
    b = apply_weights(t, {k: v * factor for k, v in w.items()}, rating_cuts=RC, tier_cuts=TC)
    np.testing.assert_allclose(a["overall_score"], b["overall_score"], rtol=1e-9, atol=1e-9)
    assert a["rank"].tolist() == b["rank"].tolist()


def test_weight_errors_name_the_parameter():
    t = table([[50] * 7])
    with pytest.raises(ParamsError, match="'weights.retention' parameter must be >= 0"):
        apply_weights(t, {"retention": -1}, rating_cuts=RC, tier_cuts=TC)
    with pytest.raises(ParamsError, match="Unknown weight 'retension'"):
        apply_weights(t, {"retension": 1}, rating_cuts=RC, tier_cuts=TC)
    with pytest.raises(ParamsError, match="above 0"):
        apply_weights(t, {c: 0 for c in CATEGORIES}, rating_cuts=RC, tier_cuts=TC)


def test_category_table_flags_small_books_and_lists_missing_categories():
    metrics = pd.DataFrame(
        {
            "csm_id": ["c1", "c2"],
            "segment": ["smb", "smb"],
            "n_accounts": [3, 20],
            "book_size": [3, 20],
            "nrr": [1.10, 1.25],
            "grr": [0.93, 1.0],
            "logo_churn_rate": [0.06, 0.0],
        }
    )
    got = category_table(
        metrics, targets=Targets(nrr=1.10, grr=0.93, logo_churn_rate=0.06), override_band_low=0.18, override_band_high=0.32, min_cohort_size=5, small_book_accounts=8, shrinkage_k=8
    )
    assert got["small_book"].tolist() == [True, False]
    assert got["cohort"].tolist() == ["team", "team"]
    assert got.loc[0, "raw_score_retention"] == 75 and got.loc[1, "raw_score_retention"] == 100
    mean = 87.5
    assert got.loc[0, "score_retention"] == pytest.approx(mean + 3 / 11 * (75 - mean))
    assert got.loc[0, "missing_categories"] == ";".join(c for c in CATEGORIES if c != "retention")
