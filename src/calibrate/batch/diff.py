"""``calibrate diff RUN_A RUN_B``: why did a CSM's score, rating or rank change between two runs?

Reads each run's ``manifest.json`` and ``scores.csv``. For every CSM whose
overall score, rating or rank differs (or who is in one run only) it names
the causes the manifests can prove:

* params keys whose values differ (weights, cut points, targets ...);
* input tables whose file hash differs, and, when both data folders can
  still be read, which of *this CSM's* accounts have changed rows in them
  (the CSM's accounts are those it owned during the quarter, in either run);
* a different package version.

A CSM whose own rows did not change but whose result moved is told so: the
scores are relative to the team (cohort means, ranks), so another CSM's
change moves them too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..errors import CalibrateError
from .consistency import _flatten
from .manifest import read_manifest

__all__ = ["RunDiff", "CsmChange", "diff_runs", "find_run_folder", "write_diff_csv", "format_diff"]

# params keys that name where a run read or wrote, not how it scored
_PLACE_KEYS = {"source", "data_dir", "output_dir", "period"}
DIFF_COLUMNS = ["csm_id", "score_a", "score_b", "rating_a", "rating_b", "rank_a", "rank_b",
                "params_changed", "tables_changed", "accounts_changed", "package_version", "cause"]


class RunDiffError(CalibrateError):
    """A run folder cannot be compared (no manifest, no scores)."""


@dataclass(frozen=True)
class CsmChange:
    csm_id: str
    score_a: float | None
    score_b: float | None
    rating_a: str | None
    rating_b: str | None
    rank_a: int | None
    rank_b: int | None
    params: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    accounts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # table -> this CSM's changed accounts
    package: str | None = None

    @property
    def cause(self) -> str:
        parts = list(self.params)
        for table in self.tables:
            own = self.accounts.get(table)
            if own:
                parts.append(f"{table}: rows of {', '.join(own)} changed")
        other = [t for t in self.tables if not self.accounts.get(t)]
        if other and not any(self.accounts.values()):
            parts.append(f"{', '.join(other)} changed for other CSMs only (scores are relative to the team)")
        if self.package:
            parts.append(f"package version {self.package}")
        return "; ".join(parts) or "no recorded cause (same params, inputs and version)"


@dataclass(frozen=True)
class RunDiff:
    run_a: Path
    run_b: Path
    params: tuple[str, ...]                 # "key: old -> new"
    tables: tuple[str, ...]                 # input tables whose files differ
    package: str | None
    rows_compared: bool                     # both data folders read, so accounts are named
    changes: tuple[CsmChange, ...]
    notes: tuple[str, ...] = ()


def find_run_folder(path: str | Path) -> Path:
    """The period folder holding ``manifest.json``: ``path`` itself, or its only period subfolder."""
    path = Path(path)
    if (path / "manifest.json").is_file():
        return path
    inner = sorted(p.parent for p in path.glob("*/manifest.json")) if path.is_dir() else []
    if len(inner) == 1:
        return inner[0]
    if len(inner) > 1:
        raise RunDiffError(f"{path} holds several quarters ({', '.join(p.name for p in inner)}); name one of them.")
    raise RunDiffError(f"{path} is not a report folder of calibrate run (no manifest.json in it).")


def _read_run(folder: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    manifest = read_manifest(folder / "manifest.json")
    if manifest is None:
        raise RunDiffError(f"{folder / 'manifest.json'} cannot be read as a run manifest.")
    scores_path = folder / "scores.csv"
    if not scores_path.is_file():
        raise RunDiffError(f"{folder} has no scores.csv, so there is nothing to compare.")
    scores = pd.read_csv(scores_path, dtype={"csm_id": str, "rating": str})
    for column in ("csm_id", "overall_score", "rating", "rank"):
        if column not in scores.columns:
            raise RunDiffError(f"{scores_path}: column {column!r} is missing.")
    return manifest, scores.set_index("csm_id")


def _param_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[str, ...]:
    before, after = _flatten(a.get("params") or {}), _flatten(b.get("params") or {})
    keys = sorted(k for k in set(before) | set(after)
                  if before.get(k) != after.get(k) and k.split(".")[0] not in _PLACE_KEYS)
    return tuple(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in keys)


def _table_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[str, ...]:
    old = {r.get("table"): r.get("sha256") for r in a.get("inputs") or []}
    new = {r.get("table"): r.get("sha256") for r in b.get("inputs") or []}
    return tuple(t for t in sorted(set(old) | set(new)) if old.get(t) != new.get(t))


def _load(manifest: Mapping[str, Any]):
    from ..load import load_dataset

    params = manifest.get("params") or {}
    return load_dataset(manifest["data_dir"], column_map=params.get("column_map") or None, table_map=params.get("table_map") or None,
                        money_format=params.get("money_format") or "strict")


def _row_keys(frame: pd.DataFrame | None, key: str) -> dict[str, set[tuple]]:
    """Rows per ``key`` value, each row as a tuple of its cells in text form (column order sorted)."""
    if frame is None or key not in frame.columns:
        return {}
    cols = sorted(frame.columns)
    text = frame[cols].astype("string").fillna("<NA>")
    out: dict[str, set[tuple]] = {}
    for value, group in text.groupby(key, sort=False):
        out[str(value)] = set(map(tuple, group.itertuples(index=False, name=None)))
    return out


def changed_keys(frame_a: pd.DataFrame | None, frame_b: pd.DataFrame | None, key: str) -> set[str]:
    """Values of ``key`` (account or CSM ids) whose rows differ between the two tables."""
    a, b = _row_keys(frame_a, key), _row_keys(frame_b, key)
    return {k for k in set(a) | set(b) if a.get(k) != b.get(k)}


def _owned(ownership: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, set[str]]:
    """CSM id -> accounts it owned at some point of [start, end)."""
    o = ownership
    live = (o["start_date"] < end) & (o["end_date"].isna() | (o["end_date"] >= start))
    out: dict[str, set[str]] = {}
    for csm, account in zip(o.loc[live, "csm_id"].astype(str), o.loc[live, "account_id"].astype(str)):
        out.setdefault(csm, set()).add(account)
    return out


def _accounts_by_csm(a, b, tables, start, end) -> dict[str, dict[str, tuple[str, ...]]]:
    owned: dict[str, set[str]] = {}
    for ds in (a, b):
        for csm, accounts in _owned(ds["ownership"], start, end).items():
            owned.setdefault(csm, set()).update(accounts)
    result: dict[str, dict[str, tuple[str, ...]]] = {}
    for table in tables:
        fa = _table(a, table)
        fb = _table(b, table)
        if any(f is not None and "account_id" in f.columns for f in (fa, fb)):
            changed = changed_keys(fa, fb, "account_id")
            for csm, accounts in owned.items():
                hit = tuple(sorted(accounts & changed))
                if hit:
                    result.setdefault(csm, {})[table] = hit
        else:  # a table keyed by CSM (csms, manager ratings ...)
            for csm in changed_keys(fa, fb, "csm_id"):
                result.setdefault(csm, {})[table] = (f"its own {table} row",)
    return result


def _table(dataset, name: str) -> pd.DataFrame | None:
    try:
        return dataset[name]
    except (KeyError, LookupError):
        return None


def _num(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def diff_runs(run_a: str | Path, run_b: str | Path, *, tolerance: float = 1e-9) -> RunDiff:
    """Compare two report folders (older ``run_a``, newer ``run_b``)."""
    folder_a, folder_b = find_run_folder(run_a), find_run_folder(run_b)
    man_a, scores_a = _read_run(folder_a)
    man_b, scores_b = _read_run(folder_b)
    params = _param_changes(man_a, man_b)
    tables = _table_changes(man_a, man_b)
    va, vb = man_a.get("package_version"), man_b.get("package_version")
    package = f"{va} -> {vb}" if va != vb else None
    notes: list[str] = []
    if man_a.get("period") != man_b.get("period"):
        notes.append(f"the runs are of different quarters ({man_a.get('period')} and {man_b.get('period')})")

    per_csm: dict[str, dict[str, tuple[str, ...]]] = {}
    rows_compared = False
    if tables:
        try:
            ds_a, ds_b = _load(man_a), _load(man_b)
        except (CalibrateError, OSError, KeyError) as exc:
            notes.append(f"the data folders could not both be read, so changed accounts are not named ({exc})")
        else:
            start = pd.Timestamp(man_b.get("period_start"))
            end = pd.Timestamp(man_b.get("period_end"))
            per_csm = _accounts_by_csm(ds_a, ds_b, tables, start, end)
            rows_compared = True

    changes = []
    for csm in sorted(set(scores_a.index) | set(scores_b.index)):
        ra = scores_a.loc[csm] if csm in scores_a.index else None
        rb = scores_b.loc[csm] if csm in scores_b.index else None
        sa = _num(ra["overall_score"]) if ra is not None else None
        sb = _num(rb["overall_score"]) if rb is not None else None
        rating_a = None if ra is None or pd.isna(ra["rating"]) else str(ra["rating"])
        rating_b = None if rb is None or pd.isna(rb["rating"]) else str(rb["rating"])
        rank_a = None if ra is None or _num(ra["rank"]) is None else int(_num(ra["rank"]))
        rank_b = None if rb is None or _num(rb["rank"]) is None else int(_num(rb["rank"]))
        score_moved = (sa is None) != (sb is None) or (sa is not None and abs(sa - sb) > tolerance)
        if not (score_moved or rating_a != rating_b or rank_a != rank_b):
            continue
        changes.append(CsmChange(csm, sa, sb, rating_a, rating_b, rank_a, rank_b, params=params, tables=tables,
                                 accounts=per_csm.get(csm, {}), package=package))
    return RunDiff(folder_a, folder_b, params, tables, package, rows_compared, tuple(changes), tuple(notes))


def diff_frame(diff: RunDiff) -> pd.DataFrame:
    rows = [{
        "csm_id": c.csm_id, "score_a": c.score_a, "score_b": c.score_b, "rating_a": c.rating_a,
        "rating_b": c.rating_b, "rank_a": c.rank_a, "rank_b": c.rank_b,
        "params_changed": " | ".join(c.params), "tables_changed": " ".join(c.tables),
        "accounts_changed": " | ".join(f"{t}: {' '.join(a)}" for t, a in sorted(c.accounts.items())),
        "package_version": c.package or "", "cause": c.cause,
    } for c in diff.changes]
    frame = pd.DataFrame(rows, columns=DIFF_COLUMNS)
    return frame.astype({"rank_a": "Int64", "rank_b": "Int64"})


def write_diff_csv(diff: RunDiff, path: str | Path) -> Path:
    from ..atomic import write_csv_atomic

    return write_csv_atomic(diff_frame(diff), path, float_format="%.4f")


def _fmt(value, digits: int = 1) -> str:
    return "-" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def format_diff(diff: RunDiff) -> str:
    """The short table ``calibrate diff`` prints."""
    lines = [f"Comparing {diff.run_a} (A) with {diff.run_b} (B)"]
    lines += [f"  params {p}" for p in diff.params] or ["  params: the same"]
    lines.append(f"  input tables changed: {', '.join(diff.tables)}" if diff.tables else "  input tables: the same")
    if diff.package:
        lines.append(f"  package version {diff.package}")
    lines += [f"  note: {n}" for n in diff.notes]
    if not diff.changes:
        lines.append("No CSM's score, rating or rank changed.")
        return "\n".join(lines)
    lines.append(f"{len(diff.changes)} CSM(s) changed:")
    lines.append(f"{'CSM':<14}{'score A→B':<16}{'rating A→B':<22}{'rank A→B':<10}why")
    for c in diff.changes:
        lines.append(f"{c.csm_id:<14}{_fmt(c.score_a) + '→' + _fmt(c.score_b):<16}"
                     f"{_fmt(c.rating_a) + '→' + _fmt(c.rating_b):<22}{_fmt(c.rank_a) + '→' + _fmt(c.rank_b):<10}"
                     f"{c.cause}")
    return "\n".join(lines)
