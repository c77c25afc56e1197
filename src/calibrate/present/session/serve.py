"""``calibrate session``: serve an app notebook with Voila on this machine only.

Voila serves the notebook's widgets with the JavaScript it ships in its own
package (and ipywidgets' from ``jupyterlab_widgets``). Its stock ``lab``
template also links Font Awesome from a CDN; the ``calibrate`` template
shipped here (``jupyter/voila/templates/calibrate``) drops those links, so
the page makes no request outside localhost (the browser test checks it). The server listens on 127.0.0.1; the params file
reaches the notebook's kernel through ``CALIBRATE_SESSION_PARAMS`` (kernels
inherit the server's environment), and the notebook's parameters cell stays
empty so the same file runs unchanged in JupyterLab.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Sequence

from ...errors import CalibrateError
from .inputs import PARAMS_ENV

__all__ = ["notebook_path", "voila_command", "session_url", "free_port", "APPS"]

APPS = {"session": "calibration_session.ipynb", "tuning": "weight_tuning.ipynb"}
#: Voila template without CDN links (``jupyter/voila/templates/calibrate``), found through ``JUPYTER_PATH``.
TEMPLATE = "calibrate"
TEMPLATE_ROOT = Path(__file__).resolve().parent / "jupyter"


def notebook_path(app: str = "session", *, root: str | Path | None = None) -> Path:
    """The app's ``.ipynb`` in the repository's ``notebooks/`` folder."""
    if app not in APPS:
        raise CalibrateError(f"Unknown app {app!r}; expected one of {', '.join(APPS)}.")
    base = Path(root) if root is not None else Path(__file__).resolve().parents[4]
    path = base / "notebooks" / APPS[app]
    if root is None and not path.is_file():  # an installed wheel: the copy shipped as package data
        path = Path(__file__).resolve().parents[2] / "notebooks" / APPS[app]
    if not path.is_file():
        raise CalibrateError(f"The app notebook {path} is missing. Run calibrate from a checkout of the repository "
                             "(the notebooks/ folder sits beside src/).")
    return path


def free_port(preferred: int = 8866) -> int:
    """``preferred`` when nothing listens there on 127.0.0.1, else a free port the system picks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            pass
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def voila_command(notebook: Path, *, port: int, python: str | None = None, extra: Sequence[str] = ()) -> list[str]:
    """The argv that serves ``notebook`` on 127.0.0.1:``port`` with no browser opened."""
    exe = python or sys.executable
    return [exe, "-m", "voila", str(notebook), f"--port={port}", "--Voila.ip=127.0.0.1", "--no-browser",
            f"--template={TEMPLATE}", "--show_tracebacks=True", *extra]


def voila_env(params_path: Path) -> dict[str, str]:
    """The environment for the server: ours, the params file for the kernel, and our template's folder."""
    env = dict(os.environ)
    env[PARAMS_ENV] = str(Path(params_path).resolve())
    paths = [str(TEMPLATE_ROOT), *[p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return env


def session_url(port: int) -> str:
    """Where the app is served."""
    return f"http://127.0.0.1:{port}/"


def check_voila() -> None:
    """Refuse with the fix when Voila is not installed."""
    try:
        import voila  # noqa: F401
    except ImportError:
        hint = "pip install voila" if shutil.which("pip") else "install voila"
        raise CalibrateError(f"Voila is not installed, so the app cannot be served. Run `{hint}` "
                             "(or `make setup`, which installs requirements.txt) and try again.") from None
