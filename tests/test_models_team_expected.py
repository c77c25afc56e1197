"""Book-adjusted performance: out-of-fold expectations, funnel limits by hand, hard books."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from calibrate.errors import InsufficientDataError
from calibrate.models.expected import book_adjusted, expected_outcomes, funnel_limits_binomial


def simulate(n_csm: int = 24, *, seed: int = 0, books: tuple[int, int] = (15, 40), skill: dict | None = None,
             hard: set | None = None) -> pd.DataFrame:
    """Accounts whose churn depends on health and renewal timing, plus a per-CSM skill effect."""
    rng = np.random.default_rng(seed)
    skill = skill or {}
    hard = hard or set()
    rows = []
    for c in range(n_csm):
        csm = f"c{c:02d}"
        seg = ("enterprise", "mid_market", "smb")[c % 3]
        for a in range(int(rng.integers(*books))):
            s = float(np.exp(rng.normal(11, 0.8)))
            h = float(np.clip(rng.normal(40 if csm in hard else 72, 10), 0, 100))
            due = bool(rng.random() < (0.7 if csm in hard else 0.3))
            logit = -2.2 - 0.06 * (h - 70) + 1.0 * due - skill.get(csm, 0.0)
            churn = rng.random() < 1 / (1 + math.exp(-logit))
            e = 0.0 if churn else s * float(np.exp(rng.normal(0.03 + 0.05 * skill.get(csm, 0.0), 0.1)))
            rows.append(
                {"csm_id": csm, "account_id": f"{csm}-{a:03d}", "segment": seg, "start_arr": s, "end_arr": e,
                 "health_t0": h, "tenure_days": float(rng.integers(30, 1500)), "renewal_due": due}
            )
    return pd.DataFrame(rows)


def test_every_csm_is_predicted_in_exactly_one_fold():
    aw = simulate(seed=1)
    ex = expected_outcomes(aw, n_splits=5, seed=7)
    folds_per_csm = ex.groupby("csm_id")["fold"].nunique()
    assert (folds_per_csm == 1).all()
    assert ex["fold"].nunique() == 5
    assert len(ex) == len(aw)


def test_a_csms_own_results_do_not_leak_into_their_expectation():
    # c00's accounts share a segment nobody else has, and every one of them churned.
    # A model that saw c00 would learn "secret segment -> churn"; out-of-fold, it cannot.
    aw = simulate(seed=2)
    secret = aw["csm_id"] == "c00"
    aw.loc[secret, "segment"] = "secret"
    aw.loc[secret, "end_arr"] = 0.0
    ex = expected_outcomes(aw, n_splits=4, seed=3)
    own = ex[ex["csm_id"] == "c00"]
    team_rate = float((ex.loc[ex["csm_id"] != "c00", "end_arr"] == 0).mean())
    assert own["expected_churn"].mean() < team_rate + 0.2
    assert own["expected_ratio"].mean() > 0.5

    # The pattern is learnable: a model fitted on everyone (the leak) predicts it.
    segments = sorted(ex["segment"].unique())
    x = np.column_stack([(ex["segment"] == s).to_numpy(float) for s in segments] + [np.log(ex["start_arr"]), ex["health_t0"]])
    leaky = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x, ex["churned"])
    assert leaky.predict_proba(x[ex["csm_id"].eq("c00").to_numpy()])[:, 1].mean() > 0.5


def test_hard_book_with_good_work_shows_observed_at_least_expected():
    aw = simulate(n_csm=30, seed=4, skill={"c05": 1.5}, hard={"c05"})
    ex = expected_outcomes(aw, seed=11)
    ba = book_adjusted(ex).set_index("csm_id")
    row = ba.loc["c05"]
    # The book is hard: its expected churn is above the team's rate ...
    assert row["expected_churn_rate"] > row["team_churn_rate"]
    # ... yet the CSM did at least as well as the book predicted.
    assert row["observed_nrr"] >= row["expected_nrr"]
    assert row["observed_churn_rate"] <= row["expected_churn_rate"]


def test_same_seed_same_result_and_input_untouched():
    aw = simulate(seed=5)
    before = aw.copy()
    a = expected_outcomes(aw, seed=9)
    b = expected_outcomes(aw.sample(frac=1, random_state=1), seed=9)
    pd.testing.assert_frame_equal(aw, before)
    key = ["csm_id", "account_id"]
    pd.testing.assert_frame_equal(
        a.sort_values(key).reset_index(drop=True)[key + ["fold", "expected_churn", "expected_ratio"]],
        b.sort_values(key).reset_index(drop=True)[key + ["fold", "expected_churn", "expected_ratio"]],
        check_exact=False, rtol=1e-9,
    )


def test_too_few_csms_or_accounts_is_refused_with_the_reason():
    aw = simulate(n_csm=2, seed=6)
    with pytest.raises(InsufficientDataError, match=r"at least 3 CSMs and 20 accounts.*got 2 CSMs"):
        expected_outcomes(aw, seed=1)
    with pytest.raises(InsufficientDataError, match=r"lacks column\(s\) renewal_due"):
        expected_outcomes(simulate(seed=1).drop(columns="renewal_due"), seed=1)


def test_accounts_outside_the_cohort_are_dropped():
    aw = simulate(seed=8)
    aw.loc[0, "start_arr"] = 0.0
    ex = expected_outcomes(aw, seed=1)
    assert len(ex) == len(aw) - 1


def hand_expected() -> pd.DataFrame:
    # Two CSMs, four accounts each; expectations given by hand (no model).
    return pd.DataFrame(
        {
            "csm_id": ["a"] * 4 + ["b"] * 4,
            "start_arr": [100.0, 100.0, 100.0, 100.0, 300.0, 100.0, 100.0, 100.0],
            "end_arr": [0.0, 110.0, 100.0, 90.0, 330.0, 100.0, 100.0, 100.0],
            "churned": [True, False, False, False, False, False, False, False],
            "arr_ratio": [0.0, 1.1, 1.0, 0.9, 1.1, 1.0, 1.0, 1.0],
            "expected_churn": [0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1],
            "expected_ratio": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        }
    )


def test_book_adjusted_by_hand():
    ba = book_adjusted(hand_expected()).set_index("csm_id")
    a, b = ba.loc["a"], ba.loc["b"]
    assert a["observed_churn_rate"] == pytest.approx(0.25)
    assert a["expected_churn_rate"] == pytest.approx(0.2)
    assert a["churn_diff"] == pytest.approx(0.05)
    assert a["team_churn_rate"] == pytest.approx(1 / 8)
    assert a["adjusted_churn_rate"] == pytest.approx(0.125 + 0.05)
    assert a["observed_nrr"] == pytest.approx(300 / 400)
    assert a["expected_nrr"] == pytest.approx(1.0)
    assert b["observed_nrr"] == pytest.approx(630 / 600)
    assert b["nrr_diff"] == pytest.approx(0.05)
    assert a["team_nrr"] == pytest.approx(930 / 1000)
    # Residuals r - r_hat: -1, .1, 0, -.1, .1, 0, 0, 0 -> sample SD.
    resid = np.array([-1, 0.1, 0, -0.1, 0.1, 0, 0, 0])
    sigma = math.sqrt(((resid - resid.mean()) ** 2).sum() / 7)
    # Book b: n_eff = 600^2 / (300^2 + 3 * 100^2) = 360000 / 120000 = 3.
    assert b["n_eff"] == pytest.approx(3.0)
    assert b["nrr_se"] == pytest.approx(sigma / math.sqrt(3))
    assert b["nrr_low_95"] == pytest.approx(0.93 - 1.959964 * sigma / math.sqrt(3), rel=1e-6)
    assert a["n_eff"] == pytest.approx(4.0)
    # Exact binomial limits at n = 4, p = 1/8: P(X=0) = .586, P(X<=1) = .921, P(X<=2) = .9888, P(X<=3) = .99976.
    assert a["churn_low_95"] == 0.0
    assert a["churn_high_95"] == pytest.approx(2 / 4)
    assert a["churn_high_998"] == pytest.approx(3 / 4)  # 99.8%: first k with P(X<=k) >= .999
    assert a["churn_position_95"] == "inside"
    # Sorted best NRR difference first.
    assert list(ba.index) == ["b", "a"]


def test_normal_funnel_limits_by_hand_and_positions():
    low, high = funnel_limits_binomial(np.array([25.0]), 0.2, alpha=0.05, method="normal")
    half = 1.959964 * math.sqrt(0.2 * 0.8 / 25)
    assert low[0] == pytest.approx(0.2 - half, rel=1e-6)
    assert high[0] == pytest.approx(0.2 + half, rel=1e-6)
    low, _ = funnel_limits_binomial(np.array([4.0]), 0.1, alpha=0.05, method="normal")
    assert low[0] == 0.0  # clipped, never a negative churn rate

    frame = hand_expected()
    frame.loc[frame["csm_id"] == "a", "arr_ratio"] = [0.0, 0.0, 0.0, 0.0]
    frame.loc[frame["csm_id"] == "a", ["end_arr", "churned"]] = [0.0, True]
    ba = book_adjusted(frame, method="normal").set_index("csm_id")
    # a lost every account: far above the churn funnel at 95%.
    assert ba.loc["a", "churn_position_95"] == "above"
    assert ba.loc["a", "note"].startswith("small book")


def test_bad_arguments_name_the_argument():
    from calibrate.errors import CalibrateError

    with pytest.raises(CalibrateError, match=r"'n_splits' argument must be >= 2\. Got 1 instead"):
        expected_outcomes(simulate(seed=1), n_splits=1, seed=1)
    with pytest.raises(CalibrateError, match=r"'method' argument must be 'exact' or 'normal'\. Got 'wald' instead"):
        book_adjusted(hand_expected(), method="wald")
