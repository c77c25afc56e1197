"""The display tables of the per-CSM review, each with labels, unit formats and a "no data" note.

Event tables (renewals, saves, escalations, notes, triggers ...) are in :mod:`.records`.

A :class:`ReviewTable` is a frame plus how to show it; ``show_review_table``
hands it to ``present.show_table``. Numeric columns use a unit format
(``money``, ``percent``, ``days``, ``date``) or ``int`` with the unit in the
label ("Health at start (points)"); mixed-unit columns are text written by
:func:`units.format_measure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from ...periods import Period
from .team import TeamReference, format_reference
from ...scoring.standing import percentile_direction
from ..narrative.formatting import fmt_ordinal
from .units import MEASURES, format_measure, format_metric, is_missing, label_of

__all__ = [
    "ReviewTable",
    "BAND_LABELS",
    "TRIGGER_TEXT",
    "format_day",
    "book_shape_table",
    "windows_table",
    "accounts_table",
    "measures_table",
    "scores_table",
    "trend_table",
    "minutes_table",
    "team_table",
    "points_table",
    "plan_table",
]

BAND_LABELS = {
    "strategic": "Strategic (over $50k)",
    "growth": "Growth ($20k to $50k)",
    "core": "Core ($10k to $20k)",
    "nurture": "Nurture (under $10k)",
}
MOVEMENT_TEXT = {"expanded": "expanded", "contracted": "contracted", "churned": "churned", "flat": "flat", "new": "new logo"}
TRIGGER_TEXT = {
    "health_decline": "health declining week after week",
    "book_health_decline": "book health declining",
    "sla_breach": "responses outside the SLA",
    "proactive_drop": "drop in proactive touches",
    "nps_decline": "NPS declining",
    "promoter": "promoter response",
    "expansion": "expansion",
    "save": "save from red",
    "red_to_green": "red back to green",
}


@dataclass(frozen=True)
class ReviewTable:
    """A frame and how to show it (``present.show_table`` arguments)."""

    frame: pd.DataFrame
    columns: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)
    caption: str | None = None
    empty_note: str = "No rows to show for this period."
    max_rows: int | None = None


def _text(value) -> str | None:
    return None if is_missing(value) else str(value)


def format_day(value) -> str | None:
    """``14 Aug 2026`` for a date; None when missing."""
    if is_missing(value):
        return None
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp.strftime('%b')} {stamp.year}"


def book_shape_table(book: pd.DataFrame) -> ReviewTable:
    """Accounts by ARR band (the account tiers) and segment, with ARR at quarter end and its share."""
    live = book[book["in_live_book"].astype(bool)] if len(book) and "in_live_book" in book.columns else book.iloc[0:0]
    segments = sorted(live["segment"].dropna().astype(str).unique()) if len(live) else []
    rows = []
    total = float(live["end_arr"].sum()) if len(live) else 0.0
    for band, label in BAND_LABELS.items():
        part = live[live["arr_band"] == band]
        row = {"band": label, "accounts": len(part), "arr": float(part["end_arr"].sum()), "share": float(part["end_arr"].sum()) / total if total else None}
        for seg in segments:
            row[f"seg_{seg}"] = int((part["segment"] == seg).sum())
        rows.append(row)
    frame = pd.DataFrame(rows) if len(live) else pd.DataFrame()
    seg_cols = tuple(f"seg_{s}" for s in segments)
    labels = {"band": "ARR band", "accounts": "Accounts (count)", "arr": "ARR at quarter end", "share": "Share of book ARR"}
    labels.update({f"seg_{s}": f"{s.replace('_', '-').title()} (accounts)" for s in segments})
    return ReviewTable(
        frame,
        ("band", "accounts", *seg_cols, "arr", "share"),
        labels,
        {"accounts": "int", "arr": "money", "share": "percent", **{c: "int" for c in seg_cols}},
        caption="Book at quarter end by ARR band and segment",
        empty_note="No accounts in the book at quarter end, so there is no book shape to show.",
    )


def window_note(row, period: Period, *, grace_days: int) -> str:
    """How the owned window differs from the full quarter, without naming any other owner."""
    parts = []
    if row.owned_from > period.start:
        if row.inherited:
            grace_end = row.attr_from if not is_missing(row.attr_from) else None
            text = f"taken over from the previous owner on {format_day(row.owned_from)}"
            if grace_end is None:
                text += f"; all of its movement this quarter falls in the {grace_days}-day handover grace and counts for the previous owner"
            elif grace_end > row.owned_from:
                text += f"; movement before {format_day(grace_end)} counts for the previous owner ({grace_days}-day handover grace)"
            parts.append(text)
        else:
            parts.append(f"owned from {format_day(row.owned_from)}")
    if row.owned_to < period.end:
        if row.handed_on:
            parts.append(f"handed to the next owner on {format_day(row.owned_to)}; movement in the following {grace_days} days still counts here")
        elif row.movement == "churned" or (not is_missing(row.end_arr) and row.end_arr == 0):
            parts.append(f"contract ended on {format_day(row.owned_to)} (churned)")
        else:
            parts.append(f"owned until {format_day(row.owned_to)}")
    if row.previous_owner_credited and not is_missing(row.attr_from):
        parts.append("its ARR movement is credited to the previous owner's setup")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] if text else "Full quarter"


def windows_table(book: pd.DataFrame, period: Period, *, grace_days: int) -> ReviewTable:
    """Accounts whose owned window differs from the full quarter, with what that means for credit.

    Accounts that share a window and its meaning (a handover of several
    accounts on one day) are one row listing them, so the sentence is said once.
    """
    part = book[~book["full_quarter"].astype(bool)] if len(book) else book
    rows = pd.DataFrame(
        {
            "name": part["name"].astype(str) if len(part) else [],
            "owned_from": part["owned_from"] if len(part) else [],
            "owned_to": [p - pd.Timedelta(days=1) for p in part["owned_to"]] if len(part) else [],
            "note": [window_note(r, period, grace_days=grace_days) for r in part.itertuples(index=False)],
        }
    )
    if len(rows):
        grouped = rows.sort_values(["owned_from", "owned_to", "name"], kind="stable").groupby(
            ["owned_from", "owned_to", "note"], sort=False, dropna=False)
        frame = pd.DataFrame(
            [{"accounts": ", ".join(g["name"]), "account_names": tuple(g["name"]), "n": len(g), "owned_from": key[0],
              "owned_to": key[1], "note": key[2]} for key, g in grouped]
        )
    else:
        frame = pd.DataFrame({"accounts": [], "account_names": [], "n": [], "owned_from": [], "owned_to": [], "note": []})
    return ReviewTable(
        frame,
        ("accounts", "n", "owned_from", "owned_to", "note"),
        {"accounts": "Accounts", "n": "How many (accounts)", "owned_from": "Owned from", "owned_to": "Owned through",
         "note": "What the window means"},
        {"n": "int", "owned_from": "date", "owned_to": "date", "note": "text"},
        caption="Accounts not owned for the whole quarter (accounts with the same window share a row)",
        empty_note="Every account in this book was owned for the whole quarter.",
    )


def _health_move(start, end) -> str | None:
    if is_missing(start) and is_missing(end):
        return None
    a = "no score" if is_missing(start) else f"{start:.0f}"
    b = "no score" if is_missing(end) else f"{end:.0f}"
    return f"{a} to {b} points"


def accounts_table(book: pd.DataFrame) -> ReviewTable:
    """Every account of the book with ARR over the owned window, health, renewal and save."""
    frame = pd.DataFrame(
        {
            "name": book["name"].astype(str),
            "start_arr": book["start_arr"].astype(float),
            "end_arr": book["end_arr"].astype(float),
            "arr_change": book["arr_change"].astype(float),
            "movement": book["movement"].map(MOVEMENT_TEXT),
            "health": [_health_move(s, e) for s, e in zip(book["health_start"], book["health_end"])],
            "renewal": [
                None if is_missing(o) else f"{o} on {format_day(d)}" for o, d in zip(book["renewal_outcome"], book["renewal_date"])
            ],
            "note": [
                "; ".join(
                    t
                    for t, on in (
                        ("saved from red", r.saved),
                        ("taken over", r.inherited),
                        ("previous owner credited", r.previous_owner_credited),
                        ("handed on", r.handed_on),
                    )
                    if on
                )
                for r in book.itertuples(index=False)
            ],
        }
    )
    return ReviewTable(
        frame,
        ("name", "start_arr", "end_arr", "arr_change", "movement", "health", "renewal", "note"),
        {
            "name": "Account",
            "start_arr": "ARR at window start",
            "end_arr": "ARR at window end",
            "arr_change": "Change",
            "movement": "Movement",
            "health": "Health over the window",
            "renewal": "Renewal in the quarter",
            "note": "Note",
        },
        {"start_arr": "money", "end_arr": "money", "arr_change": "money", "health": "text", "renewal": "text", "note": "text"},
        caption="Every account in the book, largest first (ARR over the window the CSM owned it)",
        empty_note="No accounts were owned in this quarter.",
    )


def measures_table(
    metrics: Mapping, metric_names, *, medians: Mapping[str, float], percentiles: Mapping[str, float], targets: Mapping[str, str] | None = None, caption: str, empty_note: str
) -> ReviewTable:
    """One row per metric: own value, cohort median, percentile in the cohort, and a target when given."""
    rows = []
    for name in metric_names:
        value = format_metric(name, metrics.get(name)) if name in MEASURES else None
        if value is None and is_missing(medians.get(name)):
            continue
        pct = percentiles.get(name)
        rows.append(
            {
                "measure": label_of(name),
                "value": value,
                "median": format_reference(medians.get(name), name) if name in medians else None,
                "percentile": ("not ranked" if percentile_direction(name) == 0 and name in medians
                               else None if is_missing(pct) else _ordinal(pct) + " percentile"),
                "target": (targets or {}).get(name),
            }
        )
    frame = pd.DataFrame(rows)
    columns = ("measure", "value", "median", "percentile") + (("target",) if targets else ())
    return ReviewTable(
        frame,
        columns,
        {"measure": "Measure", "value": "This CSM", "median": "Cohort median", "percentile": "Percentile in cohort (100th = best)", "target": "Target"},
        {c: "text" for c in columns},
        caption=caption,
        empty_note=empty_note,
    )


def _ordinal(pct: float) -> str:
    """The one ordinal of a percentile (halves round up, as everywhere else): ``12.5`` -> ``13th``."""
    return fmt_ordinal(pct)


def scores_table(
    metrics: Mapping, history: list[tuple[str, Mapping]], *, medians: Mapping[str, float], percentiles: Mapping[str, float], weights: Mapping[str, float]
) -> ReviewTable:
    """Overall and category scores: this quarter, cohort median, percentile, weight, and up to three earlier quarters."""
    names = ["overall_score"] + [f"score_{c}" for c in weights]
    total_w = sum(weights.values()) or 1.0
    rows = []
    for name in names:
        row = {
            "measure": label_of(name),
            "score": format_metric(name, metrics.get(name)),
            "median": format_reference(medians.get(name), name) if name in medians else None,
            "percentile": _ordinal(percentiles[name]) + " percentile" if name in percentiles else None,
            "weight": None if name == "overall_score" else weights[name.removeprefix("score_")] / total_w,
        }
        for i, (label, past) in enumerate(history):
            row[f"prev_{i}"] = format_metric(name, past.get(name))
        rows.append(row)
    prev_cols = tuple(f"prev_{i}" for i in range(len(history)))
    labels = {"measure": "Score", "score": "This quarter", "median": "Cohort median", "percentile": "Percentile in cohort (100th = best)", "weight": "Weight"}
    labels.update({f"prev_{i}": label for i, (label, _) in enumerate(history)})
    return ReviewTable(
        pd.DataFrame(rows),
        ("measure", "score", "median", "percentile", "weight", *prev_cols),
        labels,
        {"weight": "percent", **{c: "text" for c in ("measure", "score", "median", "percentile", *prev_cols)}},
        caption="Scores out of 100 against the cohort median and this CSM's own earlier quarters",
    )


def trend_table(history: list[tuple[str, Mapping]], metric_names) -> ReviewTable:
    """Key measures over up to four quarters (oldest first), each with its unit."""
    ordered = list(reversed(history))
    rows = []
    for name in metric_names:
        row = {"measure": label_of(name)}
        for i, (_, m) in enumerate(ordered):
            row[f"q{i}"] = format_metric(name, m.get(name))
        if any(row.get(f"q{i}") is not None for i in range(len(ordered))):
            rows.append(row)
    cols = tuple(f"q{i}" for i in range(len(ordered)))
    return ReviewTable(
        pd.DataFrame(rows),
        ("measure", *cols),
        {"measure": "Measure", **{f"q{i}": label for i, (label, _) in enumerate(ordered)}},
        {c: "text" for c in ("measure", *cols)},
        caption="Four-quarter trend (this CSM's own figures)",
        empty_note="No earlier quarter is on record for this CSM.",
    )


def minutes_table(metrics: Mapping, medians: Mapping[str, float]) -> ReviewTable:
    """Median minutes to complete an AI draft, per kind, against the cohort median."""
    rows = []
    for name in ("median_minutes_touch", "median_minutes_qbr_prep", "median_minutes_renewal_brief", "median_minutes_risk_brief"):
        own = format_metric(name, metrics.get(name))
        if own is None and name not in medians:
            continue
        rows.append({"kind": label_of(name), "own": own, "median": format_reference(medians.get(name), name) if name in medians else None})
    return ReviewTable(
        pd.DataFrame(rows),
        ("kind", "own", "median"),
        {"kind": "Draft kind", "own": "Median time to complete", "median": "Cohort median"},
        {"kind": "text", "own": "text", "median": "text"},
        caption="Minutes to complete an AI-assisted draft",
        empty_note="No AI drafts were recorded for this CSM in the quarter.",
    )


def team_table(team: TeamReference) -> ReviewTable:
    """The team quartiles, each with its unit; suppressed figures show as empty."""
    f = team.figures
    frame = pd.DataFrame(
        {
            "label": f["label"],
            "p25": [format_reference(v, m) for v, m in zip(f["p25"], f["metric"])],
            "median": [format_reference(v, m) for v, m in zip(f["median"], f["metric"])],
            "p75": [format_reference(v, m) for v, m in zip(f["p75"], f["metric"])],
            "n_csms": f["n_csms"].astype(int),
        }
    )
    return ReviewTable(
        frame,
        ("label", "p25", "median", "p75", "n_csms"),
        {"label": "Measure", "p25": "25th percentile", "median": "Median", "p75": "75th percentile", "n_csms": "CSMs with a value (count)"},
        {"label": "text", "p25": "text", "median": "text", "p75": "text", "n_csms": "int"},
        caption=f"Team reference for {team.period}: quartiles across {team.n_csms} CSMs, nobody named",
    )


def points_table(points, kind: str) -> ReviewTable:
    """Strengths or development areas (``ReviewPoint`` list) as a table."""
    frame = pd.DataFrame({"text": [p.text for p in points], "competency": [p.competency.replace("_", " ") for p in points]})
    return ReviewTable(
        frame,
        ("text", "competency"),
        {"text": kind, "competency": "Competency"},
        {"text": "text", "competency": "text"},
        empty_note=f"The evidence shows no {kind.lower()} this quarter.",
    )


def plan_table(plan) -> ReviewTable:
    """The 30-day coaching plan (``PlanItem`` list) as a table."""
    frame = pd.DataFrame(
        {
            "week": [f"Week {p.week}" for p in plan],
            "action": [p.action for p in plan],
            "account": [p.account for p in plan],
            "trigger": [p.trigger for p in plan],
            "effect": [p.expected_effect for p in plan],
        }
    )
    return ReviewTable(
        frame,
        ("week", "action", "account", "trigger", "effect"),
        {"week": "When", "action": "Action", "account": "Account", "trigger": "Trigger", "effect": "Expected effect"},
        {c: "text" for c in ("week", "action", "account", "trigger", "effect")},
        caption="30-day coaching plan",
        empty_note="The evidence gives no specific trigger for a 30-day plan this quarter.",
    )
