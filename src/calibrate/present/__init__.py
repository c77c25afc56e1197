"""Present: escaped tables, inline-SVG charts and offline HTML pages.

Notebooks call only this far: the bundle loaders and the ``show_*`` helpers.
"""

from .bundle import CsmSlice, LeadershipView, TeamAggregates, load_csm_slice, load_leadership, load_team
from .charts import THEME, bar_chart, chart_html, chart_to_svg
from .display import kpis_html, show_chart, show_kpis, show_note, show_table, show_text, show_title, title_html
from .escape import escape_multiline, escape_text, find_remote_references, safe_key, strip_active_content
from .html import notebook_to_html, page_html
from .tables import format_money, format_percent, format_ratio, format_value, note_html, table_html

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
    "kpis_html",
    "show_chart",
    "show_kpis",
    "show_note",
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
