"""One calibration per report folder: --only/--resume refuse a folder built from other params or inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch_helpers import HOSTILE_NAMES, tiny_dataset
from calibrate.batch import default_prepare, run_batch
from calibrate.batch.consistency import RunFolderMismatch, check_same_run, input_fingerprint, run_differences
from calibrate.params import Params, params_to_dict

TEMPLATES = Path(__file__).parent / "batch_templates"


def _other_weights() -> Params:
    raw = params_to_dict(Params())
    raw["scoring"]["weights"]["retention"] = raw["scoring"]["weights"]["retention"] + 1
    return Params().replace(scoring=raw["scoring"])


def _manifest(params: Params, inputs):
    from calibrate.params import params_hash

    return {"params": params_to_dict(params), "params_hash": params_hash(params), "inputs": inputs, "package_version": "1"}


def test_differences_name_the_params_key_and_the_changed_table():
    a = _manifest(Params(), [{"table": "arr", "sha256": "aa"}, {"table": "csms", "sha256": "cc"}])
    b = _manifest(_other_weights(), [{"table": "arr", "sha256": "ab"}, {"table": "csms", "sha256": "cc"}])
    lines = run_differences(a, b)
    assert any(line.startswith("params scoring.weights.retention:") for line in lines)
    assert "input arr: the file changed" in lines and not any("csms" in line for line in lines)
    assert run_differences(a, a) == []
    assert input_fingerprint(a["inputs"]) == input_fingerprint(list(reversed(a["inputs"])))
    assert input_fingerprint(a["inputs"]) != input_fingerprint(b["inputs"])


def test_only_and_resume_are_refused_on_a_mismatch_unless_forced():
    a = _manifest(Params(), [])
    b = _manifest(_other_weights(), [])
    for only, resume in ((True, False), (False, True)):
        with pytest.raises(RunFolderMismatch, match="scoring.weights.retention") as caught:
            check_same_run(a, b, folder="reports/2026-Q3", only=only, resume=resume, force_rebuild=False)
        assert "--out" in str(caught.value) and "--force-rebuild" in str(caught.value)
        assert check_same_run(a, b, folder="x", only=only, resume=resume, force_rebuild=True) is False
    assert check_same_run(a, b, folder="x", only=False, resume=False, force_rebuild=False) is False
    assert check_same_run(a, a, folder="x", only=True, resume=False, force_rebuild=False) is True


@pytest.mark.slow
def test_a_folder_never_holds_two_calibrations(tmp_path):
    run = dict(dataset=tiny_dataset(), out_dir=tmp_path, templates_dir=TEMPLATES, prepare_fn=default_prepare,
               workers=2, progress=False)
    first = run_batch(Params(), **run)
    assert first.ok
    folder = tmp_path / "2026-Q3"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    one = next(iter(HOSTILE_NAMES))
    with pytest.raises(RunFolderMismatch, match="scoring.weights.retention"):
        run_batch(_other_weights(), only=[one], **run)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before  # nothing written

    forced = run_batch(_other_weights(), only=[one], force_rebuild=True, **run)
    assert forced.ok and all(s.status == "ok" for s in forced.statuses)  # every report rebuilt, not just one
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["params_hash"] != json.loads(before[folder / "manifest.json"])["params_hash"]
    assert manifest["input_fingerprint"] and manifest["only"] is None
    index = (folder / "index.html").read_text()
    assert manifest["params_hash"][:12] in index and manifest["input_fingerprint"][:12] in index


@pytest.mark.slow
def test_a_full_run_removes_reviews_of_csms_no_longer_in_the_data(tmp_path):
    run = dict(out_dir=tmp_path, templates_dir=TEMPLATES, prepare_fn=default_prepare, workers=2, progress=False)
    assert run_batch(Params(), dataset=tiny_dataset(), **run).ok
    gone = "csm-charlie-5"
    assert (tmp_path / "2026-Q3" / "csm" / f"{gone}.html").is_file()
    fewer = {k: v for k, v in HOSTILE_NAMES.items() if k != gone}
    from calibrate.dataset import Dataset

    full = tiny_dataset()
    dropped = set(full["ownership"].loc[full["ownership"]["csm_id"] == gone, "account_id"])

    def without(frame):
        if frame is None:
            return None
        if "csm_id" in frame:
            frame = frame[frame["csm_id"] != gone]
        if "account_id" in frame:
            frame = frame[~frame["account_id"].isin(dropped)]
        return frame.reset_index(drop=True)

    smaller = Dataset(tables={k: without(v) for k, v in full.tables.items()}, data_dir=full.data_dir)
    assert run_batch(Params(), dataset=smaller, **run).ok
    assert not (tmp_path / "2026-Q3" / "csm" / f"{gone}.html").exists()
    assert not (tmp_path / "2026-Q3" / "notebooks" / f"csm_{gone}.ipynb").exists()
    assert {p.stem for p in (tmp_path / "2026-Q3" / "csm").glob("*.html")} == set(fewer)
