"""HTML pieces of the session app and its export: queue, card, live panel, comparison.

Pure functions, text in, text out; every value from the data passes through
``escape_text`` or ``table_html``. The markup reflows: at 390 px wide the
panels stack and tables keep their first column while the rest wraps, at
1440 px the queue, card and live panel sit side by side (``SESSION_CSS``).
Elements the browser test reads carry a ``data-testid``.
"""

from __future__ import annotations

import math

import pandas as pd

from ..escape import escape_text
from ..tables import note_html, table_html
from .live import RATING_LABELS, LiveView, impact_rows
from .state import PRIORITY_LABELS, CsmCard

__all__ = ["SESSION_CSS", "distribution_html", "fairness_html", "queue_html", "card_html", "compare_html", "status_html",
           "rating_label"]

SESSION_CSS = """<style>
.cal-session{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:15px;line-height:1.4;color:#1a1a1a;max-width:100%}
.cal-session h2{font-size:1.15em;margin:.6em 0 .3em}
.cal-session h3{font-size:1em;margin:.6em 0 .2em}
.cal-session .table-wrap{overflow-x:auto;max-width:100%}
.cal-session table.data{border-collapse:collapse;font-size:14px;margin:4px 0 10px 0;width:100%}
.cal-session table.data th,.cal-session table.data td{border-bottom:1px solid #c8c8c8;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:break-word}
.cal-session table.data td.num{white-space:nowrap}
.cal-session table.data td.num,.cal-session table.data th.num{text-align:right}
.cal-session caption{text-align:left;font-weight:600;padding:2px 0}
.cal-session .note{margin:4px 0;color:#333}
.cal-session .note-warning{color:#7a3f00;font-weight:600}
.cal-session .bar-row{display:grid;grid-template-columns:9.5em 1fr 6.5em;gap:6px;align-items:center;margin:3px 0}
.cal-session .bar{background:#e4e4e4;height:16px;position:relative;border:1px solid #767676}
.cal-session .bar .fill{background:#1f5f99;height:100%}
.cal-session .bar .target{position:absolute;top:-3px;bottom:-3px;border-left:3px dashed #111}
.cal-session .queue-item{border:1px solid #c8c8c8;border-radius:4px;padding:6px 8px;margin:4px 0}
.cal-session .queue-item.decided{background:#eef5ee}
.cal-session .chip{display:inline-block;border:1px solid #555;border-radius:10px;padding:0 6px;font-size:12px;margin-right:4px}
.cal-session .over{color:#8a0000;font-weight:700}
.cal-session .big{font-size:1.6em;font-weight:700}
</style>"""


def rating_label(rating) -> str:
    """Plain label of a rating code (``needs_development`` -> ``needs development``)."""
    if rating is None or (not isinstance(rating, str) and pd.isna(rating)):
        return "—"
    return RATING_LABELS.get(str(rating), str(rating))


def distribution_html(view: LiveView) -> str:
    """Final ratings against the guide: one bar per rating with count, target and the moves sentence."""
    n = int(view.guide["count"].sum())
    rows = []
    for r in view.guide.itertuples(index=False):
        share = r.count / n if n else 0.0
        target_share = r.target / n if n else 0.0
        rows.append(
            f'<div class="bar-row" data-testid="dist-{escape_text(r.rating)}"><span>{escape_text(rating_label(r.rating))}</span>'
            f'<span class="bar" role="img" aria-label="{r.count} of {n}, guide {r.target}">'
            f'<span class="fill" style="display:block;width:{share * 100:.1f}%"></span>'
            f'<span class="target" style="left:{target_share * 100:.1f}%"></span></span>'
            f'<span><b data-testid="count-{escape_text(r.rating)}">{r.count}</b> (guide {r.target})</span></div>'
        )
    note = ""
    if view.distribution is not None:
        note = note_html(view.distribution.note)
    return (
        '<section data-testid="distribution"><h3>Final ratings against the guide</h3>'
        + "".join(rows)
        + '<p class="note">Bar: people at each rating now; dashed line: the guide.</p>'
        + f'<p data-testid="moves"><b>{escape_text(view.guide_text)}</b></p>'
        + note
        + "</section>"
    )


def fairness_html(view: LiveView) -> str:
    """Impact ratios per group under the final ratings (below 0.80 is marked in words, not colour alone)."""
    rows = impact_rows(view)
    if rows.empty:
        return ('<section data-testid="fairness"><h3>Fairness</h3>'
                + note_html("No group column (group_*) in the csms table, or no group of 4 or more people: nothing to compare.",
                            kind="nodata") + "</section>")
    shown = pd.DataFrame({
        "group": [f"{c.removeprefix('group_')}: {g}" for c, g in zip(rows["column"], rows["group"])],
        "outcome": rows["outcome"].map({"meets_or_better": "meets or better", "exceeds": "exceeds"}),
        "rate": rows["rate"],
        "ratio": ["—" if pd.isna(x) else f"{x:.2f}" + (" (below 0.80)" if b else "")
                  for x, b in zip(rows["impact_ratio"], rows["below_threshold"])],
        "n": rows["n"],
    })
    return ('<section data-testid="fairness"><h3>Fairness: rate of each outcome against the highest group</h3>'
            + table_html(shown, labels={"group": "Group", "outcome": "Outcome", "rate": "Rate", "ratio": "Ratio to top group",
                                        "n": "People"}, formats={"rate": "percent", "n": "int"})
            + note_html("A ratio below 0.80 is worth a look; with groups this small it can be chance.")
            + "</section>")


