"""Portfolio balance: load, concentration, ARR at risk and rebalancing moves, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from calibrate.errors import InsufficientDataError, ParamsError
from calibrate.models.balance import portfolio_balance, rebalancing_moves
from calibrate.params import CapacityParams, params_from_mapping

AS_OF = pd.Timestamp("2026-10-01")
TARGETS = {"smb": 4, "enterprise": 2}


def team() -> tuple[pd.DataFrame, pd.DataFrame]:
    csms = pd.DataFrame({"csm_id": ["A", "B", "C", "D"], "segment": ["smb", "smb", "smb", "enterprise"]})
    rows = [
        # A: 7 accounts against a target of 4; a1 is its top account, a4 renews in 30 days.
        ("A", "a1", 400.0, 80.0, False, None),
        ("A", "a2", 50.0, 40.0, False, None),
        ("A", "a3", 60.0, 70.0, False, None),
        ("A", "a4", 70.0, 90.0, False, AS_OF + pd.Timedelta(days=30)),
        ("A", "a5", 80.0, 80.0, True, None),
        ("A", "a6", 90.0, 80.0, False, AS_OF + pd.Timedelta(days=61)),
        ("A", "a7", 100.0, 80.0, False, None),
        ("B", "b1", 100.0, 80.0, False, None),
        ("B", "b2", 100.0, 80.0, False, None),
        ("C", "c1", 300.0, 80.0, False, None),
        ("C", "c2", 300.0, 80.0, False, None),
        ("C", "c3", 300.0, 80.0, False, None),
        ("D", "d1", 500.0, 80.0, False, None),
    ]
    book = pd.DataFrame(rows, columns=["csm_id", "account_id", "arr", "health_t1", "at_risk", "next_renewal_date"])
    return book, csms


def balance(book, csms, **kw):
    args = dict(target_accounts=TARGETS, default_accounts=50, arr_per_csm_max=1000.0, tolerance=0.1)
    return portfolio_balance(book, csms, **(args | kw))


def test_load_concentration_and_at_risk_by_hand():
    book, csms = team()
    out = balance(book, csms).set_index("csm_id")
    a = out.loc["A"]
    assert a["n_accounts"] == 7 and a["target_accounts"] == 4
    assert a["account_load"] == pytest.approx(7 / 4)
    assert a["arr"] == pytest.approx(850.0)
    assert a["status"] == "over"
    assert a["top_account_id"] == "a1"
    assert a["top_account_share"] == pytest.approx(400 / 850)
    # a2 is red at T1 (40 <= 50), a5 is flagged at risk.
    assert a["at_risk_arr_share"] == pytest.approx((50 + 80) / 850)
    assert list(out["status"].loc[["B", "C", "D"]]) == ["under", "under", "under"]
    assert out.loc["C", "arr_load"] == pytest.approx(0.9)
    assert out.index[0] == "A"  # most loaded first


def test_rebalancing_moves_by_hand():
    book, csms = team()
    moves = rebalancing_moves(book, balance(book, csms), as_of=AS_OF, renewal_freeze_days=60)
    # Movable from A, smallest first: a2, a3, a5 (a1 is the top account, a4 renews within 60 days).
    # a2 -> B (room 2 vs 1); a3 -> B (tie on room 1, B first by id); a5 -> C (B full, C stays at 980 <= 1000).
    assert list(moves["account_id"]) == ["a2", "a3", "a5"]
    assert list(moves["to_csm_id"]) == ["B", "B", "C"]
    assert set(moves["from_csm_id"]) == {"A"}
    assert list(moves["from_accounts_after"]) == [6, 5, 4]
    assert list(moves["from_arr_after"]) == pytest.approx([800.0, 740.0, 660.0])
    assert list(moves["to_accounts_before"]) == [2, 3, 3]
    assert list(moves["to_arr_after"]) == pytest.approx([250.0, 310.0, 980.0])
    assert "D" not in set(moves["to_csm_id"])  # other segment


def test_frozen_window_and_no_receivers():
    book, csms = team()
    # With no freeze, a4 (70) is moved before a5 (80).
    moves = rebalancing_moves(book, balance(book, csms), as_of=AS_OF, renewal_freeze_days=0)
    assert list(moves["account_id"]) == ["a2", "a3", "a4"]
    # Nobody with room in the segment: no moves, and an empty frame with the columns.
    crowded = balance(book, csms, target_accounts={"smb": 2, "enterprise": 2})
    none = rebalancing_moves(book, crowded, as_of=AS_OF)
    assert none.empty and "from_arr_after" in none.columns


def test_over_on_arr_alone_moves_until_under_the_ceiling():
    csms = pd.DataFrame({"csm_id": ["E", "F"], "segment": ["smb", "smb"]})
    book = pd.DataFrame({"csm_id": ["E", "E", "E", "F"], "account_id": ["e1", "e2", "e3", "f1"], "arr": [900.0, 200.0, 150.0, 100.0]})
    out = balance(book, csms)
    assert out.set_index("csm_id").loc["E", "status"] == "over"  # 3 accounts (target 4) but 1250 > 1000
    moves = rebalancing_moves(book, out, as_of=AS_OF)
    assert list(moves["account_id"]) == ["e3", "e2"]
    assert moves["from_arr_after"].iloc[-1] == pytest.approx(900.0)


def test_inputs_are_not_modified_and_columns_are_checked():
    book, csms = team()
    before = book.copy()
    rebalancing_moves(book, balance(book, csms), as_of=AS_OF)
    pd.testing.assert_frame_equal(book, before)
    with pytest.raises(InsufficientDataError, match="needs book columns csm_id, account_id, arr"):
        balance(book.drop(columns="arr"), csms)


def test_capacity_params_defaults_lookup_and_checks():
    cap = CapacityParams()
    assert cap.target_accounts("Enterprise") == cap.enterprise_accounts
    assert cap.target_accounts("strategic") == cap.default_accounts
    assert cap.segment_targets() == {"enterprise": 15, "mid_market": 40, "smb": 100, "digital": 250}
    p = params_from_mapping({"capacity": {"smb_accounts": "80", "arr_per_csm_max": "4000000"}})
    assert p.capacity.smb_accounts == 80 and p.capacity.arr_per_csm_max == 4_000_000
    with pytest.raises(ParamsError, match=r"'capacity.smb_accounts' parameter must be >= 1\. Got 0"):
        params_from_mapping({"capacity": {"smb_accounts": "0"}})
    with pytest.raises(ParamsError, match=r"Did you mean 'capacity.smb_accounts'"):
        params_from_mapping({"capacity": {"smb_acounts": "3"}})
