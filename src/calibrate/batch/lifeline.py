"""A worker process dies with the run that started it.

``die_with_parent`` runs first in every worker of the local pool: on Linux it
asks the kernel (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to kill the worker the
moment its parent dies, even by ``kill -9``, so no worker is left rendering
reports for a run that no longer exists. Each worker's Jupyter kernel watches
its own parent (ipykernel's parent poller) and ends when its worker does.
Elsewhere it does nothing.

``start_worker`` is the pool's initializer: ``die_with_parent``, and Ctrl-C
left to the run. A terminal sends SIGINT to the whole process group; a
worker interrupted inside a notebook printed that notebook's half-finished
task as a traceback. The run itself handles Ctrl-C (it stops the pool, marks
the folder interrupted and exits 130), and its workers die with it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

__all__ = ["die_with_parent", "start_worker"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> bool:
    """Arrange for this process to be killed when its parent dies; True when the OS supports it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except OSError:
        return False
    if parent_pid is not None and os.getppid() != parent_pid:  # the parent died before the call above
        os.kill(os.getpid(), signal.SIGKILL)
    return True


def start_worker(parent_pid: int | None = None) -> None:
    """Initializer of a local pool worker (module docstring): dies with its parent, ignores Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
