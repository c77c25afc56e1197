"""End to end: the papermill batch on three CSMs with hostile names, two workers."""

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from batch_helpers import HOSTILE_NAMES, tiny_dataset
from calibrate.batch import default_prepare, run_batch
from calibrate.batch.prepare import PreparedBatch
from calibrate.errors import CalibrateError, DataValidationError, Violation
from calibrate.params import Params

pytestmark = pytest.mark.slow

# These tests exercise the batch machinery (workers, failures, resume, privacy,
# escaping) with the minimal placeholder preparation and templates; the real
# reports are tested end to end on data/sample in test_batch_sample.py.
TEMPLATES = Path(__file__).parent / "batch_templates"

BROKEN = "csm-bravo-3"
REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*https?://""", re.I)


def _prepare_without_one_slice(dataset, params, period) -> PreparedBatch:
    full = default_prepare(dataset, params, period)
    slices = {k: v for k, v in full.csm_slices.items() if k != BROKEN}
    return PreparedBatch(scores=full.scores, csm_slices=slices, team=full.team, leadership=full.leadership)


def _snapshot(folder):
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    result = run_batch(Params(), dataset=tiny_dataset(), out_dir=root, templates_dir=TEMPLATES, workers=2, progress=False,
                       prepare_fn=_prepare_without_one_slice)
    return root, result, _snapshot(root / "2026-Q3")


def test_one_failure_does_not_stop_the_others(first_run):
    root, result, _ = first_run
    out = root / "2026-Q3"
    assert not result.ok and result.exit_code == 1
    assert [s.csm_id for s in result.failed] == [BROKEN]
    assert "no review for CSM key" in result.failed[0].error
    for csm_id in set(HOSTILE_NAMES) - {BROKEN}:
        assert (out / "csm" / f"{csm_id}.html").is_file()
    assert not (out / "csm" / f"{BROKEN}.html").exists()
    for name in ("index.html", "team_calibration.html", "flag_validation.html", "scores.csv", "manifest.json"):
        assert (out / name).is_file(), name


def test_index_shows_the_failure_and_links_the_rest(first_run):
    root, result, _ = first_run
    page = (root / "2026-Q3" / "index.html").read_text()
    assert "1 of 5 reports failed" in page and "no review for CSM key" in page
    assert 'href="team_calibration.html"' in page and 'href="csm/csm-alpha-7.html"' in page
    assert "Leadership only" in page


def test_manifest_records_provenance_and_every_status(first_run):
    root, result, _ = first_run
    manifest = json.loads((root / "2026-Q3" / "manifest.json").read_text())
    from calibrate.params import params_hash

    assert manifest["params_hash"] == params_hash(Params()) and manifest["params"]["batch"]["workers"] == 0
    assert manifest["status"] == "failed" and manifest["package_version"]
    assert manifest["started_at"] <= manifest["finished_at"]
    by_id = {n["job_id"]: n for n in manifest["notebooks"]}
    assert len(by_id) == 5 and by_id[f"csm/{BROKEN}"]["status"] == "failed" and by_id[f"csm/{BROKEN}"]["error"]
    assert sum(n["status"] == "ok" for n in by_id.values()) == 4


