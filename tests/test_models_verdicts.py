"""Verdict rules and the sentence a VP can repeat."""

from __future__ import annotations

import math

import pytest

from calibrate.models.verdicts import decide_verdict, verdict_sentence

BASE = dict(n_events=100, n_train_events=60, n_test_events=40, min_events=20)


@pytest.mark.parametrize(
    "lift_low, gain_low, expected",
    [
        (1.2, 0.01, "predictive"),
        (1.2, -0.01, "not_predictive"),  # lift alone is not enough
        (0.9, 0.02, "not_predictive"),  # nor AUC gain alone
        (1.0, 0.01, "not_predictive"),  # touching no-skill is not above it
        (math.nan, 0.05, "not_predictive"),
    ],
)
def test_predictive_needs_both_intervals_above_no_skill(lift_low, gain_low, expected):
    assert decide_verdict(**BASE, lift_low=lift_low, auc_gain_low=gain_low) == expected


@pytest.mark.parametrize("field", ["n_events", "n_train_events", "n_test_events"])
def test_fewer_than_min_events_is_insufficient(field):
    counts = {**BASE, field: 19}
    assert decide_verdict(**counts, lift_low=3.0, auc_gain_low=0.2) == "insufficient_data"


def test_unfitted_models_are_insufficient():
    assert decide_verdict(**BASE, lift_low=3.0, auc_gain_low=0.2, fitted=False) == "insufficient_data"


def row(**changes):
    base = dict(flag_kind="churn_risk", outcome="churn", horizon_days=90, verdict="predictive", n_events=120,
                n_test_events=40, lift=2.5, lift_low=1.9, lift_high=3.1, auc_m0=0.71, auc=0.78, auc_gain=0.07,
                auc_gain_low=0.03, auc_gain_high=0.11, recall=0.42, median_lead_days=37.0, min_events=20,
                min_lead_days=14)
    return base | changes


def test_sentence_carries_the_numbers():
    text = verdict_sentence(row())
    assert text.startswith("Churn risk flags predicted churn")
    for part in ("Churn risk", "90 days", "2.5x", "1.9x", "3.1x", "0.71", "0.78", "+0.070", "42%", "37 days"):
        assert part in text
    assert text.count(".") >= 1 and "\n" not in text


def test_sentence_for_not_predictive_and_insufficient():
    assert "did not reliably predict an escalation" in verdict_sentence(row(outcome="escalation", verdict="not_predictive"))
    text = verdict_sentence(row(verdict="insufficient_data", n_events=12, n_test_events=3))
    assert "12 events" in text and "20" in text and "AUC" not in text
