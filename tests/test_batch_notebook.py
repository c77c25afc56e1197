"""The report notebooks as an analyst runs them: papermill CLI and API, JupyterLab's Run All (nbclient), strict parameters."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pandas as pd
import pytest

from calibrate import __version__
from calibrate.batch.notebook import (
    PARAMETERS,
    NotebookParameterError,
    check_names,
    check_period_has_data,
    find_params_file,
    injected_names,
    open_report,
)
from calibrate.params import load_params

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SAMPLE_PARAMS = ROOT / "params" / "sample.yaml"
REPORTS = ("csm_review", "team_calibration", "flag_validation")
PAIRED = (*REPORTS, "weight_tuning", "calibration_session")
SAMPLE_CSMS = pd.read_csv(ROOT / "data" / "sample" / "csms.csv", dtype=str)
PAPERMILL = [sys.executable, "-m", "papermill"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _html_of(nb) -> str:
    return "\n".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))


def _errors_of(nb) -> list:
    return [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


# ---- fast: pairs, committed outputs, the parameter checks ----


@pytest.mark.parametrize("name", PAIRED)
def test_ipynb_and_py_twin_hold_the_same_cells(name):
    ipynb = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    text = jupytext.read(str(NOTEBOOKS / f"{name}.py"), fmt="py:percent")
    assert ipynb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"

    def cells(nb):
        return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]

    assert cells(ipynb) == cells(text), f"{name}.ipynb and {name}.py differ: run `make notebooks` (or jupytext --sync)"


@pytest.mark.parametrize("name", REPORTS)
def test_committed_outputs_hold_no_machine_paths_and_ran_on_the_sample(name):
    nb = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    raw = (NOTEBOOKS / f"{name}.ipynb").read_text()
    assert not re.search(r"(?<![\w.])/(?:tmp|home|root|work|Users|var|private)/", raw)
    assert os.uname().nodename not in raw
    assert not _errors_of(nb)
    assert "Run record: params sample.yaml" in _html_of(nb)  # outputs of data/sample, with their run record
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])][0]
    assert 'params_path = "params/sample.yaml"' in params.source


def test_injected_names_reads_the_cell_papermill_added():
    history = ["", "params_path = ''\ncsm_id = ''", '# Parameters\ncsm_idd = "CSM-001"\nperiod = "2026-Q3"\n', "open_report(...)"]
    assert injected_names(history) == {"csm_idd", "period"}
    assert injected_names(history[:2] + ["open_report(...)"]) is None  # Run All in JupyterLab: nothing injected


def test_an_unknown_parameter_is_refused_with_the_closest_name():
    with pytest.raises(NotebookParameterError, match=r"Unknown parameter 'csm_idd' \(did you mean 'csm_id'\?\)"):
        check_names("csm_review", {"csm_idd", "period"})
    with pytest.raises(NotebookParameterError, match="'csm_id'"):
        check_names("team_calibration", {"csm_id"})  # the team report takes no CSM
    check_names("csm_review", set(PARAMETERS["csm_review"]))


def test_open_report_refuses_an_unknown_parameter_before_reading_anything(tmp_path):
    history = ["# Parameters\nparams_pth = 'x'\n", "open_report(...)"]
    with pytest.raises(NotebookParameterError, match="params_pth"):
        open_report("team_calibration", params_path=str(tmp_path / "absent.yaml"), history=history)


def test_params_file_is_found_from_a_subfolder(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "p.yaml").write_text("period: 2026-Q3\n")
    deep = tmp_path / "notebooks" / "more"
    deep.mkdir(parents=True)
    assert find_params_file("params/p.yaml", start=deep) == tmp_path / "params" / "p.yaml"
    with pytest.raises(NotebookParameterError, match="not found"):
        find_params_file("params/other.yaml", start=deep)


def test_a_period_without_data_is_refused_naming_what_the_data_covers():
    arr = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-09-01"])})
    params = load_params(SAMPLE_PARAMS)
    check_period_has_data(arr, params, Path("data"))
    with pytest.raises(NotebookParameterError, match=r"'2031-Q1' has no data .*2026-01 to 2026-09"):
        check_period_has_data(arr, params.replace(period="2031-Q1"), Path("data"))


# ---- slow: real kernels on the sample ----


def _papermill(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*PAPERMILL, *args, "-k", "calibrate", "--no-progress-bar"], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_papermill_cli_renders_one_csm_and_records_the_run(tmp_path):
    row = SAMPLE_CSMS.iloc[2]
    out = tmp_path / "out.ipynb"
    done = _papermill(["notebooks/csm_review.ipynb", str(out), "-p", "csm_id", row["csm_id"], "-p", "params_path",
                       "params/sample.yaml"], cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    nb = nbformat.read(str(out), as_version=4)
    page = _html_of(nb)
    assert row["name"] in page and not _errors_of(nb)
    others = SAMPLE_CSMS[SAMPLE_CSMS["csm_id"] != row["csm_id"]]
    assert not [n for n in others["name"] if n in page]  # nobody else's name
    meta = json.loads((ROOT / "reports" / "2026-Q3" / "bundle" / "bundle.json").read_text())
    record = re.search(r"Run record: [^<]*", page).group(0)
    assert f"CSM {row['csm_id']}" in record and f"bundle {meta['key'][:12]}" in record and f"calibrate {__version__}" in record
    assert nb.metadata.papermill.parameters == {"csm_id": row["csm_id"], "params_path": "params/sample.yaml"}


@pytest.mark.slow
def test_papermill_cli_stops_on_a_misspelled_parameter(tmp_path):
    done = _papermill(["notebooks/csm_review.ipynb", str(tmp_path / "out.ipynb"), "-p", "csm_idd", "CSM-002"], cwd=ROOT)
    assert done.returncode != 0
    assert "Unknown parameter 'csm_idd' (did you mean 'csm_id'?)" in done.stderr + done.stdout
    nb = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    assert "report-header" not in _html_of(nb)  # nothing of the default CSM's review was rendered


@pytest.mark.slow
def test_papermill_api_same_parameters_and_clear_refusals(tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    row = SAMPLE_CSMS.iloc[5]
    out = tmp_path / "api.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "csm_review.ipynb"), str(out), kernel_name="calibrate", progress_bar=False,
                               parameters={"csm_id": row["csm_id"], "params_path": "params/sample.yaml"}, cwd=str(ROOT))
    assert row["name"] in _html_of(nbformat.read(str(out), as_version=4))
    with pytest.raises(PapermillExecutionError, match=r"csm_id 'CSM-06' has no review in 2026-Q3\. Closest: CSM-006"):
        papermill.execute_notebook(str(NOTEBOOKS / "csm_review.ipynb"), str(tmp_path / "x.ipynb"), kernel_name="calibrate",
                                   progress_bar=False, parameters={"csm_id": "CSM-06"}, cwd=str(ROOT))
    with pytest.raises(PapermillExecutionError, match=r"period '2031-Q1' has no data"):
        papermill.execute_notebook(str(NOTEBOOKS / "team_calibration.ipynb"), str(tmp_path / "y.ipynb"),
                                   kernel_name="calibrate", progress_bar=False, parameters={"period": "2031-Q1"},
                                   cwd=str(ROOT))


@pytest.mark.slow
@pytest.mark.parametrize("name", REPORTS)
def test_run_all_with_the_defaults_as_jupyterlab_does(name):
    """JupyterLab's Run All: every cell in order, in the notebook's own folder, no parameters injected."""
    from nbclient import NotebookClient

    nb = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(nb, kernel_name="calibrate", timeout=600, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    page = _html_of(nb)
    assert not _errors_of(nb) and "report-header" in page and "Run record: params sample.yaml" in page


@pytest.mark.slow
def test_a_csm_of_another_data_folder(tmp_path):
    data = tmp_path / "exports"
    subprocess.run([sys.executable, "-m", "calibrate", "sample", "--out", str(data), "--seed", "11", "--csms", "12"],
                   check=True, env=_env(), capture_output=True, timeout=600)
    params = tmp_path / "other.yaml"
    params.write_text(f"extends: {SAMPLE_PARAMS}\ndata_dir: exports\noutput_dir: reports\n")
    csms = pd.read_csv(data / "csms.csv", dtype=str)
    row = csms.iloc[-1]
    out = tmp_path / "other.ipynb"
    done = _papermill(["notebooks/csm_review.ipynb", str(out), "-p", "csm_id", row["csm_id"], "-p", "params_path",
                       str(params)], cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    page = _html_of(nbformat.read(str(out), as_version=4))
    assert row["name"] in page and "Run record: params other.yaml" in page
    assert (tmp_path / "reports" / "2026-Q3" / "bundle" / "bundle.json").is_file()  # prepared beside that params file


def _nbval(notebook: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-sanitize-with", str(NOTEBOOKS / "nbval_sanitize.cfg"), notebook.name],
        cwd=notebook.parent, env=_env(), capture_output=True, text=True, timeout=900,
    )


@pytest.mark.slow
def test_nbval_fails_after_a_phrase_changes_until_make_notebooks_refreshes(tmp_path):
    """A changed phrase in the report code fails the committed-output check; refreshing the outputs fixes it."""
    from calibrate.batch.refresh import refresh_notebook

    nb = nbformat.read(str(NOTEBOOKS / "team_calibration.ipynb"), as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace('"params/sample.yaml"', repr(str(SAMPLE_PARAMS)))
        elif 'present.show_title("Team calibration"' in cell.source:
            cell.source = cell.source.replace('present.show_title("Team calibration"', 'present.show_title("Team calibration review"')
    copy = tmp_path / "team_calibration.ipynb"
    nbformat.write(nb, str(copy))

    before = _nbval(copy)
    assert before.returncode == 1, before.stdout[-3000:]
    assert "1 failed" in before.stdout and "Team calibration review" in before.stdout  # only that cell, and the diff shows it

    refresh_notebook(copy)  # what `make notebooks` does for each report notebook
    assert (tmp_path / "team_calibration.py").is_file()  # its py:percent twin, kept in step
    after = _nbval(copy)
    assert after.returncode == 0, after.stdout[-3000:]


@pytest.mark.slow
def test_the_period_parameter_selects_the_quarter(tmp_path):
    import papermill

    out = tmp_path / "q2.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "csm_review.ipynb"), str(out), kernel_name="calibrate", progress_bar=False,
                               parameters={"csm_id": "CSM-002", "period": "2026-Q2"}, cwd=str(ROOT))
    page = _html_of(nbformat.read(str(out), as_version=4))
    assert "Quarterly review, 2026-Q2" in page and "period 2026-Q2" in page and "2026-Q3" not in page
    assert json.loads((ROOT / "reports" / "2026-Q2" / "bundle" / "bundle.json").read_text())["period"] == "2026-Q2"


def test_refresh_masks_what_nbval_masks_so_a_new_bundle_key_alone_is_no_change():
    """The refresh keeps a committed output when only a masked detail differs; nbval's own rules decide what is masked."""
    from calibrate.batch.refresh import sanitizer

    mask = sanitizer(NOTEBOOKS / "nbval_sanitize.cfg")
    old = "Run record: params sample.yaml (hash 94b43b561ac0), period 2026-Q3, bundle 31bf4b6fa6ba, calibrate 0.1.0."
    new = "Run record: params sample.yaml (hash 94b43b561ac0), period 2026-Q3, bundle 26d9078ad753, calibrate 0.1.1."
    assert old != new and mask(old) == mask(new)
    assert mask(old.replace("2026-Q3", "2026-Q2")) != mask(new)  # a real change still shows