def test_executed_notebooks_record_only_plain_parameters(first_run):
    root, _, _ = first_run
    nb = nbformat.read(str(root / "2026-Q3" / "notebooks" / "csm_csm-alpha-7.ipynb"), as_version=4)
    params = nb.metadata.papermill.parameters
    assert set(params) == {"params_path", "period", "csm_id", "data_dir", "bundle_dir"}
    assert params["csm_id"] == "csm-alpha-7"
    assert all(isinstance(v, str) for v in params.values())
    injected = "\n".join(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert not any(name.splitlines()[0] in injected for name in HOSTILE_NAMES.values())


def test_pages_are_offline_and_escape_hostile_names(first_run):
    root, _, _ = first_run
    pages = list((root / "2026-Q3").rglob("*.html"))
    assert len(pages) == 5  # index, two leadership reports, two reviews (one failed)
    for page in pages:
        text = page.read_text()
        assert not REMOTE.findall(text), page
        assert "<script" not in text.lower(), page
        if page.name != "index.html":  # the index may quote a failed cell's traceback
            assert "open_report" not in text and "present.show_" not in text, page  # code hidden
    alpha = (root / "2026-Q3" / "csm" / "csm-alpha-7.html").read_text()
    assert html.escape(HOSTILE_NAMES["csm-alpha-7"]) in alpha
    assert "<svg" in alpha  # the chart is drawn inline


def test_no_per_csm_page_names_another_csm(first_run):
    root, _, _ = first_run
    for csm_id in set(HOSTILE_NAMES) - {BROKEN}:
        text = (root / "2026-Q3" / "csm" / f"{csm_id}.html").read_text()
        for other, name in HOSTILE_NAMES.items():
            if other == csm_id:
                continue
            assert other not in text
            for form in (name, html.escape(name), html.escape(name.splitlines()[0])):
                assert form not in text, (csm_id, other)


@pytest.mark.slow
def test_bundle_is_kept_and_an_executed_notebook_reruns(first_run, tmp_path):
    root, _, _ = first_run
    period_dir = root / "2026-Q3"
    nb = nbformat.read(str(period_dir / "notebooks" / "csm_csm-alpha-7.ipynb"), as_version=4)
    from pathlib import Path

    bundle = Path(nb.metadata.papermill.parameters["bundle_dir"])
    assert bundle == period_dir / "bundle" and (bundle / "bundle.json").is_file()
    manifest = json.loads((period_dir / "manifest.json").read_text())
    assert manifest["bundle"]["path"] == "bundle"
    assert manifest["bundle"]["key"] == json.loads((bundle / "bundle.json").read_text())["key"]
    assert not list(bundle.rglob("*.pkl"))
    assert not [p for p in period_dir.rglob("*") if p.name.startswith(".")]
    # The notebook the index links to runs again as it is (its injected parameters point at the kept bundle).
    import papermill

    again = tmp_path / "again.ipynb"
    papermill.execute_notebook(str(period_dir / "notebooks" / "csm_csm-alpha-7.ipynb"), str(again),
                               kernel_name="calibrate", progress_bar=False, cwd=str(tmp_path))
    rerun = nbformat.read(str(again), as_version=4)
    shown = "".join(str(o.get("data", {}).get("text/html", "")) for c in rerun.cells for o in c.get("outputs", []))
    assert html.escape(HOSTILE_NAMES["csm-alpha-7"]) in shown



def test_resume_reruns_only_the_failed_report(first_run):
    root, _, before = first_run
    result = run_batch(Params(), dataset=tiny_dataset(), out_dir=root, templates_dir=TEMPLATES, prepare_fn=default_prepare, workers=2, progress=False, resume=True)
    assert result.ok and result.exit_code == 0
    out = root / "2026-Q3"
    assert (out / "csm" / f"{BROKEN}.html").is_file()
    for csm_id in set(HOSTILE_NAMES) - {BROKEN}:
        path = out / "csm" / f"{csm_id}.html"
        assert path.stat().st_mtime_ns == before[path][1]
    assert (out / "team_calibration.html").stat().st_mtime_ns == before[out / "team_calibration.html"][1]
    assert "All 5 reports are ready" in (out / "index.html").read_text()

    again = run_batch(Params(), dataset=tiny_dataset(), out_dir=root, templates_dir=TEMPLATES, prepare_fn=default_prepare, workers=2, progress=False, only=["csm-alpha-7"])
    assert again.ok
    ran = [s for s in again.statuses if s.job_id == "csm/csm-alpha-7"][0]
    assert ran.ok and (out / "csm" / "csm-alpha-7.html").stat().st_mtime_ns != before[out / "csm" / "csm-alpha-7.html"][1]
    assert (out / "team_calibration.html").stat().st_mtime_ns == before[out / "team_calibration.html"][1]


def test_unknown_only_id_is_refused_before_writing(tmp_path):
    with pytest.raises(CalibrateError, match="nobody"):
        run_batch(Params(), dataset=tiny_dataset(), out_dir=tmp_path, templates_dir=TEMPLATES, prepare_fn=default_prepare, only=["nobody"], progress=False)
    assert list(tmp_path.iterdir()) == []


def test_invalid_input_writes_nothing_and_leaves_earlier_periods_untouched(tmp_path):
    earlier = tmp_path / "2026-Q2"
    (earlier / "csm").mkdir(parents=True)
    (earlier / "index.html").write_text("<p>earlier run</p>")
    (earlier / "csm" / "C1.html").write_text("<p>review</p>")
    (earlier / "manifest.json").write_text("{}")
    before = _snapshot(tmp_path)

    def bad_loader(data_dir, params):
        raise DataValidationError([Violation("arr.csv", 17, "arr", "-1200", "a number >= 0")], data_dir=str(data_dir))

    with pytest.raises(DataValidationError, match="arr.csv row 17"):
        run_batch(Params(), out_dir=tmp_path, load_fn=bad_loader, progress=False)
    with pytest.raises(DataValidationError):
        run_batch(Params(period="2026-Q2"), out_dir=tmp_path, load_fn=bad_loader, progress=False)
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-Q2"]
