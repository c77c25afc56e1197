"""What a notebook cell calls to show something: each ``show_*`` displays escaped HTML.

The ``*_html`` builders in ``tables``/``charts`` return strings (testable
without a kernel); these wrappers hand them to IPython. Notebooks call only
these and the bundle loaders, so they stay free of logic.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from .escape import escape_multiline, escape_text, is_missing
from .html import TITLE_METADATA_KEY
from .svg import figure_html
from .tables import format_value, note_html, table_html

__all__ = ["show_title", "show_text", "show_note", "show_table", "show_chart", "show_svg", "show_kpis", "kpis_html", "title_html"]


def _display_html(markup: str, metadata: dict[str, Any] | None = None) -> None:
    from IPython.display import HTML, display

    display(HTML(markup), metadata=metadata or {})


def title_html(title: str, subtitle: str | None = None, *, badge: str | None = None) -> str:
    """The page header: escaped title, optional subtitle and badge (e.g. "Leadership only")."""
    badge_html = f' <span class="badge badge-leadership">{escape_text(badge)}</span>' if badge else ""
    sub = f'<p class="subtitle">{escape_multiline(subtitle)}</p>' if subtitle else ""
    return f'<header class="report-header"><h1>{escape_text(title)}{badge_html}</h1>{sub}</header>'


def show_title(title: str, subtitle: str | None = None, *, badge: str | None = None) -> None:
    """Display the report header and record ``title`` as the HTML page title."""
    _display_html(title_html(title, subtitle, badge=badge), {TITLE_METADATA_KEY: str(title)})


def show_text(text: str) -> None:
    """Display data-derived text as an escaped paragraph (line breaks kept)."""
    _display_html(f"<p>{escape_multiline(text)}</p>")


def show_note(text: str, *, kind: str = "info") -> None:
    """Display a boxed note; ``kind`` is ``info``, ``warning`` or ``nodata``."""
    _display_html(note_html(text, kind=kind))


def show_table(
    frame: pd.DataFrame | None,
    *,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
    max_rows: int | None = None,
    empty_note: str = "No rows to show for this period.",
) -> None:
    """Display ``table_html(frame, ...)``; ``None`` or no rows shows ``empty_note``."""
    _display_html(
        table_html(frame, columns=columns, labels=labels, formats=formats, caption=caption, max_rows=max_rows, empty_note=empty_note)
    )


_NO_CHART = "No chart: there is no data for it this period."


def show_chart(chart: Any, *, caption: str | None = None, empty_note: str | None = None) -> None:
    """Display an Altair chart as inline SVG; ``None`` shows ``empty_note`` instead.

    Draws the chart in this process (imports Altair and vl_convert). Report
    notebooks show charts the batch drew already, with :func:`show_svg`.
    """
    if chart is None:
        _display_html(note_html(empty_note or _NO_CHART, kind="nodata"))
        return
    from .charts import chart_html

    _display_html(chart_html(chart, caption=caption))


def show_svg(svg: str | None, *, caption: str | None = None, empty_note: str | None = None) -> None:
    """Display a chart drawn already (SVG text from ``chart_to_svg``) with its caption; ``None`` shows ``empty_note``."""
    if svg is None:
        _display_html(note_html(empty_note or _NO_CHART, kind="nodata"))
        return
    _display_html(figure_html(svg, caption=caption))


def kpis_html(values: Mapping[str, Any], *, formats: Mapping[str, str] | None = None) -> str:
    """Headline figures as tiles: ``{label: value}`` with an optional format per label."""
    formats = dict(formats or {})
    tiles = []
    for label, value in values.items():
        shown = format_value(value, formats.get(label, "text" if isinstance(value, str) or is_missing(value) else "number"))
        tiles.append(f'<li><span class="kpi-value">{shown}</span><span class="kpi-label">{escape_text(label)}</span></li>')
    return '<ul class="kpis">' + "".join(tiles) + "</ul>"


def show_kpis(values: Mapping[str, Any], *, formats: Mapping[str, str] | None = None) -> None:
    """Display headline figures as tiles (see ``kpis_html``)."""
    _display_html(kpis_html(values, formats=formats))
