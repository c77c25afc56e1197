"""The review's computed sentences: book shape, rating reason, cohort notes and the traps.

Each function returns ``(kind, text)`` notes (``kind`` ``info``, ``warning``
or ``nodata`` for ``present.show_note``). Every number is written with its
unit and comes from this CSM's own figures or team aggregates; another owner
of an account is only ever "the previous owner" or "the next owner".
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from .units import format_measure, format_metric, is_missing, label_of

__all__ = [
    "Note",
    "header_notes",
    "rating_reason",
    "cohort_notes",
    "concentration_notes",
    "inherited_notes",
    "handed_on_notes",
    "saves_notes",
    "ai_notes",
]

Note = tuple[str, str]


def _day(value) -> str:
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp.strftime('%b')} {stamp.year}"


def _money(x) -> str:
    return format_measure(x, "money") or "an unknown amount"


def _names(names: list[str], limit: int = 8) -> str:
    names = list(names)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _lower(label: str) -> str:
    """A category label inside a sentence: lower-case, acronyms kept (``AI productivity``)."""
    return " ".join(w if w.isupper() else w.lower() for w in label.split())


def _live(book: pd.DataFrame) -> pd.DataFrame:
    """The rows of the live book at quarter end (the lifecycle's ``in_live_book`` flag)."""
    if not len(book) or "in_live_book" not in book.columns:
        return book.iloc[0:0]
    return book[book["in_live_book"].astype(bool)]


def _accounts(n: int) -> str:
    return f"{n} account" if n == 1 else f"{n} accounts"


def header_notes(
    book: pd.DataFrame, *, period_end: pd.Timestamp, tenure: float | None, hire_date, left_date,
    n_accounts: int | None = None, book_arr: float | None = None,
) -> list[Note]:
    """Tenure, the live book at quarter end and its largest account; a clear note when nothing is held at T1.

    The live book is the rows flagged ``in_live_book`` (the lifecycle's); its
    count and ARR are the scores' ``n_accounts`` and ``end_book_arr`` when given,
    so the note says what the header tiles say.
    """
    notes: list[Note] = []
    if tenure is not None:
        hired = f" (hired {_day(hire_date)})" if not is_missing(hire_date) else ""
        notes.append(("info", f"Tenure: {tenure:.0f} months at quarter end{hired}."))
    live = _live(book)
    if not is_missing(left_date) and pd.Timestamp(left_date) < period_end:
        notes.append(("warning", f"Left the company on {_day(left_date)}; the review covers the accounts owned until then."))
    if len(live) == 0:
        owned = len(book)
        notes.append(
            (
                "nodata",
                f"No accounts are held at quarter end. {_accounts(owned)} {'was' if owned == 1 else 'were'} owned at some time in the quarter; "
                "the figures below cover those windows only." if owned else "No accounts are held at quarter end and none was owned during the quarter.",
            )
        )
        return notes
    count = int(n_accounts) if n_accounts is not None and not is_missing(n_accounts) else len(live)
    total = float(book_arr) if book_arr is not None and not is_missing(book_arr) else float(live["end_arr"].sum())
    top = live.sort_values("end_arr", ascending=False).iloc[0]
    share = format_measure(float(top["end_arr"]) / total, "percent") if total > 0 else None
    notes.append(
        (
            "info",
            f"Book at quarter end: {_accounts(count)} with {_money(total)} of ARR"
            + (f". The largest, {top['name']}, is {share} of it." if share else "."),
        )
    )
    return notes


def rating_reason(
    metrics: Mapping, *, weights: Mapping[str, float], rating_cuts: tuple[float, float], tier_cuts: tuple[float, float, float]
) -> list[Note]:
    """The rating and tier in one sentence, with the categories that lifted and lowered the overall most.

    A category's pull on the overall is ``w_i * (score_i - overall) / sum(w)``
    over the categories with a score: positive lifts, negative lowers.
    """
    overall = metrics.get("overall_score")
    if is_missing(overall):
        return [("nodata", "No overall score: no category could be scored from this quarter's data.")]
    overall = float(overall)
    exceeds, meets = rating_cuts
    top, strong, solid = tier_cuts
    rating = str(metrics.get("rating") or "").replace("_", " ")
    if overall >= exceeds:
        where = f"at or above the exceeds cut of {format_measure(exceeds, 'points')}"
    elif overall >= meets:
        where = f"between the meets cut of {format_measure(meets, 'points')} and the exceeds cut of {format_measure(exceeds, 'points')}"
    else:
        where = f"below the meets cut of {format_measure(meets, 'points')}"
    bounds = {
        "top": f"{top:.0f} points and above",
        "strong": f"{strong:.0f} to under {top:.0f} points",
        "solid": f"{solid:.0f} to under {strong:.0f} points",
        "under": f"under {solid:.0f} points",
    }
    tier_name = str(metrics.get("tier") or "")
    pulls = []
    present = {c: float(metrics[f"score_{c}"]) for c in weights if not is_missing(metrics.get(f"score_{c}"))}
    total_w = sum(weights[c] for c in present) or 1.0
    for category, score in present.items():
        pulls.append((weights[category] * (score - overall) / total_w, category, score))
    lifted = [p for p in sorted(pulls, reverse=True) if p[0] > 0.5][:2]
    lowered = [p for p in sorted(pulls) if p[0] < -0.5][:2]
    part = ""
    if lifted:
        text = " and ".join(f"{_lower(label_of('score_' + c))} ({format_measure(s, 'points')})" for _, c, s in lifted)
        part += " " + text[:1].upper() + text[1:] + " lifted it most"
    if lowered:
        text = " and ".join(f"{_lower(label_of('score_' + c))} ({format_measure(s, 'points')})" for _, c, s in lowered)
        part += ("; " + text) if lifted else (" " + text[:1].upper() + text[1:])
        part += " pulled it down most"
    sentence = (
        f"Overall {format_measure(overall, 'points')}, {where}: rated {rating}, tier {tier_name} ({bounds.get(tier_name, '')})."
        + (part + "." if part else "")
    )
    return [("info", sentence)]


def cohort_notes(
    *, segment: str, cohort: str, cohort_size: int, n_team: int, min_cohort_size: int, small_book: bool, shrink_weight, missing_categories: str, weight_shared_out
) -> list[Note]:
    """Which cohort the CSM is compared with, pooling, shrinkage and missing categories."""
    seg = str(segment).replace("_", "-")
    notes: list[Note] = []
    if cohort == "team":
        notes.append(
            (
                "info",
                f"The {seg} segment has fewer than {min_cohort_size} CSMs, so cohort medians and percentiles compare with the whole team ({n_team} CSMs).",
            )
        )
    else:
        notes.append(("info", f"Cohort medians and percentiles compare with the {seg} cohort of {cohort_size} CSMs."))
    if cohort_size < min_cohort_size:
        notes.append(
            (
                "warning",
                f"The cohort has fewer than {min_cohort_size} CSMs, so cohort medians and percentiles are not shown: they would reveal colleagues' own figures.",
            )
        )
    if small_book and not is_missing(shrink_weight):
        notes.append(
            (
                "info",
                f"Small book: category scores are drawn toward the cohort mean before rating (its own data weighs {format_measure(shrink_weight, 'percent')} on average over the categories).",
            )
        )
    if missing_categories:
        cats = ", ".join(label_of("score_" + c).lower() for c in str(missing_categories).split(";") if c)
        notes.append(
            (
                "warning",
                f"No data to score {cats}; {format_measure(weight_shared_out, 'percent')} of the weight was shared out over the other categories.",
            )
        )
    return notes


def concentration_notes(metrics: Mapping, book: pd.DataFrame, *, flagged: bool) -> list[Note]:
    """The strategic-account-camouflage trap: the book without its top account, and the smaller churns by name."""
    cohort = book[(book["start_arr"].fillna(0) > 0) & book["attributed"].astype(bool) & ~book["previous_owner_credited"].astype(bool)] if len(book) else book
    if len(cohort) < 2 or is_missing(metrics.get("nrr")):
        return []
    top = cohort.sort_values("start_arr", ascending=False).iloc[0]
    share = float(top["start_arr"]) / float(cohort["start_arr"].sum())
    rest = cohort[cohort["account_id"] != top["account_id"]]
    churned = rest[rest["movement"] == "churned"]
    excl = metrics.get("nrr_excl_top")
    text = (
        f"{top['name']} holds {format_measure(share, 'percent')} of starting ARR. NRR is {format_metric('nrr', metrics.get('nrr'))}"
        + (f"; without {top['name']} it is {format_metric('nrr', excl)}." if not is_missing(excl) else ".")
    )
    if len(churned):
        text += " Smaller accounts that churned: " + _names([f"{r['name']} ({_money(r['start_arr'])})" for _, r in churned.iterrows()]) + "."
    else:
        text += " None of the smaller accounts churned."
    return [("warning" if flagged else "info", ("Concentrated book. " if flagged else "Concentration check. ") + text)]


def inherited_notes(metrics: Mapping, book: pd.DataFrame, *, grace_days: int) -> list[Note]:
    """The inherited-book trap: what was taken over, when, and what the previous owner set up."""
    taken = book[book["inherited"].astype(bool)] if len(book) else book
    if len(taken) == 0:
        return []
    by_day = taken.groupby("owned_from")["name"].apply(list)
    parts = [f"{_names(list(names))} on {_day(day)}" for day, names in by_day.items()]
    share = metrics.get("inherited_share")
    text = f"Taken over from the previous owner inside the quarter: {'; '.join(parts)}."
    if not is_missing(share):
        text += f" These accounts hold {format_measure(share, 'percent')} of the book's ARR at quarter end."
    notes: list[Note] = [("warning" if str(metrics.get("flags") or "").find("inherited_book") >= 0 else "info", text)]
    credited = taken[taken["previous_owner_credited"].astype(bool) & (taken["movement"] != "flat")]
    for _, r in credited.iterrows():
        if r["movement"] == "churned":
            what = f"churned (ARR {_money(r['start_arr'])} to $0) by {_day(r['owned_to'])}"
        elif r["movement"] in ("expanded", "contracted"):
            what = f"{r['movement']} from {_money(r['start_arr'])} to {_money(r['end_arr'])}"
        else:
            what = "moved"
        notes.append(
            (
                "info",
                f"{r['name']} {what} within the {grace_days}-day handover grace: the result rests on the previous owner's setup and counts in the previous owner's figures, not this CSM's.",
            )
        )
    renewed = taken[(taken["renewal_outcome"] == "renewed")]
    for _, r in renewed.iterrows():
        notes.append(("info", f"{r['name']} renewed on {_day(r['renewal_date'])}, weeks after the handover: the previous owner set that renewal up."))
    return notes


def handed_on_notes(book: pd.DataFrame, *, grace_days: int) -> list[Note]:
    """Accounts handed to a next owner inside the quarter: their early movement still counts here."""
    handed = book[book["handed_on"].astype(bool)] if len(book) else book
    if len(handed) == 0:
        return []
    moved = handed[handed["movement"] != "flat"]
    text = f"Handed to the next owner inside the quarter: {_names(list(handed['name']))}. Movement in the {grace_days} days after each handover counts in this review."
    if len(moved):
        text += " Of these, " + _names([f"{r['name']} {r['movement']} ({_money(r['start_arr'])} to {_money(r['end_arr'])})" for _, r in moved.iterrows()]) + "."
    return [("info", text)]


def saves_notes(book: pd.DataFrame, saves: pd.DataFrame) -> list[Note]:
    """Invisible proactive work: red accounts brought back and renewed, by name."""
    if len(saves) == 0:
        return []
    names = book.set_index("account_id")
    parts = []
    for _, s in saves.iterrows():
        if s["account_id"] not in names.index:
            continue
        end = names.loc[s["account_id"], "health_end"]
        parts.append(
            f"{names.loc[s['account_id'], 'name']} (lowest {format_measure(s['lowest_score'], 'points')}"
            + (f", {format_measure(end, 'points')} at quarter end" if not is_missing(end) else "")
            + f", renewed {_day(s['renewal_date'])})"
        )
    if not parts:
        return []
    return [("info", "Churn that did not happen leaves no number, so it is named here. Red accounts brought back and renewed: " + _names(parts) + ".")]


def ai_notes(metrics: Mapping, *, band_low: float, band_high: float) -> list[Note]:
    """The override rate against its band, and what each side of the band suggests."""
    rate = metrics.get("override_rate")
    if is_missing(rate):
        return [("nodata", "No AI drafts were recorded in the quarter, so the override rate cannot be computed.")]
    band = f"{format_measure(band_low, 'percent')} to {format_measure(band_high, 'percent')}"
    rate_text = format_measure(rate, "percent")
    detail = f" (edits {format_metric('edit_rate', metrics.get('edit_rate')) or 'unknown'}, rejections {format_metric('reject_rate', metrics.get('reject_rate')) or 'unknown'})"
    if float(rate) < band_low:
        return [("warning", f"Override rate {rate_text}{detail} is below the {band} band: drafts may be going out without being read.")]
    if float(rate) > band_high:
        return [("warning", f"Override rate {rate_text}{detail} is above the {band} band: most drafts need rework, so the drafting is not yet tuned to this book.")]
    return [("info", f"Override rate {rate_text}{detail} is inside the {band} band.")]
