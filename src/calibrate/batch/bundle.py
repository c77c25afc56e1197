"""The kept, keyed prepared bundle: written by ``calibrate prepare`` and the batch, read by every report notebook.

A bundle is named by its **key**: a SHA-256 over what its content depends
on (``bundle_keys``): the input files' hashes, the params hash, the
calibration decisions file, the period, the preparation function and the
package's code. ``ensure_bundle`` is the one code path the batch, ``calibrate
prepare`` and a notebook run on its own all use: it reuses the bundle at the
chosen folder when its key matches and otherwise prepares a new one, saying
which it did. The default folder is ``<output_dir>/<period>/bundle``.

A bundle is written whole into a fresh folder next to its place and then
moved there, so a reader never sees half of one. Its format is documented
in ``docs/BUNDLE.md``; the layout in :mod:`calibrate.present.bundle`.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Mapping

from .. import __version__
from ..dataset import Dataset
from ..errors import ReportError
from ..fanout import default_workers, fork_map
from ..params import Params, params_hash
from ..periods import Period
from ..present.bundle import (
    BUNDLE_FORMAT,
    META_FILE,
    SpooledSlice,
    batch_path,
    csm_slice_path,
    leadership_path,
    read_meta,
    team_path,
    template_path,
    write_slice_folder,
)
from ..present.codec import dump_part, load_part
from .consistency import input_fingerprint
from .manifest import input_records
from .prepare import PreparedBatch, PrepareFn, assign_keys
from .templates import TEMPLATES, convert_template

__all__ = [
    "BundleInfo",
    "bundle_keys",
    "key_of",
    "code_fingerprint",
    "default_bundle_dir",
    "write_bundle",
    "read_prepared",
    "ensure_bundle",
    "stage_bundle",
    "StagedBundle",
]

Say = Callable[[str], None]


@dataclass(frozen=True)
class BundleInfo:
    """Where a bundle lives, its key, and which file key each CSM got."""

    path: Path
    key: str
    csm_keys: Mapping[str, str]
    reused: bool = False


_CODE_HASH: str | None = None


def code_fingerprint() -> str:
    """SHA-256 over the package's Python files: a bundle made by other code is never reused."""
    global _CODE_HASH
    if _CODE_HASH is None:
        root = Path(__file__).resolve().parents[1]
        digest = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            if path.relative_to(root).parts[0] == "notebooks":  # report templates: not the preparation's code
                continue
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
        _CODE_HASH = digest.hexdigest()
    return _CODE_HASH


