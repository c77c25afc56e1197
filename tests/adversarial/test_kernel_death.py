"""A kernel that dies in the middle of one CSM's review loses that report only.

The batch keeps warm kernels and runs many notebooks in each; here the review
notebook of one CSM ends its kernel's process abruptly (as an out-of-memory
kill would). With a single worker, the same worker must start a new kernel and
write every other report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from batch_helpers import HOSTILE_NAMES, tiny_dataset
from calibrate.batch import default_prepare, run_batch
from calibrate.params import Params

pytestmark = pytest.mark.slow

TEMPLATES = Path(__file__).resolve().parents[1] / "batch_templates"
VICTIM = "csm-alpha-7"


def _templates_that_kill_one_kernel(folder: Path) -> Path:
    shutil.copytree(TEMPLATES, folder)
    review = folder / "csm_review.py"
    text = review.read_text()
    marker = "# %%\nfrom calibrate import present\n"
    assert marker in text
    poison = f"# %%\nimport os\nif csm_id == {VICTIM!r}:\n    os._exit(137)\n\n"
    review.write_text(text.replace(marker, poison + marker, 1))
    return folder


@pytest.mark.parametrize("workers", [1, 2])
def test_a_dead_kernel_fails_its_report_and_the_rest_are_written(tmp_path, workers):
    templates = _templates_that_kill_one_kernel(tmp_path / "templates")
    out = tmp_path / "reports"
    result = run_batch(Params(), dataset=tiny_dataset(), out_dir=out, templates_dir=templates, workers=workers,
                       progress=False, prepare_fn=default_prepare)
    period = out / "2026-Q3"
    assert [s.csm_id for s in result.failed] == [VICTIM]
    failure = result.failed[0]
    assert failure.error and ("kernel" in failure.error.lower() or "died" in failure.error.lower()), failure.error
    for csm_id in set(HOSTILE_NAMES) - {VICTIM}:
        assert (period / "csm" / f"{csm_id}.html").is_file(), csm_id
    assert not (period / "csm" / f"{VICTIM}.html").exists()
    for name in ("team_calibration.html", "flag_validation.html", "index.html"):
        assert (period / name).is_file(), name
    manifest = json.loads((period / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    statuses = {s["job_id"]: s["status"] for s in manifest["notebooks"]}
    assert sum(v == "ok" for v in statuses.values()) == len(statuses) - 1
    assert not list(period.rglob("*.tmp*")), "temporary files left behind"
    assert result.exit_code == 1
