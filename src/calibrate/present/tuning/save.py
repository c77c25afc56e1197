"""Save tuned weights as a small params file that extends the current one.

The written file holds only ``extends:`` and a ``scoring.weights`` block
(plus ``data_dir`` / ``output_dir`` / ``calibration_decisions`` restated when
it is saved in another folder, since relative paths are read from the folder
of the file loaded), so every other parameter keeps coming from the file it
extends; the next batch
runs with ``calibrate run --params <saved file>``. A comment header says who
saved it, when, and how each weight changed against the weights of the file
it extends.

The file is written to a temporary file in the target's folder, loaded back
with ``load_params`` (it must give exactly the saved weights), and only then
renamed over the target, so a reader never sees half a file and a file that
would not load is never left behind.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import shlex
import tempfile
from pathlib import Path
from typing import Mapping

from ...errors import ParamsError
from ...atomic import atomic_path
from ...params import CATEGORIES, load_params
from .model import check_weights, weight_shares

__all__ = ["save_weights", "weights_target", "run_command", "HEADER_MARK", "PROTECTED_NAMES", "LOCAL_PREFIX"]

HEADER_MARK = "# Category weights saved by the weight tuner (calibrate.present.tuning)."
PROTECTED_NAMES = ("base.yaml",)
LOCAL_PREFIX = "local-"
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


def weights_target(folder: str | Path, name: str) -> Path:
    """The file "Save weights" may write: ``folder / local-<name>.yaml``, or a ``ParamsError``.

    ``name`` must be a plain file name (letters, digits, ``_``, ``.``, ``-``;
    no folder, no ``..``, no absolute path, no space): the tuner is served to
    other people by Voila, so the box must never name a file outside the
    params folder. ``local-`` is put in front when missing (``.gitignore``
    ignores ``params/local*.yaml``) and ``.yaml`` at the end.
    """
    text = str(name).strip()
    if not text:
        raise ParamsError("Type a file name for the weights, e.g. local-weights.yaml.")
    if "/" in text or "\\" in text or text.startswith("~") or Path(text).is_absolute() or ".." in text:
        raise ParamsError(f"The weights file name must be a plain file name, saved in {folder}. Got {text!r}, which "
                          "names a folder or a path; type a name such as local-weights.yaml.")
    if not _PLAIN_NAME.match(text):
        raise ParamsError(f"The weights file name may use letters, digits, '_', '.' and '-' only (no spaces). Got "
                          f"{text!r}; try {re.sub(r'[^A-Za-z0-9_.-]+', '-', text).strip('-.') or 'local-weights'}.yaml.")
    stem = text[:-5] if text.lower().endswith(".yaml") else text[:-4] if text.lower().endswith(".yml") else text
    if not stem.startswith(LOCAL_PREFIX):
        stem = LOCAL_PREFIX + stem
    return Path(folder) / f"{stem}.yaml"


def _repo_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "params").is_dir():
            return folder
    return None


def run_command(written: str | Path) -> str:
    """``calibrate run --params <file>`` with the path as typed from the repository root (absolute elsewhere)."""
    path = Path(written).resolve()
    root = _repo_root(path.parent)
    shown = path.relative_to(root).as_posix() if root is not None else str(path)
    return f"calibrate run --params {shlex.quote(shown)}"


def _who() -> str:
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = ""
    return name or "unknown user"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _number(value: float) -> str:
    # repr round-trips a float exactly, so the file loads back to the same weights.
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _header(weights: dict[str, float], previous: dict[str, float], *, base_name: str, who: str,
            when: dt.datetime) -> list[str]:
    lines = [
        HEADER_MARK,
        f"# Saved by {_one_line(who)} at {when.strftime('%Y-%m-%d %H:%M UTC')}.",
        f"# Every other parameter comes from {_one_line(base_name)} (the 'extends' line).",
        "# Weights are relative: only their shares of the total count.",
    ]
    new_share, old_share = weight_shares(weights), weight_shares(previous)
    changed = [c for c in CATEGORIES if weights[c] != previous[c]]
    if not changed:
        lines.append(f"# No weight differs from {_one_line(base_name)}.")
    else:
        lines.append(f"# Changed against {_one_line(base_name)} (weight, share of the total):")
        for c in CATEGORIES:
            if c in changed:
                lines.append(f"#   {c}: {_number(previous[c])} -> {_number(weights[c])} "
                             f"({old_share[c]:.0%} -> {new_share[c]:.0%})")
    return lines


def _moved_paths(base_params, folder: Path) -> dict[str, str]:
    """``data_dir`` / ``output_dir`` / ``calibration_decisions`` restated for a file in ``folder``.

    Params resolve relative paths from the folder of the file loaded last, so
    a file saved in another folder than the one it extends must restate them.
    """
    if Path(base_params.source).parent.resolve() == folder:
        return {}
    out = {}
    for key, resolved in (("data_dir", base_params.data_path()), ("output_dir", base_params.output_path())):
        if not Path(getattr(base_params, key)).expanduser().is_absolute():
            out[key] = os.path.relpath(resolved, folder)
    decisions = base_params.calibration_decisions.strip()
    if decisions and not Path(decisions).expanduser().is_absolute():
        out["calibration_decisions"] = os.path.relpath(base_params.decisions_path(), folder)
    return out


def save_weights(
    weights: Mapping[str, float],
    path: str | Path,
    *,
    base: str | Path,
    overwrite: bool = False,
    who: str | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """Write ``weights`` to ``path`` as a params file that extends ``base``; returns the path.

    Parameters
    ----------
    weights : mapping
        Category -> weight (checked like ``check_weights``: >= 0, not all 0).
    path : str or Path
        The file to write, e.g. ``params/local-weights.yaml``.
    base : str or Path
        The params file the new one extends (the one the session was built
        from, e.g. ``params/sample.yaml``). Written as a path relative to
        ``path``'s folder.
    overwrite : bool
        Allow replacing an existing file that the tuner did not write. A file
        the tuner wrote (its first line is ``HEADER_MARK``) is always replaced.
    who, now : optional
        Name and UTC time for the header (default: the login name, the clock).

    Raises
    ------
    ParamsError
        For invalid weights, a ``base`` that does not load, a target named
        ``base.yaml`` or equal to ``base``, or an existing foreign file
        without ``overwrite``.
    """
    checked = check_weights(weights)
    target = Path(path).expanduser()
    base_path = Path(base).expanduser()
    if target.name in PROTECTED_NAMES:
        raise ParamsError(f"Refusing to write weights over {target}: {target.name} holds the documented defaults. "
                          "Choose another name, e.g. params/local-weights.yaml.")
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise ParamsError(f"The weights file {target} must end in .yaml or .yml. Got '{target.suffix}' instead.")
    if target.resolve() == base_path.resolve():
        raise ParamsError(f"Refusing to write weights over {target}: it is the params file being extended. "
                          "Choose another name, e.g. params/local-weights.yaml.")
    if target.exists() and not overwrite:
        first = target.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].strip()
        if first != HEADER_MARK:
            raise ParamsError(f"Refusing to replace {target}: it exists and was not written by the weight tuner. "
                              "Choose another name, or pass overwrite=True.")
    base_params = load_params(base_path)
    previous = check_weights(base_params.scoring.weights.as_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = target.parent.resolve()
    extends = os.path.relpath(base_path.resolve(), folder)
    when = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    lines = _header(checked, previous, base_name=extends, who=who if who is not None else _who(), when=when)
    lines.append(f"extends: {json.dumps(extends)}")
    moved = _moved_paths(base_params, folder)
    if moved:
        lines.append("# Relative paths are read from this file's folder, so those of the extended file are restated.")
        lines += [f"{key}: {json.dumps(value)}" for key, value in moved.items()]
    lines += ["scoring:", "  weights:"]
    lines += [f"    {c}: {_number(checked[c])}" for c in CATEGORIES]
    text = "\n".join(lines) + "\n"

    with atomic_path(target) as temp:  # the one writer: checked before it replaces anything
        temp.write_text(text, encoding="utf-8")
        reloaded = load_params(temp)
        loaded = reloaded.scoring.weights.as_dict()
        if reloaded.data_path() != base_params.data_path() or reloaded.output_path() != base_params.output_path():
            raise ParamsError(f"The weights file written for {target} would read data or write reports somewhere "
                              f"else than {base_path}; nothing was saved.")
        if loaded != checked:
            raise ParamsError(f"The weights file written for {target} loads back as {loaded}, not {checked}; "
                              "nothing was saved.")
    return target
