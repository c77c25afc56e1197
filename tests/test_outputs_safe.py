"""Every file the workbook writes: formula-safe CSV, the user's umask, and a clear refusal on a full or read-only disk."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest

from calibrate.atomic import FORMULA_STARTS, formula_safe, neutralize_cell, restore_cell, write_csv_atomic, write_text_atomic
from calibrate.errors import OutputError

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def _calibrate(*args: str, cwd: Path | None = None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "calibrate", *args], capture_output=True, text=True, timeout=900,
                          cwd=cwd, env=env)


def test_text_that_a_spreadsheet_would_run_is_quoted_and_numbers_stay_numbers():
    for text in HOSTILE:
        assert neutralize_cell(text) == "'" + text and restore_cell(neutralize_cell(text)) == text
    for number in ("-0.25", "+3", "-1200", "1e-3"):
        assert neutralize_cell(number) == number
    assert neutralize_cell("Acme - North") == "Acme - North" and neutralize_cell(-3.5) == -3.5
    frame = pd.DataFrame({"name": HOSTILE, "value": [-1.5] * len(HOSTILE)})
    safe = formula_safe(frame)
    assert not any(str(v).startswith(FORMULA_STARTS) for v in safe["name"])
    assert safe["value"].tolist() == [-1.5] * len(HOSTILE)


def test_scores_csv_keeps_hostile_names_inert(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    csms = pd.read_csv(data / "csms.csv", dtype=str, keep_default_na=False)
    for i, name in enumerate(HOSTILE[:4]):
        csms.loc[i, "name"] = name
    csms.to_csv(data / "csms.csv", index=False)
    out = tmp_path / "scores.csv"
    done = _calibrate("score", "--params", str(ROOT / "params" / "sample.yaml"), "--data", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    for row in rows:
        for column, cell in row.items():
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # only numbers may start with + or -
    names = {r["name"] for r in rows}
    assert "'" + HOSTILE[0] in names and HOSTILE[0] not in names
    assert any(float(r["nrr"]) > 0 for r in rows if r["nrr"])  # numbers are still numbers


def test_files_follow_the_users_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "report.html", "<p>hi</p>")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o027)
        path = write_csv_atomic(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(old)


@contextlib.contextmanager
def _tmpfs(tmp_path: Path, options: str):
    where = tmp_path / f"mnt-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True).returncode:
        pytest.skip("mounting a small tmpfs needs root; this machine does not allow it")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_full_disk_ends_in_a_clear_message_and_no_half_written_file(tmp_path):
    with _tmpfs(tmp_path, "size=64k") as disk:
        (disk / "filler").write_bytes(b"x" * 40_000)
        with pytest.raises(OutputError, match="disk is full"):
            write_text_atomic(disk / "scores.csv", "a,b\n" * 20_000)
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]  # no target, no temporary file


def test_a_read_only_output_folder_refuses_the_run_with_exit_2(tmp_path):
    with _tmpfs(tmp_path, "ro,size=64k") as folder:
        done = _calibrate("score", "--params", str(ROOT / "params" / "sample.yaml"), "--out", str(folder / "scores.csv"))
        assert done.returncode == 2, done.stderr
        assert "read-only" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("text, expected", [
    ("targets:\n  nrr: nan\n", "finite number"),
    ("targets:\n  nrr: .inf\n", "finite number"),
    ("period: 2026-Q3\nperiod: 2026-Q2\n", "given twice"),
])
def test_params_refuse_non_finite_numbers_and_repeated_keys(tmp_path, text, expected):
    path = tmp_path / "p.yaml"
    path.write_text(f"extends: {ROOT / 'params' / 'sample.yaml'}\n" + text)
    done = _calibrate("validate", str(ROOT / "data" / "sample"), "--params", str(path))
    assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_params_file_that_is_not_utf8_is_named_not_a_traceback(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes("period: 2026-Q3\n# caf\xe9\n".encode("cp1252"))
    done = _calibrate("validate", str(ROOT / "data" / "sample"), "--params", str(path))
    assert done.returncode == 2 and "UTF-8" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_worker_count_is_capped_by_cores_and_jobs_and_below_one_is_refused():
    from calibrate.batch.runner import _worker_count
    from calibrate.errors import CalibrateError
    from calibrate.params import Params

    cores = os.cpu_count() or 1
    assert _worker_count(1000, Params(), n_jobs=11) == min(cores, 11)
    assert _worker_count(1000, Params(), n_jobs=1) == 1
    for bad in (0, -1):
        with pytest.raises(CalibrateError, match="--workers must be 1 or more"):
            _worker_count(bad, Params(), n_jobs=11)
