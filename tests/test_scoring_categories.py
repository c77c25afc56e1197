"""Metric and category scores: values by hand and monotonicity."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from calibrate.params import Targets
from calibrate.scoring.categories import CATEGORY_METRICS, METRIC_SCALES, category_scores, metric_score, metric_scores

T = Targets()


def test_target_scores_75_and_spans_by_hand():
    nrr = METRIC_SCALES["nrr"]
    # Quarterly spans: 0 at target - 0.15, 100 at target + 0.075.
    got = metric_score([1.025, 1.10, 1.20, 0.875, 0.50, 0.95, 1.0625, np.nan], nrr, 1.025)
    np.testing.assert_allclose(got[:7], [75, 100, 100, 0, 0, 37.5, 87.5], atol=1e-9)
    assert np.isnan(got[7])
    churn = METRIC_SCALES["logo_churn_rate"]
    np.testing.assert_allclose(metric_score([0.0, 0.0075, 0.015, 0.065, 0.5], churn, 0.015), [100, 87.5, 75, 37.5, 0])


def test_override_rate_inside_band_scores_100():
    frame = pd.DataFrame({"override_rate": [0.25, 0.18, 0.445, 0.0, np.nan]})
    got = metric_scores(frame, targets=T, override_band_low=0.18, override_band_high=0.32)["override_band_distance"]
    np.testing.assert_allclose(got.to_numpy()[:4], [100, 100, 50, 28])
    assert np.isnan(got.iloc[4])


def test_category_is_the_mean_of_available_metric_scores():
    scores = pd.DataFrame({m: [np.nan] for m in METRIC_SCALES})
    scores.loc[0, ["nrr", "grr"]] = [80.0, 60.0]
    got = category_scores(scores).iloc[0]
    assert got["retention"] == 70 and np.isnan(got["satisfaction"])


def one_row(**values):
    return pd.DataFrame({name: [values.get(name, np.nan)] for name in [*METRIC_SCALES, "override_rate"] if name != "override_band_distance"})


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(m for m in METRIC_SCALES if m != "override_band_distance")), st.floats(-5, 200), st.floats(0, 50))
def test_a_better_metric_never_lowers_its_category(metric, value, step):
    scale = METRIC_SCALES[metric]
    better = value + step if scale.higher_is_better else value - step
    category = next(c for c, names in CATEGORY_METRICS.items() if metric in names)
    others = {m: getattr(T, m) for m in CATEGORY_METRICS[category] if m != metric and hasattr(T, m)}
    before = category_scores(metric_scores(one_row(**others, **{metric: value}), targets=T, override_band_low=0.18, override_band_high=0.32))
    after = category_scores(metric_scores(one_row(**others, **{metric: better}), targets=T, override_band_low=0.18, override_band_high=0.32))
    assert after[category].iloc[0] >= before[category].iloc[0] - 1e-9
    assert 0 <= after[category].iloc[0] <= 100


def test_moving_the_target_moves_the_curve():
    scale = METRIC_SCALES["nps"]
    assert metric_score([50.0], scale, 50.0)[0] == 75 and metric_score([50.0], scale, 40.0)[0] > 75
