"""Weekly coaching triggers on tiny hand-made tables."""

from __future__ import annotations

import pandas as pd

from book_fixtures import dataset, monthly_arr
from calibrate.metrics.triggers import TRIGGER_COLUMNS, coaching_triggers, week_grid
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")
OPTIONS = dict(red_max=50, yellow_max=75, sla_hours=6, consecutive_declines=3, sla_breach_share=0.2, proactive_drop_share=0.3, trailing_weeks=8)


def health_rows(account, pairs):
    return [{"account_id": account, "date": d, "score": s} for d, s in pairs]


def base_tables(**extra):
    tables = dict(
        ownership=[{"account_id": a, "csm_id": "c1", "start_date": "2025-01-01"} for a in "AB"],
        arr=monthly_arr("A", "2026-06", [100, 100, 120, 120, 120]) + monthly_arr("B", "2026-06", [50] * 5),
        health=health_rows("A", [("2026-06-30", 80), ("2026-07-07", 75), ("2026-07-14", 70), ("2026-07-21", 65), ("2026-07-28", 60)])
        + health_rows("B", [("2026-06-30", 60), ("2026-07-07", 40), ("2026-07-14", 80)]),
        activities=[],
    )
    tables.update(extra)
    return tables


def run(tables, **options):
    return coaching_triggers(dataset(**tables), Q3, **(OPTIONS | options))


def test_week_grid_covers_the_period_with_a_short_last_week():
    weeks = week_grid(Q3, history_weeks=2)
    assert weeks["week"].tolist()[:3] == [-1, 0, 1]
    in_p = weeks.loc[weeks["week"] >= 1]
    assert in_p["days"].sum() == 92 and in_p["days"].iloc[-1] == 1
    assert in_p["last_day"].iloc[0] == pd.Timestamp("2026-07-07")


def test_health_decline_raised_once_when_the_run_reaches_three_weeks():
    got = run(base_tables())
    assert list(got.columns) == list(TRIGGER_COLUMNS)
    hd = got.loc[got["trigger"] == "health_decline"]
    assert hd["account_id"].tolist() == ["A"] and hd["week"].tolist() == [3]
    assert hd["date"].tolist() == [pd.Timestamp("2026-07-21")]
    assert "80 -> 75 -> 70 -> 65" in hd["evidence"].iloc[0]
    assert set(hd["polarity"]) == {"negative"} and set(hd["csm_id"]) == {"c1"}


def test_book_health_decline_uses_the_mean_of_the_book():
    got = run(base_tables())
    # book mean: Jun 30 (80+60)/2=70, Jul 7 57.5, Jul 14 75 -> no run; A alone declines.
    assert got.loc[got["trigger"] == "book_health_decline"].empty
    solo = base_tables(ownership=[{"account_id": "A", "csm_id": "c1", "start_date": "2025-01-01"}])
    book = run(solo)
    assert book.loc[book["trigger"] == "book_health_decline", "week"].tolist() == [3]


def test_red_back_to_green_is_positive():
    got = run(base_tables())
    rg = got.loc[got["trigger"] == "red_to_green"]
    assert rg["account_id"].tolist() == ["B"] and rg["week"].tolist() == [2] and set(rg["polarity"]) == {"positive"}
    assert "40 (red) -> 80 (green)" in rg["evidence"].iloc[0]


def test_expansion_dated_in_the_month_it_happened():
    got = run(base_tables())
    ex = got.loc[got["trigger"] == "expansion"]
    assert ex["account_id"].tolist() == ["A"]
    assert ex["date"].tolist() == [pd.Timestamp("2026-07-31")] and "100 -> 120 (+20)" in ex["evidence"].iloc[0]


def test_promoter_and_nps_decline():
    weekly = {1: [10], 2: [10, 0], 3: [10, 0, 0, 0], 4: [0]}
    surveys = []
    for week, scores in weekly.items():
        day = Q3.start + pd.Timedelta(days=7 * (week - 1) + 1)
        surveys += [{"response_id": f"r{week}-{i}", "account_id": "A", "responded_at": day, "kind": "nps", "score": s} for i, s in enumerate(scores)]
    got = run(base_tables(surveys=surveys), trailing_weeks=1)
    nd = got.loc[got["trigger"] == "nps_decline"]
    assert nd["week"].tolist() == [4] and "100 -> 0 -> -50 -> -100" in nd["evidence"].iloc[0]
    assert (got["trigger"] == "promoter").sum() == 3


def test_sla_breach_share_above_threshold():
    tickets = [
        {"ticket_id": "t1", "account_id": "A", "opened_at": "2026-07-01T08:00", "first_response_at": "2026-07-01T09:00", "escalated": False},
        {"ticket_id": "t2", "account_id": "B", "opened_at": "2026-07-02T08:00", "first_response_at": "2026-07-02T20:00", "escalated": False},
        {"ticket_id": "t3", "account_id": "B", "opened_at": "2026-07-09T08:00", "first_response_at": "2026-07-09T09:00", "escalated": False},
    ]
    got = run(base_tables(tickets=tickets))
    sla = got.loc[got["trigger"] == "sla_breach"]
    assert sla["week"].tolist() == [1] and "1 of 2 tickets" in sla["evidence"].iloc[0]
    assert run(base_tables(tickets=tickets), sla_breach_share=0.5).query("trigger == 'sla_breach'").empty


def test_proactive_drop_raised_in_the_week_it_starts():
    acts = []
    for week in range(8):
        day = Q3.start - pd.Timedelta(days=7 * (week + 1)) + pd.Timedelta(days=2)
        acts += [{"activity_id": f"p{week}-{i}", "account_id": "A", "csm_id": "c1", "occurred_at": day, "kind": "call", "initiated_by": "csm"} for i in range(2)]
    got = run(base_tables(activities=acts))
    drop = got.loc[got["trigger"] == "proactive_drop"]
    assert drop["week"].tolist() == [1] and "0 proactive touches this week vs 2.0 expected" in drop["evidence"].iloc[0]


def test_save_trigger_from_renewal_of_a_red_account():
    renewals = [{"account_id": "B", "renewal_date": "2026-09-01", "outcome": "renewed", "arr_before": 50, "arr_after": 50}]
    got = run(base_tables(renewals=renewals))
    sv = got.loc[got["trigger"] == "save"]
    assert sv["account_id"].tolist() == ["B"] and "low of 40" in sv["evidence"].iloc[0]