def _file_hash(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _preparer_name(prepare_fn: Callable | None) -> str:
    """The preparation function's import name (a ``functools.partial`` counts as its function: only progress differs)."""
    import functools

    while isinstance(prepare_fn, functools.partial):
        prepare_fn = prepare_fn.func
    if prepare_fn is None:
        return "calibrate.batch.period:prepare_period"
    return f"{getattr(prepare_fn, '__module__', '?')}:{getattr(prepare_fn, '__qualname__', repr(prepare_fn))}"


def _tables_fingerprint(dataset: Dataset) -> str:
    """SHA-256 over every table's content: for a dataset built in code, which has no file hashes."""
    import pandas as pd

    digest = hashlib.sha256()
    for name in sorted(dataset.tables):
        frame = dataset.tables[name]
        digest.update(name.encode())
        if frame is None:
            continue
        digest.update(json.dumps([str(c) for c in frame.columns]).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def bundle_keys(dataset: Dataset, params: Params, period: Period, prepare_fn: PrepareFn | None = None) -> dict[str, Any]:
    """What a bundle's content depends on, each part named (recorded in ``bundle.json``).

    ``inputs`` is the input files' fingerprint (``consistency.input_fingerprint``),
    or, for a dataset built in code, a hash of the tables' content.
    """
    decisions = params.decisions_path(dataset.data_dir or None)
    records = input_records(dataset)
    return {
        "format": BUNDLE_FORMAT,
        "period": period.label,
        "inputs": input_fingerprint(records) if records else "tables:" + _tables_fingerprint(dataset),
        "params_hash": params_hash(params),
        "decisions": _file_hash(decisions),
        "preparer": _preparer_name(prepare_fn),
        "package_version": __version__,
        "code": code_fingerprint(),
    }


def key_of(keys: Mapping[str, Any]) -> str:
    """The bundle key: SHA-256 of the canonical JSON of ``bundle_keys``."""
    return hashlib.sha256(json.dumps(dict(keys), sort_keys=True).encode("utf-8")).hexdigest()


def default_bundle_dir(params: Params, period: Period, out_dir: str | Path | None = None) -> Path:
    """``<out_dir or params.output_dir>/<period>/bundle``."""
    root = Path(out_dir) if out_dir is not None else params.output_path()
    return root / period.label / "bundle"


def write_bundle(
    prepared: PreparedBatch,
    bundle_dir: str | Path,
    *,
    period: Period,
    keys: Mapping[str, Any] | None = None,
    origin: Mapping[str, Any] | None = None,
    templates_dir: str | Path | None = None,
    workers: int | None = None,
) -> BundleInfo:
    """Write ``prepared`` as a bundle at ``bundle_dir`` (replacing any bundle there) and return its info.

    ``workers``: processes writing the per-CSM slices (default one per core).

    Everything is written into a fresh sibling folder first and moved into
    place at the end; ``bundle.json`` is written last, so a folder without it
    is not a bundle. ``origin`` (params file, data folder) is recorded for people.
    """
    target = Path(bundle_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    keys = dict(keys or {"format": BUNDLE_FORMAT, "period": period.label})
    key = key_of(keys)
    csm_keys = assign_keys(prepared.scores["csm_id"].astype(str))
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        items = [(c, k) for c, k in csm_keys.items() if c in prepared.csm_slices]
        for csm_id, csm_key in items:
            spooled = prepared.csm_slices[csm_id]
            if isinstance(spooled, SpooledSlice):  # written by the process that built it: moved, not rewritten
                csm_slice_path(work, csm_key).parent.mkdir(parents=True, exist_ok=True)
                shutil.move(spooled.folder, csm_slice_path(work, csm_key))
        # The rest are a thousand folders of JSON and Parquet at most: written by every core (calibrate.fanout).
        fork_map(lambda item: write_slice_folder(prepared.csm_slices[item[0]], csm_slice_path(work, item[1])),
                 [(c, k) for c, k in items if not isinstance(prepared.csm_slices[c], SpooledSlice)],
                 workers=default_workers(workers))
        dump_part(prepared.team, team_path(work), where="team")
        dump_part(prepared.leadership, leadership_path(work), where="leadership")
        batch_part = {
            "scores": prepared.scores,
            "csv_tables": dict(prepared.csv_tables),
            "warnings": list(prepared.warnings),
            "manifest_extra": dict(prepared.manifest_extra),
            "facts": dict(prepared.facts),
        }
        dump_part(batch_part, batch_path(work), where="batch")
        for name in TEMPLATES:
            convert_template(name, template_path(work, name), templates_dir=templates_dir)
        meta = {
            "format": BUNDLE_FORMAT,
            "key": key,
            "keys": keys,
            "period": period.label,
            "period_start": period.start.date().isoformat(),
            "period_end": period.end.date().isoformat(),
            "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "package_version": __version__,
            **dict(origin or {}),
            "csms": dict(csm_keys),
        }
        (work / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        _move_into_place(work, target, key)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BundleInfo(path=target, key=key, csm_keys=csm_keys)


def _move_into_place(work: Path, target: Path, key: str) -> None:
    """Swap the finished folder ``work`` in at ``target``; the old bundle there is removed.

    Two notebooks preparing the same bundle at once both finish: whichever
    moves second finds a bundle with the same key in place and drops its own.
    """
    for attempt in range(3):
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}-old-{work.name}-{attempt}")
            try:
                target.rename(old)
            except FileNotFoundError:  # another writer moved it away first
                old = None
        try:
            work.rename(target)
        except OSError:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            if matching_bundle(target, key):
                shutil.rmtree(work, ignore_errors=True)
                return
            continue
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return
    raise ReportError(f"The prepared bundle could not be moved into {target}: another process keeps replacing it. Try again.")


def read_prepared(bundle_dir: str | Path) -> tuple[PreparedBatch, BundleInfo]:
    """The ``PreparedBatch`` a bundle holds (for the batch reusing it) and its info."""
    bundle_dir = Path(bundle_dir)
    meta = read_meta(bundle_dir)
    batch_part = load_part(batch_path(bundle_dir))
    csm_keys = dict(meta.get("csms") or {})
    slices = {csm_id: _Lazy(bundle_dir, key) for csm_id, key in csm_keys.items()
              if (csm_slice_path(bundle_dir, key) / "part.json").is_file()}
    prepared = PreparedBatch(
        scores=batch_part["scores"],
        csm_slices=slices,
        team=None,
        leadership=None,
        csv_tables=batch_part["csv_tables"],
        warnings=tuple(batch_part["warnings"]),
        manifest_extra=batch_part["manifest_extra"],
        facts=batch_part.get("facts") or {},
    )
    return prepared, BundleInfo(path=bundle_dir, key=str(meta["key"]), csm_keys=csm_keys, reused=True)


@dataclass(frozen=True)
class _Lazy:
    """A slice left on disk: the batch reusing a bundle only needs to know it is there."""

    bundle_dir: Path
    csm_key: str


def matching_bundle(bundle_dir: str | Path, key: str) -> bool:
    """True when ``bundle_dir`` holds a complete bundle with key ``key``."""
    try:
        meta = read_meta(bundle_dir)
    except ReportError:
        return False
    except (OSError, ValueError):
        return False
    return meta.get("key") == key


@dataclass
class StagedBundle:
    """A bundle found or prepared but not yet written: ``commit()`` writes it (once).

    The batch stages first, checks what it was asked (``--only`` ids, the
    folder's earlier run), and only then commits, so a refusal writes nothing.
    """

    info: BundleInfo
    prepared: PreparedBatch
    keys: Mapping[str, Any]
    period: Period
    origin: Mapping[str, Any] | None = None
    templates_dir: str | Path | None = None
    say: Say | None = None
    written: bool = False

    def commit(self) -> BundleInfo:
        if not self.info.reused and not self.written:
            write_bundle(self.prepared, self.info.path, period=self.period, keys=self.keys, origin=self.origin,
                         templates_dir=self.templates_dir)
            self.written = True
            (self.say or (lambda message: None))(f"Prepared bundle {_shown(self.info.path)} (key {self.info.key[:12]}).")
        return self.info


def stage_bundle(
    params: Params,
    *,
    dataset: Dataset,
    bundle_dir: str | Path | None = None,
    prepare_fn: PrepareFn | None = None,
    templates_dir: str | Path | None = None,
    origin: Mapping[str, Any] | None = None,
    force: bool = False,
    say: Say | None = None,
    only: Collection[str] | None = None,
) -> StagedBundle:
    """Find the bundle at ``bundle_dir`` whose key matches these inputs, or prepare one in memory (see ``ensure_bundle``).

    ``only`` (ids a ``--only`` run asked for) accepts a complete bundle with
    the matching key, or a partial one made for exactly these ids; failing
    both, and when ``prepare_fn`` takes an ``only`` argument, it prepares the
    reviews of those CSMs alone (plus everything team-wide). A partial
    bundle's key names its ids, so no later run mistakes it for a complete one.
    """
    from .prepare import check_prepared

    say = say or (lambda message: None)
    period = params.quarter
    target = Path(bundle_dir) if bundle_dir is not None else default_bundle_dir(params, period)
    keys = bundle_keys(dataset, params, period, prepare_fn)
    key = key_of(keys)
    if not force and matching_bundle(target, key):
        say(f"Using the prepared bundle {_shown(target)} (key {key[:12]}): same inputs, params and code.")
        prepared, info = read_prepared(target)
        return StagedBundle(info=info, prepared=prepared, keys=keys, period=period, say=say)
    if prepare_fn is None:
        from .period import prepare_period as prepare_fn
    if only is not None and not force and _takes_only(prepare_fn):
        ids = sorted({str(x) for x in only})
        keys = {**keys, "only": ids}
        key = key_of(keys)
        if matching_bundle(target, key):
            say(f"Using the prepared bundle {_shown(target)} (key {key[:12]}), made for {', '.join(ids)}.")
            prepared, info = read_prepared(target)
            return StagedBundle(info=info, prepared=prepared, keys=keys, period=period, say=say)
        prepare_fn = functools.partial(prepare_fn, only=frozenset(ids))
        say(f"No complete prepared bundle for these inputs at {_shown(target)}: preparing the reviews of "
            f"{', '.join(ids)} only (and everything team-wide).")
        prepared = prepare_fn(dataset, params, period)
        check_prepared(prepared, expected=ids)
        info = BundleInfo(path=target, key=key, csm_keys=assign_keys(prepared.scores["csm_id"].astype(str)))
        return StagedBundle(info=info, prepared=prepared, keys=keys, period=period, origin=origin,
                            templates_dir=templates_dir, say=say)
    why = "preparing it again (forced)" if force else (
        "it was made from other inputs, params or code; preparing it again" if (target / META_FILE).is_file()
        else "none is there yet; preparing it")
    say(f"No prepared bundle for these inputs at {_shown(target)}: {why}.")
    prepared = prepare_fn(dataset, params, period)
    check_prepared(prepared)  # a malformed preparation is refused before anything is written
    info = BundleInfo(path=target, key=key, csm_keys=assign_keys(prepared.scores["csm_id"].astype(str)))
    return StagedBundle(info=info, prepared=prepared, keys=keys, period=period, origin=origin,
                        templates_dir=templates_dir, say=say)


def _takes_only(prepare_fn: Callable) -> bool:
    """True when ``prepare_fn`` accepts an ``only`` keyword (``prepare_period`` does; a custom one may not)."""
    import inspect

    try:
        return "only" in inspect.signature(prepare_fn).parameters
    except (TypeError, ValueError):
        return False


def ensure_bundle(
    params: Params,
    *,
    dataset: Dataset,
    bundle_dir: str | Path | None = None,
    prepare_fn: PrepareFn | None = None,
    templates_dir: str | Path | None = None,
    origin: Mapping[str, Any] | None = None,
    force: bool = False,
    say: Say | None = None,
) -> tuple[BundleInfo, PreparedBatch]:
    """Reuse the bundle at ``bundle_dir`` when its key matches these inputs, else prepare and write one.

    ``bundle_dir`` defaults to ``default_bundle_dir(params, params.quarter)``.
    ``force`` prepares even when the key matches. ``say`` receives a line
    saying which happened. Raises whatever the preparation raises (nothing
    is written then).
    """
    staged = stage_bundle(params, dataset=dataset, bundle_dir=bundle_dir, prepare_fn=prepare_fn,
                          templates_dir=templates_dir, origin=origin, force=force, say=say)
    return staged.commit(), staged.prepared


def _shown(path: Path) -> str:
    """``path`` relative to the working folder (or its parent) when inside it, else as is.

    Notebook outputs then name ``reports/2026-Q3/bundle`` or ``../reports/...``, never a machine's folders.
    """
    here, path = Path.cwd().resolve(), Path(path).resolve()
    for base, prefix in ((here, ""), (here.parent, "../")):
        try:
            return prefix + path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)
