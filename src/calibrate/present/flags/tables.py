"""The report's display tables: reader-facing column names, every cell text with its unit.

Each function takes a model-stage frame (``FlagValidation.table``,
``.panel_summary``, ``.models``, ``.response`` or the score-validity table)
and returns a new frame for ``present.show_table``; intervals read
``0.71 (0.62–0.79)`` and a value that cannot be computed is an em dash.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .text import (panel_label, DASH, PREDICTOR_LABELS, VALIDITY_OUTCOME_LABELS, VERDICT_LABELS, fmt_count, fmt_days,
                   fmt_interval, fmt_number, fmt_percent, is_missing, kind_label, validity_reading)

__all__ = ["predictor_label", "short_outcome", "validity_display", "horizon", "outcome_window", "verdicts_display", "panel_display", "alerts_display", "timing_display", "lead", "models_display", "tested_display", "response_display"]


def predictor_label(name: str) -> str:
    if name in PREDICTOR_LABELS:
        return PREDICTOR_LABELS[name]
    return f"{kind_label(name[len('score_'):])} score" if name.startswith("score_") else name


def short_outcome(outcome: str) -> str:
    text = VALIDITY_OUTCOME_LABELS.get(outcome, outcome)
    return text if text.isupper() or text[:3].isupper() else text[:1].lower() + text[1:]


def validity_display(raw: pd.DataFrame) -> pd.DataFrame | None:
    if raw is None or raw.empty:
        return None
    rank = {"overall_score": 0, "rating": 1}
    raw = raw.assign(_order=[rank.get(p, 2) for p in raw["predictor"]]).sort_values(
        ["_order", "predictor"], kind="stable")
    direction = {1: "higher", -1: "lower"}
    return pd.DataFrame({
        "Score last quarter": [predictor_label(p) for p in raw["predictor"]],
        "Outcome next quarter": [VALIDITY_OUTCOME_LABELS.get(o, o) for o in raw["outcome"]],
        "Spearman ρ (95% interval)": [fmt_interval(r, lo, hi, style="signed")
                                      for r, lo, hi in raw[["spearman", "spearman_low", "spearman_high"]]
                                      .itertuples(index=False, name=None)],
        "Pairs": [fmt_count(n) for n in raw["n"]],
        "CSMs": [fmt_count(n) for n in raw["n_csms"]],
        "Expected": [f"{direction.get(int(s), 'higher')} {short_outcome(o)}"
                                       for s, o in raw[["expected_sign", "outcome"]].itertuples(index=False, name=None)],
        "Reading": [validity_reading(r, lo, hi, int(s)) for r, lo, hi, s in
                                  raw[["spearman", "spearman_low", "spearman_high", "expected_sign"]]
                                  .itertuples(index=False, name=None)],
    })


def horizon(h: Any) -> str:
    return f"{int(h)} days"


def outcome_window(frame: pd.DataFrame) -> list[str]:
    """``Churn within 90 days`` for each row."""
    return [panel_label(o, h) for o, h in frame[["outcome", "horizon_days"]].itertuples(index=False, name=None)]


def verdicts_display(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Flag kind": [kind_label(k) for k in table["flag_kind"]],
        "Outcome": outcome_window(table),
        "Verdict": [VERDICT_LABELS.get(v, v) for v in table["verdict"]],
        "In one sentence": table["sentence"].astype(str).to_numpy(),
    })


def panel_display(summary: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "Window": [horizon(h) for h in summary["horizon_days"]],
        "Account-quarters": [fmt_count(v) for v in summary["n_rows"]],
        "Accounts": [fmt_count(v) for v in summary["n_accounts"]],
        "Dropped: churned": [fmt_count(v) for v in summary["n_dropped_churned"]],
        "Dropped: past data end": [fmt_count(v) for v in summary["n_dropped_censored"]],
    })
    for column, label in (("n_churn_events", "Churn events"), ("n_escalation_events", "Escalations")):
        if column in summary:
            out[label] = [fmt_count(v) for v in summary[column]]
    return out


def alerts_display(table: pd.DataFrame) -> pd.DataFrame:
    """How often a flag was right: counts, base rate, precision and lift with its interval."""
    judged = table["verdict"] != "insufficient_data"
    return pd.DataFrame({
        "Flag kind": [kind_label(k) for k in table["flag_kind"]],
        "Outcome": outcome_window(table),
        "Flags raised": [fmt_count(v) for v in table["n_flags"]],
        "Flagged account-quarters": [fmt_count(v) for v in table["n_flagged_rows"]],
        "Events": [fmt_count(v) for v in table["n_events"]],
        "Base rate": [fmt_percent(v, 1) for v in table["base_rate"]],
        "Precision": [fmt_percent(v, 1) for v in table["precision"]],
        "Lift (95% interval)": [fmt_interval(v, lo, hi, digits=1, style="multiple") if ok else
                                fmt_interval(v, None, None, digits=1, style="multiple")
                                for v, lo, hi, ok in zip(table["lift"], table["lift_low"], table["lift_high"], judged)],
    })


def timing_display(table: pd.DataFrame, min_lead_days: int) -> pd.DataFrame:
    """How early and at what cost: recall, lead time (median and IQR), alerts per CSM per week."""
    return pd.DataFrame({
        "Flag kind": [kind_label(k) for k in table["flag_kind"]],
        "Outcome": outcome_window(table),
        "Events": [fmt_count(v) for v in table["n_events"]],
        f"Events warned ≥ {min_lead_days} days ahead": [fmt_count(v) for v in table["n_caught_events"]],
        "Recall": [fmt_percent(v, 0) for v in table["recall"]],
        "Lead time, median (IQR)": [lead(m, q1, q3) for m, q1, q3 in
                                    table[["median_lead_days", "lead_q1_days", "lead_q3_days"]]
                                    .itertuples(index=False, name=None)],
        "Alerts per CSM per week": [fmt_number(v, 2) for v in table["alerts_per_csm_week"]],
    })


def lead(median: Any, q1: Any, q3: Any) -> str:
    if is_missing(median):
        return DASH
    if is_missing(q1) or is_missing(q3):
        return fmt_days(median)
    return f"{float(median):,.0f} days ({float(q1):,.0f}–{float(q3):,.0f})"


def models_display(models: pd.DataFrame) -> pd.DataFrame | None:
    """One row per model: AUC, AUC gain, average precision, Brier score and skill, with intervals."""
    if models is None or models.empty:
        return None
    get = lambda c: models[c] if c in models else pd.Series(np.nan, index=models.index)  # noqa: E731
    labels = ["M0 (baseline)" if m == "M0" else f"M0 + {kind_label(m[3:-1]).lower()}" for m in models["model"]]
    return pd.DataFrame({
        "Outcome": outcome_window(models),
        "Model": labels,
        "ROC AUC (95% interval)": [fmt_interval(v, lo, hi) for v, lo, hi in
                                   models[["auc", "auc_low", "auc_high"]].itertuples(index=False, name=None)],
        "AUC gain over M0": [
            DASH if m == "M0" else fmt_interval(v, lo, hi, digits=3, style="signed")
            for m, v, lo, hi in zip(models["model"], get("auc_gain"), get("auc_gain_low"), get("auc_gain_high"))],
        "Average precision": [fmt_number(v, 3) for v in models["average_precision"]],
        "Brier score": [fmt_interval(v, lo, hi, digits=3) for v, lo, hi in
                        zip(models["brier"], get("brier_low"), get("brier_high"))],
        "Brier skill over M0": [
            DASH if m == "M0" else fmt_interval(v, lo, hi, digits=1, style="percent")
            for m, v, lo, hi in zip(models["model"], get("brier_skill"), get("brier_skill_low"),
                                    get("brier_skill_high"))],
    })


def tested_display(models: pd.DataFrame) -> pd.DataFrame | None:
    """Per outcome and window: which quarters were predicted, on how many rows and events."""
    if models is None or models.empty:
        return None
    m0 = models.loc[models["model"] == "M0"]
    return pd.DataFrame({
        "Outcome": outcome_window(m0),
        "Quarters predicted (one model each)": [str(q).replace(";", ", ") for q in m0["test_quarters"]],
        "Test account-quarters": [fmt_count(v) for v in m0["n_test"]],
        "Test events": [fmt_count(v) for v in m0["n_test_events"]],
        "Fewest training events": [fmt_count(v) for v in m0["n_train_events"]],
    })


def response_display(response: pd.DataFrame, horizon: int) -> pd.DataFrame | None:
    if response is None or response.empty:
        return None
    rows = response.loc[response["horizon_days"] == horizon]
    return pd.DataFrame({
        "Flag kind": [kind_label(k) for k in rows["flag_kind"]],
        "Outcome": outcome_window(rows),
        "CSM response": ["Actioned" if r == "actioned" else "Not actioned" for r in rows["csm_response"]],
        "Flagged account-quarters": [fmt_count(v) for v in rows["n_rows"]],
        "Events": [fmt_count(v) for v in rows["n_events"]],
        "Event rate": [fmt_percent(v, 1) for v in rows["event_rate"]],
    })
