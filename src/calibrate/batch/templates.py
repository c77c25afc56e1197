"""The notebook templates the batch runs, and their conversion to ``.ipynb``.

Templates live in the repository's ``notebooks/`` folder as ``.ipynb``
files paired by jupytext with ``py:percent`` twins (diffable, reviewable):
``csm_review`` (one run per CSM), ``team_calibration`` and
``flag_validation`` (one run each, leadership only). The ``.ipynb`` is read
when present, else the ``.py``. ``src/calibrate/notebooks`` links to that
folder, so a built wheel ships them as package data.
The batch converts each template once per run into the bundle; papermill
executes the converted copy, never the source.

Every template has one cell tagged ``parameters``; the batch injects
``params_path``, ``period``, ``data_dir``, ``bundle_dir`` and, for the
per-CSM review, ``csm_id`` (``batch.notebook.PARAMETERS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..errors import ReportError

__all__ = ["ReportTemplate", "TEMPLATES", "default_templates_dir", "read_template", "convert_template"]


@dataclass(frozen=True)
class ReportTemplate:
    """One kind of report: its template name, audience and output file."""

    name: str
    per_csm: bool
    leadership_only: bool
    title: str


TEMPLATES: dict[str, ReportTemplate] = {
    "csm_review": ReportTemplate("csm_review", per_csm=True, leadership_only=False, title="Quarterly review"),
    "team_calibration": ReportTemplate("team_calibration", per_csm=False, leadership_only=True, title="Team calibration"),
    "flag_validation": ReportTemplate("flag_validation", per_csm=False, leadership_only=True, title="AI flag validation"),
}


def default_templates_dir() -> Path:
    """The package's ``notebooks`` folder: in a checkout, a link to ``<repository>/notebooks``; in an
    installed wheel, the copy shipped as package data."""
    return Path(__file__).resolve().parents[1] / "notebooks"


def read_template(name: str, *, templates_dir: str | Path | None = None) -> nbformat.NotebookNode:
    """Read template ``name`` (``.ipynb`` if present, else jupytext ``.py``) as a notebook."""
    folder = Path(templates_dir) if templates_dir is not None else default_templates_dir()
    ipynb, percent = folder / f"{name}.ipynb", folder / f"{name}.py"
    if ipynb.is_file():
        nb = nbformat.read(str(ipynb), as_version=4)
    elif percent.is_file():
        import jupytext

        nb = jupytext.read(str(percent), fmt="py:percent")
    else:
        raise ReportError(
            f"The notebook template '{name}' is missing: expected {percent} or {ipynb}. "
            "Restore it from the repository or pass templates_dir= to run_batch."
        )
    if not any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb.cells):
        raise ReportError(f"The notebook template '{name}' has no cell tagged 'parameters'; papermill needs one.")
    return nb


def convert_template(name: str, target: str | Path, *, templates_dir: str | Path | None = None) -> Path:
    """Write template ``name`` as an ``.ipynb`` at ``target`` (a bundle path)."""
    nb = read_template(name, templates_dir=templates_dir)
    nb.metadata.pop("jupytext", None)
    for cell in nb.cells:  # the committed outputs (for nbval) are not part of a template
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))
    return target
