"""Team calibration charts: they draw, they stay labelled selectively at 200 CSMs, and they say when there is no data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibrate.models.distribution import rating_distribution
from calibrate.models.expected import book_adjusted
from calibrate.models.funnel import Z95, Z998
from calibrate.present.charts import chart_to_svg
from calibrate.present.team import (
    funnel_plot,
    nine_box_chart,
    portfolio_chart,
    rank_interval_plot,
    rating_share_chart,
    score_distribution_chart,
)
from calibrate.present.team.charts import MAX_LABELS

CUTS = {"top": 90.0, "strong": 75.0, "solid": 60.0}


def _names(n: int) -> list[str]:
    return [f"Person {i:03d}" for i in range(n)]


def _adjusted(n_csms: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_csms):
        for a in range(int(rng.integers(5, 40))):
            s = float(rng.lognormal(10, 1))
            p = float(rng.uniform(0.01, 0.2))
            churned = rng.random() < p * (3 if c == 0 else 1)
            rows.append({"csm_id": f"C{c:03d}", "start_arr": s, "end_arr": 0.0 if churned else s * rng.uniform(0.9, 1.2),
                         "churned": churned, "expected_churn": p, "expected_ratio": 1.0})
    frame = pd.DataFrame(rows)
    frame["arr_ratio"] = frame["end_arr"] / frame["start_arr"]
    out = book_adjusted(frame)
    return out.assign(name=out["csm_id"].map(dict(zip([f"C{i:03d}" for i in range(n_csms)], _names(n_csms)))))


def _ranks(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    score = rng.uniform(30, 95, n)
    width = rng.uniform(1, 12, n)
    low, high = score - width, score + width
    tier = lambda x: np.select([x >= 90, x >= 75, x >= 60], ["top", "strong", "solid"], "under")  # noqa: E731
    return pd.DataFrame({"csm_id": [f"C{i:03d}" for i in range(n)], "name": _names(n), "overall_score": score, "score_low": low,
                         "score_high": high, "median_rank": np.argsort(np.argsort(-score)) + 1.0,
                         "discuss": tier(low) != tier(high)})


@pytest.mark.parametrize("measure", ["churn", "nrr"])
@pytest.mark.parametrize("n_csms", [9, 200])
def test_funnel_plot_draws_and_labels_at_most_eight(measure, n_csms):
    adjusted = _adjusted(n_csms)
    chart = funnel_plot(adjusted, measure=measure)
    svg = chart_to_svg(chart)
    assert "<svg" in svg
    shown = [name for name in adjusted["name"] if f">{name}<" in svg]
    outside = adjusted[f"{measure}_band"].isin(["outside_95", "outside_998"]).sum()  # labels go to judged books past a line
    assert len(shown) == min(8, outside)


@pytest.mark.parametrize("measure", ["churn", "nrr"])
def test_funnel_dots_lines_and_band_say_the_same_for_every_csm(measure):
    # One churn where the book expected about 0.05 sits near the 95% line: the dot, its colour and the band agree.
    rows = [{"csm_id": f"C{c:03d}", "start_arr": 100.0, "end_arr": 100.0, "churned": False, "expected_churn": 0.1,
             "expected_ratio": 1.0, "arr_ratio": 1.0} for c in range(1, 20) for _ in range(20)]
    rows += [{"csm_id": "C000", "start_arr": 100.0, "end_arr": 0.0 if a == 0 else 100.0, "churned": a == 0,
              "expected_churn": 0.0025, "expected_ratio": 1.0, "arr_ratio": 0.0 if a == 0 else 1.0} for a in range(20)]
    adjusted = pd.concat([book_adjusted(pd.DataFrame(rows)), _adjusted(60)], ignore_index=True)
    chart = funnel_plot(adjusted, measure=measure)
    points = chart.layer[2].data
    beyond = np.abs(points["value"].to_numpy()) > Z95
    band = adjusted[f"{measure}_band"].to_numpy()
    judged = band != "too_few"  # a churn book too small to judge has its own colour and word, not "inside"
    assert np.array_equal(beyond[judged], band[judged] != "inside")
    assert np.array_equal(points["status"].to_numpy()[judged] != "inside the limits", band[judged] != "inside")
    assert (points["status"].to_numpy()[~judged] == "too few accounts to judge").all()
    limits = chart.layer[0].data
    assert sorted(set(np.round(limits["limit"], 6))) == sorted(np.round([-Z998, -Z95, Z95, Z998], 6))


def test_funnel_plot_rejects_an_unknown_measure():
    with pytest.raises(ValueError, match="measure"):
        funnel_plot(_adjusted(5), measure="grr")


def test_rank_plot_names_everyone_in_a_small_team_and_nobody_in_a_large_one():
    small = _ranks(12)
    svg = chart_to_svg(rank_interval_plot(small, tier_cuts=CUTS))
    assert all(f">{name}<" in svg for name in small["name"])
    large = _ranks(200)
    svg = chart_to_svg(rank_interval_plot(large, tier_cuts=CUTS))
    assert not any(f">{name}<" in svg for name in large["name"])
    assert "200 CSMs" in svg


def test_portfolio_chart_labels_only_over_capacity_csms():
    n = 200
    rng = np.random.default_rng(1)
    load = rng.uniform(0.3, 1.5, n)
    balance = pd.DataFrame({"csm_id": [f"C{i:03d}" for i in range(n)], "name": _names(n), "account_load": load,
                            "arr_load": rng.uniform(0.1, 0.9, n), "status": np.where(load > 1.1, "over", np.where(load < 1, "under", "within")),
                            "segment": "smb"})
    svg = chart_to_svg(portfolio_chart(balance))
    shown = [name for name in balance["name"] if f">{name}<" in svg]
    assert 0 < len(shown) <= MAX_LABELS
    assert set(shown) <= set(balance.loc[balance["status"] == "over", "name"])


def test_distribution_and_nine_box_charts_draw():
    overall = pd.DataFrame({"csm_id": ["a", "b", "c"], "name": ["A", "B", "C"], "overall_score": [55.0, 70.0, 92.0],
                            "tier": ["under", "solid", "top"], "rating": ["needs_development", "meets", "exceeds"]})
    assert "<svg" in chart_to_svg(score_distribution_chart(overall, tier_cuts=CUTS))
    check = rating_distribution(overall["rating"], target_exceeds=0.2, target_meets=0.7, target_needs_development=0.1)
    assert "<svg" in chart_to_svg(rating_share_chart(check))
    grid = pd.DataFrame([{"potential": p, "performance": r, "count": 0, "csm_ids": "", "names": []}
                         for p in ("high", "medium", "low") for r in ("needs_development", "meets", "exceeds")])
    grid.at[0, "names"] = _names(6)
    grid.at[0, "count"] = 6
    svg = chart_to_svg(nine_box_chart(grid))
    assert "and 2 more" in svg and "Person 000" in svg and "Person 005" not in svg


def test_charts_without_data_are_none():
    assert funnel_plot(None) is None
    assert rank_interval_plot(None, tier_cuts=CUTS) is None
    assert nine_box_chart(None) is None
    assert portfolio_chart(None) is None
    assert rating_share_chart(None) is None
    assert score_distribution_chart(pd.DataFrame({"overall_score": [np.nan], "tier": [None]}), tier_cuts=CUTS) is None


def test_funnel_status_reads_without_colour_and_its_colours_stand_out_from_white():
    from calibrate.present.team.charts import _POSITION_COLORS, _POSITION_SHAPES

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert set(_POSITION_COLORS) == set(_POSITION_SHAPES)
    assert len(set(_POSITION_SHAPES.values())) == len(_POSITION_SHAPES)  # one shape per status
    for status, colour in _POSITION_COLORS.items():
        assert (1.0 + 0.05) / (luminance(colour) + 0.05) >= 3.0, status  # WCAG 1.4.11 non-text contrast
    spec = funnel_plot(_adjusted(30), measure="nrr").to_dict()
    points = spec["layer"][2]["encoding"]
    assert points["shape"]["field"] == points["color"]["field"] == "status"  # shape and colour say the same thing
