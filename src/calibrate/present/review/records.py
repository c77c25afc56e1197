"""Event tables of the per-CSM review: renewals, health bands, saves, escalations, comments, notes, triggers.

Each returns a :class:`tables.ReviewTable` over this CSM's own rows only
(accounts of the book, inside the window the CSM owned them).
"""

from __future__ import annotations

import pandas as pd

from ...book.lifecycle import RENEWALS_DUE_DAYS
from ...periods import Period
from .tables import TRIGGER_TEXT, ReviewTable, format_day
from .units import format_measure, is_missing

__all__ = [
    "renewals_table",
    "upcoming_renewals_table",
    "health_bands_table",
    "transitions_table",
    "saves_table",
    "escalations_table",
    "survey_comments_table",
    "notes_table",
    "triggers_table",
]


def renewals_table(book: pd.DataFrame, renewals: pd.DataFrame | None, period: Period) -> ReviewTable:
    """Renewals of the book that fell due in the quarter while this CSM owned the account."""
    empty = "No renewal fell due in this book during the quarter." if renewals is not None else "No renewals table was supplied, so renewals cannot be shown."
    cols = ("renewal_date", "name", "outcome", "arr_before", "arr_after", "at_risk", "credit")
    labels = {
        "renewal_date": "Renewal date",
        "name": "Account",
        "outcome": "Outcome",
        "arr_before": "ARR before",
        "arr_after": "ARR after",
        "at_risk": "Marked at risk",
        "credit": "Credit",
    }
    formats = {"renewal_date": "date", "arr_before": "money", "arr_after": "money", "at_risk": "text", "credit": "text"}
    if renewals is None or book.empty:
        return ReviewTable(pd.DataFrame(), cols, labels, formats, "Renewals in the quarter", empty)
    due = renewals.merge(book[["account_id", "name", "owned_from", "owned_to", "previous_owner_credited"]], on="account_id")
    due = due[(due["renewal_date"] >= period.start) & (due["renewal_date"] < period.end)]
    due = due[(due["renewal_date"] >= due["owned_from"]) & (due["renewal_date"] <= due["owned_to"]) & due["outcome"].isin(["renewed", "churned"])]
    frame = pd.DataFrame(
        {
            "renewal_date": due["renewal_date"],
            "name": due["name"].astype(str),
            "outcome": due["outcome"].astype(str),
            "arr_before": due["arr_before"].astype(float),
            "arr_after": due["arr_after"].astype(float),
            "at_risk": due["at_risk"].map(lambda v: "yes" if v is True or v == True else "no"),  # noqa: E712
            "credit": ["previous owner (handover grace)" if c else "this CSM" for c in due["previous_owner_credited"]],
        }
    ).sort_values("renewal_date", kind="stable")
    return ReviewTable(frame, cols, labels, formats, "Renewals in the quarter", empty)


def upcoming_renewals_table(book: pd.DataFrame, due: pd.DataFrame | None, *, days: int = RENEWALS_DUE_DAYS) -> ReviewTable:
    """Renewals due in the ``days`` after the quarter on live-book accounts (``PeriodResult.renewals_due``).

    The rows are the book stage's; an account whose customer gave churn notice
    shows its ARR at risk and the notice date.
    """
    cols = ("renewal_date", "name", "arr", "at_risk", "health_end")
    labels = {"renewal_date": "Renewal date", "name": "Account", "arr": "ARR at quarter end",
              "at_risk": "Churn notice", "health_end": "Health at quarter end (points)"}
    formats = {"renewal_date": "date", "arr": "money", "health_end": "int"}
    caption = f"Renewals due in the {days} days after the quarter (accounts in the book at quarter end)"
    note = f"No renewal is due in the {days} days after the quarter."
    if due is None or due.empty or book.empty:
        return ReviewTable(pd.DataFrame(), cols, labels, formats, caption, note)
    names = book.drop_duplicates("account_id").set_index("account_id")
    due = due.sort_values(["renewal_date", "account_id"], kind="stable")
    ids = due["account_id"]
    at_risk = [
        f"{format_measure(r, 'money')} at risk, notice given on {format_day(n)}" if not is_missing(n) and not is_missing(r) else ""
        for n, r in zip(due["notice_date"], due["arr_at_risk"])
    ]
    frame = pd.DataFrame({
        "renewal_date": due["renewal_date"].to_numpy(),
        "name": names["name"].reindex(ids).astype(str).to_numpy(),
        "arr": due["arr"].astype(float).to_numpy(),
        "at_risk": at_risk,
        "health_end": names["health_end"].reindex(ids).astype(float).to_numpy(),
    })
    return ReviewTable(frame, cols, labels, formats, caption, note)


