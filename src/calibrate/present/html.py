"""An executed notebook as one self-contained, offline HTML page.

* Code, input prompts and output prompts are hidden (nbconvert's ``basic``
  template with ``exclude_input``): readers see prose, tables and charts.
* Nothing is fetched: the basic template emits no ``<head>``, so no
  require.js or MathJax; outputs are filtered to static types (HTML, SVG,
  PNG, JPEG, Markdown, plain text) before export; scripts, iframes and remote
  URLs left in any output are removed afterwards; the stylesheet is inline.
* The page title comes from the notebook: the title ``show_title`` recorded in
  an output's metadata, else ``metadata.title``, else the first Markdown
  heading, else ``default_title``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
import re
from pathlib import Path

import nbformat

from .escape import escape_text, strip_active_content
from .page_aids import add_contents, add_glossary
from .style import REPORT_CSS

__all__ = ["TITLE_METADATA_KEY", "STATIC_MIMETYPES", "page_html", "notebook_title", "notebook_to_html"]

TITLE_METADATA_KEY = "calibrate_title"
STATIC_MIMETYPES = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain")

_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.M)


def page_html(title: str, body_html: str, *, footer: str | None = None, lang: str = "en") -> str:
    """Wrap trusted ``body_html`` in a complete page; ``title`` and ``footer`` are escaped here."""
    foot = f'<footer class="report-footer">{escape_text(footer)}</footer>' if footer else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape_text(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape_text(title)}</title>\n<style>{REPORT_CSS}</style>\n</head>\n"
        f'<body>\n<main class="report">\n{body_html}\n{foot}\n</main>\n</body>\n</html>\n'
    )


def notebook_title(nb: nbformat.NotebookNode, *, default_title: str = "Report") -> str:
    """The title a notebook gives itself (see the module docstring for the order)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            title = output.get("metadata", {}).get(TITLE_METADATA_KEY)
            if title:
                return str(title)
    if nb.metadata.get("title"):
        return str(nb.metadata["title"])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = _HEADING.search(cell.source)
            if match:
                return match.group(1)
    return default_title


def _static_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy holding only what a static page may show."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            cell.pop("attachments", None)
            continue
        kept = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stderr":
                continue  # warnings belong in the executed .ipynb, not in a reader's page
            if kind in ("display_data", "execute_result"):
                data = {k: v for k, v in output.get("data", {}).items() if k in STATIC_MIMETYPES}
                if not data:
                    continue
                if "text/plain" in data and len(data) > 1:
                    data.pop("text/plain")
                output["data"] = data
            kept.append(output)
        cell["outputs"] = kept
    return nb


_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)", re.I)
_EMPTY_ANCHOR = re.compile(r'(<a class="anchor-link" href="[^"<>]*")\s*/>')
# Elements that are not void in HTML: "<a ... />" opens a link that never closes.
_SELF_CLOSED = re.compile(r"<(?!(?:area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)\b)[a-z][a-z0-9]*\b[^<>]*/>", re.I)
_EXPORTER = None


def _export_body(nb: nbformat.NotebookNode) -> str:
    """nbconvert's ``basic`` HTML template, inputs and prompts excluded, without its final BeautifulSoup pass.

    ``HTMLExporter.from_notebook_node`` ends by parsing the whole page into a
    BeautifulSoup tree to give ``<img>`` tags a default alt text and the lab
    template's cell wrappers a tab stop, then prints it back: three quarters
    of a review's conversion time. These pages draw charts as inline SVG with
    an ``aria-label`` and have no lab wrappers (the ``basic`` template), so
    the pass changes nothing but the spelling of the markup; an ``<img>``
    without alt text gets one from ``notebook_to_html`` instead. The filters
    the exporter registers before templating are registered the same way.
    """
    global _EXPORTER
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    if _EXPORTER is None:
        # optimistic_validation: check the notebook's format once, not after each of a dozen preprocessors.
        _EXPORTER = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                                 exclude_output_prompt=True, anchor_link_text="", optimistic_validation=True)
    exporter = _EXPORTER
    resources = exporter._init_resources(None)
    langinfo = nb.metadata.get("language_info", {})
    lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
    exporter.register_filter("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=exporter))
    exporter.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=exporter._nb_metadata,
                                                                       parent=exporter, resources=resources))
    body, _ = TemplateExporter.from_notebook_node(exporter, nb, resources)
    # With an empty text, nbconvert writes each heading's anchor link as "<a ... />", which HTML does not close:
    # the rest of the page would sit inside a hidden link. Written out in full, as the BeautifulSoup pass did.
    body = _EMPTY_ANCHOR.sub(r"\1></a>", body)
    outside_svg = re.sub(r"<svg\b.*?</svg>", "", body, flags=re.S | re.I)
    broken = _SELF_CLOSED.search(outside_svg)
    if broken:  # HTML would leave it open and swallow the rest of the page
        raise ValueError(f"The page has an element written as self-closing, which HTML leaves open: {broken.group(0)[:80]}")
    return body


def generated_stamp() -> str:
    """The "generated" time on a page: now, or ``SOURCE_DATE_EPOCH`` (UTC) when set.

    ``SOURCE_DATE_EPOCH`` is the reproducible-builds convention: with it, the
    same inputs give byte-identical pages on any machine at any time.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return _dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def notebook_to_html(
    nb: nbformat.NotebookNode | str | Path,
    *,
    default_title: str = "Report",
    footer: str | None = None,
) -> str:
    """Convert an executed notebook (node or ``.ipynb`` path) to one offline HTML page.

    Returns the page text. Code cells' inputs never appear; outputs that need
    JavaScript (widgets, Vega embeds) are dropped rather than shown broken.
    """
    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(str(nb), as_version=4)
    title = notebook_title(nb, default_title=default_title)
    body = _export_body(_static_copy(nb))
    body = _IMG_WITHOUT_ALT.sub('<img alt="An image without a description"', body)
    body = add_contents(add_glossary(strip_active_content(body)))
    return page_html(title, body, footer=footer or f"Generated {generated_stamp()} by the calibration workbook.")
