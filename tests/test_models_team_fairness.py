"""Fairness checks: adverse-impact ratio and Fisher p by hand, suppression, simulations."""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from calibrate.errors import InsufficientDataError
from calibrate.models.fairness import fairness_checks


def hand_team() -> pd.DataFrame:
    # north: 4 of 5 meets or better; south: 2 of 5; east: 2 people (suppressed), both exceeds.
    ratings = (
        ["exceeds", "meets", "meets", "meets", "needs_development"]
        + ["exceeds", "meets", "needs_development", "needs_development", "needs_development"]
        + ["exceeds", "exceeds"]
    )
    return pd.DataFrame(
        {
            "csm_id": [f"c{i:02d}" for i in range(12)],
            "rating": ratings,
            "group_location": ["north"] * 5 + ["south"] * 5 + ["east"] * 2,
        }
    )


def fisher_by_hand(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher p: sum of hypergeometric probabilities no larger than the observed table's."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def prob(x: int) -> float:
        return comb(col1, x) * comb(n - col1, row1 - x) / comb(n, row1)

    observed = prob(a)
    return sum(prob(x) for x in range(max(0, row1 - (n - col1)), min(row1, col1) + 1) if prob(x) <= observed * (1 + 1e-7))


def test_adverse_impact_ratio_and_fisher_by_hand():
    report = fairness_checks(hand_team())
    impact = report.impact.set_index(["outcome", "group"])
    assert set(report.impact["group"]) == {"north", "south"}  # east (2 people) is not shown
    south = impact.loc[("meets_or_better", "south")]
    assert south["rate"] == pytest.approx(0.4)
    assert south["reference_group"] == "north"
    assert south["impact_ratio"] == pytest.approx(0.4 / 0.8)
    assert bool(south["below_threshold"])
    # south vs the reference group north (the same group the ratio uses): 2 of 5 vs 4 of 5.
    assert south["fisher_p"] == pytest.approx(fisher_by_hand(2, 3, 4, 1))
    assert south["fisher_p"] == pytest.approx(stats.fisher_exact([[2, 3], [4, 1]]).pvalue)
    assert np.isnan(impact.loc[("meets_or_better", "north"), "fisher_p"])  # no test of the reference against itself
    north_exceeds = impact.loc[("exceeds", "north")]
    # exceeds: north 1/5, south 1/5 -> both ratio 1; east's 2/2 is not the reference.
    assert north_exceeds["impact_ratio"] == pytest.approx(1.0)
    assert impact.loc[("exceeds", "south"), "reference_group"] == "south"  # a tie goes to the last name
    assert north_exceeds["fisher_p"] == pytest.approx(stats.fisher_exact([[1, 4], [1, 4]]).pvalue)
    shares = report.rating_shares.set_index(["group", "rating"])
    assert shares.loc[("south", "needs_development"), "share"] == pytest.approx(0.6)
    finding = report.findings["group_location"]
    assert "'south' is at 0.50 of the highest group's rate" in finding
    assert "cannot tell it from chance" in finding
    assert "1 group(s) with fewer than 4 CSMs (2 people) are not shown" in finding


def test_missing_group_values_form_their_own_group():
    team = hand_team()
    team.loc[:4, "group_location"] = None
    report = fairness_checks(team)
    assert "(not recorded)" in set(report.impact["group"])


def simulate(n_per_group: int, groups: tuple[str, ...], *, seed: int, bias: dict | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bias = bias or {}
    rows = []
    for g in groups:
        for i in range(n_per_group):
            u = rng.random() + bias.get(g, 0.0)
            rating = "needs_development" if u < 0.1 else "meets" if u < 0.8 else "exceeds"
            rows.append({"csm_id": f"{g}{i}", "rating": rating, "group_site": g, "group_team": rng.choice(["a", "b"])})
    return pd.DataFrame(rows)


def test_no_planted_bias_finds_no_adverse_impact():
    team = simulate(1500, ("x", "y", "z"), seed=11)
    report = fairness_checks(team)
    assert not report.impact["below_threshold"].any()
    assert report.impact["impact_ratio"].min() > 0.85
    assert set(report.findings) == {"group_site", "group_team"}
    assert "every shown group is at 0.8 or more" in report.findings["group_site"]


def test_planted_bias_is_found():
    team = simulate(60, ("x", "y"), seed=12, bias={"y": -0.35})
    report = fairness_checks(team, group_columns=["group_site"])
    row = report.impact.set_index(["outcome", "group"]).loc[("exceeds", "y")]
    assert row["impact_ratio"] < 0.8
    assert row["fisher_p"] < 0.05
    assert "unlikely by chance" in report.findings["group_site"]


def test_hard_books_concentrated_in_one_group_are_reported():
    team = simulate(12, ("x", "y", "z"), seed=13)
    difficulty = pd.DataFrame({"csm_id": team["csm_id"], "expected_nrr": np.where(team["group_site"] == "y", 0.85, 1.05)})
    difficulty.loc[team["group_site"].eq("x").to_numpy() & (np.arange(len(team)) % 2 == 0), "expected_nrr"] = 1.0
    report = fairness_checks(team, group_columns=["group_site"], book_difficulty=difficulty)
    hard = report.hard_books.set_index("group")
    # Bottom third = 12 of 36 CSMs: exactly group y.
    assert hard.loc["y", "hard_books"] == 12
    assert hard.loc["x", "hard_books"] == 0
    assert hard.loc["y", "fisher_p"] == pytest.approx(stats.fisher_exact([[12, 0], [0, 24]]).pvalue)
    assert "Hard books are not spread evenly: 'y'" in report.findings["group_site"]


def test_ratings_table_needs_csm_and_rating():
    with pytest.raises(InsufficientDataError, match="needs csm_id and rating"):
        fairness_checks(pd.DataFrame({"csm_id": ["a"], "group_x": ["1"]}))


def test_an_impact_ratio_of_exactly_four_fifths_is_not_flagged():
    # 4 of 6 against 5 of 6: (4/6) / (5/6) is 0.7999999999999999 in floating point.
    assert (4 / 6) / (5 / 6) < 0.8
    team = pd.DataFrame(
        {
            "csm_id": [f"c{i:02d}" for i in range(12)],
            "rating": ["meets"] * 4 + ["needs_development"] * 2 + ["meets"] * 5 + ["needs_development"] * 1,
            "group_x": ["a"] * 6 + ["b"] * 6,
        }
    )
    row = fairness_checks(team).impact.set_index(["outcome", "group"]).loc[("meets_or_better", "a")]
    assert row["impact_ratio"] == pytest.approx(0.8)
    assert not bool(row["below_threshold"])
    # one fewer selected in group a is a real gap and is flagged
    team.loc[3, "rating"] = "needs_development"
    row = fairness_checks(team).impact.set_index(["outcome", "group"]).loc[("meets_or_better", "a")]
    assert bool(row["below_threshold"])
