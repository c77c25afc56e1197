"""Drive the served session app in headless Chromium (Debian's package) with Playwright.

Shared by ``test_present_session_browser.py`` and ``benchmarks/bench_session.py``:
start ``calibrate session`` as a real server, open it, record a decision
through the page's own controls, and time from the click to the moment the
distribution, the status counts and the queue all show it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# Flags that work as root on these machines with no network beyond localhost.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
LOAD_TIMEOUT_S = 420


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def session_params(folder: Path, *, data_dir: Path | None = None) -> Path:
    """A params file in ``folder`` that extends the sample's and keeps every write inside ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = data_dir or ROOT / "data" / "sample"
    path = folder / "params.yaml"
    path.write_text(
        f'extends: "{ROOT / "params" / "sample.yaml"}"\n'
        f'data_dir: "{data}"\n'
        f'output_dir: "{folder / "reports"}"\n'
        f'calibration_decisions: "{folder / "calibration_decisions.csv"}"\n',
        encoding="utf-8",
    )
    return path


@contextmanager
def served(params: Path, *, log: Path, app: str = "session"):
    """Run ``calibrate session`` on a free port; yields the URL; stops the server (its whole group) at exit."""
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "calibrate", "session", "--params", str(params), "--port", str(port), "--app", app],
            cwd=str(ROOT), env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"calibrate session exited with {process.returncode}; see {log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"calibrate session did not listen on {port} within 120 s; see {log}")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/", process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop the server and the kernels it started (same process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def open_app(page, url: str, *, ready: str = "[data-testid=distribution]") -> list[str]:
    """Load the app and wait for it to render; returns every URL the page requested (recorded from the start)."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, timeout=LOAD_TIMEOUT_S * 1000)
    page.wait_for_selector(ready, timeout=LOAD_TIMEOUT_S * 1000)
    return requests


def outside_requests(requests: list[str]) -> list[str]:
    """Requests to anything but this machine (data: and blob: URLs are in-page)."""
    local = ("http://127.0.0.1", "ws://127.0.0.1", "http://localhost", "ws://localhost", "data:", "blob:", "about:")
    return [u for u in requests if not u.startswith(local)]


def text(page, testid: str) -> str:
    return page.locator(f"[data-testid={testid}]").first.inner_text().strip()


def counts(page) -> dict[str, int]:
    return {r: int(text(page, f"count-{r}")) for r in ("exceeds", "meets", "needs_development")}


_CLICK_AND_WAIT = """
async ([before, csm]) => {
  const read = () => {
    const get = (id) => { const el = document.querySelector(`[data-testid=${id}]`); return el ? el.textContent.trim() : null; };
    const q = document.querySelector(`[data-testid=queue-${csm}] [data-testid=queue-state]`);
    return {dist: ['exceeds', 'meets', 'needs_development'].map(r => get(`count-${r}`)).join('/'),
            decided: get('decided'), queue: q ? q.textContent.trim() : null};
  };
  const button = document.querySelector('.cal-record');
  const start = performance.now();
  button.click();
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no update within 30 s')), 30000);
    const check = () => {
      const now = read();
      if (now.dist !== before.dist && now.decided !== before.decided && now.queue !== before.queue) {
        clearTimeout(timer);
        observer.disconnect();
        resolve({ms: performance.now() - start, after: now});
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  });
}
"""

_READ = """
([csm]) => {
  const get = (id) => { const el = document.querySelector(`[data-testid=${id}]`); return el ? el.textContent.trim() : null; };
  const q = document.querySelector(`[data-testid=queue-${csm}] [data-testid=queue-state]`);
  return {dist: ['exceeds', 'meets', 'needs_development'].map(r => get(`count-${r}`)).join('/'),
          decided: get('decided'), queue: q ? q.textContent.trim() : null};
}
"""


def current_csm(page) -> str:
    """The csm_id of the card on screen (shown in brackets after the name)."""
    title = page.locator("[data-testid=card] h2").first.inner_text()
    return title.rsplit("(", 1)[1].rstrip(")").strip()


def fill_decision(page, *, rating_label: str, reason_label: str, comment: str, who: str) -> None:
    """Fill the form with the page's own controls (toggle button, select, textarea, text box)."""
    page.locator(".widget-toggle-buttons button", has_text=rating_label).first.click()
    page.locator(".widget-dropdown select").nth(1).select_option(label=reason_label)
    page.locator(".widget-textarea textarea").first.fill(comment)
    box = page.locator(".widget-text input").first
    box.fill(who)
    box.press("Tab")
    page.wait_for_timeout(300)  # let the widget values reach the kernel before the click


def record_and_time(page, csm: str) -> dict:
    """Click Record and wait until distribution, status and the CSM's queue entry changed; returns ms and texts."""
    before = page.evaluate(_READ, [csm])
    result = page.evaluate(_CLICK_AND_WAIT, [before, csm])
    return {"before": before, **result}
