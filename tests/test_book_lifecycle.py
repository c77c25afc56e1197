"""Account lifecycle: one state per (CSM, account), the live book, notices and renewals due.

Every expectation below is worked out by hand from the tiny tables in the
test, following the rules in ``docs/LIFECYCLE.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from book_fixtures import monthly_arr, typed
from calibrate.book import (
    LIFECYCLE_STATES,
    account_lifecycle,
    arr_series,
    attribution_windows,
    dormant_assignments,
    lifecycle_counts,
    live_book,
    upcoming_renewals,
)
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")


def own(*rows):
    return typed("ownership", [dict(zip(("account_id", "csm_id", "start_date", "end_date"), r)) for r in rows])


def lifecycle(ownership, arr_rows, *, grace=60, renewals=None):
    arr = arr_series(typed("arr", arr_rows))
    windows = attribution_windows(ownership, arr, Q3, handover_grace_days=grace)
    return account_lifecycle(windows, arr, Q3, renewals=renewals).set_index(["csm_id", "account_id"])


# Months from 2026-04 (two quarters of history) to 2026-10 (ARR at T1).
HISTORY = "2026-04"


def test_every_state_by_hand():
    o = own(
        ("RET", "c1", "2025-01-01", None),  # flat 100
        ("EXP", "c1", "2025-01-01", None),  # 100 -> 150
        ("CON", "c1", "2025-01-01", None),  # 100 -> 60
        ("CHU", "c1", "2025-01-01", None),  # 100, 0 from August
        ("NEW", "c1", "2026-08-01", None),  # never billed, first ARR in August
        ("REA", "c1", "2025-01-01", None),  # churned in May, back in September
        ("DOR", "c1", "2024-01-01", None),  # churned in 2025, still assigned
        ("AWAY", "c1", "2025-01-01", "2026-08-15"),  # handed to c2 inside P
        ("AWAY", "c2", "2026-08-15", None),
    )
    arr = (
        monthly_arr("RET", HISTORY, [100] * 7)
        + monthly_arr("EXP", HISTORY, [100, 100, 100, 100, 120, 150, 150])
        + monthly_arr("CON", HISTORY, [100, 100, 100, 100, 80, 60, 60])
        + monthly_arr("CHU", HISTORY, [100, 100, 100, 100, 0, 0, 0])
        + monthly_arr("NEW", HISTORY, [0, 0, 0, 0, 500, 500, 500])
        + monthly_arr("REA", HISTORY, [200, 0, 0, 0, 0, 250, 250])
        + monthly_arr("DOR", HISTORY, [0] * 7)
        + monthly_arr("AWAY", HISTORY, [300] * 7)
    )
    life = lifecycle(o, arr, grace=0)
    state = life["state"].to_dict()
    assert state[("c1", "RET")] == "retained"
    assert state[("c1", "EXP")] == "expanded"
    assert state[("c1", "CON")] == "contracted"
    assert state[("c1", "CHU")] == "churned"
    assert state[("c1", "NEW")] == "new_logo"
    assert state[("c1", "REA")] == "reactivated"
    assert state[("c1", "DOR")] == "dormant"
    assert state[("c1", "AWAY")] == "handed_away"
    assert state[("c2", "AWAY")] == "inherited"
    assert set(state.values()) == set(LIFECYCLE_STATES)

    # Live book: owned on 30 September with ARR above $0 in September.
    live = set(live_book(life.reset_index())["account_id"])
    assert live == {"RET", "EXP", "CON", "NEW", "REA", "AWAY"}
    counts = lifecycle_counts(life.reset_index()).loc["c1"]
    assert counts["n_accounts"] == 5  # RET, EXP, CON, NEW, REA (AWAY is c2's now)
    assert counts["n_dormant"] == 1 and counts["n_new_logo"] == 1 and counts["n_churned"] == 1
    assert counts["live_book_arr"] == 100 + 150 + 60 + 500 + 250
    assert lifecycle_counts(life.reset_index()).loc["c2", "inherited_accounts"] == 1

    # ARR behind each state: the start and end of the CSM's window.
    assert (life.loc[("c1", "CHU"), "arr_start"], life.loc[("c1", "CHU"), "arr_end"]) == (100, 0)
    assert (life.loc[("c1", "EXP"), "arr_start"], life.loc[("c1", "EXP"), "arr_end"]) == (100, 150)
    assert list(dormant_assignments(life.reset_index()).itertuples(index=False, name=None)) == [("c1", "DOR")]


def test_dormant_is_never_a_new_logo_and_never_in_the_book():
    # Churned in 2025, never billed, and a $0 trial: all assigned, all dormant.
    o = own(("OLD", "c1", "2024-01-01", None), ("NEVER", "c1", "2026-01-01", None), ("TRIAL", "c1", "2026-07-10", None))
    arr = monthly_arr("OLD", "2024-01", [50] * 12 + [0] * 22) + monthly_arr("TRIAL", "2026-07", [0, 0, 0, 0])
    life = lifecycle(o, arr)
    assert set(life["state"]) == {"dormant"}
    assert not life["in_live_book"].any()
    assert lifecycle_counts(life.reset_index()).loc["c1", "n_accounts"] == 0


def test_first_billed_at_t1_is_not_a_new_logo_of_this_quarter():
    # ARR appears only in the October row (the first day of the next quarter).
    o = own(("LATE", "c1", "2026-09-01", None))
    life = lifecycle(o, monthly_arr("LATE", "2026-07", [0, 0, 0, 800]))
    assert life.loc[("c1", "LATE"), "state"] == "dormant"


def test_inherited_account_that_churned_inside_the_grace_is_credited_to_the_previous_owner():
    # c2 takes A over on 15 August; A churns in September, inside the 60-day grace.
    o = own(("A", "c1", "2025-01-01", "2026-08-15"), ("A", "c2", "2026-08-15", None))
    life = lifecycle(o, monthly_arr("A", HISTORY, [29000] * 5 + [0, 0]), grace=60)
    c1, c2 = life.loc[("c1", "A")], life.loc[("c2", "A")]
    assert c1["state"] == "churned" and c1["in_retention"]
    assert (c1["arr_start"], c1["arr_end"]) == (29000, 0)
    # The new owner inherited a paying account: never "$0 -> $0, new logo".
    assert c2["state"] == "inherited" and bool(c2["inherited"]) and not c2["in_retention"]
    assert c2["arr_start"] == 29000 and c2["arr_end"] == 0
    assert not c2["in_live_book"]


def test_churn_notice_shows_arr_at_risk_and_the_renewal_due():
    # Notice on 20 August for a churn effective 1 October: ARR 29,000 through September, 0 in October.
    o = own(("N", "c1", "2025-01-01", None), ("D", "c1", "2024-01-01", None), ("OK", "c1", "2025-01-01", None))
    arr = monthly_arr("N", HISTORY, [29000] * 6 + [0]) + monthly_arr("D", HISTORY, [0] * 7) + monthly_arr("OK", HISTORY, [5000] * 7)
    renewals = typed(
        "renewals",
        [
            {"account_id": "N", "renewal_date": "2026-10-01", "outcome": "churned", "arr_before": 29000, "arr_after": 0, "notice_date": "2026-08-20"},
            {"account_id": "D", "renewal_date": "2026-11-01", "outcome": "pending", "arr_before": 0},
            {"account_id": "OK", "renewal_date": "2026-12-15", "outcome": "pending", "arr_before": 5000},
            {"account_id": "OK", "renewal_date": "2027-06-15", "outcome": "pending", "arr_before": 5000},
        ],
    )
    life = lifecycle(o, arr, renewals=renewals)
    assert life.loc[("c1", "N"), "notice_date"] == pd.Timestamp("2026-08-20")
    assert life.loc[("c1", "N"), "arr_at_risk"] == 29000
    assert bool(life.loc[("c1", "N"), "in_live_book"])  # live on 30 September
    assert np.isnan(life.loc[("c1", "OK"), "arr_at_risk"])

    due = upcoming_renewals(life.reset_index(), renewals, Q3, days=90)
    # The dormant record D is not a renewal due; OK's 2027 renewal is beyond 90 days.
    assert list(due["account_id"]) == ["N", "OK"]
    n = due.set_index("account_id").loc["N"]
    assert n["arr"] == 29000 and n["arr_at_risk"] == 29000 and n["notice_date"] == pd.Timestamp("2026-08-20")


def test_new_logo_assigned_in_the_quarter_is_not_inherited():
    o = own(("NEW", "c1", "2026-08-01", None), ("OLD", "c1", "2026-08-01", None), ("OLD", "c0", "2025-01-01", "2026-08-01"))
    arr = monthly_arr("NEW", HISTORY, [0, 0, 0, 0, 900, 900, 900]) + monthly_arr("OLD", HISTORY, [100] * 7)
    life = lifecycle(o, arr, grace=0)
    assert life.loc[("c1", "NEW"), "state"] == "new_logo" and not life.loc[("c1", "NEW"), "inherited"]
    assert life.loc[("c1", "OLD"), "state"] == "inherited" and life.loc[("c1", "OLD"), "inherited"]


@st.composite
def books(draw):
    """Random ownership (one or two owners per account) and monthly ARR, some zero."""
    n = draw(st.integers(1, 8))
    own_rows, arr_rows = [], []
    for k in range(n):
        account = f"A{k}"
        values = draw(st.lists(st.sampled_from([0, 0, 50, 100, 200]), min_size=7, max_size=7))
        arr_rows += monthly_arr(account, HISTORY, values)
        split = draw(st.sampled_from([None, "2026-07-20", "2026-08-15", "2026-09-10"]))
        first, second = draw(st.sampled_from(["c1", "c2", "c3"])), draw(st.sampled_from(["c1", "c2", "c3"]))
        if split is None or first == second:
            own_rows.append((account, first, "2025-01-01", None))
        else:
            own_rows += [(account, first, "2025-01-01", split), (account, second, split, None)]
    return own(*own_rows), arr_rows, draw(st.sampled_from([0, 30, 60]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_one_state_per_row_and_the_live_book_partitions_accounts(case):
    ownership, arr_rows, grace = case
    life = lifecycle(ownership, arr_rows, grace=grace).reset_index()
    assert life["state"].isin(LIFECYCLE_STATES).all()
    assert not life.duplicated(["csm_id", "account_id"]).any()
    # Each account is live in at most one book, and exactly when someone owns it at the close with September ARR > 0.
    live = live_book(life)
    assert not live["account_id"].duplicated().any()
    assert (live["arr_last_month"] > 0).all()
    # Dormant rows are never live, never new logos, never carry money at risk.
    dormant = life[life["state"] == "dormant"]
    assert not dormant["in_live_book"].any() and dormant["arr_at_risk"].isna().all()
    # Churned rows are exactly the credited retention windows that ended at $0.
    churned = life[life["state"] == "churned"]
    assert churned["in_retention"].all() and (churned["arr_end"] == 0).all()
