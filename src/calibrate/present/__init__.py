"""Present: escaped tables, inline-SVG charts and offline HTML pages.

Notebooks call only this far: the bundle loaders and the ``show_*`` helpers.
Importing this package does not import Altair or vl_convert: charts are drawn
by the report builders in the batch's parent process and shown as SVG
(``show_svg``). ``bar_chart``, ``chart_html`` and ``chart_to_svg`` are loaded
from :mod:`.charts` on first use.
"""

import sys
from typing import Any

# nbformat (html.py) and Altair (charts.py) import jsonschema, whose optional IRI
# format checker (rfc3987_syntax) compiles a grammar at import: about 1 to 2 s in
# every process. Reports never validate IRIs, so that optional import is declined
# before either loads (jsonschema treats it as absent). Only done when nothing has
# imported it already; charts.py repeats it for direct imports.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from .bundle import CsmSlice, LeadershipView, TeamAggregates, load_csm_slice, load_leadership, load_team
from .display import kpis_html, show_chart, show_kpis, show_svg, show_note, show_table, show_text, show_title, title_html
from .escape import escape_multiline, escape_text, find_remote_references, safe_key, strip_active_content
from .html import notebook_to_html, page_html
from .svg import figure_html
from .tables import format_money, format_percent, format_ratio, format_value, note_html, table_html
from .theme import THEME

__all__ = [
    "CsmSlice",
    "LeadershipView",
    "TeamAggregates",
    "load_csm_slice",
    "load_leadership",
    "load_team",
    "THEME",
    "bar_chart",
    "chart_html",
    "chart_to_svg",
    "figure_html",
    "kpis_html",
    "show_chart",
    "show_kpis",
    "show_note",
    "show_svg",
    "show_table",
    "show_text",
    "show_title",
    "title_html",
    "escape_multiline",
    "escape_text",
    "find_remote_references",
    "safe_key",
    "strip_active_content",
    "notebook_to_html",
    "page_html",
    "format_money",
    "format_percent",
    "format_ratio",
    "format_value",
    "note_html",
    "table_html",
]

_CHART_NAMES = ("bar_chart", "chart_html", "chart_to_svg")


def __getattr__(name: str) -> Any:
    """Load the Altair-based chart helpers only when someone uses them."""
    if name in _CHART_NAMES:
        from . import charts

        return getattr(charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
