"""Run the report jobs on a Dask distributed cluster instead of local processes.

``run_batch`` takes any ``concurrent.futures.Executor``; a Dask ``Client``
gives one with ``Client.get_executor()``. Each report job is a plain function
call (``batch.execute.run_job``) that reads the prepared bundle and returns
the report's text; the machine running ``calibrate run`` writes every file.
So the workers need:

* the ``calibrate`` package and its Jupyter kernel installed (``make setup``
  or ``pip install`` + ``python -m ipykernel install --name calibrate``);
* read access to the prepared bundle at the same path as the client (a
  shared folder; on one machine, the client's temporary folder);
* nothing else: they never write to the report folder.

When a worker dies mid-job the scheduler runs the job again elsewhere (its
``allowed-failures`` setting); since a job only reads and returns text, a
second run is harmless.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from ..errors import CalibrateError

__all__ = ["cluster_executor"]


@contextlib.contextmanager
def cluster_executor(address: str, *, timeout: float = 30) -> Iterator:
    """A ``concurrent.futures.Executor`` on the Dask scheduler at ``address`` (``tcp://host:8786``)."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is in requirements.txt
        raise CalibrateError(
            "--scheduler needs Dask's distributed scheduler: pip install 'dask[distributed]' on this machine and the workers."
        ) from exc
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise CalibrateError(
            f"Could not reach the Dask scheduler at {address}: {exc}. Start it with `dask scheduler` and at least one "
            f"`dask worker {address}`, or run without --scheduler to use this machine's cores."
        ) from exc
    try:
        yield client.get_executor()
    finally:
        client.close()
