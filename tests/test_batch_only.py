"""`calibrate run --only` prepares only the reviews it was asked for, and a later full run does not take that for complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calibrate.batch import run_batch
from calibrate.params import load_params

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASKED = "CSM-002"


def _slices(bundle: Path) -> list[str]:
    meta = json.loads((bundle / "bundle.json").read_text())
    return sorted(cid for cid, key in meta["csms"].items() if (bundle / "csm" / key / "part.json").is_file())


def test_only_on_a_fresh_folder_prepares_one_review_then_a_full_run_prepares_all(tmp_path):
    params = load_params(ROOT / "params" / "sample.yaml")
    out = tmp_path / "reports"
    partial = run_batch(params, out_dir=out, only=[ASKED], workers=1, progress=False)
    period_dir = out / params.quarter.label
    bundle = period_dir / "bundle"
    meta = json.loads((bundle / "bundle.json").read_text())
    assert meta["keys"]["only"] == [ASKED]  # the key says it is partial
    assert _slices(bundle) == [ASKED]  # no other CSM's review was built
    ran = {s.job_id: s.status for s in partial.statuses}
    assert ran[f"csm/{ASKED}"] == "ok" and (period_dir / "csm" / f"{ASKED}.html").is_file()
    others = [s for s in partial.statuses if s.csm_id not in (None, ASKED)]
    assert others and all(s.status == "skipped" for s in others)
    scores_partial = (period_dir / "scores.csv").read_bytes()

    full = run_batch(params, out_dir=out, workers=1, progress=False)
    manifest = json.loads((period_dir / "manifest.json").read_text())
    assert manifest["bundle"]["reused"] is False  # the partial bundle was not taken for a complete one
    assert full.ok and len(_slices(bundle)) == len(others) + 1
    assert "only" not in json.loads((bundle / "bundle.json").read_text())["keys"]
    # Team-wide figures do not depend on which reviews were built.
    assert (period_dir / "scores.csv").read_bytes() == scores_partial

    again = run_batch(params, out_dir=out, only=[ASKED], workers=1, progress=False)
    assert again.ok
    assert json.loads((period_dir / "manifest.json").read_text())["bundle"]["reused"] is True  # a complete bundle serves --only
