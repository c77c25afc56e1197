"""The session app in a real browser: served by `calibrate session`, a decision recorded, the server killed, resumed.

Headless Chromium from Debian's ``chromium`` package, driven by Playwright
(``.ci/run`` installs the package when it is missing). Prints the time from
the click to the distribution, status and queue update; the 200 ms target is
reported by ``benchmarks/bench_session.py``, never asserted here.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from session_browser import (CHROMIUM, counts, current_csm, fill_decision, launch, open_app, outside_requests,
                             record_and_time, served, session_params, text)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: install Debian's chromium package "
                       "(apt-get install -y chromium; .ci/run does it) to run the browser tests"),
]

LABELS = {"exceeds": "exceeds", "meets": "meets", "needs_development": "needs development"}


def test_a_decision_in_the_browser_is_saved_shown_and_found_again_after_a_restart(tmp_path):
    from playwright.sync_api import sync_playwright

    params = session_params(tmp_path)
    decisions = tmp_path / "calibration_decisions.csv"
    log = tmp_path / "server.log"
    shots = Path(os.environ["SESSION_SCREENSHOTS"]) if os.environ.get("SESSION_SCREENSHOTS") else None
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            with served(params, log=log) as (url, _process):
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                requests = open_app(page, url)
                csm = current_csm(page)
                before = counts(page)
                final = text(page, "card-final")
                target = "meets" if final != "meets" else "exceeds"
                fill_decision(page, rating_label=LABELS[target], reason_label="Consistency with peers at the same level",
                              comment="Browser test: in line with peers", who="Browser Tester")
                timed = record_and_time(page, csm)
                print(f"\nclick -> distribution, status and queue updated: {timed['ms']:.0f} ms (target 200 ms)")
                after = counts(page)
                assert after != before and sum(after.values()) == sum(before.values())
                assert after[target] == before[target] + 1
                assert text(page, "decided") == "1"
                assert f"decided: {LABELS[target]}" in page.locator(f"[data-testid=queue-{csm}]").inner_text()
                with decisions.open(encoding="utf-8") as handle:
                    rows = list(csv.DictReader(handle))
                assert [(r["csm_id"], r["final_rating"], r["decided_by"], r["reason_code"]) for r in rows] == [
                    (csm, target, "Browser Tester", "consistency")]
                assert outside_requests(requests) == [], "the page fetched something from outside this machine"
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / "session-1440.png"))
                    page.set_viewport_size({"width": 390, "height": 844})
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(shots / "session-390.png"))
                    width = page.evaluate("document.documentElement.scrollWidth")
                    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"
                page.close()
            # The server (and its kernel) is gone; a new one resumes from the files.
            with served(params, log=log) as (url, _process):
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                open_app(page, url)
                assert text(page, "decided") == "1"
                assert f"decided: {LABELS[target]}" in page.locator(f"[data-testid=queue-{csm}]").inner_text()
                assert counts(page) == after
                page.close()
        finally:
            browser.close()
    audit = (tmp_path / "calibration_audit_log.csv").read_text(encoding="utf-8").splitlines()
    assert len(audit) == 2 and f",decide,{csm}," in audit[1] and audit[1].endswith(",Browser Tester")
