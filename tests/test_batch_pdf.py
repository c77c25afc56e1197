"""calibrate run --pdf on a copy of data/sample: the team report and a review print to PDFs that open
(pypdf), carry the page header (report title and quarter) on every page, and, laid out for print in the
same Chromium, every chart is shorter than a printed page (so, kept whole by break-inside: avoid, none is
split). Each page is also drawn as an image (pypdfium2) and nothing is cut by a page break: no break has
ink both on the last pixel rows of one page's printed area and on the first rows of the next (a chart,
table row or line of text running across the break; a block taller than a page shows the check finds it).
Refusal without Chromium: exit 2, nothing written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]
ROOT = Path(__file__).resolve().parents[1]
MM = 96 / 25.4  # CSS px per millimetre
TOP_MM, BOTTOM_MM, SIDE_MM = 18, 12, 10  # the margins batch/pdf.py prints with


def _cut_by_page_breaks(pdf_path: Path) -> list[str]:
    """Page breaks that cut something, from the pages drawn at 2 px per point.

    A break cuts an element when there is ink on the last pixel rows of the printed area of one page and
    on the first rows of the next: the element runs on across the break. (Ink at the top alone is an
    element that starts a page, which is what keeping it whole does.)
    """
    import numpy as np

    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(str(pdf_path))
    edges = []
    try:
        for number in range(len(document)):
            image = np.asarray(document[number].render(scale=2, grayscale=True).to_numpy())
            if image.ndim == 3:
                image = image[..., :3].mean(axis=2)
            px_per_mm = image.shape[0] / 297
            top, bottom = round(TOP_MM * px_per_mm), image.shape[0] - round(BOTTOM_MM * px_per_mm)
            left, right = round(SIDE_MM * px_per_mm), image.shape[1] - round(SIDE_MM * px_per_mm)
            edges.append((int((image[top:top + 2, left:right] < 200).sum()),
                          int((image[bottom - 2:bottom, left:right] < 200).sum())))
    finally:
        document.close()
    return [f"between pages {n + 1} and {n + 2}: {edges[n][1]} and {edges[n + 1][0]} dark pixels on either side"
            for n in range(len(edges) - 1) if edges[n][1] > 0 and edges[n + 1][0] > 0]


def _run(*args: str, cwd: Path, env: dict | None = None):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), **(env or {}))
    return subprocess.run([sys.executable, "-m", "calibrate", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def test_pdf_of_team_report_and_review(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    result = _run("run", "--params", str(ROOT / "params" / "sample.yaml"), "--data", str(data), "--out",
                  str(tmp_path / "reports"), "--workers", "2", "--pdf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    folder = tmp_path / "reports" / "2026-Q3"
    review_html = sorted((folder / "csm").glob("*.html"))[0]
    import csv

    key = review_html.stem
    names = {r["csm_id"]: r["name"] for r in csv.DictReader((data / "csms.csv").open(encoding="utf-8"))}
    for pdf_path, title in ((folder / "team_calibration.pdf", "Team calibration"),
                            (review_html.with_suffix(".pdf"), names.get(key, key))):
        reader = pypdf.PdfReader(pdf_path)
        assert len(reader.pages) >= 2
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text()
            assert "Quarter 2026-Q3" in text and f"page {number} of {len(reader.pages)}" in text, (pdf_path, number)
            assert title.split()[0] in text, (pdf_path, number, title)
        assert not _cut_by_page_breaks(pdf_path), (pdf_path, _cut_by_page_breaks(pdf_path))

    from playwright.sync_api import sync_playwright

    from calibrate.batch.pdf import CHROMIUM_ARGS, PRINT_CSS

    printable_height = (297 - 18 - 12) * MM
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": int((210 - 20) * MM), "height": int(printable_height)})
        for html_path in (folder / "team_calibration.html", review_html):
            page.goto(html_path.resolve().as_uri())
            page.add_style_tag(content=PRINT_CSS)
            page.emulate_media(media="print")
            heights = page.eval_on_selector_all("svg", "els => els.map(e => e.getBoundingClientRect().height)")
            assert heights, html_path
            assert max(heights) < printable_height, (html_path, max(heights))
        browser.close()


def test_the_page_break_check_sees_a_cut(tmp_path: Path):
    """The image check above is not blind: a block taller than a page, printed the same way, is found cut."""
    from calibrate.batch.pdf import write_pdfs

    page = tmp_path / "tall.html"
    page.write_text("<!doctype html><html><body><h1>Tall</h1><div style='height:1500px;background:#223'></div>"
                    "</body></html>", encoding="utf-8")
    (pdf,) = write_pdfs([(page, "Tall")], period="2026-Q3", chromium=CHROMIUM)
    cuts = _cut_by_page_breaks(pdf)
    assert any("between pages 1 and 2" in c for c in cuts), cuts


def test_pdf_refused_without_chromium(tmp_path: Path):
    result = _run("run", "--params", str(ROOT / "params" / "sample.yaml"), "--out", str(tmp_path / "r"), "--pdf",
                  cwd=tmp_path, env={"CALIBRATE_CHROMIUM": str(tmp_path / "no-chromium")})
    assert result.returncode == 2
    assert "Chromium" in result.stderr and "apt-get install chromium" in result.stderr
    assert not (tmp_path / "r").exists()
