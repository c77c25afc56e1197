"""The session app: ipywidgets over a ``SessionState`` (served by Voila, or run in JupyterLab).

``session_app(state)`` returns one widget: the status counts, the discussion
queue, a CSM picker with that CSM's card and time box, the decision form
(final rating, reason code, comment, who decided; Record and Undo), the live
distribution and fairness panels, a side-by-side comparison of up to six
CSMs, and an Export button. Every action calls ``SessionState`` (which writes
the files before anything on screen changes) and re-renders from
``render``; nothing is computed here.
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from pathlib import Path

import ipywidgets as widgets

from ...errors import CalibrateError
from ..tables import note_html
from . import render
from .export import export_session
from .state import MAX_COMPARE, SessionState, compare_frame, time_box

__all__ = ["SessionApp", "session_app", "utc_stamp", "login_name"]


def utc_stamp() -> str:
    """Now, UTC, to the second: ``2026-10-05T14:03:22Z``."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def login_name() -> str:
    """The login name, or empty when the container has none."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""


def _flex(*children, basis: str = "360px") -> widgets.Box:
    box = widgets.VBox(list(children), layout=widgets.Layout(flex=f"1 1 {basis}", min_width="0", padding="0 6px"))
    return box


class SessionApp(widgets.VBox):
    """The app widget; its parts are attributes so tests can drive them."""

    def __init__(self, state: SessionState, *, export_dir: str | Path | None = None, clock=time.monotonic) -> None:
        self.state = state
        self.clock = clock
        inputs = state.inputs
        self.export_dir = Path(export_dir) if export_dir else inputs.params.output_path() / inputs.period / "session"
        codes = inputs.params.session.reason_codes
        self.status = widgets.HTML()
        self.queue = widgets.HTML()
        self.picker = widgets.Dropdown(description="CSM", layout=widgets.Layout(width="100%", max_width="420px"))
        self.card = widgets.HTML()
        self.rating = widgets.ToggleButtons(
            options=[("exceeds", "exceeds"), ("meets", "meets"), ("needs development", "needs_development")],
            value=None, description="Final", style={"button_width": "auto"})
        self.reason = widgets.Dropdown(options=[("— choose a reason —", "")] + [(label, code) for code, label in codes.items()],
                                       value="", description="Reason", layout=widgets.Layout(width="100%", max_width="420px"))
        self.comment = widgets.Textarea(placeholder="Why, in a sentence (required)", description="Comment",
                                        layout=widgets.Layout(width="100%", max_width="420px"))
        self.decided_by = widgets.Text(value=login_name(), description="Decided by",
                                       layout=widgets.Layout(width="100%", max_width="420px"))
        self.record_button = widgets.Button(description="Record decision", button_style="primary")
        self.undo_button = widgets.Button(description="Undo last decision")
        self.message = widgets.HTML()
        self.distribution = widgets.HTML()
        self.fairness = widgets.HTML()
        self.compare_pick = widgets.SelectMultiple(description="Compare", rows=6,
                                                   layout=widgets.Layout(width="100%", max_width="420px"))
        self.compare = widgets.HTML()
        self.export_button = widgets.Button(description="Export for HR")
        self.export_message = widgets.HTML()
        for w in (self.record_button, self.undo_button, self.export_button):
            w.layout = widgets.Layout(width="auto")
        self.picker.observe(self._on_pick, names="value")
        self.compare_pick.observe(lambda _c: self._render_compare(), names="value")
        self.record_button.on_click(lambda _b: self.record())
        self.undo_button.on_click(lambda _b: self.undo())
        self.export_button.on_click(lambda _b: self.export())
        self.record_button.add_class("cal-record")
        self.undo_button.add_class("cal-undo")
        self.export_button.add_class("cal-export")
        form = widgets.VBox([self.rating, self.reason, self.comment, self.decided_by,
                             widgets.HBox([self.record_button, self.undo_button], layout=widgets.Layout(flex_flow="row wrap")),
                             self.message])
        row = widgets.Box(
            [_flex(self.queue, basis="300px"), _flex(self.picker, form, self.card, basis="420px"),
             _flex(self.distribution, self.fairness, basis="340px")],
            layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%", align_items="flex-start"))
        warnings = "".join(note_html(w, kind="warning") for w in state.store.warnings)
        title = widgets.HTML(render.SESSION_CSS + f"<h2>Calibration session, {inputs.period}</h2>"
                             + f"<p class='note'>Decisions are saved the moment they are made to {inputs.decisions_path} "
                             f"and the audit log beside it.</p>" + warnings)
        super().__init__(children=[title, self.status, row,
                                   widgets.HTML("<h3>Side by side</h3>"), self.compare_pick, self.compare,
                                   widgets.HBox([self.export_button]), self.export_message],
                         layout=widgets.Layout(width="100%", max_width="1600px"))
        self.add_class("cal-session")
        self._syncing = False
        self.refresh()
        if self.picker.options:
            self._select(self.picker.options[0][1])

    # -- rendering -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-render every live part from the state (after each decision)."""
        state = self.state
        queue = state.queue()
        self.status.value = render.status_html(state.view, n_csms=len(queue))
        self.queue.value = render.queue_html(queue)
        options = [(f"{i}. {r.name} — {'decided' if r.decided else 'open'}", r.csm_id)
                   for i, r in enumerate(queue.itertuples(index=False), start=1)]
        self._syncing = True
        try:
            current = self.picker.value
            self.picker.options = options
            if current in {v for _, v in options}:
                self.picker.value = current
            chosen = self.compare_pick.value
            self.compare_pick.options = [(r.name, r.csm_id) for r in queue.itertuples(index=False)]
            self.compare_pick.value = tuple(c for c in chosen if c in set(queue["csm_id"]))
        finally:
            self._syncing = False
        self.distribution.value = render.distribution_html(state.view)
        self.fairness.value = render.fairness_html(state.view)
        self.undo_button.disabled = not state.can_undo()
        self._render_card()
        self._render_compare()

    def _render_card(self) -> None:
        csm = self.picker.value
        if csm is None:
            self.card.value = note_html("No CSM to show.", kind="nodata")
            return
        text, over = time_box(self.state.spent_on(csm, self.clock()), self.state.inputs.params.session.minutes_per_csm)
        self.card.value = render.card_html(self.state.card(csm), time_text=text, over=over)

    def _render_compare(self) -> None:
        chosen = list(self.compare_pick.value)
        if len(chosen) > MAX_COMPARE:
            self.compare.value = note_html(f"Compare at most {MAX_COMPARE} CSMs; the first {MAX_COMPARE} ticked are shown.",
                                           kind="warning") + render.compare_html(
                compare_frame([self.state.card(c) for c in chosen[:MAX_COMPARE]]))
            return
        self.compare.value = render.compare_html(compare_frame([self.state.card(c) for c in chosen]))

    # -- actions ---------------------------------------------------------------------------------
    def _select(self, csm_id: str) -> None:
        self.picker.value = csm_id

    def _on_pick(self, change) -> None:
        if self._syncing or change["new"] is None:
            return
        self.state.open_card(change["new"], self.clock())
        decision = self.state.decisions.get(change["new"])
        self.rating.value = decision.final_rating if decision is not None else None
        self.message.value = ""
        self._render_card()

    def record(self) -> bool:
        """Record the form's decision for the chosen CSM; the message says what happened or why not."""
        csm = self.picker.value
        try:
            self.state.decide(csm, self.rating.value or "", reason_code=self.reason.value or "", comment=self.comment.value,
                              decided_by=self.decided_by.value, now=utc_stamp())
        except (CalibrateError, OSError) as exc:
            self.message.value = note_html(str(exc), kind="warning")
            return False
        name = self.state.inputs.name(csm)
        self.message.value = note_html(f"Saved: {name} is {render.rating_label(self.rating.value)}.")
        self.comment.value = ""
        self.reason.value = ""
        self.refresh()
        return True

    def undo(self) -> bool:
        """Take back the last decision still in force."""
        try:
            last = self.state.last_decision()
            self.state.undo(decided_by=self.decided_by.value or "unknown", now=utc_stamp())
        except (CalibrateError, OSError) as exc:
            self.message.value = note_html(str(exc), kind="warning")
            return False
        self.message.value = note_html(f"Undone: the decision on {self.state.inputs.name(last.csm_id)} of {last.timestamp}.")
        self.refresh()
        return True

    def export(self) -> dict[str, Path] | None:
        """Write the HR export; the message lists the files."""
        try:
            paths = export_session(self.state, self.export_dir)
        except (CalibrateError, OSError) as exc:
            self.export_message.value = note_html(f"Not exported: {exc}", kind="warning")
            return None
        self.export_message.value = note_html("Exported: " + ", ".join(str(p) for p in paths.values()))
        return paths


def session_app(state: SessionState, **kwargs) -> SessionApp:
    """Build the app widget for ``state`` (see ``SessionApp``)."""
    return SessionApp(state, **kwargs)
