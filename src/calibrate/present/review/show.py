"""What the review notebook's cells call: each function displays escaped HTML and returns nothing."""

from __future__ import annotations

from ..display import show_kpis, show_note, show_table
from ..escape import escape_multiline, escape_text
from .tables import ReviewTable, team_table
from .team import TeamReference

def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


__all__ = ["show_review_table", "show_review_notes", "show_kpi_tiles", "show_narrative", "show_team_reference", "narrative_html"]


def show_review_table(table: ReviewTable) -> None:
    """Display a :class:`ReviewTable` (its "no data" note when it has no rows)."""
    show_table(
        table.frame,
        columns=list(table.columns),
        labels=dict(table.labels),
        formats=dict(table.formats),
        caption=table.caption,
        max_rows=table.max_rows,
        empty_note=table.empty_note,
    )


def show_review_notes(review, section: str) -> None:
    """Display the computed sentences of ``section`` as boxed notes (nothing when there are none)."""
    for kind, text in review.notes.get(section, ()):
        show_note(text, kind=kind)


def show_kpi_tiles(review, section: str) -> None:
    """Display the headline tiles of ``section`` (values already carry their units)."""
    tiles = review.kpis.get(section)
    if tiles:
        show_kpis(dict(tiles), formats={label: "text" for label in tiles})


def narrative_html(narrative) -> str:
    """The drafted narrative as escaped HTML: one heading and paragraph per section, then its length."""
    parts = ['<div class="narrative">']
    for section in narrative.sections:
        if section.sentences:
            parts.append(f"<h3>{escape_text(section.title)}</h3><p>{escape_multiline(section.text)}</p>")
    parts.append("</div>")
    return "".join(parts)


def show_narrative(narrative) -> None:
    """Display the draft narrative, its word count, and why it is short when it is."""
    _display_html(narrative_html(narrative))
    show_note(f"Draft length: {narrative.word_count} words (target 400 to 600). Edit freely before sending.", kind="info")
    if narrative.too_short_reason:
        show_note(narrative.too_short_reason, kind="warning")


def show_team_reference(team: TeamReference) -> None:
    """Display the team quartiles and what was suppressed."""
    for text in team.notes:
        show_note(text, kind="info")
    show_review_table(team_table(team))
