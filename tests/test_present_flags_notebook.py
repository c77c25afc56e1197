"""The flag validation notebook renders end to end through the batch, offline, and says so when flags are absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from calibrate.batch.period import prepare_period
from calibrate.batch.runner import run_batch
from calibrate.params import Params
from calibrate.present import find_remote_references

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

SECTIONS = ("Verdicts", "The panel", "Alert view", "Model view", "What CSMs did with the flags", "Score validity")


def _render(data_dir: Path, out_dir: Path) -> str:
    result = run_batch(Params(period="2026-Q3"), data_dir=data_dir, out_dir=out_dir, only=["flag_validation"],
                       progress=False, workers=1, prepare_fn=prepare_period)
    status = next(s for s in result.statuses if s.job_id == "flag_validation")
    assert status.status == "ok", status.error
    return (result.out_dir / "flag_validation.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_notebook_renders_every_section_offline(tmp_path):
    html = _render(SAMPLE, tmp_path / "reports")
    for section in SECTIONS:
        assert section in html
    assert "Leadership only" in html and "<svg" in html
    assert find_remote_references(html) == []
    assert "<script" not in html.lower() and "Traceback" not in html
    assert "descriptive, not causal" in html.lower()
    assert " (" in html and "–" in html  # intervals shown as estimate (low–high)
    csv = (tmp_path / "reports" / "2026-Q3" / "flag_validation.csv").read_text()
    assert csv.startswith("flag_kind,outcome,horizon_days")


@pytest.mark.slow
def test_without_ai_flags_the_report_says_there_is_no_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("ai_flags.*"))
    html = _render(data, tmp_path / "reports")
    assert "No AI flags were supplied" in html
    assert "Score validity" in html
    assert find_remote_references(html) == []
