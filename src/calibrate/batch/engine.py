"""Run notebooks in a kernel that stays warm between reports.

Starting a Jupyter kernel and importing pandas and the package in it costs
more than executing a review's cells. A batch worker therefore keeps one
kernel alive and runs notebook after notebook in it:

* before each notebook the kernel's namespace is emptied (every name the
  previous notebook defined is removed) and its working folder set, so no
  notebook sees another's variables; imported modules stay loaded, which is
  the point;
* when it starts, the kernel imports what every report notebook imports
  (``PRELOAD``; the batch starts its kernels while it is still preparing),
  binding no name a notebook could come to rely on;
* parameters are injected exactly as papermill does (``parameterize_notebook``:
  an ``injected-parameters`` cell after the ``parameters`` cell, the
  parameters recorded in the notebook's metadata);
* execution counts are numbered 1, 2, 3... per notebook and cell ids follow
  the cells' positions, so an executed notebook depends only on its inputs,
  not on which reports its worker ran before or on which machine;
* a kernel that dies or times out is discarded and the next notebook gets a
  fresh one; a kernel is also replaced after ``recycle_after`` notebooks so
  a long batch cannot accumulate memory in it;
* the kernel's stderr (transport banners) is discarded; a kernel whose parent
  process dies exits by itself (ipykernel's parent poller).

This is nbclient's ``NotebookClient`` driven cell by cell with a kernel
client that outlives each notebook.
"""

from __future__ import annotations

import atexit
import subprocess
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

__all__ = ["NotebookRunError", "WarmKernel", "parameterize", "prestart", "run_notebook", "shutdown_kernels"]

# What every report notebook imports, loaded while the kernel waits for its first report (the batch starts its
# kernels while the main process prepares), so no report pays for it; the cell binds no name, and a kernel
# without the package still starts (its notebook then fails on its own import, with the usual message).
PRELOAD = ("calibrate.present", "calibrate.present.narrative", "calibrate.present.review", "calibrate.present.team",
           "calibrate.present.flags", "calibrate.batch.notebook")
_PRELOAD = (
    "try:\n"
    f"    for _calibrate_name in {PRELOAD!r}:\n"
    "        __import__(_calibrate_name)\n"
    "except ImportError:\n"
    "    pass\n"
    "_calibrate_name = None\n"
    "del _calibrate_name"
)
# Names present in a fresh kernel; everything else is removed between notebooks.
_REMEMBER = "__calibrate_keep__ = frozenset(globals()) | {'__calibrate_keep__', '_calibrate_name'}"
_FORGET = (
    "for _calibrate_name in [n for n in list(globals()) if n not in __calibrate_keep__]:\n"
    "    globals().pop(_calibrate_name, None)\n"
    "import os as _calibrate_os\n"
    "_calibrate_os.chdir({cwd!r})\n"
    "del _calibrate_os"
)


class NotebookRunError(Exception):
    """A notebook did not finish: which cell, the error's name and value, and the traceback text."""

    def __init__(self, summary: str, *, detail: str = "", kernel_lost: bool = False, started: bool = True):
        super().__init__(summary)
        self.summary = summary
        self.detail = detail
        self.kernel_lost = kernel_lost
        self.started = started


def parameterize(input_path: str, parameters: Mapping[str, Any], *, kernel_name: str, output_path: str):
    """The notebook at ``input_path`` with ``parameters`` injected the way papermill injects them."""
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(input_path))
    if parameters:
        nb = parameterize_notebook(nb, dict(parameters), kernel_name=kernel_name, language="python")
    nb = prepare_notebook_metadata(nb, str(input_path), str(output_path), False)
    nb = remove_error_markers(nb)
    # Cell ids by position: templates converted from py:percent and the injected
    # cell get random ids, which would make two runs' notebooks and pages differ.
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"
    return nb


