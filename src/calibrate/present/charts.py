"""Altair charts as inline SVG: drawn once by vl_convert, no JavaScript, no network.

This is the only module (with the ``*/charts.py`` chart builders) that
imports Altair: the report builders render every chart here, in the batch's
parent process, and the notebooks only show the finished SVG
(``present.show_svg``), so a report kernel never imports Altair or vl_convert.

A report page carries the finished drawing, so it renders the same in an
offline browser, in print and in an e-mail attachment. Every chart gets the
house theme (``THEME``) unless its own ``configure_*`` says otherwise.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from typing import Any

# Altair imports jsonschema, whose optional IRI format checker (rfc3987_syntax)
# compiles a grammar at import: about 2 s in every report kernel. Charts never
# validate IRIs, so that optional import is declined here (jsonschema treats it
# as absent). Only done when nothing has imported it already.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import altair as alt  # noqa: E402
import pandas as pd

from .svg import figure_html
from .theme import PALETTE, THEME

__all__ = ["THEME", "PALETTE", "alt", "chart_to_svg", "chart_html", "bar_chart", "render_svg"]

_VL_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
_ID_ATTR = re.compile(r'\bid="([^"]+)"')


def _unique_ids(svg: str, prefix: str | None = None) -> str:
    """Rename every ``id`` (and its ``url(#..)``/``href="#.."`` uses) so charts on one page never clash.

    The renderer numbers its ids (``clip3``) by how many charts the process drew
    before; they are first renumbered in order of appearance, then prefixed with
    ``prefix`` or, by default, a hash of the renumbered drawing, so the same
    chart gets the same ids in any process.
    """
    ids = list(dict.fromkeys(_ID_ATTR.findall(svg)))
    canonical = {old: f"i{n}" for n, old in enumerate(ids, start=1)}
    for old in sorted(ids, key=len, reverse=True):  # a placeholder no renderer id can contain
        svg = _replace_id(svg, old, f"\x00{canonical[old]}\x00")
    if prefix is None:
        prefix = "c" + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:10]
    return svg.replace("\x00i", f"{prefix}-i").replace("\x00", "")


def _replace_id(svg: str, old: str, new: str) -> str:
    svg = svg.replace(f'id="{old}"', f'id="{new}"')
    svg = svg.replace(f"url(#{old})", f"url(#{new})")
    return svg.replace(f'href="#{old}"', f'href="#{new}"')


_FONTS_SET_UP_IN: int | None = None  # the process whose renderer has set up its fonts (a forked child starts afresh)
# The smallest drawing that makes the renderer measure text (title and axis labels), and so load its fonts.
_FONT_WARM_UP = {
    "data": {"values": [{"a": "x", "b": 1}]},
    "mark": "bar",
    "encoding": {"y": {"field": "a", "type": "nominal"}, "x": {"field": "b", "type": "quantitative"}},
    "title": "x",
}


def _set_up_renderer_fonts(vlc) -> None:
    """Have this process's renderer measure text with the Liberation Sans it carries, not the machine's font files.

    The renderer (vl-convert 1.x) measures every label it lays out. It
    loads the machine's fonts by file name and opens, maps and closes the
    file again for each measurement, about 1,700 times per chart (half the
    drawing time, mostly system calls), while its own copy of Liberation
    Sans is held in memory. The house font (Helvetica, Arial, sans-serif)
    resolves to Liberation Sans either way, Arial's metric twin. So while
    the renderer sets itself up, once per process, the machine's fonts are
    hidden from it (``FONTCONFIG_FILE`` names a configuration whose only
    font folder is empty) and it uses its own copy. The drawings are the
    same bytes, in half the time, and no longer depend on the fonts a
    machine has installed. The variable is restored at once, so nothing
    this process starts later (a kernel, Chromium printing a PDF) sees it.
    """
    global _FONTS_SET_UP_IN
    if _FONTS_SET_UP_IN == os.getpid():
        return
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="calibrate-fonts-")
    conf = os.path.join(folder, "fonts.conf")
    with open(conf, "w", encoding="utf-8") as handle:
        handle.write(f'<?xml version="1.0"?>\n<fontconfig><dir>{folder}</dir></fontconfig>\n')
    before = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = conf
    try:
        vlc.vegalite_to_svg(_FONT_WARM_UP, vl_version=_VL_VERSION)
    finally:
        if before is None:
            os.environ.pop("FONTCONFIG_FILE", None)
        else:
            os.environ["FONTCONFIG_FILE"] = before
        shutil.rmtree(folder, ignore_errors=True)
    _FONTS_SET_UP_IN = os.getpid()


def chart_to_svg(chart: alt.TopLevelMixin | dict) -> str:
    """Render an Altair chart (or a Vega-Lite dict) to an SVG string with the house theme.

    Labels are escaped by the renderer, so names with ``<``, ``&`` or quotes
    show as text. The root element gets ``class="chart-svg"`` and keeps its
    ``viewBox`` so CSS can scale it down on narrow screens and in print.
    """
    import vl_convert as vlc

    _set_up_renderer_fonts(vlc)

    # Checking a chart against the Vega-Lite schema costs about as much as building it, and every chart
    # is built by the same code for every CSM: the test suite checks them all (CALIBRATE_CHECK_CHARTS=1,
    # set in tests/conftest.py), a batch of a thousand reviews does not repeat it.
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=os.environ.get("CALIBRATE_CHECK_CHARTS") == "1")
    svg = vlc.vegalite_to_svg(spec, vl_version=_VL_VERSION, config=THEME)
    # Ids from a hash of the drawing: unique per chart on a page, and the same for the same chart in any process
    # (a counter made a report depend on which charts its worker had drawn before).
    svg = _unique_ids(svg)
    head_end = svg.index(">")
    head = svg[:head_end]
    head = head.replace('class="marks"', 'class="marks chart-svg"', 1) if 'class="' in head else head + ' class="chart-svg"'
    return head + ' role="img"' + svg[head_end:]


def chart_html(chart: alt.TopLevelMixin | dict, *, caption: str | None = None, alt_text: str | None = None) -> str:
    """A ``<figure>`` holding the chart's inline SVG and an escaped caption."""
    return figure_html(chart_to_svg(chart), caption=caption, alt_text=alt_text)


def render_svg(chart: alt.TopLevelMixin | dict | None) -> str | None:
    """``chart_to_svg(chart)``, or None when there is no chart (the report then shows its "no data" note)."""
    return None if chart is None else chart_to_svg(chart)


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str | None = None,
    y_title: str | None = None,
    x_format: str | None = None,
    title: str | None = None,
    sort_descending: bool = True,
    reference: float | None = None,
    reference_label: str | None = None,
) -> alt.TopLevelMixin:
    """Horizontal bars of quantitative ``x`` per category ``y``, largest first.

    ``x_format`` is a d3 format (``"$,.0f"`` money, ``".0%"`` fraction as
    percent). ``reference`` draws a dashed rule (a team median, a target).
    """
    data = pd.DataFrame({"category": frame[y].astype(str).to_numpy(), "value": pd.to_numeric(frame[x]).to_numpy()})
    order = "-x" if sort_descending else "x"
    axis = alt.Axis(format=x_format) if x_format else alt.Axis()
    height = max(60, 24 * len(data))
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=x_title or x, axis=axis),
            y=alt.Y("category:N", title=y_title or y, sort=order),
        )
        .properties(width=600, height=height)
    )
    layers: list[alt.TopLevelMixin] = [bars]
    if reference is not None:
        ref = pd.DataFrame({"value": [float(reference)], "label": [reference_label or ""]})
        layers.append(alt.Chart(ref).mark_rule(strokeDash=[4, 3], color="#c44e52").encode(x="value:Q"))
    chart = alt.layer(*layers) if len(layers) > 1 else bars
    return chart.properties(title=title) if title else chart
