"""Execute one notebook job in a worker process: a warm kernel, then HTML.

Runs inside a worker of any ``concurrent.futures.Executor`` (a local process
pool or a Dask cluster), so everything here is picklable and self-contained.
The notebook runs in the worker's warm kernel (``batch.engine``): parameters
are injected as papermill injects them, and the kernel stays up for the
worker's next report. A failure never raises out of ``execute_job``: it comes
back as a ``NotebookStatus`` with the error, and the other jobs carry on.

* Timeout: the whole notebook gets ``timeout_seconds``; each cell may use
  what is left of that budget (nbclient's ``timeout_func``), so a stuck cell
  is interrupted and the notebook fails with a timeout error.
* A kernel that fails to start (no cell ran) is retried once; a kernel that
  dies or times out is replaced for the next report.
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

from ..atomic import write_text_atomic
from .manifest import NotebookStatus, utc_now

__all__ = ["NotebookJob", "JobOutput", "run_job", "write_job_output", "execute_job", "resolve_kernel_name"]

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


def _describe(exc: BaseException) -> tuple[str, str]:
    return _clean(f"{type(exc).__name__}: {exc}".strip(), 500), _clean("".join(traceback.format_exception(exc)), 20000)


def warm_up(kernel_name: str | None = None) -> int:
    """Import what ``run_job`` needs and start the warm kernel, so the first report does not pay for it.

    The batch submits one per worker while the parent process is still
    preparing the bundle; returns the worker's process id.
    """
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401

    from ..present import chart_to_svg, html  # noqa: F401

    # The first drawing starts the renderer's JavaScript runtime (~0.5 s): pay it here.
    chart_to_svg({"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}})
    if kernel_name:
        import tempfile

        from .engine import prestart

        prestart(kernel_name, cwd=tempfile.gettempdir())
    return os.getpid()


def _draw_charts_first(job: NotebookJob) -> None:
    """A per-CSM review's charts are drawn here, in the warm worker, before its kernel starts."""
    if job.csm_id is None or not job.parameters.get("bundle_dir") or not job.job_id.startswith("csm/"):
        return
    from ..present.bundle import csm_slice_path
    from ..present.review.charts import draw_slice_charts

    bundle_dir, csm_key = str(job.parameters["bundle_dir"]), job.job_id.split("/", 1)[1]
    if (csm_slice_path(bundle_dir, csm_key) / "part.json").is_file():
        draw_slice_charts(bundle_dir, csm_key)


@dataclass(frozen=True)
class JobOutput:
    """What a worker hands back: the status and the files' contents (nothing written by the worker).

    ``page`` is the job's page path (relative to the period folder);
    ``notebook`` the executed notebook's JSON text (also for a failed run, for
    debugging; None when no cell ran); ``html`` the page, only for a
    successful run.
    """

    status: NotebookStatus
    page: str
    notebook: str | None = None
    html: str | None = None


def run_job(job: NotebookJob) -> JobOutput:
    """Run ``job`` in this worker's warm kernel and render its page, in memory; never raises.

    Nothing is written to the report folder here: the process that owns the
    folder writes the returned texts (``write_job_output``). A worker killed
    halfway therefore leaves no half-written file, and running the same job
    twice (a scheduler's retry) is harmless.
    """
    import nbformat

    from ..present.html import notebook_to_html
    from .engine import NotebookRunError, run_notebook

    logging.getLogger("papermill").setLevel(logging.WARNING)
    started_at, t_start = utc_now(), time.monotonic()
    error = detail = None
    attempts = 1
    try:
        _draw_charts_first(job)
    except Exception as exc:  # the notebook then fails on the missing chart and the index shows it
        logging.getLogger(__name__).warning("Charts for %s could not be drawn: %r", job.job_id, exc)
    executed: list = []
    try:
        run_notebook(
            job.input_path,
            str(Path(job.out_dir) / job.notebook),
            parameters=dict(job.parameters),
            kernel_name=job.kernel_name,
            cwd=job.cwd or os.getcwd(),
            deadline=time.monotonic() + job.timeout_seconds,
            write=executed.append,
        )
    except NotebookRunError as exc:  # every failure becomes this job's status, never the batch's
        error, detail = _clean(exc.summary, 500), _clean(exc.detail, 20000)
        if not exc.started:
            attempts, error = 2, f"Kernel failed to start (tried 2 time(s)): {error}"
    notebook_text = nbformat.writes(executed[-1]) if executed else None
    page = None
    if error is None:
        try:
            page = notebook_to_html(executed[-1], default_title=job.label)
        except Exception as exc:  # a page that cannot be rendered is a failed report
            error, detail = _describe(exc)
            error = f"Rendering the HTML page failed: {error}"
    status = NotebookStatus(
        job_id=job.job_id,
        template=job.template,
        label=job.label,
        status="ok" if error is None else "failed",
        csm_id=job.csm_id,
        leadership_only=job.leadership_only,
        html=job.html if error is None else None,
        notebook=job.notebook if notebook_text is not None else None,
        parameters=dict(job.parameters),
        error=error,
        detail=detail,
        started_at=started_at,
        seconds=round(time.monotonic() - t_start, 2),
        attempts=attempts,
    )
    return JobOutput(status=status, page=job.html, notebook=notebook_text, html=page)


def write_job_output(out_dir: str | Path, output: JobOutput) -> NotebookStatus:
    """Write a job's notebook and page under ``out_dir`` atomically; remove a stale page of a failed run."""
    out_dir, status = Path(out_dir), output.status
    if output.notebook is not None and status.notebook:
        write_text_atomic(out_dir / status.notebook, output.notebook)
    if output.html is not None and status.html:
        write_text_atomic(out_dir / status.html, output.html)
    elif (out_dir / output.page).exists():
        os.unlink(out_dir / output.page)
    return status


def execute_job(job: NotebookJob) -> NotebookStatus:
    """``run_job`` then ``write_job_output`` in one process (tests, single-machine use)."""
    return write_job_output(job.out_dir, run_job(job))
