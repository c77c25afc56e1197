"""Weight tuning model: rescore = apply_weights, invariances, comparisons, backtested validity."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibrate.errors import ParamsError
from calibrate.models import score_validity
from calibrate.params import CATEGORIES, Params, Weights
from calibrate.periods import parse_period
from calibrate.present.flags import outcomes_by_period, scores_by_period
from calibrate.present.tuning import RESCORE_COLUMNS, VALIDITY_COLUMNS, TuningSession, check_weights, weight_shares
from calibrate.scoring import SCORE_COLUMNS, apply_weights

PARAMS = Params()
SP = PARAMS.scoring


def fake_result(label: str, rng: np.random.Generator, *, n_csms: int = 12, names=None, nan_share: float = 0.1):
    """A PeriodResult stand-in with just what the tuner reads (categories, scores, metrics, period)."""
    ids = [f"CSM-{i:03d}" for i in range(n_csms)]
    scores = rng.uniform(20, 100, size=(n_csms, len(CATEGORIES)))
    scores[rng.random(scores.shape) < nan_share] = np.nan
    scores[:, 0] = np.where(np.isnan(scores[:, 0]), 50.0, scores[:, 0])  # every CSM keeps one category
    categories = pd.DataFrame(scores, columns=list(SCORE_COLUMNS))
    categories.insert(0, "segment", pd.array(["smb", "mid_market", "enterprise"] * (n_csms // 3) + ["smb"] * (n_csms % 3),
                                             dtype="string"))
    categories.insert(0, "csm_id", pd.array(ids, dtype="string"))
    missing = np.isnan(scores)
    categories["missing_categories"] = pd.array([";".join(np.array(CATEGORIES)[m]) for m in missing], dtype="string")
    weighted = apply_weights(categories, SP.weights, rating_cuts=SP.rating_cuts, tier_cuts=SP.tier_cuts)
    table = categories[["csm_id", *SCORE_COLUMNS]].copy()
    table["name"] = pd.array(names if names is not None else [f"Person {i}" for i in range(n_csms)], dtype="string")
    for column in ("overall_score", "rating", "tier", "rank"):
        table[column] = weighted[column].to_numpy()
    n_accounts = rng.integers(3, 40, size=n_csms).astype(float)
    metrics = pd.DataFrame({"csm_id": ids, "n_accounts": n_accounts, "escalations": rng.poisson(2, n_csms).astype(float),
                            "nrr": rng.normal(1.0, 0.05, n_csms), "grr": rng.uniform(0.85, 1.0, n_csms)})
    return SimpleNamespace(period=parse_period(label), categories=categories, scores=table, metrics=metrics)


def fake_history(seed: int = 1, *, n_quarters: int = 4, **kwargs):
    rng = np.random.default_rng(seed)
    current = parse_period("2026-Q3")
    labels = [current.label] + [p.label for p in current.previous(n_quarters - 1)]
    results = [fake_result(label, rng, **kwargs) for label in labels]
    return results[0], results[1:]


@pytest.fixture(scope="module")
def session():
    current, previous = fake_history()
    return TuningSession.from_history(current, previous, PARAMS, max_boot=300)


weight_vectors = st.fixed_dictionaries({c: st.floats(0, 1, allow_nan=False) for c in CATEGORIES}).filter(
    lambda w: sum(w.values()) > 1e-6)


@settings(max_examples=40, deadline=None)
@given(weights=weight_vectors)
def test_rescore_equals_apply_weights(session, weights):
    got = session.rescore(weights).set_index("csm_id")
    expected = apply_weights(session.categories, weights, rating_cuts=SP.rating_cuts, tier_cuts=SP.tier_cuts)
    expected = expected.set_index(expected["csm_id"].astype(str))
    for column in ("overall_score", "rating", "tier", "rank"):
        pd.testing.assert_series_equal(got[column].reindex(expected.index), expected[column], check_names=False,
                                       check_dtype=False, check_index_type=False)


@settings(max_examples=30, deadline=None)
@given(weights=weight_vectors, factor=st.floats(0.01, 100))
def test_scaling_every_weight_changes_no_rank(session, weights, factor):
    a = session.rescore(weights)
    b = session.rescore({c: w * factor for c, w in weights.items()})
    assert a["csm_id"].tolist() == b["csm_id"].tolist()
    assert a["rank"].tolist() == b["rank"].tolist()


@pytest.mark.parametrize("category", CATEGORIES)
def test_all_weight_on_one_category_ranks_by_that_category(session, category):
    got = session.rescore({category: 1.0}).set_index("csm_id")
    column = session.categories.set_index(session.categories["csm_id"].astype(str))[f"score_{category}"]
    expected = column.round(9).rank(method="min", ascending=False, na_option="bottom").astype(int)
    assert got["rank"].reindex(expected.index).tolist() == expected.tolist()


def test_params_weights_change_nothing(session):
    table = session.rescore(SP.weights.as_dict())
    assert list(table.columns) == list(RESCORE_COLUMNS)
    assert (table["rank_change"] == 0).all() and (table["tier_change"].fillna(0) == 0).all()
    comparison = session.compare(SP.weights.as_dict())
    assert comparison.n_tier_changes == 0 and comparison.n_rating_changes == 0 and comparison.biggest_moves.empty
    assert comparison.summary.startswith("0 CSMs change tier; 0 CSMs change rating; no rank changes")


@settings(max_examples=25, deadline=None)
@given(weights=weight_vectors)
def test_changes_are_measured_against_the_params_weights(session, weights):
    table = session.rescore(weights)
    assert (table["rank_change"] == table["baseline_rank"] - table["rank"]).all()
    order = {"under": 0, "solid": 1, "strong": 2, "top": 3}
    for row in table.itertuples():
        if pd.isna(row.tier) or pd.isna(row.baseline_tier):
            assert pd.isna(row.tier_change)
        else:
            assert row.tier_change == order[row.tier] - order[row.baseline_tier]
    comparison = session.compare(weights, table=table)
    assert comparison.n_tier_changes == int((table["tier"] != table["baseline_tier"]).fillna(False).sum())
    assert comparison.n_rating_changes == int((table["rating"] != table["baseline_rating"]).fillna(False).sum())
    sizes = comparison.biggest_moves["rank_change"].abs().tolist()
    assert sizes == sorted(sizes, reverse=True) and all(s > 0 for s in sizes)
    if sizes:
        assert sizes[0] == table["rank_change"].abs().max()
    assert sum(comparison.shares.values()) == pytest.approx(1.0)


def test_summary_names_counts_and_the_moved_share(session):
    weights = dict(SP.weights.as_dict(), retention=0.75)
    comparison = session.compare(weights)
    share = weight_shares(weights)["retention"]
    assert f"retention weight share {share:.0%} (was {weight_shares(SP.weights.as_dict())['retention']:.0%})" \
        in comparison.summary
    assert f"{comparison.n_tier_changes} CSM" in comparison.summary


@pytest.mark.parametrize(
    "weights, fragment",
    [
        ({"retention": -0.1}, "'retention' weight"),
        ({"health": float("nan"), "retention": 1}, "'health' weight"),
        ({"expansion": "a lot"}, "'expansion' weight"),
        ({c: 0.0 for c in CATEGORIES}, "all weights 0"),
        ({"retention": 1, "loyalty": 1}, "Unknown weight 'loyalty'"),
    ],
)
def test_invalid_weights_raise_params_error_naming_the_weight(session, weights, fragment):
    with pytest.raises(ParamsError, match=fragment):
        check_weights(weights)
    with pytest.raises(ParamsError, match=fragment):
        session.rescore(weights)
    with pytest.raises(ParamsError, match=fragment):
        session.validity(weights)


def test_validity_has_n_intervals_and_says_descriptive(session):
    got = session.validity(dict(SP.weights.as_dict(), health=0.6), n_boot=200)
    assert list(got.columns) == list(VALIDITY_COLUMNS)
    assert set(got["outcome"]) == {"nrr", "grr", "escalations_per_account"}
    assert (got["n"] > 0).all() and (got["n_csms"] > 0).all()
    assert (got["reading"] == "descriptive").all()
    for lo, rho, hi in got[["spearman_low", "spearman", "spearman_high"]].itertuples(index=False):
        assert lo <= hi and -1 <= lo and hi <= 1 and -1 <= rho <= 1
    # three quarter pairs of 12 CSMs each
    assert got["n"].max() == 3 * 12


def test_validity_with_params_weights_equals_the_stored_overall_score(session):
    current, previous = fake_history()
    results = [current, *previous]
    stored = score_validity(scores_by_period(results), outcomes_by_period(results), n_boot=0,
                            predictors=["overall_score"])
    got = session.validity(SP.weights.as_dict(), n_boot=0)
    stored = stored.set_index("outcome").reindex(got["outcome"].astype(str))
    np.testing.assert_allclose(got["spearman"].to_numpy(), stored["spearman"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(got["baseline_spearman"].to_numpy(), got["spearman"].to_numpy(), rtol=1e-12)
    assert got["n"].tolist() == stored["n"].tolist()


def test_validity_is_seeded_and_bounded_by_the_prepared_draws(session):
    w = dict(SP.weights.as_dict(), efficiency=0.9)
    pd.testing.assert_frame_equal(session.validity(w, n_boot=200), session.validity(w, n_boot=200))
    with pytest.raises(ParamsError, match="n_boot"):
        session.validity(w, n_boot=10_000)


def test_without_an_earlier_quarter_there_is_no_backtest():
    current, _ = fake_history()
    lone = TuningSession.from_history(current, [], PARAMS)
    got = lone.validity(Weights().as_dict())
    assert got.empty and list(got.columns) == list(VALIDITY_COLUMNS)
    assert len(lone.rescore({"retention": 1})) == len(current.categories)


def test_from_history_leaves_its_inputs_untouched():
    current, previous = fake_history(seed=5)
    before = current.categories.copy(), current.scores.copy()
    session = TuningSession.from_history(current, previous, PARAMS, max_boot=50)
    session.rescore({"health": 1.0})
    session.validity({"health": 1.0}, n_boot=50)
    pd.testing.assert_frame_equal(current.categories, before[0])
    pd.testing.assert_frame_equal(current.scores, before[1])


def test_a_csm_without_any_category_score_ranks_last_with_no_tier():
    current, previous = fake_history(seed=9)
    blank = current.categories.copy()
    blank.loc[0, list(SCORE_COLUMNS)] = np.nan
    blank.loc[0, "missing_categories"] = ";".join(CATEGORIES)
    current = SimpleNamespace(**{**vars(current), "categories": blank})
    table = TuningSession.from_history(current, previous, PARAMS, max_boot=20).rescore({"health": 1.0, "retention": 2.0})
    row = table.loc[table["csm_id"] == blank.loc[0, "csm_id"]].iloc[0]
    assert row["rank"] == len(table) and pd.isna(row["tier"]) and pd.isna(row["tier_change"])
    assert pd.isna(row["overall_score"]) and row["rank_change"] == 0
    assert table["tier_change"].dtype == "Int64"