@dataclass
class WarmKernel:
    """One kernel kept alive in this process for many notebooks (see module docstring)."""

    kernel_name: str
    recycle_after: int = 200
    start_timeout: int = 60

    def __post_init__(self) -> None:
        self._client = None
        self._runs = 0

    @property
    def alive(self) -> bool:
        return self._client is not None and self._client.km is not None

    def _start(self, cwd: str) -> None:
        from nbclient import NotebookClient
        from nbformat.v4 import new_code_cell, new_notebook

        # "immediate": a report kernel holds nothing worth a graceful goodbye, and the run should not wait for one.
        client = NotebookClient(new_notebook(), kernel_name=self.kernel_name, startup_timeout=self.start_timeout, timeout=60,
                                shutdown_kernel="immediate")
        client.create_kernel_manager()
        try:
            client.start_new_kernel(cwd=cwd, stderr=subprocess.DEVNULL)
            client.start_new_kernel_client()
        except Exception as exc:
            self._client = client
            self.close()
            raise NotebookRunError(f"The kernel '{self.kernel_name}' did not start: {exc}", started=False) from exc
        self._client = client
        self._runs = 0
        self._run_internal(_PRELOAD, new_code_cell, new_notebook)
        self._run_internal(_REMEMBER, new_code_cell, new_notebook)

    def _run_internal(self, source: str, new_code_cell, new_notebook) -> None:
        client = self._client
        client.nb = new_notebook(cells=[new_code_cell(source)])
        client.execute_cell(client.nb.cells[0], 0)

    def ensure_started(self, cwd: str) -> None:
        """Start the kernel unless a live one has run fewer than ``recycle_after`` notebooks."""
        if self.alive and self._runs >= self.recycle_after:
            self.close()
        if not self.alive:
            self._start(cwd)

    def close(self) -> None:
        """Stop the kernel (safe to call twice)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.kc is not None:
                client.kc.stop_channels()
        finally:
            if client.km is not None:
                try:
                    client._cleanup_kernel()
                except Exception:  # already dead: nothing left to stop
                    pass

    def run(self, nb, *, cwd: str, deadline: float | None = None):
        """Execute every code cell of ``nb`` (in place) and return it; raises ``NotebookRunError``.

        ``deadline`` is a ``time.monotonic()`` instant: each cell may use what
        is left of the time until then.
        """
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
        from nbformat.v4 import new_code_cell, new_notebook

        self.ensure_started(cwd)
        client = self._client
        try:
            self._run_internal(_FORGET.format(cwd=str(cwd)), new_code_cell, new_notebook)
            client.nb = nb
            client.reset_execution_trackers()
            if deadline is not None:
                client.timeout_func = lambda cell: max(1, int(deadline - time.monotonic()))
            count = 0
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                count += 1
                _mark(cell, "running")
                try:
                    client.execute_cell(cell, index, execution_count=count)
                except CellExecutionError as exc:
                    _mark(cell, "failed")
                    name, value = _error_of(cell)
                    raise NotebookRunError(f"{name}: {value} (cell {count})", detail=str(exc)) from exc
                _mark(cell, "completed")
            self._runs += 1
            return nb
        except NotebookRunError:
            raise
        except CellTimeoutError as exc:
            self.close()
            raise NotebookRunError(f"Timed out: {exc}", detail=str(exc), kernel_lost=True) from exc
        except DeadKernelError as exc:
            self.close()
            raise NotebookRunError(f"The kernel died while running the notebook: {exc}", detail=str(exc), kernel_lost=True) from exc
        except Exception as exc:  # a broken channel: start afresh next time
            self.close()
            raise NotebookRunError(f"{type(exc).__name__}: {exc}", detail=str(exc), kernel_lost=True) from exc


def _mark(cell, status: str) -> None:
    cell.metadata.setdefault("papermill", {})["status"] = status


def _error_of(cell) -> tuple[str, str]:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return str(output.get("ename", "Error")), str(output.get("evalue", ""))
    return "Error", "the cell failed"


# One warm kernel per (kernel name) in each worker process.
_KERNELS: dict[str, WarmKernel] = {}


def _kernel(kernel_name: str) -> WarmKernel:
    kernel = _KERNELS.get(kernel_name)
    if kernel is None:
        kernel = _KERNELS[kernel_name] = WarmKernel(kernel_name)
    return kernel


def prestart(kernel_name: str, *, cwd: str) -> bool:
    """Start this process's warm kernel now (while the parent still prepares); False if it would not start."""
    kernel = _kernel(kernel_name)
    try:
        kernel.ensure_started(cwd)
    except NotebookRunError:
        return False
    return True


def run_notebook(
    input_path: str,
    output_path: str,
    *,
    parameters: Mapping[str, Any],
    kernel_name: str,
    cwd: str,
    deadline: float | None = None,
    write: Callable[[Any], None] | None = None,
):
    """Parameterize and execute one notebook in this process's warm kernel; returns the executed notebook.

    ``write(nb)`` is called with the notebook whether it succeeded or failed
    (a failed notebook is kept for debugging) before a ``NotebookRunError``
    is re-raised. A kernel that fails to start is retried once.
    """
    kernel = _kernel(kernel_name)
    nb = parameterize(input_path, parameters, kernel_name=kernel_name, output_path=output_path)
    for attempt in (1, 2):
        try:
            kernel.run(nb, cwd=cwd, deadline=deadline)
            break
        except NotebookRunError as exc:
            if not exc.started and attempt == 1:
                continue
            if write is not None and exc.started:
                write(nb)
            raise
    if write is not None:
        write(nb)
    return nb


def shutdown_kernels() -> None:
    """Stop every warm kernel of this process (registered with ``atexit``)."""
    for kernel in list(_KERNELS.values()):
        kernel.close()
    _KERNELS.clear()


atexit.register(shutdown_kernels)
