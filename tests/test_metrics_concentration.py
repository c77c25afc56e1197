"""Concentration of a book: top share, HHI, N_eff, NRR without the top account, flags."""

from __future__ import annotations

import pytest

from book_fixtures import quarter_book
from calibrate.book import arr_series, attribution_windows
from calibrate.metrics.concentration import concentration_metrics, window_influence
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")


def windows(books):
    ownership, arr = quarter_book(books)
    return attribution_windows(ownership, arr_series(arr), Q3, handover_grace_days=60)


def metrics(books, share=0.25, move=0.05):
    return concentration_metrics(windows(books), top_share_threshold=share, top_nrr_move=move)


def test_concentration_by_hand():
    got = metrics({"c1": {"A": (100, 120), "B": (50, 0), "C": (200, 180)}}).loc["c1"]
    assert got["top_account_id"] == "C"
    assert got["top_account_share"] == pytest.approx(200 / 350)
    assert got["hhi"] == pytest.approx((100**2 + 50**2 + 200**2) / 350**2)
    assert got["n_eff"] == pytest.approx(350**2 / (100**2 + 50**2 + 200**2))
    assert got["nrr_excl_top"] == pytest.approx((300 - 180) / (350 - 200))
    assert got["top_nrr_move"] == pytest.approx(300 / 350 - 120 / 150)
    assert bool(got["concentrated_book"])


def test_leave_one_out_influence_by_hand():
    got = window_influence(windows({"c1": {"A": (100, 120), "B": (50, 0), "C": (200, 180)}})).set_index("account_id")
    assert got.loc["B", "nrr_without"] == pytest.approx(300 / 300)
    assert got.loc["B", "nrr_influence"] == pytest.approx(300 / 350 - 1.0)
    assert got.loc["A", "share"] == pytest.approx(100 / 350)


def test_camouflage_flag_alone():
    # Ten accounts; the top one (share < 25%) grows, nine shrink: NRR >= 1 but < 1 without the top.
    book = {f"S{i}": (100, 95) for i in range(9)}
    book["TOP"] = (250, 400)
    got = metrics({"c1": book}, share=1.0, move=1.0).loc["c1"]
    assert got["top_account_share"] < 0.25
    assert (1255 / 1150) >= 1 and got["nrr_excl_top"] < 1
    assert bool(got["concentrated_book"])


def test_nrr_move_flag_alone():
    book = {f"S{i}": (100, 100) for i in range(9)}
    book["TOP"] = (200, 100)  # NRR 0.909 vs 1.0 without: 9 points
    got = metrics({"c1": book}, share=1.0).loc["c1"]
    assert got["top_nrr_move"] == pytest.approx(1000 / 1100 - 1.0)
    assert bool(got["concentrated_book"])
    assert not bool(metrics({"c1": book}, share=1.0, move=0.10).loc["c1", "concentrated_book"])


def test_diversified_book_is_not_flagged_and_single_window_has_no_excl_top():
    book = {f"S{i}": (100, 101) for i in range(10)}
    assert not bool(metrics({"c1": book}).loc["c1", "concentrated_book"])
    single = metrics({"c1": {"A": (100, 110)}}).loc["c1"]
    assert single["top_account_share"] == 1.0 and single["nrr_excl_top"] != single["nrr_excl_top"]  # NaN
