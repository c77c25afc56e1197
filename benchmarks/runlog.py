"""The benchmarks' run log: one JSON line per run in ``results/<name>.jsonl``.

Each benchmark reads the previous line to print how its figures moved, then
appends its own. Shared here so every script keeps the log the same way.
"""

from __future__ import annotations

import json
from pathlib import Path


def last_run(path: Path, *, where: dict | None = None) -> dict:
    """The most recent record in ``path`` whose fields match ``where`` (an empty dict when none)."""
    if not path.is_file():
        return {}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    matching = [r for r in records if all(r.get(k) == v for k, v in (where or {}).items())]
    return matching[-1] if matching else {}


def append_run(path: Path, record: dict) -> None:
    """Append ``record`` as one JSON line to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
