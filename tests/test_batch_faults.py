"""Faults: two runs into one folder, kill -9 and SIGTERM mid-batch, then --resume; no orphan survives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PARAMS = str(ROOT / "params" / "sample.yaml")


def _start(out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "calibrate", "run", "--params", PARAMS, "--out", str(out), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_reports(out: Path, proc: subprocess.Popen, n: int = 1, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(list((out / "2026-Q3" / "csm").glob("*.html"))) >= n:
            return
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.2)
    raise AssertionError("no report appeared")


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_second_run_into_a_busy_folder_is_refused_naming_the_first(tmp_path):
    first = _start(tmp_path)
    try:
        _wait_for_reports(tmp_path, first)
        second = subprocess.run([sys.executable, "-m", "calibrate", "run", "--params", PARAMS, "--out", str(tmp_path)],
                                capture_output=True, text=True, timeout=600)
        assert second.returncode == 2, second.stderr
        assert f"pid {first.pid}" in second.stderr and "Another run is writing" in second.stderr
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0, first.stderr.read()
    assert not (tmp_path / "2026-Q3" / ".calibrate-run.lock").exists()


def test_kill_9_leaves_no_orphan_and_resume_reproduces_a_clean_run(tmp_path):
    clean = tmp_path / "clean"
    done = subprocess.run([sys.executable, "-m", "calibrate", "run", "--params", PARAMS, "--out", str(clean)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr

    out = tmp_path / "killed"
    proc = _start(out)
    _wait_for_reports(out, proc)
    workers = _children(proc.pid)
    assert workers, "the run has worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not [w for w in workers if _alive(w)], "a worker outlived its run"

    resumed = subprocess.run([sys.executable, "-m", "calibrate", "run", "--params", PARAMS, "--out", str(out), "--resume"],
                             capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    period, ref = out / "2026-Q3", clean / "2026-Q3"
    assert (period / "scores.csv").read_bytes() == (ref / "scores.csv").read_bytes()
    names = lambda root: sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "bundle" not in p.parts)  # noqa: E731
    assert names(period) == names(ref)  # no temporary file, no stale lock, nothing missing


def test_sigterm_marks_the_run_interrupted_and_exits_143(tmp_path):
    proc = _start(tmp_path)
    _wait_for_reports(tmp_path, proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    err = proc.stderr.read()
    assert proc.returncode == 143, err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    manifest = json.loads((tmp_path / "2026-Q3" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert not (tmp_path / "2026-Q3" / ".calibrate-run.lock").exists()


def test_ctrl_c_marks_the_run_interrupted_exits_130_and_resume_completes_it(tmp_path):
    for attempt in range(3):
        out = tmp_path / f"interrupted-{attempt}"
        proc = _start(out)
        _wait_for_reports(out, proc)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole process group
        proc.wait(timeout=120)
        err = proc.stderr.read()
        finished = json.loads((out / "2026-Q3" / "manifest.json").read_text())["status"] == "ok"
        if not (proc.returncode == 0 and finished):
            break  # the signal reached the run (on a loaded machine the last report can beat it: try again)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    period = out / "2026-Q3"
    assert json.loads((period / "manifest.json").read_text())["status"] == "interrupted"
    resumed = subprocess.run([sys.executable, "-m", "calibrate", "run", "--params", PARAMS, "--out", str(out), "--resume"],
                             capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((period / "manifest.json").read_text())
    assert manifest["status"] == "ok" and all(s["status"] == "ok" for s in manifest["notebooks"])
    assert not [p for p in period.rglob("*") if ".tmp" in p.name or p.name == ".calibrate-run.lock"]
