"""QBR coverage, proactive share, hours, tickets, escalations and time to value, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from book_fixtures import typed
from calibrate.metrics.activity import activity_metrics, onboarding_metrics, ticket_metrics
from calibrate.book import book_at, period_close
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")
OWN = typed("ownership", [
    {"account_id": "A", "csm_id": "c1", "start_date": "2025-01-01"},
    {"account_id": "B", "csm_id": "c1", "start_date": "2025-01-01"},
    {"account_id": "C", "csm_id": "c1", "start_date": "2025-01-01", "end_date": "2026-08-01"},
    {"account_id": "C", "csm_id": "c2", "start_date": "2026-08-01"},
])


def act(i, account, csm, when, kind="call", by="csm", minutes=None):
    return {"activity_id": f"a{i}", "account_id": account, "csm_id": csm, "occurred_at": when, "kind": kind,
            "initiated_by": by, "customer_facing_minutes": minutes}


def test_activity_metrics_by_hand():
    acts = typed("activities", [
        act(1, "A", "c1", "2026-07-02T10:00", "qbr", minutes=60),
        act(2, "B", "c1", "2026-07-03", "email", "customer", minutes=0),
        act(3, "C", "c1", "2026-07-20", "ebr", minutes=90),  # C left c1's book before T1: no coverage credit
        act(4, "A", "c1", "2026-06-30", "qbr", minutes=600),  # before P
        act(5, "C", "c2", "2026-08-02", "call", "customer"),
    ])
    got = activity_metrics(acts, OWN, Q3, close_book=book_at(OWN, period_close(Q3)))
    c1 = got.loc["c1"]
    assert c1["qbr_coverage"] == pytest.approx(1 / 2)  # T1 book A, B; a QBR in A
    assert c1["proactive_share"] == pytest.approx(2 / 3)
    assert c1["customer_facing_hours_per_week"] == pytest.approx((60 + 0 + 90) / 60 / (92 / 7))
    c2 = got.loc["c2"]
    assert c2["qbr_coverage"] == 0 and c2["proactive_share"] == 0 and np.isnan(c2["customer_facing_hours_per_week"])


def ticket(i, account, opened, response=None, escalated=False, escalated_at=None):
    return {"ticket_id": f"t{i}", "account_id": account, "opened_at": opened, "first_response_at": response,
            "escalated": escalated, "escalated_at": escalated_at}


def test_ticket_metrics_by_hand():
    tickets = typed("tickets", [
        ticket(1, "A", "2026-07-01T09:00", "2026-07-01T11:00"),  # 2 h
        ticket(2, "A", "2026-07-02T09:00", "2026-07-02T19:00", True, "2026-07-03"),  # 10 h, escalated
        ticket(3, "B", "2026-07-05T09:00"),  # never answered: outside SLA
        ticket(4, "B", "2026-09-30T23:00"),  # unanswered, SLA still running at T1: not counted
        ticket(5, "C", "2026-07-10T09:00", "2026-07-10T15:00"),  # 6 h: within (<=)
        ticket(6, "C", "2026-06-25T09:00", None, True, "2026-08-05"),  # opened before P, escalated in P under c2
    ])
    got = ticket_metrics(tickets, OWN, Q3, sla_hours=6)
    c1 = got.loc["c1"]
    assert c1["n_tickets"] == 5
    assert c1["first_response_hours"] == pytest.approx(6.0)  # median of 2, 10, 6
    assert c1["sla_adherence"] == pytest.approx(2 / 4)
    assert c1["escalations"] == 1 and got.loc["c2", "escalations"] == 1


def test_time_to_value_by_hand():
    onboarding = typed("onboarding", [
        {"account_id": "A", "kickoff_date": "2026-07-01", "first_value_date": "2026-07-21"},
        {"account_id": "B", "kickoff_date": "2026-08-01", "first_value_date": "2026-09-10"},
        {"account_id": "C", "kickoff_date": "2026-07-15"},
        {"account_id": "D", "kickoff_date": "2026-06-30", "first_value_date": "2026-07-01"},  # kickoff before P
    ])
    got = onboarding_metrics(onboarding, OWN, Q3).loc["c1"]
    assert got["time_to_value_days"] == pytest.approx((20 + 40) / 2)
    assert (got["onboardings"], got["onboardings_open"]) == (3, 1)
