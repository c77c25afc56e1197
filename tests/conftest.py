"""Fixtures shared by test modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every chart the tests draw is checked against the Vega-Lite schema (present/charts.py::chart_to_svg);
# batches skip the check. Set before any worker or kernel starts, so they inherit it.
os.environ.setdefault("CALIBRATE_CHECK_CHARTS", "1")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory) -> Path:
    """The period folder of one batch run on data/sample, for tests that only read its pages and files."""
    from calibrate.batch import run_batch
    from calibrate.params import load_params

    params = load_params(ROOT / "params" / "sample.yaml")
    result = run_batch(params, out_dir=tmp_path_factory.mktemp("sample-reports"), workers=2, progress=False)
    assert result.ok
    return result.out_dir
