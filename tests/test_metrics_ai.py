"""AI coverage, override rates and band, minutes per kind, net retention per cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from book_fixtures import typed
from calibrate.metrics.ai import ai_metrics, net_retention_per_cost
from calibrate.book import book_at, period_close
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")
OWN = typed("ownership", [{"account_id": a, "csm_id": "c1", "start_date": "2025-01-01"} for a in "ABCD"])


def draft(i, account, outcome, created="2026-09-10", sent="2026-09-11", kind="touch", minutes=None, csm="c1"):
    return {"draft_id": f"d{i}", "csm_id": csm, "account_id": account, "created_at": created, "kind": kind,
            "outcome": outcome, "sent_at": sent, "minutes_to_complete": minutes}


def run(rows, low=0.18, high=0.32):
    return ai_metrics(typed("ai_drafts", rows), OWN, Q3, coverage_window_days=30, override_band_low=low, override_band_high=high,
                      close_book=book_at(OWN, period_close(Q3)))


def test_ai_metrics_by_hand():
    rows = [
        draft(1, "A", "approved", minutes=4),
        draft(2, "B", "edited", minutes=8),
        draft(3, "C", "rejected", sent=None, minutes=2),  # rejected: no coverage
        draft(4, "D", "approved", sent="2026-08-15"),  # sent before the 30-day window
        draft(5, "D", "approved", kind="qbr_prep", minutes=20),
        draft(6, "D", "approved", created="2026-06-01", sent="2026-06-01"),  # created before P
    ]
    got = run(rows).loc["c1"]
    assert got["ai_coverage"] == pytest.approx(2 / 4)
    assert got["n_drafts"] == 5
    assert got["override_rate"] == pytest.approx(2 / 5)
    assert (got["edit_rate"], got["reject_rate"]) == (pytest.approx(1 / 5), pytest.approx(1 / 5))
    assert bool(got["override_out_of_band"])  # 0.40 > 0.32
    assert got["median_minutes_touch"] == pytest.approx(4) and got["median_minutes_qbr_prep"] == 20
    assert np.isnan(got["median_minutes_risk_brief"])
    assert not bool(run(rows, high=0.5).loc["c1", "override_out_of_band"])


def test_no_drafts_gives_nan_rates_and_no_flag():
    got = run([draft(1, "A", "approved", created="2026-01-01", sent="2026-01-01")]).loc["c1"]
    assert np.isnan(got["override_rate"]) and not bool(got["override_out_of_band"]) and got["ai_coverage"] == 0


def test_net_retention_per_cost_by_hand():
    movement = pd.Series({"c1": 40_000.0, "c2": 10.0, "c3": 5.0})
    cost = pd.Series({"c1": 160_000.0, "c2": 0.0, "c3": np.nan})
    got = net_retention_per_cost(movement, cost, Q3)
    assert got["c1"] == pytest.approx(40_000 / (160_000 * 92 / 365.25))
    assert np.isnan(got["c2"]) and np.isnan(got["c3"])
