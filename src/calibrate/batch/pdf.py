"""PDFs of the rendered reports through headless Chromium (Debian's /usr/bin/chromium via Playwright).

Every report page that rendered is printed to a PDF beside it (``csm/<key>.pdf``,
``team_calibration.pdf`` ...). Print rules keep each chart, figure and table
row on one page and repeat table headers; each page carries a header with the
report's title (the CSM for a review) and the quarter. Chromium runs offline:
no network, no sandbox (containers), no GPU. ``--pdf`` is refused before the
run starts when Chromium or Playwright is missing.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Iterable

from ..errors import CalibrateError

__all__ = ["PRINT_CSS", "CHROMIUM_ARGS", "find_chromium", "write_pdfs"]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-extensions", "--disable-sync",
                 "--disable-component-update", "--disable-default-apps"]
PRINT_CSS = """
@media print {
  svg, img, figure, .chart, .vega-embed, tr, .kpis, .note, pre { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  table { overflow: visible !important; }
  body { max-width: none !important; }
}
"""


class PdfUnavailable(CalibrateError):
    """--pdf was asked for but Chromium or Playwright is not installed."""


def find_chromium() -> Path:
    """The Chromium binary (``CALIBRATE_CHROMIUM`` or /usr/bin/chromium); refuses clearly when absent."""
    path = Path(os.environ.get("CALIBRATE_CHROMIUM", "/usr/bin/chromium"))
    if not path.is_file():
        raise PdfUnavailable(f"--pdf needs Chromium at {path}, and there is none. Install Debian's chromium package "
                             "(apt-get install chromium, or `make browser`), or set CALIBRATE_CHROMIUM to its path.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise PdfUnavailable("--pdf needs the Python package playwright (pip install playwright; "
                             "it drives the installed Chromium, no browser download is needed).") from None
    return path


def _header(title: str, period: str) -> str:
    return ('<div style="font-size:8px;width:100%;padding:0 12mm;display:flex;justify-content:space-between;'
            f'font-family:sans-serif;color:#444"><span>{html.escape(title)}</span><span>Quarter {html.escape(period)}'
            ' &middot; page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')


def write_pdfs(pages: Iterable[tuple[Path, str]], *, period: str, chromium: Path | None = None) -> list[Path]:
    """Print each (html page, title) to a PDF beside it; returns the PDFs written."""
    from playwright.sync_api import sync_playwright

    from ..atomic import write_bytes_atomic

    chromium = chromium or find_chromium()
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True)
            for page_path, title in pages:
                page = context.new_page()
                page.goto(page_path.resolve().as_uri(), wait_until="load")
                page.add_style_tag(content=PRINT_CSS)
                page.emulate_media(media="print")
                pdf = page.pdf(format="A4", print_background=True, display_header_footer=True,
                               header_template=_header(title, period), footer_template="<span></span>",
                               margin={"top": "18mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})
                page.close()
                written.append(write_bytes_atomic(page_path.with_suffix(".pdf"), pdf))
        finally:
            browser.close()
    return written
