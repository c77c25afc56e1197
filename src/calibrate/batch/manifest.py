"""``manifest.json``: what a batch ran on, with what, and how every notebook ended.

The manifest records provenance (input file SHA-256s, params and their hash,
package version, kernel), timing, and one entry per notebook. ``resume``
reads it back to re-run only the notebooks that are missing or failed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..dataset import Dataset
from ..atomic import write_text_atomic

__all__ = [
    "MANIFEST_FORMAT",
    "NotebookStatus",
    "file_sha256",
    "input_records",
    "read_manifest",
    "write_manifest",
    "status_from_dict",
    "utc_now",
]

MANIFEST_FORMAT = 1
STATUSES = ("ok", "failed", "pending", "skipped")


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class NotebookStatus:
    """How one notebook ended.

    ``job_id`` is ``csm/<csm_key>``, ``team_calibration`` or
    ``flag_validation``; paths are relative to the period folder; ``status``
    is ``ok``, ``failed``, ``pending`` (not run yet) or ``skipped`` (left out
    by ``only``). ``error`` is one line for the index; ``detail`` the
    traceback for whoever fixes it.
    """

    job_id: str
    template: str
    label: str
    status: str
    csm_id: str | None = None
    leadership_only: bool = False
    html: str | None = None
    notebook: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    detail: str | None = None
    started_at: str | None = None
    seconds: float | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def status_from_dict(raw: Mapping[str, Any]) -> NotebookStatus:
    known = NotebookStatus.__dataclass_fields__
    return NotebookStatus(**{k: v for k, v in raw.items() if k in known})


def file_sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def input_records(dataset: Dataset) -> list[dict[str, Any]]:
    """One record per input file: table, path, sha256, rows.

    Uses the hashes the loader recorded (``dataset.sources``); a dataset built
    in code has none, and then the record list is empty.
    """
    return [
        {"table": s.table, "path": s.path, "sha256": s.sha256, "rows": int(s.rows)}
        for s in sorted(dataset.sources, key=lambda s: s.table)
    ]


def write_manifest(path: str | Path, manifest: Mapping[str, Any], statuses: Iterable[NotebookStatus]) -> Path:
    """Write ``manifest`` with its ``notebooks`` list set from ``statuses`` (atomically)."""
    body = dict(manifest)
    body["format"] = MANIFEST_FORMAT
    body["notebooks"] = [asdict(s) for s in statuses]
    text = json.dumps(body, indent=2, sort_keys=False, default=str, ensure_ascii=False)
    return write_text_atomic(path, text + "\n")


def read_manifest(path: str | Path) -> dict[str, Any] | None:
    """The manifest at ``path``, or ``None`` when absent or unreadable (a resume then re-runs all)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) and raw.get("format") == MANIFEST_FORMAT else None
