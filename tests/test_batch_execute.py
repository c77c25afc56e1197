import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from calibrate.batch.execute import NotebookJob, execute_job, resolve_kernel_name


def _notebook(tmp_path, body):
    params = new_code_cell("bundle_dir = ''")
    params.metadata["tags"] = ["parameters"]
    path = tmp_path / "in.ipynb"
    nbformat.write(new_notebook(cells=[params, new_code_cell(body)]), str(path))
    return path


def _job(tmp_path, input_path, **kw):
    base = dict(job_id="csm/x", template="csm_review", label="X", input_path=str(input_path), out_dir=str(tmp_path / "out"),
                notebook="notebooks/csm_x.ipynb", html="csm/x.html", parameters={"bundle_dir": str(tmp_path)}, csm_id="x")
    base.update(kw)
    return NotebookJob(**base)


def test_missing_kernelspec_falls_back_to_python3():
    name, note = resolve_kernel_name("no-such-kernel-here")
    assert name == "python3" and "no-such-kernel-here" in note
    assert resolve_kernel_name("python3") == ("python3", None)


def test_kernel_that_cannot_start_is_retried_once_then_reported(tmp_path):
    status = execute_job(_job(tmp_path, _notebook(tmp_path, "x = 1"), kernel_name="no-such-kernel-here"))
    assert status.status == "failed" and status.attempts == 2
    assert "Kernel failed to start" in status.error and "no-such-kernel-here" in status.error
    assert not (tmp_path / "out" / "csm" / "x.html").exists()


@pytest.mark.slow
def test_notebook_over_its_time_budget_fails_with_a_timeout(tmp_path):
    kernel, _ = resolve_kernel_name("calibrate")
    job = _job(tmp_path, _notebook(tmp_path, "import time\ntime.sleep(120)"), kernel_name=kernel, timeout_seconds=8)
    status = execute_job(job)
    assert status.status == "failed" and "Timed out" in status.error
    assert status.seconds < 60 and status.attempts == 1
    assert (tmp_path / "out" / "notebooks" / "csm_x.ipynb").is_file()  # kept for whoever debugs it


@pytest.mark.slow
def test_successful_job_writes_notebook_with_parameters_and_page(tmp_path):
    kernel, _ = resolve_kernel_name("calibrate")
    status = execute_job(_job(tmp_path, _notebook(tmp_path, "print('HELLO_FROM_KERNEL')"), kernel_name=kernel))
    assert status.ok, status.error
    executed = nbformat.read(str(tmp_path / "out" / "notebooks" / "csm_x.ipynb"), as_version=4)
    assert executed.metadata.papermill.parameters == {"bundle_dir": str(tmp_path)}
    page = (tmp_path / "out" / "csm" / "x.html").read_text()
    assert "HELLO_FROM_KERNEL" in page and "print(" not in page
    assert not [p for p in (tmp_path / "out").rglob(".*")]  # no temporary files left


@pytest.mark.slow
def test_a_new_kernel_has_the_report_modules_loaded_before_its_first_report_and_binds_no_name(tmp_path):
    from calibrate.batch.engine import PRELOAD, shutdown_kernels

    shutdown_kernels()  # a kernel of this process's earlier tests may have imported them through its notebooks
    kernel, _ = resolve_kernel_name("calibrate")
    body = ("import sys\n"
            f"print('NOT LOADED', [m for m in {PRELOAD!r} if m not in sys.modules])\n"
            "print('BOUND', [n for n in ('calibrate', 'present') if n in globals()])")
    status = execute_job(_job(tmp_path, _notebook(tmp_path, body), kernel_name=kernel))
    assert status.ok, status.error
    page = (tmp_path / "out" / "csm" / "x.html").read_text()
    assert "NOT LOADED []" in page and "BOUND []" in page
