"""Fixtures shared by test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

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
