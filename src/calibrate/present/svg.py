"""A pre-drawn chart (inline SVG text) as a captioned ``<figure>``; no Altair needed.

The batch renders every chart once in its parent process
(``present.charts.chart_to_svg``) and stores the SVG in the report objects;
notebooks show it with ``present.show_svg``, which wraps it here.
"""

from __future__ import annotations

from .escape import escape_text

__all__ = ["figure_html", "forked_child_can_draw"]


def figure_html(svg: str, *, caption: str | None = None, alt_text: str | None = None) -> str:
    """A ``<figure>`` holding ``svg`` (as ``chart_to_svg`` returns it) and an escaped caption.

    The SVG's ``role="img"`` gets an escaped ``aria-label`` (``alt_text``,
    else the caption, else "chart"). ``svg`` is trusted renderer output: its
    text was escaped when it was drawn.
    """
    label = escape_text(alt_text or caption or "chart")
    svg = svg.replace('role="img"', f'role="img" aria-label="{label}"', 1)
    cap = f"<figcaption>{escape_text(caption)}</figcaption>" if caption else ""
    # tabindex: on a phone the figure scrolls sideways (present/style.py), and a keyboard must reach it.
    return f'<figure class="chart" tabindex="0">{svg}{cap}</figure>'


def forked_child_can_draw() -> bool:
    """Whether a child forked from this process now could draw charts.

    The renderer keeps a thread in the process that first used it, and that
    thread does not survive a fork: once this process has loaded it, a
    child must leave drawing to this process (or to a process of its own).
    """
    import sys

    return "vl_convert" not in sys.modules
