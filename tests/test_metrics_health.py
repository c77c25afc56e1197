"""Health at T0/T1, change, transitions, red recovery and saves, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from book_fixtures import typed
from calibrate.metrics.health import account_health, health_as_of, health_bands, health_metrics, health_transitions, saves
from calibrate.book import book_at, period_close
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")


def own(*rows):
    return typed("ownership", [dict(zip(("account_id", "csm_id", "start_date", "end_date"), r)) for r in rows])


def scores(*rows):
    return typed("health", [dict(zip(("account_id", "date", "score"), r)) for r in rows])


HEALTH = scores(
    ("A", "2026-06-20", 40), ("A", "2026-09-15", 80), ("A", "2026-10-01", 10),  # red -> green (the Oct 1 score is after P)
    ("B", "2026-07-01", 60), ("B", "2026-09-01", 45),  # yellow -> red
    ("C", "2026-06-01", 30), ("C", "2026-08-01", 55),  # red -> yellow
    ("D", "2026-05-01", 90),  # green, no later score
)


def test_health_as_of_and_bands():
    got = health_as_of(HEALTH, ["A", "A", "A", "B", "Z"], pd.to_datetime(["2026-06-19", "2026-07-01", "2026-10-01", "2026-07-01", "2026-07-01"]))
    assert np.isnan(got[0]) and got[1] == 40 and got[2] == 10 and got[3] == 60 and np.isnan(got[4])
    assert health_bands([50, 50.5, 75, 75.5, np.nan], red_max=50, yellow_max=75).tolist() == ["red", "yellow", "yellow", "green", None]


def test_health_metrics_by_hand():
    # c1 owns A, B, C all quarter; D moved from c1 to c2 on 2026-08-01.
    o = own(("A", "c1", "2025-01-01", None), ("B", "c1", "2025-01-01", None), ("C", "c1", "2025-01-01", None),
            ("D", "c1", "2025-01-01", "2026-08-01"), ("D", "c2", "2026-08-01", None))
    # Books given directly (no ARR here): everything owned at T0 and at the close.
    acc = account_health(o, HEALTH, Q3, red_max=50, yellow_max=75, open_book=book_at(o, Q3.start), close_book=book_at(o, period_close(Q3)))
    got = health_metrics(acc)
    c1 = got.loc["c1"]
    assert c1["avg_health"] == pytest.approx((80 + 45 + 55) / 3)  # T1 book A, B, C; A's Oct 1 score is after P
    assert c1["avg_health_t0"] == pytest.approx((40 + 60 + 30 + 90) / 4)  # T0 book A, B, C, D
    assert c1["health_change"] == pytest.approx(((80 - 40) + (45 - 60) + (55 - 30)) / 3)
    assert (c1["red_at_t0"], c1["red_recovered"], c1["red_recovery"]) == (2, 2, 1.0)
    assert (c1["red_accounts"], c1["yellow_accounts"], c1["green_accounts"]) == (1, 1, 1)
    assert got.loc["c2", "health_change"] == 0 and np.isnan(got.loc["c2", "red_recovery"])
    matrix = health_transitions(acc)
    c1m = {(r.band_t0, r.band_t1): r.accounts for r in matrix.loc[matrix["csm_id"] == "c1"].itertuples()}
    assert c1m == {("red", "green"): 1, ("yellow", "red"): 1, ("red", "yellow"): 1}


def test_saves_red_in_period_and_renewed():
    o = own(("A", "c1", "2025-01-01", "2026-08-15"), ("A", "c2", "2026-08-15", None), ("B", "c1", "2025-01-01", None),
            ("C", "c1", "2025-01-01", None), ("D", "c1", "2025-01-01", None))
    renewals = typed("renewals", [
        {"account_id": "A", "renewal_date": "2026-09-20", "outcome": "renewed", "arr_before": 100, "arr_after": 110},
        {"account_id": "B", "renewal_date": "2026-08-15", "outcome": "renewed", "arr_before": 50},  # red only after renewal
        {"account_id": "C", "renewal_date": "2026-09-01", "outcome": "churned", "arr_before": 50},
        {"account_id": "D", "renewal_date": "2026-09-01", "outcome": "renewed", "arr_before": 50},  # never red
    ])
    got = saves(o, HEALTH, renewals, Q3, red_max=50)
    assert got["account_id"].tolist() == ["A"]
    row = got.iloc[0]
    assert row["csm_id"] == "c2" and row["first_red_date"] == Q3.start and row["lowest_score"] == 40
    assert saves(o, HEALTH, None, Q3, red_max=50).empty
