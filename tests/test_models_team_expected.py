"""Book-adjusted performance: out-of-fold expectations, funnel limits by hand, hard books."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from calibrate.errors import InsufficientDataError
from calibrate.models.expected import book_adjusted, expected_outcomes, funnel_limits_binomial, poisson_binomial_pmf


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
    assert a["observed_nrr"] == pytest.approx(300 / 400)
    assert a["expected_nrr"] == pytest.approx(1.0)
    assert b["observed_nrr"] == pytest.approx(630 / 600)
    assert b["nrr_diff"] == pytest.approx(0.05)
    assert a["team_nrr"] == pytest.approx(930 / 1000)
    # Book b: n_eff = 600^2 / (300^2 + 3 * 100^2) = 360000 / 120000 = 3.
    assert b["n_eff"] == pytest.approx(3.0)
    assert a["n_eff"] == pytest.approx(4.0)
    # The NRR funnel's value: ARR-weighted mean residual, a: (-100 + 10 + 0 - 10) / 400, b: (30 + 0) / 600.
    assert a["nrr_residual"] == pytest.approx(-0.25)
    assert b["nrr_residual"] == pytest.approx(0.05)
    # Churn: a has O = 1, E = 0.8, V = 4 * .2 * .8 = .64; b has O = 0, E = .4, V = .36.
    assert a["churns"] == 1 and b["churns"] == 0
    assert a["e_churns"] == pytest.approx(0.8)
    assert a["var_churns"] == pytest.approx(0.64)
    assert b["var_churns"] == pytest.approx(0.36)
    # Book a is Binomial(4, .2): P(O <= r) = .4096, .8192, .9728, .9984, 1. Mid-p position of one churn:
    # (.4096 + .8192) / 2; the 97.5% limit interpolates between (2.5, .9728) and (3.5, .9984).
    assert a["churn_z"] == pytest.approx(stats.norm.ppf((0.4096 + 0.8192) / 2))
    assert a["churn_high_95"] == pytest.approx((2.5 + (0.975 - 0.9728) / (0.9984 - 0.9728) - 0.8) / 4)
    # 2.5% limit: between (-0.5, 0) and (0.5, .4096).
    assert a["churn_low_95"] == pytest.approx((-0.5 + 0.025 / 0.4096 - 0.8) / 4)
    assert a["churn_phi"] == 1.0  # two books are too few to estimate overdispersion
    # Exact tails: P(O <= 1) = .8^4 + 4 * .2 * .8^3 = .8192; P(O >= 1) = 1 - .8^4 = .5904.
    assert a["p_low"] == pytest.approx(0.8192)
    assert a["p_high"] == pytest.approx(0.5904)
    assert b["p_low"] == pytest.approx(0.9**4)
    assert b["p_high"] == pytest.approx(1.0)
    assert a["churn_position_95"] == "inside"
    assert b["churn_position_95"] == "inside"
    # Sorted best NRR difference first.
    assert list(ba.index) == ["b", "a"]


def test_exact_binomial_limits_by_hand():
    # n = 1, p = .1: nodes (-.5, 0), (.5, .9), (1.5, 1). 97.5%: .5 + .075 / .1 = 1.25 -> clipped to 1 (no rate
    # can pass it). 2.5%: -.5 + .025 / .9 < 0 -> clipped to 0.
    low, high = funnel_limits_binomial(np.array([1]), 0.1, alpha=0.05)
    assert (low[0], high[0]) == (0.0, 1.0)
    # n = 10, p = .2 at 95%: F(4) = .96721, F(5) = .99363 -> upper count 4.5 + (.975 - .96721) / (.99363 - .96721).
    f4, f5 = stats.binom.cdf([4, 5], 10, 0.2)
    _, high = funnel_limits_binomial(np.array([10]), 0.2, alpha=0.05)
    assert high[0] == pytest.approx((4.5 + (0.975 - f4) / (f5 - f4)) / 10)

    frame = hand_expected()
    frame.loc[frame["csm_id"] == "a", "arr_ratio"] = [0.0, 0.0, 0.0, 0.0]
    frame.loc[frame["csm_id"] == "a", ["end_arr", "churned"]] = [0.0, True]
    ba = book_adjusted(frame).set_index("csm_id")
    # a lost every account (chance .2^4 = .0016): above the churn funnel's 95% line. But a book of 4 accounts at
    # p = .2 lands beyond that line only with 3 or 4 churns, P = .0256 + .0016 = .0272 < 3% under its null,
    # so the rule cannot hold its 5% rate there and says "too few to judge" rather than pretend.
    assert ba.loc["a", "churn_position_95"] == "above"
    assert ba.loc["a", "churn_attainable"] == pytest.approx(0.0272)
    assert ba.loc["a", "churn_band"] == "too_few"
    assert ba.loc["a", "note"].startswith("small book")


def test_bad_arguments_name_the_argument():
    from calibrate.errors import CalibrateError

    with pytest.raises(CalibrateError, match=r"'n_splits' argument must be >= 2\. Got 1 instead"):
        expected_outcomes(simulate(seed=1), n_splits=1, seed=1)


def brute_force_pmf(p: list[float]) -> np.ndarray:
    """P(O = j) by listing every churn / no-churn combination of the accounts."""
    out = np.zeros(len(p) + 1)
    for outcome in itertools.product([0, 1], repeat=len(p)):
        out[sum(outcome)] += math.prod(pk if y else 1 - pk for pk, y in zip(p, outcome))
    return out


def test_poisson_binomial_by_hand_and_by_brute_force():
    pmf = poisson_binomial_pmf(np.array([0.1, 0.2, 0.5]))
    # By hand: P(0) = .9 * .8 * .5; P(3) = .1 * .2 * .5; P(1) = .1*.8*.5 + .9*.2*.5 + .9*.8*.5.
    assert pmf == pytest.approx([0.36, 0.49, 0.14, 0.01])
    assert pmf == pytest.approx(brute_force_pmf([0.1, 0.2, 0.5]))
    rng = np.random.default_rng(17)
    books = [rng.uniform(0, 1, int(m)) for m in rng.integers(1, 11, 6)]
    padded = np.zeros((len(books), 10))
    for i, book in enumerate(books):
        padded[i, : len(book)] = book
    together = poisson_binomial_pmf(padded)  # padding with p = 0 must change nothing
    for i, book in enumerate(books):
        expected = brute_force_pmf(list(book))
        assert poisson_binomial_pmf(book) == pytest.approx(expected, abs=1e-12)
        assert together[i, : len(book) + 1] == pytest.approx(expected, abs=1e-12)
        assert together[i, len(book) + 1 :] == pytest.approx(0.0, abs=1e-15)


def test_exact_tails_in_book_adjusted_match_the_pmf():
    # One book of three accounts (p = .1, .2, .5) per CSM, with 0, 1, 2 and 3 churns.
    p = [0.1, 0.2, 0.5]
    rows = [{"csm_id": f"o{o}", "start_arr": 100.0, "end_arr": 0.0 if k < o else 100.0, "churned": k < o,
             "arr_ratio": 0.0 if k < o else 1.0, "expected_churn": pk, "expected_ratio": 1.0}
            for o in range(4) for k, pk in enumerate(p)]
    ba = book_adjusted(pd.DataFrame(rows)).set_index("csm_id")
    pmf = brute_force_pmf(p)
    for o in range(4):
        assert ba.loc[f"o{o}", "p_low"] == pytest.approx(pmf[: o + 1].sum())
        assert ba.loc[f"o{o}", "p_high"] == pytest.approx(pmf[o:].sum())
    # Three churns where .01 was the chance: worse than the book at 95%, not at 99.8% (.01 > .001).
    assert ba.loc["o3", "churn_position_95"] == "above"
    assert ba.loc["o3", "churn_position_998"] == "inside"
    # No churn is likely (.36) here: never "better than the book".
    assert ba.loc["o0", "churn_position_95"] == "inside"


def simulate_model_true(n_csms: int, seed: int, *, bad: str | None = None) -> pd.DataFrame:
    """Books of 5 to 110 accounts whose churn follows the stated p_k exactly.

    ``bad`` names one CSM with a mid-sized, mid-risk book (60 accounts, mean p about .08, so E about 5)
    who churns three times p_k."""
    rng = np.random.default_rng(seed)
    frames = []
    for c in range(n_csms):
        n = int(rng.integers(5, 111))
        risk = rng.choice([0.01, 0.03, 0.08, 0.2])  # calm to hard books
        if f"c{c:03d}" == bad:
            n, risk = 60, 0.08
        p = np.clip(rng.beta(2, 2 / risk - 2, n), 1e-4, 0.95)
        truth = np.minimum(3 * p, 1.0) if f"c{c:03d}" == bad else p
        churned = rng.random(n) < truth
        s = rng.lognormal(10, 1, n)
        frames.append(pd.DataFrame({"csm_id": f"c{c:03d}", "start_arr": s, "end_arr": np.where(churned, 0.0, s),
                                    "churned": churned, "arr_ratio": np.where(churned, 0.0, 1.0),
                                    "expected_churn": p, "expected_ratio": 1 - p}))
    return pd.concat(frames, ignore_index=True)


def test_when_the_model_is_true_the_limits_hold_their_rates():
    # 10 seeded teams of 200 CSMs = 2,000 CSM-quarters where the model is exactly right.
    # Tolerance: the nominal rate + 3 binomial standard errors over 2,000 (95%: .05 + .015; 99.8%: .002 + .003).
    # The exact test on a discrete count is conservative, so the observed shares sit at or below nominal.
    tables = [book_adjusted(simulate_model_true(200, seed)) for seed in range(10)]
    ba = pd.concat(tables, ignore_index=True)
    out95 = ba["churn_position_95"].ne("inside").mean()
    out998 = ba["churn_position_998"].ne("inside").mean()
    assert out95 <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / len(ba))
    assert out998 <= 0.002 + 3 * math.sqrt(0.002 * 0.998 / len(ba))
    assert out95 > 0  # the test does fire on chance extremes: it is not simply blind
    # Zero-churn CSMs whose book expected about one churn (P(no churn) ~ e^-1) are ordinary: all inside.
    zero_near_one = ba.loc[ba["churns"].eq(0) & ba["e_churns"].between(0.5, 2.0)]
    assert len(zero_near_one) >= 20
    assert zero_near_one["churn_position_95"].eq("inside").all()
    assert (zero_near_one["p_low"] > 0.025).all()


def test_the_band_the_limits_and_the_values_agree_for_every_csm():
    ba = book_adjusted(simulate_model_true(120, seed=3, bad="c007"), seed=5)
    assert set(ba["churn_band"]) <= {"inside", "outside_95", "outside_998", "too_few"}
    assert (ba.loc[ba["churn_band"] == "too_few", "churn_attainable"] < 0.03).all()
    assert (ba.loc[ba["churn_band"] != "too_few", "churn_attainable"] >= 0.03).all()
    for measure, value in (("churn", "churn_diff"), ("nrr", "nrr_residual")):
        judged = (ba[f"{measure}_band"] != "too_few").to_numpy()
        v = ba[value].to_numpy()[judged]
        beyond95 = (v > ba[f"{measure}_high_95"].to_numpy()[judged] + 1e-12) | (v < ba[f"{measure}_low_95"].to_numpy()[judged] - 1e-12)
        beyond998 = (v > ba[f"{measure}_high_998"].to_numpy()[judged] + 1e-12) | (v < ba[f"{measure}_low_998"].to_numpy()[judged] - 1e-12)
        band = ba[f"{measure}_band"].to_numpy()[judged]
        assert np.array_equal(beyond998, band == "outside_998")
        assert np.array_equal(beyond95 & ~beyond998, band == "outside_95")
        assert np.array_equal(np.abs(ba[f"{measure}_z"].to_numpy()[judged]) > 1.959964, band != "inside")
    assert ba["churn_diff"].to_numpy() == pytest.approx(((ba["churns"] - ba["e_churns"]) / ba["n_accounts"]).to_numpy())


def test_a_csm_churning_three_times_the_model_is_flagged_worse():
    ba = book_adjusted(simulate_model_true(200, seed=21, bad="c007")).set_index("csm_id")
    bad = ba.loc["c007"]
    assert bad["churns"] > bad["e_churns"]
    assert bad["churn_position_95"] == "above"
    assert bad["p_high"] < 0.001
    assert bad["churn_position_998"] == "above"
    # Power, not luck: over ten seeded teams the same planted CSM (E about 5, true churn about 15)
    # is beyond the 95% limit in at least seven.
    flagged = sum(
        book_adjusted(simulate_model_true(200, seed, bad="c007")).set_index("csm_id").loc["c007", "churn_position_95"] == "above"
        for seed in range(21, 31)
    )
    assert flagged >= 7
