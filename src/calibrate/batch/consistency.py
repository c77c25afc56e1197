"""One calibration per report folder: what identifies a run, and what changed since the last one.

A period folder holds the reports of exactly one params hash and one set of
input files. ``--only`` and ``--resume`` re-run part of a folder, so they are
refused when the params or inputs differ from the run that built it: the
folder would otherwise hold two calibrations side by side. A full run (or
``--force-rebuild``) rebuilds every report and removes pages of CSMs that
are no longer in the data.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Mapping

from ..errors import CalibrateError

__all__ = ["RunFolderMismatch", "input_fingerprint", "run_differences", "check_same_run"]


class RunFolderMismatch(CalibrateError):
    """``--only`` or ``--resume`` asked to add reports of a different calibration to a folder."""


def input_fingerprint(records: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 over the sorted (table, file SHA-256) pairs: one id for a run's whole input."""
    pairs = sorted((str(r.get("table")), str(r.get("sha256"))) for r in records)
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest()


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


def run_differences(previous: Mapping[str, Any], current: Mapping[str, Any], *, limit: int = 8) -> list[str]:
    """Plain lines naming what differs between two manifests: params keys, input tables, package version."""
    lines: list[str] = []
    if previous.get("params_hash") != current.get("params_hash"):
        before, after = _flatten(previous.get("params") or {}), _flatten(current.get("params") or {})
        changed = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k) and k != "source"]
        shown = [f"params {k}: {before.get(k)!r} -> {after.get(k)!r}" for k in changed[:limit]]
        lines += shown or ["params: a different params file"]
        if len(changed) > limit:
            lines.append(f"... and {len(changed) - limit} more params")
    old = {r.get("table"): r.get("sha256") for r in previous.get("inputs") or []}
    new = {r.get("table"): r.get("sha256") for r in current.get("inputs") or []}
    for table in sorted(set(old) | set(new)):
        if table not in new:
            lines.append(f"input {table}: in the earlier run, absent now")
        elif table not in old:
            lines.append(f"input {table}: new since the earlier run")
        elif old[table] != new[table]:
            lines.append(f"input {table}: the file changed")
    if previous.get("package_version") != current.get("package_version"):
        lines.append(f"package version {previous.get('package_version')} -> {current.get('package_version')}")
    return lines


def check_same_run(
    previous: Mapping[str, Any] | None,
    current: Mapping[str, Any],
    *,
    folder: str,
    only: bool,
    resume: bool,
    force_rebuild: bool,
) -> bool:
    """True when ``previous`` was built from the same params and inputs as ``current``.

    Raises ``RunFolderMismatch`` when they differ and the run would rebuild
    only part of the folder (``only`` or ``resume``) without ``force_rebuild``.
    """
    if not previous:
        return False
    differences = run_differences(previous, current)
    if not differences:
        return True
    if (only or resume) and not force_rebuild:
        flag = "--only" if only else "--resume"
        listed = "\n  ".join(differences)
        raise RunFolderMismatch(
            f"{folder} holds the reports of another calibration, so {flag} would mix two runs in one folder. "
            f"What differs from the run that built it:\n  {listed}\n"
            "Either write this run to a new folder (--out), run the whole batch without "
            f"{flag} (every report is rebuilt), or pass --force-rebuild to rebuild this folder."
        )
    return False
