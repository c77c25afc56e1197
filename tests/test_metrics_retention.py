"""NRR, GRR and ARR movements over attribution windows, by hand and as properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from book_fixtures import monthly_arr, quarter_book, typed
from calibrate.book import arr_series, attribution_windows
from calibrate.metrics.retention import renewal_metrics, retention_metrics, window_movements
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")


def windows(ownership, arr, grace=60):
    return attribution_windows(ownership, arr_series(arr), Q3, handover_grace_days=grace)


def test_retention_by_hand():
    # c1: A grows 100 -> 120, B churns 50 -> 0, C shrinks 200 -> 180; N is a new logo (outside the cohort).
    ownership, arr = quarter_book({"c1": {"A": (100, 120), "B": (50, 0), "C": (200, 180)}})
    new_logo = typed("arr", monthly_arr("N", "2026-08", [0, 40, 60]))
    arr = typed("arr", arr.to_dict("records") + new_logo.to_dict("records"))
    ownership = typed("ownership", ownership.to_dict("records") + [{"account_id": "N", "csm_id": "c1", "start_date": "2026-08-01"}])
    got = retention_metrics(windows(ownership, arr)).loc["c1"]
    assert got["start_arr"] == 350 and got["end_arr"] == 300
    assert got["nrr"] == pytest.approx(300 / 350)
    assert got["grr"] == pytest.approx((100 + 0 + 180) / 350)
    assert (got["expansion_arr"], got["contraction_arr"], got["churn_arr"]) == (20, 20, 50)
    assert got["logo_churn_rate"] == pytest.approx(1 / 3)
    assert got["expansion_rate"] == pytest.approx(20 / 350)
    assert got["net_arr_movement"] == -50
    assert got["time_weighted_base"] == pytest.approx(350)
    assert got["nrr"] == pytest.approx(got["grr"] + got["expansion_arr"] / got["start_arr"])


def test_handover_splits_movement_and_weights_the_base():
    # A: 100 in Jul, 130 in Aug, 160 in Sep and Oct; c1 hands over to c2 on 2026-07-15 (grace 0).
    ownership = typed(
        "ownership",
        [
            {"account_id": "A", "csm_id": "c1", "start_date": "2025-01-01", "end_date": "2026-07-15"},
            {"account_id": "A", "csm_id": "c2", "start_date": "2026-07-15"},
        ],
    )
    arr = typed("arr", monthly_arr("A", "2026-07", [100, 130, 160, 160]))
    got = retention_metrics(windows(ownership, arr, grace=0))
    # c1's window [Jul 1, Jul 15): S = E = 100; c2's [Jul 15, Oct 1): S = 100 (July row), E = 160
    assert got.loc["c1", "nrr"] == 1.0 and got.loc["c2", "nrr"] == pytest.approx(1.6)
    assert got.loc["c1", "time_weighted_base"] == pytest.approx(100 * 14 / 92)
    assert got.loc["c2", "time_weighted_base"] == pytest.approx(100 * 78 / 92)
    # with 60 days of grace all of it is c1's until 2026-09-13
    graced = retention_metrics(windows(ownership, arr, grace=60))
    assert graced.loc["c1", "end_arr"] == 160 and graced.loc["c2", "expansion_arr"] == 0


def test_csm_without_cohort_windows_is_absent_not_zero():
    ownership = typed("ownership", [{"account_id": "N", "csm_id": "c9", "start_date": "2026-08-01"}])
    arr = typed("arr", monthly_arr("N", "2026-08", [10, 20, 30]))
    assert "c9" not in retention_metrics(windows(ownership, arr)).index


def test_window_movements_columns_by_hand():
    ownership, arr = quarter_book({"c1": {"A": (100, 120), "B": (50, 0), "C": (200, 180)}})
    got = window_movements(windows(ownership, arr)).set_index("account_id")
    assert got.loc["B", "churn_arr"] == 50 and got.loc["B", "contraction_arr"] == 0 and bool(got.loc["B", "churned"])
    assert got.loc["C", "contraction_arr"] == 20 and got.loc["A", "retained_arr"] == 100


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(0, 2e6)), min_size=1, max_size=12))
def test_nrr_is_grr_plus_expansion_rate_and_grr_at_most_one(pairs):
    books = {"c1": {f"A{i}": (round(s, 2), round(e, 2)) for i, (s, e) in enumerate(pairs)}}
    ownership, arr = quarter_book(books)
    got = retention_metrics(windows(ownership, arr)).loc["c1"]
    assert got["nrr"] == pytest.approx(got["grr"] + got["expansion_arr"] / got["start_arr"], rel=1e-9)
    assert got["grr"] <= 1 + 1e-12
    assert got["end_arr"] - got["start_arr"] == pytest.approx(got["net_arr_movement"], abs=1e-6)


def test_renewal_rate_by_hand():
    ownership, _ = quarter_book({"c1": {"A": (1, 1), "B": (1, 1), "C": (1, 1)}})
    renewals = typed(
        "renewals",
        [
            {"account_id": "A", "renewal_date": "2026-08-01", "outcome": "renewed", "arr_before": 1},
            {"account_id": "B", "renewal_date": "2026-08-01", "outcome": "churned", "arr_before": 1},
            {"account_id": "C", "renewal_date": "2026-08-01", "outcome": "pending", "arr_before": 1},
            {"account_id": "C", "renewal_date": "2026-11-01", "outcome": "renewed", "arr_before": 1},
        ],
    )
    got = renewal_metrics(renewals, ownership, Q3).loc["c1"]
    assert (got["renewals_won"], got["renewals_lost"], got["renewal_rate"]) == (1, 1, 0.5)
    assert np.isfinite(got["renewal_rate"])


def test_lost_renewal_is_credited_when_ownership_ends_on_the_renewal_date():
    # A churned account's ownership ends the day its contract ends (the renewal
    # date); the loss still belongs to the CSM who owned the ending term.
    ownership = typed(
        "ownership",
        [
            {"account_id": "A", "csm_id": "c1", "start_date": "2025-01-01", "end_date": ""},
            {"account_id": "B", "csm_id": "c1", "start_date": "2025-01-01", "end_date": "2026-08-01"},
        ],
    )
    renewals = typed(
        "renewals",
        [
            {"account_id": "A", "renewal_date": "2026-08-01", "outcome": "renewed", "arr_before": 1},
            {"account_id": "B", "renewal_date": "2026-08-01", "outcome": "churned", "arr_before": 1},
        ],
    )
    got = renewal_metrics(renewals, ownership, Q3).loc["c1"]
    assert (got["renewals_won"], got["renewals_lost"], got["renewal_rate"]) == (1, 1, 0.5)
