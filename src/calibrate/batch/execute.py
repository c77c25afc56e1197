"""Execute one notebook job in a worker process: papermill, then HTML.

Runs inside a ``ProcessPoolExecutor`` worker, so everything here is picklable
and self-contained. A failure never raises out of ``execute_job``: it comes
back as a ``NotebookStatus`` with the error, and the other jobs carry on.

* Timeout: the whole notebook gets ``timeout_seconds``; each cell may use
  what is left of that budget (nbclient's ``timeout_func``), so a stuck cell
  is interrupted and the notebook fails with a timeout error.
* A kernel that fails to start (no cell ran) is retried once.
* The executed notebook is kept (also when it failed, for debugging); the
  HTML page is written only for a successful run, and a stale page from an
  earlier run is removed so the folder never shows an outdated review.
"""

from __future__ import annotations

import logging
import os
import re
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .atomic import write_text_atomic
from .manifest import NotebookStatus, utc_now

__all__ = ["NotebookJob", "execute_job", "resolve_kernel_name"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to run: inputs, JSON-plain parameters, and where results go."""

    job_id: str
    template: str
    label: str
    input_path: str
    out_dir: str
    notebook: str
    html: str
    parameters: Mapping[str, str | int | float] = field(default_factory=dict)
    csm_id: str | None = None
    leadership_only: bool = False
    kernel_name: str = "python3"
    timeout_seconds: int = 600
    cwd: str | None = None


def resolve_kernel_name(preferred: str) -> tuple[str, str | None]:
    """``preferred`` if that kernelspec is installed, else ``python3``; plus a note when it fell back."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if preferred in specs:
        return preferred, None
    return "python3", (
        f"Jupyter kernel '{preferred}' is not installed; ran the notebooks with 'python3'. "
        "Install it with `make setup` (python -m ipykernel install --sys-prefix --name calibrate)."
    )


def _clean(text: str, limit: int) -> str:
    text = _ANSI.sub("", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _no_cell_ran(path: Path) -> bool:
    import nbformat

    if not path.is_file() or path.stat().st_size == 0:
        return True
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # a half-written notebook: nothing usable ran
        return True
    return all(c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


def _describe(exc: BaseException, timeout_seconds: int) -> tuple[str, str]:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        summary = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
        detail = "\n".join(exc.traceback or [])
    elif isinstance(exc, CellTimeoutError):
        summary = f"Timed out: the notebook ran longer than {timeout_seconds} s (batch.notebook_timeout_seconds)."
        detail = str(exc)
    elif isinstance(exc, DeadKernelError):
        summary = f"The kernel died while running the notebook: {exc}"
        detail = "".join(traceback.format_exception(exc))
    else:
        summary = f"{type(exc).__name__}: {exc}"
        detail = "".join(traceback.format_exception(exc))
    return _clean(summary.strip(), 500), _clean(detail, 20000)


def _is_start_failure(exc: BaseException, executed: Path) -> bool:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, (PapermillExecutionError, CellTimeoutError, DeadKernelError)):
        return False
    return _no_cell_ran(executed)


def _silence_stderr() -> int:
    """Point fd 2 at /dev/null; kernels inherit it, so their transport banners stay out of the console."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    return saved


def _restore_stderr(saved: int) -> None:
    os.dup2(saved, 2)
    os.close(saved)


def warm_up() -> int:
    """Import what ``execute_job`` needs, so the first notebook of a worker does not pay for it.

    The batch submits one per worker while the parent process is still
    preparing the bundle; returns the worker's process id.
    """
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401

    from ..present import chart_to_svg, html  # noqa: F401

    # The first drawing starts the renderer's JavaScript runtime (~0.5 s): pay it here.
    chart_to_svg({"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}})
    return os.getpid()


def _draw_charts_first(job: NotebookJob) -> None:
    """A per-CSM review's charts are drawn here, in the warm worker, before its kernel starts."""
    if job.csm_id is None or "bundle_dir" not in job.parameters or "csm_key" not in job.parameters:
        return
    from ..present.bundle import csm_slice_path
    from ..present.review.charts import draw_slice_charts

    path = csm_slice_path(str(job.parameters["bundle_dir"]), str(job.parameters["csm_key"]))
    if path.is_file():
        draw_slice_charts(path)


def execute_job(job: NotebookJob) -> NotebookStatus:
    """Run ``job`` with papermill, write its executed notebook and HTML page; never raises."""
    import papermill

    from ..present.html import notebook_to_html

    logging.getLogger("papermill").setLevel(logging.WARNING)
    out_dir = Path(job.out_dir)
    notebook_path, html_path = out_dir / job.notebook, out_dir / job.html
    notebook_path.parent.mkdir(parents=True, exist_ok=True)
    started_at, t_start = utc_now(), time.monotonic()
    error = detail = None
    attempts = 0
    wrote_notebook = False
    try:
        _draw_charts_first(job)
    except Exception as exc:  # the notebook then fails on the missing chart and the index shows it
        logging.getLogger(__name__).warning("Charts for %s could not be drawn: %r", job.job_id, exc)
    # papermill saves as it goes; it writes a temporary file that replaces the
    # final one only at the end, so a reader never sees a half-run notebook.
    executed = notebook_path.with_name(f".{notebook_path.stem}.{os.getpid()}.tmp.ipynb")
    saved_stderr = _silence_stderr()
    try:
        for attempt in (1, 2):
            attempts = attempt
            deadline = time.monotonic() + job.timeout_seconds
            try:
                papermill.execute_notebook(
                    job.input_path,
                    str(executed),
                    parameters=dict(job.parameters),
                    kernel_name=job.kernel_name,
                    language="python",
                    progress_bar=False,
                    log_output=False,
                    cwd=job.cwd,
                    start_timeout=60,
                    timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
                )
                error = detail = None
                break
            except Exception as exc:  # every failure becomes this job's status, never the batch's
                error, detail = _describe(exc, job.timeout_seconds)
                if _is_start_failure(exc, executed):
                    error = f"Kernel failed to start (tried {attempt} time(s)): {error}"
                    if attempt == 1:
                        continue
                break
        wrote_notebook = executed.is_file() and executed.stat().st_size > 0
        if wrote_notebook:
            os.replace(executed, notebook_path)
    finally:
        _restore_stderr(saved_stderr)
        if executed.exists():
            executed.unlink()
    if error is None:
        try:
            page = notebook_to_html(notebook_path, default_title=job.label)
            write_text_atomic(html_path, page)
        except Exception as exc:  # a page that cannot be rendered is a failed report
            error, detail = _describe(exc, job.timeout_seconds)
            error = f"Rendering the HTML page failed: {error}"
    if error is not None and html_path.exists():
        os.unlink(html_path)
    return NotebookStatus(
        job_id=job.job_id,
        template=job.template,
        label=job.label,
        status="ok" if error is None else "failed",
        csm_id=job.csm_id,
        leadership_only=job.leadership_only,
        html=job.html if error is None else None,
        notebook=job.notebook if wrote_notebook else None,
        parameters=dict(job.parameters),
        error=error,
        detail=detail,
        started_at=started_at,
        seconds=round(time.monotonic() - t_start, 2),
        attempts=attempts,
    )
