"""Book and attribution: ARR lookup, ownership, handover grace, inherited books, reconciliation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from book_fixtures import monthly_arr, typed
from calibrate.book import (
    account_lifecycle,
    arr_series,
    attribution_windows,
    book_at,
    inherited_book,
    movement_reconciliation,
    normalize_ownership,
    owned_windows,
    owner_at,
    require_arr_through,
)
from calibrate.errors import InsufficientDataError
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")


def own(*rows):
    return typed("ownership", [dict(zip(("account_id", "csm_id", "start_date", "end_date"), r)) for r in rows])


def test_arr_at_uses_the_month_containing_the_date_and_carries_forward():
    arr = arr_series(typed("arr", monthly_arr("A", "2026-06", [100, 120]) + monthly_arr("B", "2026-07", [0])))
    got = arr.at(["A", "A", "A", "A", "B", "Z", "A"], pd.to_datetime(["2026-05-31", "2026-06-30", "2026-07-15", "2026-12-01", "2026-07-01", "2026-07-01", None]))
    # before the first row: 0; inside June: June row; July: July row; after the last row: carried; unknown: 0; NaT: NaN
    np.testing.assert_array_equal(got[:6], [0, 100, 120, 120, 0, 0])
    assert np.isnan(got[6])


def test_require_arr_through_names_the_missing_month():
    arr = arr_series(typed("arr", monthly_arr("A", "2026-07", [1, 1, 1])))
    with pytest.raises(InsufficientDataError, match="2026-10"):
        require_arr_through(arr, Q3)
    require_arr_through(arr_series(typed("arr", monthly_arr("A", "2026-07", [1, 1, 1, 1]))), Q3)


def test_normalize_merges_back_to_back_windows_of_the_same_csm_only():
    got = normalize_ownership(own(("A", "c1", "2025-01-01", "2026-01-01"), ("A", "c1", "2026-01-01", "2026-05-01"), ("A", "c2", "2026-05-01", None)))
    assert got[["csm_id"]].to_numpy().ravel().tolist() == ["c1", "c2"]
    assert got.loc[0, "end_date"] == pd.Timestamp("2026-05-01")
    assert pd.isna(got.loc[1, "end_date"])


def test_owner_at_is_actual_ownership_with_exclusive_end():
    o = own(("A", "c1", "2025-01-01", "2026-08-01"), ("A", "c2", "2026-08-01", None), ("B", "c3", "2026-07-10", "2026-07-20"))
    got = owner_at(o, ["A", "A", "B", "B", "B", "C"], pd.to_datetime(["2026-07-31 23:59", "2026-08-01", "2026-07-09", "2026-07-19", "2026-07-20", "2026-07-01"], format="ISO8601"))
    assert got.tolist() == ["c1", "c2", pd.NA, "c3", pd.NA, pd.NA]


def test_book_at_lists_accounts_owned_on_the_date():
    o = own(("A", "c1", "2025-01-01", "2026-08-01"), ("A", "c2", "2026-08-01", None), ("B", "c1", "2026-09-30", None))
    got = book_at(o, pd.Timestamp("2026-09-30"))
    assert sorted(zip(got["account_id"], got["csm_id"])) == [("A", "c2"), ("B", "c1")]


def windows_for(o, arr_rows, *, grace=60):
    return attribution_windows(o, arr_series(typed("arr", arr_rows)), Q3, handover_grace_days=grace)


def test_handover_moves_the_boundary_by_the_grace_days():
    # c1 hands A over to c2 on 2026-08-01; with 30 days of grace c1 is credited until 2026-08-31.
    arr = monthly_arr("A", "2026-06", [100, 100, 110, 120, 130])
    w = windows_for(own(("A", "c1", "2025-01-01", "2026-08-01"), ("A", "c2", "2026-08-01", None)), arr, grace=30).set_index("csm_id")
    assert w.loc["c1", "attr_from"] == Q3.start and w.loc["c1", "attr_to"] == pd.Timestamp("2026-08-31")
    assert w.loc["c2", "attr_from"] == pd.Timestamp("2026-08-31") and w.loc["c2", "attr_to"] == Q3.end
    # the actual window is unchanged
    assert w.loc["c2", "owned_from"] == pd.Timestamp("2026-08-01")
    assert w.loc["c1", "owned_to"] == pd.Timestamp("2026-08-01")
    # S and E: ARR(a) and ARR(b) from the month containing each date; ARR(T1) = the October row
    assert (w.loc["c1", "s_arr"], w.loc["c1", "e_arr"]) == (100.0, 110.0)
    assert (w.loc["c2", "s_arr"], w.loc["c2", "e_arr"]) == (110.0, 130.0)
    assert w.loc["c1", "f"] == pytest.approx(61 / 92)
    assert w.loc["c1", "next_csm_id"] == "c2" and w.loc["c2", "previous_csm_id"] == "c1"


def test_grace_is_capped_at_the_later_windows_end_and_chains():
    # c2 owns A only 20 days: all of them are credited to c1 (capped at c2's end); c3's first
    # 60 days are in turn credited to c2, the owner who handed over to c3.
    arr = monthly_arr("A", "2026-06", [100] * 6)
    o = own(("A", "c1", "2025-01-01", "2026-07-10"), ("A", "c2", "2026-07-10", "2026-07-30"), ("A", "c3", "2026-07-30", None))
    w = windows_for(o, arr).set_index("csm_id")
    assert w.loc["c1", "attr_to"] == pd.Timestamp("2026-07-30")
    assert (w.loc["c2", "attr_from"], w.loc["c2", "attr_to"]) == (pd.Timestamp("2026-07-30"), pd.Timestamp("2026-09-28"))
    assert w.loc["c3", "attr_from"] == pd.Timestamp("2026-09-28")
    # a second owner whose whole tenure falls in the previous owner's grace gets no attribution window
    short = own(("A", "c1", "2025-01-01", "2026-07-10"), ("A", "c2", "2026-07-10", "2026-07-30"))
    w2 = windows_for(short, arr).set_index("csm_id")
    assert pd.isna(w2.loc["c2", "attr_from"]) and w2.loc["c2", "owned_from"] == pd.Timestamp("2026-07-10")


def test_after_a_gap_there_is_no_shift():
    arr = monthly_arr("A", "2026-06", [100] * 6)
    w = windows_for(own(("A", "c1", "2025-01-01", "2026-07-15"), ("A", "c2", "2026-08-01", None)), arr).set_index("csm_id")
    assert w.loc["c1", "attr_to"] == pd.Timestamp("2026-07-15")
    assert w.loc["c2", "attr_from"] == pd.Timestamp("2026-08-01")


def test_grace_reaches_back_into_the_period_for_a_handover_just_before_it():
    arr = monthly_arr("A", "2026-05", [100] * 7)
    w = windows_for(own(("A", "c1", "2025-01-01", "2026-06-15"), ("A", "c2", "2026-06-15", None)), arr).set_index("csm_id")
    assert pd.isna(w.loc["c1", "owned_from"])
    assert (w.loc["c1", "attr_from"], w.loc["c1", "attr_to"]) == (Q3.start, pd.Timestamp("2026-08-14"))


def test_new_logos_are_outside_the_cohort():
    arr = monthly_arr("N", "2026-08", [50, 60, 70])
    w = windows_for(own(("N", "c1", "2026-08-01", None)), arr)
    assert not w["in_cohort"].any() and not w["retention_window"].any()


def test_owned_windows_states_the_actual_window():
    arr = monthly_arr("A", "2026-06", [100] * 5)
    w = windows_for(own(("A", "c1", "2025-01-01", "2026-08-01"), ("A", "c2", "2026-08-01", None)), arr)
    got = owned_windows(w).set_index("csm_id")
    assert got.loc["c2", "owned_from"] == pd.Timestamp("2026-08-01") and got.loc["c2", "owned_to"] == Q3.end


def test_inherited_book_share_by_hand():
    # c2 holds A (took it over in P, ARR(T1) = 300) and B (since 2025, ARR(T1) = 100): share 0.75.
    o = own(("A", "c1", "2025-01-01", "2026-08-01"), ("A", "c2", "2026-08-01", None), ("B", "c2", "2025-01-01", None))
    arr = arr_series(typed("arr", monthly_arr("A", "2026-07", [200, 200, 250, 300]) + monthly_arr("B", "2026-07", [100] * 4)))
    life = account_lifecycle(attribution_windows(o, arr, Q3, handover_grace_days=0), arr, Q3)
    got = inherited_book(life, inherited_share_threshold=0.25).set_index("csm_id")
    assert got.loc["c2", "inherited_share"] == pytest.approx(0.75)
    assert bool(got.loc["c2", "inherited_book"]) and got.loc["c2", "n_accounts"] == 2
    # c1 handed A away inside P: no live book, no share, no flag.
    assert got.loc["c1", "n_accounts"] == 0 and np.isnan(got.loc["c1", "inherited_share"])
    assert not bool(got.loc["c1", "inherited_book"])
    exactly = inherited_book(life, inherited_share_threshold=0.75).set_index("csm_id")
    assert not bool(exactly.loc["c2", "inherited_book"])  # "more than" the threshold


@st.composite
def contiguous_books(draw):
    """Random accounts, each owned without a gap through Q3 by 1-4 CSMs, with monthly ARR."""
    n_accounts = draw(st.integers(1, 6))
    own_rows, arr_rows = [], []
    for i in range(n_accounts):
        account = f"A{i}"
        n_handovers = draw(st.integers(0, 3))
        cuts = sorted(set(draw(st.lists(st.integers(-80, 120), min_size=n_handovers, max_size=n_handovers))))
        starts = [pd.Timestamp("2025-01-01")] + [Q3.start + pd.Timedelta(days=d) for d in cuts]
        for j, start in enumerate(starts):
            end = starts[j + 1] if j + 1 < len(starts) else None
            own_rows.append((account, f"c{draw(st.integers(0, 3))}", start, end))
        # ARR that can grow, shrink or churn (a churn to 0 stays at 0)
        values, value = [], draw(st.sampled_from([0.0, 10.0, 100.0, 250.0]))
        for _ in range(10):
            values.append(value)
            if value > 0:
                value = draw(st.sampled_from([0.0, value, value * 0.8, value * 1.3, value + 7]))
        arr_rows += monthly_arr(account, "2026-04", values)
    return own(*own_rows), arr_rows, draw(st.integers(0, 120))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contiguous_books())
def test_company_movement_equals_the_sum_of_csm_movements(case):
    ownership, arr_rows, grace = case
    arr = arr_series(typed("arr", arr_rows))
    windows = attribution_windows(ownership, arr, Q3, handover_grace_days=grace)
    rec = movement_reconciliation(windows, arr, Q3)
    assert rec["attributed_movement"] == pytest.approx(rec["company_movement"], abs=1e-6)
    assert rec["unattributed_movement"] == pytest.approx(0.0, abs=1e-6)
    ret = windows.loc[windows["retention_window"]]
    per_csm = (ret["e_arr"] - ret["s_arr"]).groupby(ret["csm_id"]).sum()
    assert per_csm.sum() == pytest.approx(rec["company_movement"], abs=1e-6)
    # attribution windows of an account partition P: shares add up to 1 for owned cohort accounts
    shares = windows.loc[windows["in_cohort"]].groupby("account_id")["f"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0)


def test_gap_movement_is_reported_as_unattributed():
    arr = arr_series(typed("arr", monthly_arr("A", "2026-07", [100, 150, 150, 150])))
    windows = attribution_windows(own(("A", "c1", "2025-01-01", "2026-07-15"), ("A", "c2", "2026-09-01", None)), arr, Q3, handover_grace_days=60)
    rec = movement_reconciliation(windows, arr, Q3)
    assert rec["company_movement"] == 50 and rec["attributed_movement"] == 0 and rec["unattributed_movement"] == 50
