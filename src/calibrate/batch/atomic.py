"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Each write goes to a temporary file in the target's own folder (same file
system, so ``os.replace`` is an atomic rename), is flushed to disk, then
replaces the target. A failure leaves the target untouched and removes the
temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_path", "write_text_atomic", "write_bytes_atomic", "replace_atomic"]


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on normal exit it replaces ``target``.

    Use for writers that want a path (``DataFrame.to_csv``, ``nbformat.write``)::

        with atomic_path(out / "scores.csv") as tmp:
            frame.to_csv(tmp, index=False)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes_atomic(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; returns ``target`` as a ``Path``."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (UTF-8, ``\\n`` line ends kept as given)."""
    return write_bytes_atomic(target, text.encode(encoding))


def replace_atomic(source: str | Path, target: str | Path) -> Path:
    """Move a finished file from anywhere in ``target``'s folder onto ``target`` atomically."""
    target = Path(target)
    os.replace(source, target)
    return target