def health_bands_table(book: pd.DataFrame, period: Period, *, red_max: float, yellow_max: float) -> ReviewTable:
    """Accounts and ARR by health band at quarter end (red <= red_max < yellow <= yellow_max < green)."""
    live = book[book["in_live_book"].astype(bool) & book["health_end"].notna()] if len(book) and "in_live_book" in book.columns else book.iloc[0:0]
    rows = []
    total = float(live["end_arr"].sum()) if len(live) else 0.0
    for band, test in (
        (f"Green (over {yellow_max:.0f})", live["health_end"] > yellow_max if len(live) else None),
        (f"Yellow ({red_max:.0f} to {yellow_max:.0f})", (live["health_end"] > red_max) & (live["health_end"] <= yellow_max) if len(live) else None),
        (f"Red ({red_max:.0f} or less)", live["health_end"] <= red_max if len(live) else None),
    ):
        if test is None:
            continue
        part = live[test]
        rows.append({"band": band, "accounts": len(part), "arr": float(part["end_arr"].sum()), "share": float(part["end_arr"].sum()) / total if total else None})
    return ReviewTable(
        pd.DataFrame(rows),
        ("band", "accounts", "arr", "share"),
        {"band": "Health band at quarter end", "accounts": "Accounts (count)", "arr": "ARR", "share": "Share of book ARR"},
        {"accounts": "int", "arr": "money", "share": "percent"},
        caption="Health distribution at quarter end",
        empty_note="No health scores were recorded for the accounts held at quarter end.",
    )


def transitions_table(transitions: pd.DataFrame) -> ReviewTable:
    """Accounts by health band at the start and at the end of the quarter (held at quarter end)."""
    frame = pd.DataFrame()
    if transitions is not None and len(transitions):
        pivot = transitions.pivot_table(index="band_t0", columns="band_t1", values="accounts", aggfunc="sum", fill_value=0)
        pivot = pivot.reindex(index=["red", "yellow", "green"], columns=["red", "yellow", "green"], fill_value=0)
        frame = pd.DataFrame(
            {
                "start": ["Red at start", "Yellow at start", "Green at start"],
                "red": pivot["red"].astype(int).to_numpy(),
                "yellow": pivot["yellow"].astype(int).to_numpy(),
                "green": pivot["green"].astype(int).to_numpy(),
            }
        )
    return ReviewTable(
        frame,
        ("start", "red", "yellow", "green"),
        {"start": "Band at quarter start", "red": "Red at end (accounts)", "yellow": "Yellow at end (accounts)", "green": "Green at end (accounts)"},
        {"red": "int", "yellow": "int", "green": "int"},
        caption="How the accounts held at quarter end moved between health bands",
        empty_note="No health band movement can be shown: no account had a score at both ends of the quarter.",
    )


def saves_table(saves: pd.DataFrame, book: pd.DataFrame) -> ReviewTable:
    """Accounts red at some time in the quarter that then renewed."""
    names = book.set_index("account_id")["name"] if len(book) else pd.Series(dtype="string")
    frame = pd.DataFrame(
        {
            "name": saves["account_id"].map(names).astype(str),
            "first_red_date": saves["first_red_date"],
            "lowest_score": saves["lowest_score"].astype(float),
            "health_end": saves["account_id"].map(book.set_index("account_id")["health_end"]) if len(book) else [],
            "renewal_date": saves["renewal_date"],
            "arr_before": saves["arr_before"].astype(float),
            "arr_after": saves["arr_after"].astype(float),
        }
    ) if len(saves) else pd.DataFrame()
    return ReviewTable(
        frame,
        ("name", "first_red_date", "lowest_score", "health_end", "renewal_date", "arr_before", "arr_after"),
        {
            "name": "Account",
            "first_red_date": "Red from",
            "lowest_score": "Lowest health (points)",
            "health_end": "Health at end (points)",
            "renewal_date": "Renewed on",
            "arr_before": "ARR before",
            "arr_after": "ARR after",
        },
        {"first_red_date": "date", "lowest_score": "int", "health_end": "int", "renewal_date": "date", "arr_before": "money", "arr_after": "money"},
        caption="Saves: red during the quarter, then renewed",
        empty_note="No account was red during the quarter and then renewed.",
    )


