"""One writer per report folder: a lock file that names the run holding it.

``calibrate run`` takes ``<period folder>/.calibrate-run.lock`` before it
writes anything there and removes it when it ends, however it ends. The file
is created atomically (``O_CREAT | O_EXCL``), so of two runs started together
exactly one gets it; it records the holder's process id, host, start time
and command line. A second run into the same folder is refused with a message
naming the first. A lock left by a run that died without removing it (a
``kill -9``, a power cut) is stale when its process no longer exists on this
host; it is then taken over, with a note. A lock held from another host is
never taken over: only a person can tell whether that run is still going.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import sys
from pathlib import Path

from ..errors import CalibrateError

__all__ = ["LOCK_FILE", "FolderBusy", "FolderLock"]

LOCK_FILE = ".calibrate-run.lock"


class FolderBusy(CalibrateError):
    """Another run is writing into the same report folder."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FolderLock:
    """``with FolderLock(folder): ...`` holds the folder's lock for the block (see the module docstring)."""

    def __init__(self, folder: str | Path, *, say=None):
        self.path = Path(folder) / LOCK_FILE
        self.say = say or (lambda message: None)
        self.held = False

    def _holder(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def acquire(self) -> "FolderLock":
        # The folders this run creates (the period folder, and the reports root if it is new): a refused run
        # removes them again, so "nothing written" holds to the letter.
        self.created = []
        folder = self.path.parent
        while not folder.exists():
            self.created.append(folder)
            folder = folder.parent
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                  "command": " ".join(sys.argv[:8])}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                pid, host = holder.get("pid"), holder.get("host")
                if host == socket.gethostname() and isinstance(pid, int) and not _alive(pid):
                    self.say(f"Took over the lock of a run that ended without releasing it (pid {pid}, started "
                             f"{holder.get('started_at', '?')}).")
                    self.path.unlink(missing_ok=True)
                    continue
                if not holder:  # being written this very moment by the other run
                    continue
                raise FolderBusy(
                    f"Another run is writing into {self.path.parent}: pid {pid} on {host}, started "
                    f"{holder.get('started_at', '?')} ({holder.get('command', 'calibrate run')}). Wait for it to "
                    "finish, or write this run elsewhere with --out."
                ) from None
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(record, handle)
            self.held = True
            return self
        raise FolderBusy(f"Could not take the lock {self.path}; another run keeps taking it. Try again in a moment.")

    def release(self) -> None:
        if not self.held:
            return
        if self._holder().get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)
        self.held = False
        for folder in getattr(self, "created", []):  # a refused run leaves no empty folder behind
            try:
                folder.rmdir()
            except OSError:
                break

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
