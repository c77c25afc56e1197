"""The rendered reports in a real browser (Debian's Chromium, offline): readable on a phone and on a desktop.

At 390 px and 1440 px, for the index, the team report, a review and the flag
report: nothing is wider than the window (no table cut off, no sideways
scrolling), every table cell on a phone is shown beside its column label,
every chart has drawn marks, and the page made no network request.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from session_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: install Debian's chromium package"),
]



@pytest.fixture(scope="module")
def pages(sample_reports):
    folder = sample_reports
    return {name: folder / rel for name, rel in (("index", "index.html"), ("team", "team_calibration.html"),
                                                  ("review", "csm/CSM-004.html"), ("flags", "flag_validation.html"))}


@pytest.mark.parametrize("width", [390, 1440])
def test_pages_fit_the_window_and_label_every_cell_offline(pages, width):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": 900})
        requests: list[str] = []
        context.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "about:")) else None)
        page = context.new_page()
        for name, path in pages.items():
            page.goto(path.as_uri())
            too_wide = page.evaluate(
                "w => Array.from(document.querySelectorAll('main *')).filter(e => !e.closest('thead'))"  # a phone hides the header row
                ".filter(e => !(e.closest('figure.chart') && e.tagName !== 'FIGURE'))"  # a chart scrolls inside its figure
                ".filter(e => e.getBoundingClientRect().right > w + 1)"
                ".map(e => e.tagName + '.' + e.className).slice(0, 5)", width)
            assert too_wide == [], (name, width, too_wide)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            cells = page.evaluate("Array.from(document.querySelectorAll('table.data td')).length")
            unlabelled = page.evaluate("Array.from(document.querySelectorAll('table.data td')).filter(td => !td.dataset.label).length")
            assert cells > 0 and unlabelled == 0, (name, cells, unlabelled)
            if width == 390 and cells:
                label = page.evaluate("getComputedStyle(document.querySelector('table.data td'), '::before').content")
                assert label not in ("none", "normal", '""'), (name, label)  # the phone layout shows the label
            hidden = page.evaluate("Array.from(document.querySelectorAll('main h2, main table, main figure'))"
                                   ".filter(e => !e.checkVisibility()).map(e => e.tagName + ' ' + (e.id || '')).slice(0, 5)")
            assert hidden == [], (name, width, hidden)  # nothing swallowed by a stray open element
            charts = page.evaluate("Array.from(document.querySelectorAll('figure.chart svg')).map(s => s.querySelectorAll('path, rect, circle, line').length)")
            assert all(n > 3 for n in charts), (name, charts)
            # Every chart at its drawn size (never shrunk below 95%), so its 10-11 px labels stay readable on a phone.
            scales = page.evaluate("Array.from(document.querySelectorAll('figure.chart svg'))"
                                   ".map(s => s.getBoundingClientRect().width / s.width.baseVal.value)")
            assert all(scale >= 0.95 for scale in scales), (name, width, scales)
        assert requests == [], requests[:5]
        browser.close()


def _axe_script() -> Path:
    axe = pytest.importorskip("axe_playwright_python", reason="axe-playwright-python (requirements.txt) carries axe-core")
    return Path(axe.__file__).with_name("axe.min.js")


@pytest.mark.parametrize("width", [390, 1440])
def test_axe_core_finds_no_accessibility_violation(pages, width):
    """axe-core's WCAG rules (contrast, names, landmarks, tables, lists) on every page, injected from a local file."""
    from playwright.sync_api import sync_playwright

    script = _axe_script()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(path.as_uri())
            page.add_script_tag(path=str(script))
            result = page.evaluate("async () => await axe.run(document)")
            assert len(result["passes"]) > 20, name  # the rules ran
            found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in result["violations"]]
            assert found == [], (name, width, found)
        browser.close()


def test_the_contents_links_take_the_reader_to_each_section(pages):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto(pages["team"].as_uri())
        links = page.locator("nav.toc a")
        assert links.count() >= 9
        last = links.nth(links.count() - 1)
        target = last.get_attribute("href")
        assert target == "#words-on-this-page"
        last.click()
        page.wait_for_function("location.hash === '#words-on-this-page'")
        top = page.evaluate("document.getElementById('words-on-this-page').getBoundingClientRect().top")
        assert -1 <= top < 800  # the section is on screen (to the pixel: scrolling may land a fraction above)
        assert page.locator("section.glossary dt").count() >= 5
        browser.close()
