"""The account × quarter panel and the alert view on a tiny hand-built book.

Quarters 2026-Q1..Q3 enter (2025-Q4 has no 90 days of flag history before it);
the data ends with the ARR row of 2026-10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_models_support import make_dataset, typed

from calibrate.errors import InsufficientDataError
from calibrate.models.alerts import alert_table, caught_events, response_table
from calibrate.models.panel import build_panel, panel_for_horizon
from calibrate.periods import parse_period

MONTHS = pd.date_range("2025-10-01", "2026-10-01", freq="MS")


def arr_rows(account: str, value_by_month) -> list[dict]:
    return [{"account_id": account, "month": m, "arr": value_by_month(m)} for m in MONTHS]


def tiny_dataset(**overrides):
    ids = ["A1", "A2", "A3", "A4", "A5", "A6"]
    arr = []
    arr += arr_rows("A1", lambda m: 100.0)
    arr += arr_rows("A2", lambda m: 0.0 if m >= pd.Timestamp("2026-04-01") else 200.0)
    arr += arr_rows("A3", lambda m: 0.0 if m >= pd.Timestamp("2026-06-01") else 300.0)
    arr += arr_rows("A4", lambda m: 400.0)
    arr += arr_rows("A5", lambda m: 50.0 if m >= pd.Timestamp("2026-05-01") else 0.0)
    arr += arr_rows("A6", lambda m: 600.0)
    tables = dict(
        csms=typed("csms", [{"csm_id": c, "name": c, "segment": "smb", "hire_date": "2020-01-01"} for c in ("C1", "C2")]),
        accounts=typed("accounts", [{"account_id": a, "name": a, "segment": "smb" if a != "A6" else "enterprise",
                                     "customer_since": "2025-01-01"} for a in ids]),
        ownership=typed("ownership", [{"account_id": a, "csm_id": "C2" if a == "A4" else "C1",
                                       "start_date": "2025-01-01"} for a in ids]),
        arr=typed("arr", arr),
        health=typed("health", [
            {"account_id": "A1", "date": "2025-12-20", "score": 80},
            {"account_id": "A1", "date": "2026-01-01", "score": 40},
            {"account_id": "A1", "date": "2026-01-02", "score": 60},
        ]),
        renewals=typed("renewals", [
            {"account_id": "A2", "renewal_date": "2026-03-31", "outcome": "churned", "arr_before": 200,
             "notice_date": "2026-02-10"},
            {"account_id": "A6", "renewal_date": "2026-08-15", "outcome": "renewed", "arr_before": 600},
        ]),
        tickets=typed("tickets", [
            {"ticket_id": "T1", "account_id": "A4", "opened_at": "2026-07-05", "escalated": True},
            {"ticket_id": "T2", "account_id": "A4", "opened_at": "2026-04-10", "escalated": True,
             "escalated_at": "2026-05-01"},
            {"ticket_id": "T3", "account_id": "A1", "opened_at": "2026-02-01", "escalated": False},
        ]),
        ai_flags=typed("ai_flags", [
            {"flag_id": "F0", "account_id": "A6", "raised_at": "2025-10-15", "kind": "sentiment_decline"},
            {"flag_id": "F1", "account_id": "A1", "raised_at": "2025-12-01", "kind": "churn_risk", "score": 0.7,
             "csm_response": "actioned"},
            {"flag_id": "F2", "account_id": "A1", "raised_at": "2026-01-01", "kind": "churn_risk", "score": 0.6},
            # raised after A2's churn notice (2026-02-10): must never count as a prediction
            {"flag_id": "F3", "account_id": "A2", "raised_at": "2026-02-20", "kind": "churn_risk", "score": 0.9},
            {"flag_id": "F4", "account_id": "A3", "raised_at": "2026-03-25", "kind": "churn_risk", "score": 0.8},
            # only 10 days before A4's escalation on 2026-07-05: exposed, but too late for recall
            {"flag_id": "F5", "account_id": "A4", "raised_at": "2026-06-25", "kind": "escalation_risk"},
        ]),
    )
    tables.update(overrides)
    return make_dataset(**tables)


@pytest.fixture(scope="module")
def panel():
    return build_panel(tiny_dataset(), last=parse_period("2026-Q3"), lookback_days=90)


def row(frame, account, quarter):
    hit = frame.loc[(frame["account_id"] == account) & (frame["quarter"] == quarter)]
    assert len(hit) == 1, (account, quarter)
    return hit.iloc[0]


def test_quarters_without_flag_history_are_left_out(panel):
    assert panel.quarters == ("2026-Q1", "2026-Q2", "2026-Q3")
    assert panel.quarters_without_flag_history == ("2025-Q4",)
    assert panel.flag_kinds == ("churn_risk", "escalation_risk", "sentiment_decline")


def test_drops_are_counted_by_reason(panel):
    h90 = panel_for_horizon(panel, 90)
    assert (h90.n_rows, h90.n_dropped_churned, h90.n_dropped_censored) == (13, 3, 0)
    assert panel.n_not_customer == 2  # A5 before its first ARR
    h180 = panel_for_horizon(panel, 180)
    # 2026-Q3 + 180 days passes the last ARR month (2026-10): its 4 live rows are censored
    assert (h180.n_rows, h180.n_dropped_churned, h180.n_dropped_censored) == (9, 3, 4)
    assert set(h180.frame["quarter"]) == {"2026-Q1", "2026-Q2"}


def test_features_are_as_of_t0(panel):
    f = panel_for_horizon(panel, 90).frame
    a1 = row(f, "A1", "2026-Q1")
    assert a1["health"] == 40  # the score dated on t0, not the one a day later
    assert a1["log_arr"] == pytest.approx(np.log1p(100))
    assert a1["tenure_years"] == pytest.approx(365 / 365.25)
    assert row(f, "A6", "2026-Q3")["renewal_due"] == 1.0
    assert row(f, "A6", "2026-Q2")["renewal_due"] == 0.0  # 2026-08-15 is beyond 2026-04-01 + 90 d
    assert np.isnan(row(f, "A4", "2026-Q1")["health"])
    assert row(f, "A4", "2026-Q2")["csm_id"] == "C2"


def test_labels_use_notice_then_zero_arr_and_escalation_dates(panel):
    f = panel_for_horizon(panel, 90).frame
    assert row(f, "A2", "2026-Q1")["next_churn"] == pd.Timestamp("2026-02-10")
    # ARR 0 from June: dated mid-May, inside Q2
    assert row(f, "A3", "2026-Q2")["next_churn"] == pd.Timestamp("2026-05-15")
    assert row(f, "A3", "2026-Q2")["y_churn"] == 1
    assert row(f, "A4", "2026-Q2")["next_escalation"] == pd.Timestamp("2026-05-01")
    assert row(f, "A4", "2026-Q3")["next_escalation"] == pd.Timestamp("2026-07-05")  # opened_at when not escalated_at
    assert f["y_churn"].sum() == 2 and f["y_escalation"].sum() == 2


def test_exposure_window_ends_strictly_before_t0(panel):
    f = panel_for_horizon(panel, 90).frame
    assert row(f, "A1", "2026-Q1")["flagged_churn_risk"] == 1  # raised 2025-12-01
    assert row(f, "A1", "2026-Q1")["n_churn_risk"] == 1  # the flag raised on t0 itself is not in
    assert row(f, "A1", "2026-Q2")["flagged_churn_risk"] == 1  # ... it belongs to the next quarter
    assert bool(row(f, "A1", "2026-Q1")["actioned_churn_risk"])


def test_leakage_a_flag_after_the_churn_notice_never_counts(panel):
    h90 = panel_for_horizon(panel, 90)
    f = h90.frame
    a2 = row(f, "A2", "2026-Q1")
    assert a2["y_churn"] == 1 and a2["flagged_churn_risk"] == 0
    assert not ((f["account_id"] == "A2") & (f["quarter"] != "2026-Q1")).any()  # dropped once the notice is in
    flags = tiny_dataset()["ai_flags"]
    caught = caught_events(f, flags, kind="churn_risk", outcome="churn", lookback_days=90, min_lead_days=14)
    assert f.loc[caught["row"], "account_id"].tolist() == ["A3"]


def test_alert_view_numbers_by_hand(panel):
    h90 = panel_for_horizon(panel, 90)
    table = alert_table(h90, tiny_dataset()["ai_flags"], kinds=panel.flag_kinds, lookback_days=90, min_lead_days=14)
    churn = table.loc[(table["flag_kind"] == "churn_risk") & (table["outcome"] == "churn")].iloc[0]
    assert (churn["n_rows"], churn["n_events"], churn["n_flags"], churn["n_flagged_rows"]) == (13, 2, 3, 3)
    assert churn["precision"] == pytest.approx(1 / 3)
    assert churn["lift"] == pytest.approx((1 / 3) / (2 / 13))
    assert churn["recall"] == pytest.approx(1 / 2)
    assert churn["median_lead_days"] == pytest.approx((pd.Timestamp("2026-05-15") - pd.Timestamp("2026-03-25")).days)
    assert churn["alerts_per_csm_week"] == pytest.approx(3 / (6 * 90 / 7))
    esc = table.loc[(table["flag_kind"] == "escalation_risk") & (table["outcome"] == "escalation")].iloc[0]
    assert esc["precision"] == 1.0
    assert esc["recall"] == 0.0  # 10 days of warning is less than the 14 required
    assert np.isnan(esc["median_lead_days"])
    assert caught_events(h90.frame, tiny_dataset()["ai_flags"], kind="escalation_risk", outcome="escalation",
                         lookback_days=90, min_lead_days=7)["lead_days"].tolist() == [10.0]


def test_response_view_splits_flagged_rows(panel):
    table = response_table(panel_for_horizon(panel, 90), kinds=["churn_risk"], outcomes=["churn"])
    by = table.set_index("csm_response")
    assert by.loc["actioned", "n_rows"] == 1 and by.loc["not_actioned", "n_rows"] == 2
    assert by.loc["not_actioned", "n_events"] == 1
    assert set(table["reading"]) == {"descriptive, not causal"}


def test_inputs_are_not_modified():
    ds = tiny_dataset()
    before = {name: ds[name].copy() for name in ("arr", "ai_flags", "health", "renewals", "tickets")}
    build_panel(ds, last=parse_period("2026-Q3"))
    for name, frame in before.items():
        pd.testing.assert_frame_equal(ds[name], frame)


def test_missing_flags_table_is_a_clear_error():
    with pytest.raises(InsufficientDataError, match="ai_flags"):
        build_panel(tiny_dataset(ai_flags=None), last=parse_period("2026-Q3"))


def test_panel_stops_at_the_review_period():
    early = build_panel(tiny_dataset(), last=parse_period("2026-Q2"))
    assert early.quarters == ("2026-Q1", "2026-Q2")
    assert set(early.frame["quarter"]) == {"2026-Q1", "2026-Q2"}
