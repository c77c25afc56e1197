"""Rank intervals: bootstrap within books, tiers, widening for small books, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibrate.errors import CalibrateError, InsufficientDataError
from calibrate.models.ranks import rank_intervals, tier_of
from calibrate.params import CATEGORIES, TierCuts, Weights

WEIGHTS = Weights().as_dict()
CUTS = TierCuts()


def rescore(nrr, grr, logo_churn, expansion_rate):
    """A stand-in for the scoring engine: 75 at target, linear, clipped to 0..100."""
    retention = np.clip(75 * (0.5 * nrr / 1.10 + 0.5 * grr / 0.93), 0, 100)
    expansion = np.clip(75 * expansion_rate / 0.08, 0, 100)
    return retention, expansion


def books(sizes: dict[str, int], *, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for csm, n in sizes.items():
        for a in range(n):
            s = float(np.exp(rng.normal(10, 0.5)))
            churn = rng.random() < 0.1
            rows.append({"csm_id": csm, "start_arr": s, "end_arr": 0.0 if churn else s * float(np.exp(rng.normal(0.05, 0.15)))})
    return pd.DataFrame(rows)


def flat_scores(csms: list[str], value: float = 70.0) -> pd.DataFrame:
    return pd.DataFrame({"csm_id": csms, **{f"score_{c}": value for c in CATEGORIES}})


def test_tier_of_follows_the_cuts():
    tiers = tier_of(np.array([95.0, 90.0, 89.9, 75.0, 60.0, 59.9, np.nan]), tier_cuts=CUTS)
    assert list(tiers) == ["top", "top", "strong", "strong", "solid", "under", None]


def test_books_without_variation_give_fixed_ranks_by_hand():
    # Identical accounts within a book: every resample equals the book, so the intervals collapse.
    aw = pd.DataFrame(
        {"csm_id": ["a"] * 3 + ["b"] * 3 + ["c"] * 3, "start_arr": [100.0] * 9,
         "end_arr": [120.0] * 3 + [100.0] * 3 + [80.0] * 3}
    )
    scores = flat_scores(["a", "b", "c"])
    # The reported scores are what the books give (NRR, GRR, churn, expansion of each book).
    ret, exp = rescore(np.array([1.2, 1.0, 0.8]), np.array([1.0, 1.0, 0.8]), np.zeros(3), np.array([0.2, 0.0, 0.0]))
    scores = scores.assign(score_retention=ret, score_expansion=exp)
    out = rank_intervals(aw, scores, WEIGHTS, rescore=rescore, n_boot=200, seed=1, tier_cuts=CUTS).set_index("csm_id")
    assert list(out.index) == ["a", "b", "c"]
    assert (out["rank_low"] == out["rank_high"]).all()
    assert list(out["median_rank"]) == [1.0, 2.0, 3.0]
    assert (out["score_low"] == out["score_high"]).all()
    # N = 3 -> top quartile is rank 1 (max(1, floor(3/4))); (count + 1/2) / (n_boot + 1), never exactly 0 or 1.
    assert list(out["p_top_quartile"]) == pytest.approx([200.5 / 201, 0.5 / 201, 0.5 / 201])
    # With the pool mixing of a prior of 5 accounts, three-account books are no longer certain.
    mixed = rank_intervals(aw, scores, WEIGHTS, rescore=rescore, n_boot=200, seed=1, tier_cuts=CUTS, prior_accounts=5.0)
    assert (mixed["score_high"] > mixed["score_low"]).all()
    # a: NRR 1.2, GRR 1.0 -> retention 75*(.5*1.2/1.1 + .5/.93); expansion 75*.2/.08 clipped to 100.
    ret = 75 * (0.5 * 1.2 / 1.1 + 0.5 * 1 / 0.93)
    w = WEIGHTS
    expected = (w["retention"] * ret + w["expansion"] * 100 + 70 * sum(w[c] for c in CATEGORIES[2:])) / sum(w.values())
    assert out.loc["a", "score_low"] == pytest.approx(expected)
    assert not out["discuss"].any()


def test_missing_category_weight_is_shared_out():
    aw = pd.DataFrame({"csm_id": ["a", "b"], "start_arr": [100.0, 100.0], "end_arr": [100.0, 100.0]})
    scores = flat_scores(["a", "b"]).assign(score_ai_productivity=[np.nan, 70.0], score_health=[40.0, 40.0])
    out = rank_intervals(aw, scores, WEIGHTS, rescore=rescore, n_boot=100, seed=1, tier_cuts=CUTS).set_index("csm_id")
    w = WEIGHTS
    point = (70 * (w["retention"] + w["expansion"] + w["engagement"] + w["satisfaction"] + w["efficiency"]) + 40 * w["health"]) / (
        sum(w.values()) - w["ai_productivity"]
    )
    assert out.loc["a", "overall_score"] == pytest.approx(point)


def test_small_books_have_wider_intervals():
    sizes = {f"s{i}": 5 for i in range(10)} | {f"L{i}": 80 for i in range(10)}
    aw = books(sizes, seed=3)
    # Real differences between CSMs (each book grows at its own rate), so the team can be ranked.
    growth = {c: 0.9 + 0.015 * (i % 10) for i, c in enumerate(sizes)}  # small and large books span the same range
    aw["end_arr"] = aw["end_arr"] * aw["csm_id"].map(growth)
    s = aw.groupby("csm_id")["start_arr"].sum()
    e = aw.groupby("csm_id")["end_arr"].sum()
    g = aw.assign(m=np.minimum(aw["end_arr"], aw["start_arr"]), x=np.maximum(aw["end_arr"] - aw["start_arr"], 0),
                  c=aw["end_arr"].le(0)).groupby("csm_id")
    ret, exp = rescore((e / s).to_numpy(), (g["m"].sum() / s).to_numpy(), g["c"].mean().to_numpy(), (g["x"].sum() / s).to_numpy())
    scores = flat_scores(list(s.index)).assign(score_retention=ret, score_expansion=exp)
    out = rank_intervals(aw, scores, WEIGHTS, rescore=rescore, n_boot=500, seed=2, tier_cuts=CUTS)
    out["score_width"] = out["score_high"] - out["score_low"]
    out["rank_width"] = out["rank_high"] - out["rank_low"]
    small = out[out["csm_id"].str.startswith("s")]
    large = out[out["csm_id"].str.startswith("L")]
    assert small["score_width"].median() > 1.5 * large["score_width"].median()
    assert small["rank_width"].median() > large["rank_width"].median()
    assert (out["n_windows"].isin([5, 80])).all()


def test_under_the_null_no_one_is_certain():
    # Every book drawn from the same accounts: nobody is a sure top-quartile CSM, nobody is at exactly 0.
    sizes = {f"c{i:02d}": n for i, n in enumerate([1, 2, 3, 5, 8, 13, 21, 34, 55, 80] * 2)}
    aw = books(sizes, seed=11)
    s = aw.groupby("csm_id")["start_arr"].sum()
    e = aw.groupby("csm_id")["end_arr"].sum()
    g = aw.assign(m=np.minimum(aw["end_arr"], aw["start_arr"]), x=np.maximum(aw["end_arr"] - aw["start_arr"], 0),
                  c=aw["end_arr"].le(0)).groupby("csm_id")
    ret, exp = rescore((e / s).to_numpy(), (g["m"].sum() / s).to_numpy(), g["c"].mean().to_numpy(), (g["x"].sum() / s).to_numpy())
    scores = flat_scores(list(s.index)).assign(score_retention=ret, score_expansion=exp)
    out = rank_intervals(aw, scores, WEIGHTS, rescore=rescore, n_boot=400, seed=3, tier_cuts=CUTS, prior_accounts=10.0)
    assert out["p_top_quartile"].between(0, 1, inclusive="neither").all()
    assert (out["p_top_quartile"] < 0.95).all()
    small = out.loc[out["n_windows"] < 20]
    assert small["rank_note"].eq("too few accounts to rank").all()


def test_discuss_when_the_interval_spans_a_tier_cut():
    aw = books({"x": 6, "y": 6, "z": 6}, seed=5)
    aw.loc[aw["csm_id"] == "x", "end_arr"] = aw.loc[aw["csm_id"] == "x", "start_arr"] * np.array([0, 1.5, 1, 1, 0, 1.4])
    out = rank_intervals(aw, flat_scores(["x", "y", "z"], 75.0), WEIGHTS, rescore=rescore, n_boot=500, seed=2, tier_cuts=CUTS)
    row = out.set_index("csm_id").loc["x"]
    assert row["tier_low"] != row["tier_high"]
    assert bool(row["discuss"])


def test_deterministic_with_a_seed_and_independent_of_row_order():
    sizes = {f"c{i}": n for i, n in enumerate([5, 10, 20, 40])}
    aw = books(sizes, seed=7)
    scores = flat_scores(list(sizes))
    a = rank_intervals(aw, scores, WEIGHTS, rescore=rescore, n_boot=300, seed=4, tier_cuts=CUTS)
    b = rank_intervals(aw.sample(frac=1, random_state=0), scores.iloc[::-1], WEIGHTS, rescore=rescore, n_boot=300, seed=4, tier_cuts=CUTS)
    pd.testing.assert_frame_equal(a, b)


def test_scaling_every_weight_changes_no_rank():
    sizes = {f"c{i}": n for i, n in enumerate([6, 12, 24, 30])}
    aw = books(sizes, seed=8)
    rng = np.random.default_rng(0)
    scores = pd.DataFrame({"csm_id": list(sizes), **{f"score_{c}": rng.uniform(40, 95, 4) for c in CATEGORIES}})
    a = rank_intervals(aw, scores, WEIGHTS, rescore=rescore, n_boot=200, seed=1, tier_cuts=CUTS)
    b = rank_intervals(aw, scores, {k: 10 * v for k, v in WEIGHTS.items()}, rescore=rescore, n_boot=200, seed=1, tier_cuts=CUTS)
    pd.testing.assert_frame_equal(a[["csm_id", "median_rank", "rank_low", "rank_high"]], b[["csm_id", "median_rank", "rank_low", "rank_high"]])


def test_refusals_name_the_argument():
    aw = books({"a": 3, "b": 3})
    with pytest.raises(CalibrateError, match=r"'n_boot' argument must be >= 100 .*Got 10 instead"):
        rank_intervals(aw, flat_scores(["a", "b"]), WEIGHTS, rescore=rescore, n_boot=10, seed=1, tier_cuts=CUTS)
    with pytest.raises(InsufficientDataError, match=r"lacks score_retention"):
        rank_intervals(aw, flat_scores(["a", "b"]).drop(columns="score_retention"), WEIGHTS, rescore=rescore, seed=1, tier_cuts=CUTS)
    with pytest.raises(CalibrateError, match=r"'tier_cuts' argument must give"):
        rank_intervals(aw, flat_scores(["a", "b"]), WEIGHTS, rescore=rescore, n_boot=100, seed=1, tier_cuts={"top": 90})


def test_csms_tied_at_the_cap_share_the_top_quartile():
    # Eight flat books; three CSMs tied at 100 on every category. Top quartile = 2 places for 3 tied CSMs:
    # each gets 2/3 of every resample, never 0.
    ids = [f"t{i}" for i in range(8)]
    aw = pd.DataFrame({"csm_id": np.repeat(ids, 3), "start_arr": 100.0, "end_arr": 100.0})
    scores = flat_scores(ids)
    for c in CATEGORIES:
        scores.loc[:2, f"score_{c}"] = 100.0
        scores.loc[3:, f"score_{c}"] = np.linspace(40, 70, 5)
    # rescore={} : no CSM is re-scored, every resample keeps the reported (tied) scores.
    out = rank_intervals(aw, scores, WEIGHTS, rescore={}, n_boot=200, seed=1, tier_cuts=CUTS).set_index("csm_id")
    assert out.loc[["t0", "t1", "t2"], "p_top_quartile"].to_numpy() == pytest.approx((200 * 2 / 3 + 0.5) / 201)
    assert out.loc[["t0", "t1", "t2"], "median_rank"].eq(2.0).all()  # mid-rank of places 1-3
    assert (out["p_top_quartile"] > 0).all()