def escalations_table(tickets: pd.DataFrame | None, book: pd.DataFrame, period: Period) -> ReviewTable:
    """Tickets escalated in the quarter on accounts while this CSM owned them, and how they resolved."""
    cols = ("escalated_at", "name", "priority", "first_response", "resolution", "status")
    labels = {
        "escalated_at": "Escalated on",
        "name": "Account",
        "priority": "Priority",
        "first_response": "First response",
        "resolution": "Time to resolve",
        "status": "Status at quarter end",
    }
    formats = {"escalated_at": "date", "first_response": "text", "resolution": "days", "status": "text"}
    if tickets is None:
        return ReviewTable(pd.DataFrame(), cols, labels, formats, "Escalations in the quarter", "No tickets table was supplied, so escalations cannot be shown.")
    t = tickets[tickets["account_id"].isin(book["account_id"]) & tickets["escalated"].fillna(False).astype(bool)]
    when = t["escalated_at"].fillna(t["opened_at"])
    t = t.assign(when=when)
    t = t[(t["when"] >= period.start) & (t["when"] < period.end)]
    t = t.merge(book[["account_id", "name", "owned_from", "owned_to"]], on="account_id")
    t = t[(t["when"] >= t["owned_from"]) & (t["when"] < t["owned_to"])].sort_values("when", kind="stable")
    hours = (t["first_response_at"] - t["opened_at"]).dt.total_seconds() / 3600
    resolved = t["resolved_at"].notna() & (t["resolved_at"] < period.end)
    frame = pd.DataFrame(
        {
            "escalated_at": t["when"],
            "name": t["name"].astype(str),
            "priority": t["priority"].astype("string").fillna("not set"),
            "first_response": [None if is_missing(h) else f"{h:,.1f} hours" for h in hours],
            "resolution": ((t["resolved_at"] - t["opened_at"]).dt.total_seconds() / 86400).where(resolved),
            "status": ["resolved" if r else "open" for r in resolved],
        }
    )
    return ReviewTable(frame, cols, labels, formats, "Escalations in the quarter and how they resolved", "No ticket was escalated in this book during the quarter.")


def survey_comments_table(surveys: pd.DataFrame | None, book: pd.DataFrame, period: Period, *, limit: int = 8, redact=None) -> ReviewTable:
    """The most recent survey responses with a comment, from this CSM's accounts in their windows."""
    cols = ("responded_at", "name", "kind", "score", "comment")
    labels = {"responded_at": "Date", "name": "Account", "kind": "Survey", "score": "Score", "comment": "Comment"}
    formats = {"responded_at": "date", "score": "text", "comment": "text"}
    if surveys is None:
        return ReviewTable(pd.DataFrame(), cols, labels, formats, "Customer comments", "No surveys table was supplied, so there are no customer comments.")
    s = surveys[surveys["account_id"].isin(book["account_id"]) & surveys["comment"].notna()]
    s = s[(s["responded_at"] >= period.start) & (s["responded_at"] < period.end)]
    s = s.merge(book[["account_id", "name", "owned_from", "owned_to"]], on="account_id")
    s = s[(s["responded_at"] >= s["owned_from"]) & (s["responded_at"] < s["owned_to"])]
    s = s.sort_values("responded_at", ascending=False, kind="stable").head(limit)
    frame = pd.DataFrame(
        {
            "responded_at": s["responded_at"],
            "name": s["name"].astype(str),
            "kind": s["kind"].astype(str).str.upper(),
            "score": [f"{v:.0f} / 10" if k == "nps" else f"{v:.0f} / 5" for k, v in zip(s["kind"], s["score"])],
            "comment": s["comment"].map(redact or str).astype(str),
        }
    )
    return ReviewTable(frame, cols, labels, formats, "What customers wrote (most recent first)", "No survey response with a comment came back from this book in the quarter.")


def notes_table(notes: pd.DataFrame, book: pd.DataFrame, categories: tuple[str, ...]) -> ReviewTable:
    """The manager's evidence notes of the given categories, quoted with their date."""
    part = notes[notes["category"].isin(categories)]
    names = book.set_index("account_id")["name"] if len(book) else pd.Series(dtype="string")
    frame = pd.DataFrame(
        {
            "date": part["date"],
            "category": part["category"].astype(str).str.replace("_", " "),
            "name": [None if is_missing(a) else names.get(a) for a in part["account_id"]],
            "text": part["text"].astype(str),
        }
    )
    return ReviewTable(
        frame,
        ("date", "category", "name", "text"),
        {"date": "Date", "category": "Kind", "name": "Account", "text": "Note"},
        {"date": "date", "text": "text"},
        caption="Evidence notes",
        empty_note="No evidence notes of this kind were logged for the quarter.",
    )


def triggers_table(triggers: pd.DataFrame, book: pd.DataFrame) -> ReviewTable:
    """Coaching triggers raised for this CSM in the quarter, most recent first."""
    names = book.set_index("account_id")["name"] if len(book) else pd.Series(dtype="string")
    t = triggers.sort_values("date", ascending=False, kind="stable")
    frame = pd.DataFrame(
        {
            "date": t["date"],
            "name": [("whole book" if is_missing(a) else names.get(a, "account outside the owned window")) for a in t["account_id"]],
            "trigger": [TRIGGER_TEXT.get(str(k), str(k).replace("_", " ")) for k in t["trigger"]],
            "polarity": t["polarity"].astype(str),
            "evidence": t["evidence"].astype("string").fillna(""),
        }
    )
    return ReviewTable(
        frame,
        ("date", "name", "trigger", "polarity", "evidence"),
        {"date": "Week of", "name": "Account", "trigger": "Trigger", "polarity": "Signal", "evidence": "What monitoring saw"},
        {"date": "date", "evidence": "text"},
        caption="Monitoring triggers in the quarter",
        empty_note="Monitoring raised no trigger for this book in the quarter.",
        max_rows=15,
    )
