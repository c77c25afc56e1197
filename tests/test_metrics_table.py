"""The assembled per-CSM metrics table: roster, NaN versus 0, history, reconciliation."""

from __future__ import annotations

import numpy as np
import pytest

from book_fixtures import dataset, monthly_arr
from calibrate.errors import InsufficientDataError
from calibrate.metrics import METRIC_COLUMNS, compute_metrics, metrics_history
from calibrate.params import Params
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")


def tables(**extra):
    base = dict(
        ownership=[
            {"account_id": "A", "csm_id": "c1", "start_date": "2025-01-01", "end_date": "2026-09-20"},
            {"account_id": "A", "csm_id": "c2", "start_date": "2026-09-20"},
            {"account_id": "B", "csm_id": "c3", "start_date": "2025-01-01"},
            {"account_id": "N", "csm_id": "c4", "start_date": "2026-08-01"},
            {"account_id": "Z", "csm_id": "c5", "start_date": "2024-01-01", "end_date": "2025-01-01"},
        ],
        arr=monthly_arr("A", "2025-10", [100] * 10 + [120, 130, 130]) + monthly_arr("B", "2025-10", [50] * 13)
        + monthly_arr("N", "2026-08", [0, 10, 20]) + monthly_arr("Z", "2025-10", [5] * 13),
        activities=[],
    )
    base.update(extra)
    return base


def test_roster_is_csms_with_an_attribution_window_or_a_book_at_the_close():
    got = compute_metrics(dataset(**tables()), Q3, Params()).metrics.set_index("csm_id")
    # c1 handed A over inside P (credited through the grace), c2 holds it, c3 and c4 hold books; c5 left long ago
    assert sorted(got.index) == ["c1", "c2", "c3", "c4"]
    assert list(got.columns) == ["name", "segment", *METRIC_COLUMNS]
    assert got.loc["c1", "n_accounts"] == 0 and got.loc["c1", "nrr"] == pytest.approx(1.3)
    assert np.isnan(got.loc["c2", "nrr"])  # all of c2's tenure is inside c1's grace
    assert bool(got.loc["c2", "inherited_book"])
    assert np.isnan(got.loc["c4", "nrr"]) and got.loc["c4", "n_accounts"] == 1  # a new logo is in no NRR


def test_missing_optional_table_gives_nan_but_present_table_gives_zero_counts():
    without = compute_metrics(dataset(**tables()), Q3, Params()).metrics.set_index("csm_id")
    assert without["escalations"].isna().all() and without["nps"].isna().all() and without["saves"].isna().all()
    tickets = [{"ticket_id": "t1", "account_id": "B", "opened_at": "2026-07-02", "escalated": True}]
    withit = compute_metrics(dataset(**tables(tickets=tickets)), Q3, Params()).metrics.set_index("csm_id")
    assert withit.loc["c3", "escalations"] == 1 and withit.loc["c1", "escalations"] == 0


def test_reconciliation_holds_on_the_assembled_period():
    rec = compute_metrics(dataset(**tables()), Q3, Params()).reconciliation
    assert rec["company_movement"] == pytest.approx(rec["attributed_movement"] + rec["unattributed_movement"])
    assert rec["unattributed_movement"] == 0


def test_period_without_the_t1_month_is_refused():
    short = tables(arr=monthly_arr("A", "2026-01", [1] * 9) + monthly_arr("B", "2026-01", [1] * 9))
    with pytest.raises(InsufficientDataError, match="2026-10"):
        compute_metrics(dataset(**short), Q3, Params())


def test_history_stacks_the_period_and_three_before():
    got = metrics_history(dataset(**tables()), Q3, Params(), quarters=3)
    assert got["period"].unique().tolist() == ["2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4"]
    q2 = got.loc[(got["period"] == "2026-Q2") & (got["csm_id"] == "c1")]
    assert q2["nrr"].iloc[0] == pytest.approx(1.0)
