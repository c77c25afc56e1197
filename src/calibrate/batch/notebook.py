"""What a report notebook's first cell calls: check the parameters a person typed, then open the prepared bundle.

``open_report(name, params_path=..., period=..., csm_id=..., data_dir=..., bundle_dir=...)``

1. refuses a parameter the notebook does not declare (papermill only warns
   about one and renders the defaults): the cell papermill injected, the one
   just before, is read from the kernel's history and its names compared
   with the notebook's (``PARAMETERS``);
2. with ``bundle_dir`` empty: reads the params file (a relative path is looked
   for in the working folder, then in each folder above it, so the defaults
   work from the repository root and from ``notebooks/``), checks the period
   has data, validates the data folder and calls ``batch.bundle.ensure_bundle``
   (the batch's own code path): the bundle at ``reports/<period>/bundle`` is
   reused when its key matches, otherwise prepared, and the notebook says which;
3. with ``bundle_dir`` given (the batch passes it): uses that bundle as is;
4. for the review, refuses an unknown ``csm_id`` and names the closest ids.

Every refusal is a ``NotebookParameterError`` (a ``CalibrateError``), so
papermill stops with a non-zero exit and the message.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from .. import __version__
from ..errors import CalibrateError, ReportError
from ..params import Params, is_database_url, load_params, params_hash

__all__ = ["PARAMETERS", "NotebookParameterError", "OpenedReport", "open_report", "injected_names", "check_names",
           "find_params_file", "check_period_has_data"]

#: The parameters each report notebook declares (its ``parameters`` cell), in order.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "csm_review": ("params_path", "period", "csm_id", "data_dir", "bundle_dir"),
    "team_calibration": ("params_path", "period", "data_dir", "bundle_dir"),
    "flag_validation": ("params_path", "period", "data_dir", "bundle_dir"),
}

_INJECTED_HEADER = "# Parameters"  # the first line of the cell papermill injects


class NotebookParameterError(CalibrateError):
    """A report notebook was given a parameter it does not take, or a value that names nothing in the data."""


@dataclass(frozen=True)
class OpenedReport:
    """A report notebook's content and where it came from.

    ``content`` is the review (``csm_review``) or the leadership report;
    ``team`` the team aggregates a review shows beside its own figures;
    ``record`` the run record (parameters, bundle key, package version).
    """

    name: str
    content: Any
    team: Any = None
    bundle_dir: Path | None = None
    record: Mapping[str, str] = field(default_factory=dict)

    def record_text(self) -> str:
        """One line a reader can quote to say exactly which run made this page."""
        r = self.record
        parts = [f"params {r['params']}" + (f" (hash {r['params_hash']})" if r.get("params_hash") else ""),
                 f"period {r['period']}"]
        if r.get("csm_id"):
            parts.append(f"CSM {r['csm_id']}")
        if r.get("data_dir"):
            parts.append(f"data {r['data_dir']}")
        parts += [f"bundle {r['bundle_key']}", f"calibrate {r['package_version']}"]
        return "Run record: " + ", ".join(parts) + "."

    def show_record(self) -> None:
        """Display the run record as a small note at the end of the report."""
        from ..present import show_note

        show_note(self.record_text(), kind="info")


def injected_names(history: list[str] | None = None) -> set[str] | None:
    """Names assigned by the cell papermill injected just before the current one; None when there is none.

    ``history`` defaults to the kernel's input history (IPython's ``In``),
    whose last entry is the cell running now.
    """
    if history is None:
        try:
            from IPython import get_ipython
        except ImportError:  # not in a kernel
            return None
        shell = get_ipython()
        if shell is None:
            return None
        history = list(shell.user_ns.get("In") or [])
    if len(history) < 2 or not str(history[-2]).lstrip().startswith(_INJECTED_HEADER):
        return None
    names: set[str] = set()
    for node in ast.walk(ast.parse(str(history[-2]))):
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def check_names(name: str, given: set[str] | None) -> None:
    """Refuse any name in ``given`` that notebook ``name`` does not declare, suggesting the closest."""
    declared = PARAMETERS[name]
    unknown = sorted((given or set()) - set(declared))
    if not unknown:
        return
    lines = []
    for item in unknown:
        close = difflib.get_close_matches(item, declared, n=1, cutoff=0.6)
        lines.append(f"'{item}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    raise NotebookParameterError(
        f"Unknown parameter {', '.join(lines)} for the {name} notebook; it takes {', '.join(declared)}. "
        "Nothing was rendered: fix the -p name and run again."
    )


def find_params_file(params_path: str | Path, *, start: Path | None = None) -> Path:
    """``params_path`` itself when absolute; else the first ``<folder>/params_path`` from the working folder upwards."""
    path = Path(params_path).expanduser()
    if path.is_absolute():
        if path.is_file():
            return path
        raise NotebookParameterError(f"params_path {str(params_path)!r} does not exist. Pass a params file, e.g. params/sample.yaml.")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / path).is_file():
            return folder / path
    raise NotebookParameterError(
        f"params_path {str(params_path)!r} was not found in the working folder or any folder above it. "
        "Pass the params file's path, e.g. -p params_path params/sample.yaml from the repository root."
    )


def check_period_has_data(arr: pd.DataFrame, params: Params, data_dir: Path) -> None:
    """Refuse a period whose months have no ARR rows in the data, naming the quarters that do."""
    period = params.quarter
    months = pd.to_datetime(arr["month"])
    inside = months[(months >= period.start) & (months < period.end)]
    if not inside.empty:
        return
    if months.empty:
        covered = "the arr table has no rows"
    else:
        covered = f"its arr table covers {months.min():%Y-%m} to {months.max():%Y-%m}"
    raise NotebookParameterError(
        f"period {period.label!r} has no data in {data_dir.name}: {covered}. Pass a quarter inside that range, e.g. -p period "
        f"{pd.Timestamp(months.max()).to_period('Q').strftime('%Y-Q%q') if not months.empty else '2026-Q3'}."
    )


def _say(message: str) -> None:
    print(message, flush=True)


def _shown_url(url: str) -> str:
    from ..load.database import shown_url

    return shown_url(url)


def open_report(
    name: str,
    *,
    params_path: str = "",
    period: str = "",
    csm_id: str = "",
    data_dir: str = "",
    bundle_dir: str = "",
    say: Callable[[str], None] | None = None,
    history: list[str] | None = None,
) -> OpenedReport:
    """Check the notebook's parameters, then open (or prepare) the bundle and return this report's content.

    See the module docstring. ``history`` replaces the kernel's input history (tests).
    """
    from ..present.bundle import load_csm_slice, load_leadership, load_team, read_meta

    if name not in PARAMETERS:
        raise NotebookParameterError(f"Unknown report notebook {name!r}; expected one of {', '.join(PARAMETERS)}.")
    check_names(name, injected_names(history))
    # papermill's -p turns digits into numbers (-p csm_id 1042 arrives as 1042): ids and paths are text here.
    params_path, period, csm_id, data_dir, bundle_dir = (
        "" if v is None else str(v) for v in (params_path, period, csm_id, data_dir, bundle_dir))
    say = say or _say
    p_hash = ""
    if bundle_dir:
        folder = Path(bundle_dir)
        meta = read_meta(folder)
        if period and str(period) != meta.get("period"):
            raise NotebookParameterError(
                f"period {period!r} does not match the bundle at {folder.name}, which was prepared for {meta.get('period')}. "
                "Leave bundle_dir empty to prepare the bundle of that period."
            )
        p_hash = str((meta.get("keys") or {}).get("params_hash") or "")
    else:
        folder, meta, p_hash = _prepare(params_path, period, data_dir, say)
    csms: dict[str, str] = dict(meta.get("csms") or {})
    record = {
        "params": Path(params_path).name if params_path else str(Path(str(meta.get("params_path") or "")).name or "none"),
        "params_hash": p_hash[:12],
        "period": str(meta.get("period")),
        "csm_id": csm_id if name == "csm_review" else "",
        "data_dir": (_shown_url(data_dir) if is_database_url(data_dir) else Path(data_dir).name) if data_dir else "",
        "bundle_key": str(meta.get("key", ""))[:12],
        "package_version": __version__,
    }
    if name == "csm_review":
        key = _csm_key(csm_id, csms, str(meta.get("period")))
        review = load_csm_slice(folder, key)
        if getattr(review, "refused", ""):
            raise ReportError(review.refused)
        if hasattr(review, "chart_data") and not getattr(review, "charts", None):
            # Standalone runs draw this review's charts once and keep them in the bundle; in the batch the
            # worker has drawn them already, so the report kernel never imports the chart renderer.
            from ..present.review.charts import draw_slice_charts

            draw_slice_charts(folder, key)
            review = load_csm_slice(folder, key)
        return OpenedReport(name=name, content=review, team=load_team(folder), bundle_dir=folder, record=record)
    leadership = load_leadership(folder)
    content = leadership.get(name, leadership) if isinstance(leadership, Mapping) else leadership
    return OpenedReport(name=name, content=content, bundle_dir=folder, record=record)


def _csm_key(csm_id: str, csms: Mapping[str, str], period: str) -> str:
    if csm_id in csms:
        return csms[csm_id]
    if not csm_id:
        raise NotebookParameterError(f"csm_id is empty; pass one of the CSMs reviewed in {period}, e.g. -p csm_id {next(iter(csms), 'CSM-001')}.")
    lowered = {c.lower(): c for c in csms}
    close = difflib.get_close_matches(csm_id, list(csms), n=3, cutoff=0.5)
    if csm_id.lower() in lowered and lowered[csm_id.lower()] not in close:
        close.insert(0, lowered[csm_id.lower()])
    hint = f" Closest: {', '.join(close)}." if close else f" The CSMs reviewed are {', '.join(list(csms)[:12])}{'…' if len(csms) > 12 else ''}."
    raise NotebookParameterError(f"csm_id {csm_id!r} has no review in {period}.{hint}")


def _prepare(params_path: str, period: str, data_dir: str, say: Callable[[str], None]):
    from .bundle import ensure_bundle
    from .runner import load_with_contract

    if not params_path:
        raise NotebookParameterError("params_path is empty; pass the params file, e.g. -p params_path params/sample.yaml.")
    params = load_params(find_params_file(params_path))
    changes: dict[str, Any] = {}
    if period and period != params.period:
        changes["period"] = period
    if data_dir and is_database_url(data_dir):
        changes["data_dir"] = data_dir.strip()
    elif data_dir:
        folder = Path(data_dir).expanduser()
        if not folder.is_absolute():
            base = next((f for f in (Path.cwd(), *Path.cwd().resolve().parents) if (f / folder).is_dir()), None)
            if base is None:
                raise NotebookParameterError(f"data_dir {data_dir!r} was not found in the working folder or any folder above it.")
            folder = base / folder
        changes["data_dir"] = str(folder.resolve())
    if changes:
        params = params.replace(**changes)
    dataset = load_with_contract(params.data_path(), params)
    check_period_has_data(dataset["arr"], params, params.data_path())
    info, _ = ensure_bundle(params, dataset=dataset, say=say,
                            origin={"params_path": params.source, "data_dir": str(dataset.data_dir or params.data_path())})
    from ..present.bundle import read_meta

    return info.path, read_meta(info.path), params_hash(params)
