"""The house chart theme and palette: plain data, importable without Altair.

Chart modules (which import Altair) and the light display helpers both read
these; a report kernel that only shows pre-drawn SVG never imports Altair.
"""

from __future__ import annotations

from typing import Any

__all__ = ["THEME", "PALETTE", "REFERENCE_GREY"]

# Every colour at least 3:1 against the white page (WCAG 1.4.11 for graphics; tests/test_present_charts.py).
PALETTE = ("#2f5d8a", "#c4621a", "#3a9a6e", "#c44e52", "#8172b2", "#937860", "#2a87a5", "#8c8c8c")
# The grey of a reference series (cohort median, target, "the rest"): 3.7:1 against white.
REFERENCE_GREY = "#7b8794"

THEME: dict[str, Any] = {
    "background": "white",
    "font": "Helvetica, Arial, sans-serif",
    "padding": 8,
    "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 280},
    "title": {"fontSize": 14, "fontWeight": 600, "anchor": "start", "color": "#1d2733", "offset": 10},
    "axis": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": 500,
        "labelColor": "#33414f",
        "titleColor": "#33414f",
        "gridColor": "#e3e7ec",
        "domainColor": "#9aa5b1",
        "tickColor": "#9aa5b1",
        "labelLimit": 220,
    },
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
    "range": {"category": list(PALETTE)},
    "bar": {"color": PALETTE[0]},
    "line": {"color": PALETTE[0], "strokeWidth": 2},
    "point": {"color": PALETTE[0], "filled": True},
    "rule": {"color": "#9aa5b1"},
}
