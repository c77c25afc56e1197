"""Verdicts on each flag kind, and the one sentence a VP can repeat.

* ``insufficient_data``: fewer than ``min_events`` events in the panel, or
  in the pooled test quarters of the rolling origin, or no origin whose
  training rows hold that many, or the models could not be fitted. No
  AUC or interval is shown then: a number from a handful of events looks
  surer than it is.
* ``predictive``: the whole 95% interval lies above "no skill" on both
  views: lift's interval above 1 AND the interval of M1's AUC gain over
  M0 (paired bootstrap) above 0.
* ``not_predictive``: otherwise (including flags that point the wrong way).
"""

from __future__ import annotations

import math

__all__ = ["VERDICTS", "decide_verdict", "verdict_sentence"]

VERDICTS = ("predictive", "not_predictive", "insufficient_data")

_OUTCOME_WORDS = {"churn": ("churn", "churned"), "escalation": ("an escalation", "escalated")}


def decide_verdict(
    *,
    n_events: int,
    n_train_events: int,
    n_test_events: int,
    lift_low: float,
    auc_gain_low: float,
    min_events: int = 20,
    fitted: bool = True,
) -> str:
    """``predictive``, ``not_predictive`` or ``insufficient_data`` (rules in the module docstring)."""
    if not fitted or min(n_events, n_train_events, n_test_events) < min_events:
        return "insufficient_data"
    if _above(lift_low, 1.0) and _above(auc_gain_low, 0.0):
        return "predictive"
    return "not_predictive"


def _above(value: float, threshold: float) -> bool:
    return value is not None and not math.isnan(value) and value > threshold


def _num(x: float, digits: int = 2) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _signed(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:+.3f}"


def verdict_sentence(row: dict) -> str:
    """One plain sentence with the numbers, for the flag kind × outcome × horizon in ``row``.

    ``row`` holds the flag_validation columns (``flag_kind``, ``outcome``,
    ``horizon_days``, ``verdict``, ``n_events``, ``lift``, ``lift_low``,
    ``lift_high``, ``auc_m0``, ``auc``, ``auc_gain``, ``auc_gain_low``,
    ``auc_gain_high``, ``recall``, ``median_lead_days``, ``min_events``,
    ``min_lead_days``, ``n_test_events``).
    """
    kind = str(row["flag_kind"]).replace("_", " ")
    kind_cap = kind[:1].upper() + kind[1:]
    noun, verb = _OUTCOME_WORDS.get(row["outcome"], (row["outcome"], f"had {row['outcome']}"))
    days = int(row["horizon_days"])
    verdict = row["verdict"]
    if verdict == "insufficient_data":
        return (
            f"Too little history to judge {kind} flags against {noun} within {days} days: "
            f"{int(row['n_events'])} events in all and {int(row.get('n_test_events', 0))} in the quarters the "
            f"models could be tested on, where at least {int(row.get('min_events', 20))} are needed "
            f"(and as many in the quarters before each one to train on)."
        )
    lift_part = (
        f"flagged accounts {verb} {_num(row['lift'], 1)}x as often as the average account "
        f"(95% interval {_num(row['lift_low'], 1)}x to {_num(row['lift_high'], 1)}x)"
    )
    auc_part = (
        f"adding the flag to health, segment, ARR, tenure and renewal timing moved AUC from "
        f"{_num(row['auc_m0'])} to {_num(row['auc'])} ({_signed(row['auc_gain'])}, interval "
        f"{_signed(row['auc_gain_low'])} to {_signed(row['auc_gain_high'])})"
    )
    caught = row.get("recall")
    lead = row.get("median_lead_days")
    catch_part = ""
    if caught is not None and not math.isnan(caught):
        lead_days = int(row.get("min_lead_days", 14))
        catch_part = f"; it warned at least {lead_days} days ahead of {caught:.0%} of these events"
        if lead is not None and not math.isnan(lead):
            catch_part += f", typically {lead:.0f} days before"
    if verdict == "predictive":
        head = f"{kind_cap} flags predicted {noun} within {days} days"
    else:
        head = f"{kind_cap} flags did not reliably predict {noun} within {days} days"
    return f"{head}: {lift_part}, and {auc_part}{catch_part}."
