"""The one way the workbook writes a file: atomic, shareable, and safe to open in a spreadsheet.

* **Atomic.** Each write goes to a temporary file in the target's own folder
  (same file system, so ``os.replace`` is an atomic rename), is flushed to
  disk, then replaces the target. A reader sees the old file or the new one,
  never half of one; a failure leaves the target untouched and removes the
  temporary file.
* **Shareable.** Files get the permissions the user's umask gives a new file
  (``0644`` under the usual ``022``), like any other tool, not the ``0600``
  of a temporary file: a report folder copied to a shared drive can be read.
* **Clear failures.** A full disk, a read-only folder or a folder the user may
  not write to raises :class:`~calibrate.errors.OutputError` naming the file
  and what to do, never a traceback.
* **Formula-safe CSV.** :func:`write_csv_atomic` writes every CSV the
  workbook produces. A text cell that begins with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return would be run as a formula by Excel or Sheets; it
  is written with a leading single quote, as OWASP's guidance on CSV
  injection recommends. A cell that is a number (``-0.25``, ``+3``) stays a
  number.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

from .errors import OutputError

__all__ = [
    "atomic_path", "write_text_atomic", "write_bytes_atomic", "write_csv_atomic", "replace_atomic",
    "neutralize_cell", "restore_cell", "formula_safe", "FORMULA_STARTS",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_HINTS = {
    errno.ENOSPC: "the disk is full; free some space or choose another --out folder",
    errno.EROFS: "the folder is on a read-only file system; choose another --out folder",
    errno.EACCES: "you may not write in that folder; choose another --out folder or fix its permissions",
    errno.EPERM: "you may not write in that folder; choose another --out folder or fix its permissions",
    errno.EDQUOT: "your disk quota is used up; free some space or choose another --out folder",
    errno.EFBIG: "the file is larger than this system allows; choose another --out folder",
}


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _output_error(target: Path, exc: OSError) -> OutputError:
    hint = _HINTS.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(f"Could not write {target}: {hint}. Nothing was left half-written.")


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on normal exit it replaces ``target``.

    Use for writers that want a path (``DataFrame.to_csv``, ``nbformat.write``)::

        with atomic_path(out / "notes.txt") as tmp:
            tmp.write_text("...")
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _output_error(target, exc) from exc
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, target)
    except OSError as exc:
        if exc.errno in _HINTS:
            raise _output_error(target, exc) from exc
        raise
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_bytes_atomic(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; returns ``target`` as a ``Path``."""
    with atomic_path(target) as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as exc:
            raise _output_error(Path(target), exc) from exc
    return Path(target)


def write_text_atomic(target: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (UTF-8, ``\\n`` line ends kept as given)."""
    return write_bytes_atomic(target, text.encode(encoding))


def replace_atomic(source: str | Path, target: str | Path) -> Path:
    """Move a finished file from anywhere in ``target``'s folder onto ``target`` atomically."""
    target = Path(target)
    os.replace(source, target)
    return target


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in ("inf", "infinity", "nan")


def neutralize_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def restore_cell(value: Any) -> Any:
    """Undo :func:`neutralize_cell` when reading back a file the workbook wrote (``'=x`` -> ``=x``)."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def formula_safe(frame):
    """A copy of ``frame`` whose text cells cannot start a formula (numbers, and numeric columns, untouched)."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralize_cell, na_action="ignore")
    out.columns = [neutralize_cell(str(c)) for c in out.columns]
    return out


def write_csv_atomic(frame, target: str | Path, **to_csv: Any) -> Path:
    """Write ``frame`` as a formula-safe CSV at ``target``, atomically (``to_csv`` options passed on).

    Defaults: no index, ``\\n`` line ends, UTF-8.
    """
    options = {"index": False, "lineterminator": "\n"} | to_csv
    text = formula_safe(frame).to_csv(**options)
    return write_text_atomic(target, text)