def status_html(view: LiveView, *, n_csms: int) -> str:
    """The headline counts: decided, open disagreements, people to move."""
    return (
        '<div data-testid="status">'
        f'<span class="chip">decided <b data-testid="decided">{view.decided}</b> of {n_csms}</span>'
        f'<span class="chip">open disagreements <b data-testid="open-disagreements">{view.open_disagreements}</b></span>'
        f'<span class="chip">moves to the guide <b data-testid="moves-count">{view.moves}</b></span>'
        "</div>"
    )


def queue_html(queue: pd.DataFrame) -> str:
    """The discussion queue as a list (readable on a phone): name, why, ratings, decided or open."""
    items = []
    for i, r in enumerate(queue.itertuples(index=False), start=1):
        state = f"decided: {rating_label(r.final_rating)}" if r.decided else "open"
        items.append(
            f'<div class="queue-item{" decided" if r.decided else ""}" data-testid="queue-{escape_text(r.csm_id)}">'
            f'<b>{i}. {escape_text(r.name)}</b> <span class="chip">{escape_text(PRIORITY_LABELS[int(r.priority)])}</span>'
            f'<span class="chip" data-testid="queue-state">{escape_text(state)}</span><br>'
            f'<span class="note">{escape_text(r.why)}</span></div>'
        )
    return '<section data-testid="queue"><h3>Discussion queue</h3>' + "".join(items) + "</section>"


def _num(value: float, fmt: str = "{:.0f}") -> str:
    return "—" if value is None or math.isnan(value) else fmt.format(value)


def card_html(card: CsmCard, *, time_text: str = "", over: bool = False) -> str:
    """One CSM's card: ratings, score and rank with ranges, evidence, notes, review link."""
    parts = [f'<section data-testid="card"><h2>{escape_text(card.name)} <span class="note">({escape_text(card.csm_id)})</span></h2>']
    if time_text:
        parts.append(f'<p data-testid="timebox" class="{"over" if over else ""}">Time on this CSM: {escape_text(time_text)}'
                     + (" — over the time box" if over else "") + "</p>")
    source = {"decision": "set in this session", "manager": "the manager's", "model": "the model's"}.get(card.final_source, "")
    parts.append(
        '<p>Model: <b>' + escape_text(rating_label(card.model_rating)) + '</b> · Manager: <b>'
        + escape_text(rating_label(card.manager_rating)) + '</b> · Final: <b data-testid="card-final">'
        + escape_text(rating_label(card.final_rating)) + f"</b> ({escape_text(source)})</p>"
    )
    score = _num(card.overall_score)
    if not math.isnan(card.score_low):
        score += f" (95% range {_num(card.score_low)} to {_num(card.score_high)})"
    rank = "—" if math.isnan(card.rank) else f"{card.rank:.0f} of {card.n_ranked} (95% range {card.rank_low:.0f} to {card.rank_high:.0f})"
    parts.append(f"<p>Overall score: <b>{escape_text(score)}</b> · Rank: <b>{escape_text(rank)}</b></p>")
    if card.evidence:
        parts.append("<h3>Strongest evidence</h3><ul>" + "".join(f"<li>{escape_text(e)}</li>" for e in card.evidence) + "</ul>")
    if not card.categories.empty:
        parts.append(table_html(card.categories, columns=["category", "score", "team_median"],
                                labels={"category": "Category", "score": "Score (0–100, shrunk to the cohort)",
                                        "team_median": "Team median"},
                                formats={"score": "number", "team_median": "number"}))
    parts.append(f"<p>Flags: {escape_text(card.flags)}</p>")
    if card.manager_rationale:
        parts.append(f"<p>Manager's rationale: {escape_text(card.manager_rationale)}</p>")
    if card.notes.empty:
        parts.append(note_html("No pre-session note from a manager for this CSM.", kind="nodata"))
    else:
        shown = card.notes.assign(agrees_with_model=card.notes["agrees_with_model"].map(
            {"agree": "agrees with the model", "disagree": "disagrees with the model"}))
        parts.append(table_html(shown, labels={"manager_id": "Manager", "agrees_with_model": "View", "note": "Note"},
                                caption="Managers' notes before the session"))
    if card.review_page:
        href = "file://" + card.review_page
        parts.append(f'<p>Review page: <a href="{escape_text(href)}">{escape_text(card.review_page)}</a></p>')
    else:
        parts.append(note_html("No review page for this CSM in the run folder yet (run calibrate run first).", kind="nodata"))
    if card.decision is not None:
        d = card.decision
        parts.append(f"<p>Decided by {escape_text(d.decided_by)} at {escape_text(d.decided_at)}: "
                     f"{escape_text(rating_label(d.final_rating))}, {escape_text(d.reason)}</p>")
    parts.append("</section>")
    return "".join(parts)


def compare_html(frame: pd.DataFrame) -> str:
    """Side-by-side comparison (``state.compare_frame``)."""
    if frame.empty:
        return note_html("Tick up to six CSMs in the list to compare them side by side.", kind="nodata")
    labels = {"measure": ""}
    return '<section data-testid="compare">' + table_html(frame, labels=labels) + "</section>"
