"""Spread a per-CSM computation over the machine's cores by forking the process that holds the data.

Preparing a quarter builds one review and one fact file per CSM. Each is a
few hundred milliseconds of small pandas operations on that CSM's rows, so
a 1,000-CSM company spends minutes there, on one core, while the others
wait. ``fork_map`` runs the same function over chunks of CSMs in forked
child processes: a child starts with the parent's memory as it is (the
validated tables, every quarter's results, the lookups built once), so
nothing large is copied or pickled on the way in; only each CSM's result
travels back, pickled.

* Results come back in the order of ``items``, exactly what the one-process
  loop returns (the computation is the same function).
* Forking is used on Linux only (on macOS and Windows forking a process that
  holds threads is unsafe or impossible) and never inside a Jupyter kernel
  (a notebook preparing its own bundle): elsewhere, with one worker, or for
  a handful of items the loop runs in this process.
* An exception raised for one item is raised here, as the loop would raise
  it. A child that dies (out of memory, killed) is not a reason to lose the
  run: the items are computed again in this process, and a warning says so.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
import sys
from typing import Callable, Sequence, TypeVar

__all__ = ["fork_map", "will_fork", "default_workers", "SideCall"]

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 16  # below this many items the loop runs in this process: forking would cost more than it saves
_TASK: Callable | None = None  # set just before the children are forked; they inherit it
_log = logging.getLogger(__name__)


def default_workers(asked: int | None = None) -> int:
    """``asked`` when 1 or more, else one per core."""
    return asked if asked and asked > 0 else (os.cpu_count() or 1)


def _inside_kernel() -> bool:
    """True in a Jupyter kernel: its threads own the output streams a forked child would write to."""
    app = sys.modules.get("ipykernel.kernelapp")
    return bool(app is not None and app.IPKernelApp.initialized())


def _can_fork() -> bool:
    return (sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
            and not _inside_kernel())


def will_fork(n_items: int, *, workers: int, min_items: int | None = None) -> bool:
    """Whether ``fork_map`` over ``n_items`` items would use child processes (else it loops here)."""
    least = MIN_ITEMS if min_items is None else min_items
    return workers > 1 and n_items >= max(least, 2) and _can_fork()


def _run_chunk(chunk: Sequence) -> list:
    assert _TASK is not None, "fork_map's task is set before its children start"
    return [_TASK(item) for item in chunk]


def fork_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int, min_items: int | None = None,
             chunk_size: int = 8) -> list[R]:
    """``[fn(x) for x in items]``, computed in ``workers`` forked processes (module docstring).

    ``fn`` may be a closure over large objects: children inherit it, nothing
    is pickled but the items' chunks and the results. ``min_items``: below
    this many items the loop runs here (default ``MIN_ITEMS``).
    """
    items = list(items)
    if not will_fork(len(items), workers=workers, min_items=min_items):
        return [fn(item) for item in items]
    global _TASK
    _TASK = fn
    chunks = [items[i:i + chunk_size] for i in range(0, len(items), chunk_size)]
    try:
        with cf.ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                                    mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_run_chunk, chunks))
    except cf.process.BrokenProcessPool as exc:
        _log.warning("A process computing per-CSM results died (%s); computing them again in one process.", exc)
        return [fn(item) for item in items]
    finally:
        _TASK = None
    return [result for part in parts for result in part]


_SIDE_TASKS: dict[int, Callable] = {}  # set just before a side child is forked; it inherits the entry


def _run_side(key: int):
    try:
        return True, _SIDE_TASKS[key]()
    except BaseException:  # noqa: BLE001 - the parent computes it again and raises the real error itself
        return False, None


class SideCall:
    """``fn()`` computed in a forked child while this process goes on; ``result()`` waits for it.

    For a stage that needs what is already computed but nothing that comes
    after it (the leadership reports, while the reviews are built). Where
    ``fork_map`` would not fork (not Linux, inside a kernel, one worker)
    ``fn`` simply runs when ``result()`` is called. If the child fails in
    any way (an exception, killed, out of memory), ``result()`` computes
    ``fn()`` here, so the value, or the exception, is exactly what calling
    it here gives.
    """

    def __init__(self, fn: Callable[[], R], *, workers: int) -> None:
        self._fn = fn
        self._pool = None
        if workers > 1 and _can_fork():
            self._key = id(self)
            _SIDE_TASKS[self._key] = fn
            try:
                # The child is forked by submit(), with the entry above in its memory.
                self._pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
                self._future = self._pool.submit(_run_side, self._key)
            finally:
                _SIDE_TASKS.pop(self._key, None)

    def result(self) -> R:
        if self._pool is None:
            return self._fn()
        try:
            ok, value = self._future.result()
        except Exception as exc:  # BrokenProcessPool, or a value that could not travel back
            _log.warning("The process computing %s in parallel failed (%s); computing it here.",
                         getattr(self._fn, "__name__", "a stage"), exc)
            ok, value = False, None
        finally:
            self._pool.shutdown(wait=True)
            self._pool = None
        return value if ok else self._fn()
