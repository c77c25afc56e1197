"""``make notebooks``: re-run the report notebooks on ``data/sample`` and keep their outputs in the ``.ipynb`` files.

The committed outputs are what ``pytest --nbval`` (part of ``make test``)
compares every fresh run with, so a change in what a report shows fails the
test suite until someone runs ``make notebooks`` on purpose and commits the
new outputs beside the code change.

For each notebook: the ``.ipynb`` and its ``py:percent`` twin are first
synchronised by jupytext (the newer file wins, as in JupyterLab), then the
notebook runs with its default parameters in the ``calibrate`` kernel from the
``notebooks/`` folder (the first one prepares the sample's bundle, the
others reuse it), and the ``.ipynb`` is written with its new outputs. Cell ids
are kept, no timing metadata is stored and the outputs of cells nbval ignores
(the line saying whether the bundle was reused) are dropped, and a cell whose
new output differs from the committed one only where nbval's sanitizer masks
(bundle key, hashes, versions, times, paths: ``nbval_sanitize.cfg``) keeps
its committed output, so only real changes show in a diff.

    python -m calibrate.batch.refresh [NAME ...] [--folder notebooks] [--kernel calibrate]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..errors import CalibrateError, ReportError
from .templates import TEMPLATES, default_templates_dir

__all__ = ["REPORT_NOTEBOOKS", "sync_pair", "refresh_notebook", "refresh_notebooks", "main"]

REPORT_NOTEBOOKS: tuple[str, ...] = tuple(TEMPLATES)


def sync_pair(ipynb: Path) -> None:
    """Bring ``ipynb`` and its ``.py`` twin in line (jupytext ``--sync``; the newer file's cells win)."""
    from jupytext.cli import jupytext as jupytext_cli

    twin = ipynb.with_suffix(".py")
    if not ipynb.is_file() and twin.is_file():
        jupytext_cli(["--quiet", "--set-formats", "ipynb,py:percent", str(twin)])
        return
    jupytext_cli(["--quiet", "--sync", str(ipynb)])


SANITIZE_FILE = "nbval_sanitize.cfg"


def sanitizer(cfg: Path) -> Callable[[str], str]:
    """The text masking nbval applies before comparing outputs (the ``regex``/``replace`` sections of ``cfg``)."""
    import configparser
    import re

    parser = configparser.ConfigParser(interpolation=None)
    if Path(cfg).is_file():
        parser.read(cfg, encoding="utf-8")
    rules = [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()
             if "regex" in parser[s] and "replace" in parser[s]]

    def mask(text: str) -> str:
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        return text

    return mask


def _output_text(outputs) -> str:
    import json

    return json.dumps(outputs, sort_keys=True, default=str)


def refresh_notebook(ipynb: Path, *, kernel_name: str = "calibrate", timeout: int = 900) -> Path:
    """Execute ``ipynb`` in its own folder with its defaults and write it back with the new outputs."""
    import nbformat
    from nbclient import NotebookClient

    mask = sanitizer(ipynb.parent / SANITIZE_FILE)
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellExecutionError

    sync_pair(ipynb)
    nb = nbformat.read(str(ipynb), as_version=4)
    committed = {cell.get("id"): cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"}
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=timeout, record_timing=False,
                            resources={"metadata": {"path": str(ipynb.parent)}})
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's transport banner is not the user's business
    except NoSuchKernel as exc:
        raise ReportError(f"The Jupyter kernel '{kernel_name}' is not installed. Run `make setup` (it registers it), "
                          "or pass --kernel NAME.") from exc
    except CellExecutionError as exc:
        raise ReportError(f"{ipynb.name} failed with its default parameters, so its outputs were not refreshed:\n{exc}") from exc
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and "NBVAL_IGNORE_OUTPUT" in cell.source:
            cell.outputs = []  # "using / preparing the bundle" depends on the machine's state: not kept
        elif cell.cell_type == "code" and cell.get("id") in committed:
            old = committed[cell.get("id")]
            if old is not None and mask(_output_text(old)) == mask(_output_text(cell.outputs)):
                cell.outputs = old  # only masked details changed: keep the committed output (no diff)
    nb.metadata.pop("papermill", None)
    nbformat.write(nb, str(ipynb))
    sync_pair(ipynb)  # the .py twin becomes the newer file again (JupyterLab refuses an older text twin)
    return ipynb


def refresh_notebooks(names: Iterable[str] = REPORT_NOTEBOOKS, *, folder: Path | None = None,
                      kernel_name: str = "calibrate", say=print) -> list[Path]:
    """Refresh each named report notebook in ``folder`` (default: the repository's ``notebooks/``)."""
    folder = Path(folder) if folder is not None else default_templates_dir()
    done = []
    for name in names:
        if name not in TEMPLATES:
            raise CalibrateError(f"{name!r} is not a report notebook; expected one of {', '.join(TEMPLATES)}.")
        start = time.monotonic()
        done.append(refresh_notebook(folder / f"{name}.ipynb", kernel_name=kernel_name))
        say(f"refreshed {folder.name}/{name}.ipynb ({time.monotonic() - start:.1f} s)")
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calibrate.batch.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(REPORT_NOTEBOOKS), help="report notebooks (default: all three)")
    parser.add_argument("--folder", type=Path, help="notebooks folder (default: the repository's notebooks/)")
    parser.add_argument("--kernel", default="calibrate", help="Jupyter kernel (default calibrate)")
    args = parser.parse_args(argv)
    try:
        refresh_notebooks(args.names, folder=args.folder, kernel_name=args.kernel)
    except CalibrateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
