"""The live calibration session: queue, cards, decisions with an audit log, live checks, export.

Modules, lowest first: ``inputs`` (computed once when the session opens),
``store`` (the decisions file and the append-only audit log), ``live`` (the
distribution, fairness and disagreement count after each decision, from
``calibrate.models``), ``state`` (queue, cards, decide / undo, time box),
``render`` (HTML), ``export`` (the HR record), ``app`` (the ipywidgets app
the notebook ``notebooks/calibration_session.ipynb`` shows) and ``serve``
(``calibrate session``: Voila on localhost).
"""

from __future__ import annotations

from .inputs import SessionInputs, load_session_inputs, resolve_params_path
from .live import LiveView, live_view
from .state import CsmCard, SessionState, compare_frame, discussion_queue, time_box
from .store import AuditEvent, Decision, SessionStore, open_store

__all__ = [
    "AuditEvent",
    "CsmCard",
    "Decision",
    "LiveView",
    "SessionInputs",
    "SessionState",
    "SessionStore",
    "compare_frame",
    "discussion_queue",
    "live_view",
    "load_session_inputs",
    "open_session",
    "open_store",
    "resolve_params_path",
    "time_box",
]


def open_session(params_path: str = "", *, period: str = "", data_dir: str = "", who: str | None = None):
    """Load the inputs and open the session's files: ``(state, app)`` for the notebook to display."""
    from .app import login_name, session_app, utc_stamp

    inputs = load_session_inputs(params_path, period=period, data_dir=data_dir)
    state = SessionState.open(inputs, who=who or login_name() or "unknown", now=utc_stamp())
    return state, session_app(state)
