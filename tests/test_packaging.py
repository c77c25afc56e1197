"""A built wheel, installed without the repository (not editable), renders the reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.mark.slow
def test_a_built_wheel_renders_the_reports_without_the_repository(tmp_path):
    # Build from a copy of the source tree, offline and with the shared environment's setuptools (no network).
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    shutil.copytree(ROOT / "src", tree / "src", symlinks=True, ignore=skip)
    shutil.copytree(ROOT / "notebooks", tree / "notebooks", ignore=skip)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(tree)])
    wheel = next(dist.glob("calibrate-*.whl"))
    site = tmp_path / "site"
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site), str(wheel)])
    shutil.rmtree(tree)  # nothing of the source tree is left to fall back on

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)  # the kernels inherit it, so they import the installed copy too
    where = _run([sys.executable, "-c", "import calibrate; print(calibrate.__file__)"], env=env, cwd=tmp_path).stdout.strip()
    assert Path(where).resolve().is_relative_to(site.resolve())
    assert (site / "calibrate" / "notebooks" / "csm_review.ipynb").is_file()
    app = _run([sys.executable, "-c", "from calibrate.present.session.serve import notebook_path; print(notebook_path('session'))"],
               env=env, cwd=tmp_path).stdout.strip()
    assert Path(app).is_file() and Path(app).resolve().is_relative_to(site.resolve())  # the session app ships too

    params = tmp_path / "run.yaml"
    params.write_text(f"extends: {ROOT / 'params' / 'sample.yaml'}\ndata_dir: {ROOT / 'data' / 'sample'}\noutput_dir: reports\n")
    csm = pd.read_csv(ROOT / "data" / "sample" / "csms.csv", dtype=str).iloc[0]
    done = subprocess.run([sys.executable, "-m", "calibrate", "run", "--params", str(params), "--workers", "2",
                           "--only", csm["csm_id"], "team_calibration", "flag_validation"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    period = tmp_path / "reports" / "2026-Q3"
    manifest = json.loads((period / "manifest.json").read_text())
    ran = {n["job_id"]: n for n in manifest["notebooks"] if n["status"] == "ok"}
    assert {"team_calibration", "flag_validation"} <= set(ran) and len(ran) == 3
    review = next(n for n in ran.values() if n.get("csm_id") == csm["csm_id"])
    page = (period / review["html"]).read_text()
    assert csm["name"] in page and "Run record" in page
    assert "Team calibration" in (period / "team_calibration.html").read_text()
