"""Where the session's decisions live on disk: the decisions file and the audit log.

Two files, next to each other:

* ``calibration_decisions.csv`` (the file ``calibrate run`` reads, see
  ``models.decisions``): one row per decided CSM with the columns
  ``csm_id, final_rating, reason, decided_by`` and, added compatibly after
  them, ``reason_code, comment, decided_at``. ``reason`` holds the reason
  label and the comment in one sentence, so the batch's audit trail reads
  well without the extra columns. The whole file is rewritten atomically
  after each event (a reader sees the old file or the new one).
* ``calibration_audit_log.csv``: append-only, one line per event, written
  with one ``write`` on a file opened for appending and flushed to disk
  before the decisions file is replaced. Columns: ``timestamp, action,
  csm_id, from_rating, to_rating, reason_code, comment, decided_by``.
  ``action`` is ``decide`` (a final rating set), ``undo`` (the last
  decision on that CSM taken back) or ``import`` (a row found in the
  decisions file that the log did not explain: a file made by hand before
  the session, or edited between sessions; an empty ``to_rating`` means the
  row was removed).

The log is the record; the decisions file is its projection. Reopening
replays the log. A crash between the two writes leaves the log one event
ahead: the projection then differs from the file only by that event, and the
file is rewritten from the log (``SessionStore.repaired`` says so).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from ...atomic import neutralize_cell, restore_cell, write_text_atomic
from ...errors import CalibrateError
from ...models.decisions import DECISION_COLUMNS, load_decisions

__all__ = [
    "AUDIT_COLUMNS",
    "DECISION_FILE_COLUMNS",
    "AuditEvent",
    "Decision",
    "SessionStore",
    "audit_path_for",
    "open_store",
    "replay",
]

DECISION_FILE_COLUMNS = (*DECISION_COLUMNS, "reason_code", "comment", "decided_at")
AUDIT_COLUMNS = ("timestamp", "action", "csm_id", "from_rating", "to_rating", "reason_code", "comment", "decided_by")
ACTIONS = ("decide", "undo", "import")


@dataclass(frozen=True)
class Decision:
    """One CSM's final rating as the session set it."""

    csm_id: str
    final_rating: str
    reason_code: str
    reason: str
    comment: str
    decided_by: str
    decided_at: str


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit log (see the module docstring)."""

    timestamp: str
    action: str
    csm_id: str
    from_rating: str
    to_rating: str
    reason_code: str
    comment: str
    decided_by: str

    def row(self) -> list[str]:
        return [getattr(self, c) for c in AUDIT_COLUMNS]


def audit_path_for(decisions_path: str | Path) -> Path:
    """The audit log beside a decisions file."""
    return Path(decisions_path).with_name("calibration_audit_log.csv")


def _csv_line(values: Sequence[str]) -> str:
    buf = io.StringIO()
    # Formula-safe like every CSV the workbook writes (calibrate.atomic); read back with restore_cell.
    csv.writer(buf, lineterminator="\n").writerow(["" if v is None else neutralize_cell(str(v)) for v in values])
    return buf.getvalue()


def read_audit_log(path: str | Path) -> tuple[list[AuditEvent], list[str]]:
    """Events of the log (none when it does not exist) and warnings for unreadable lines.

    A last line cut short by a crash is skipped with a warning; a damaged line
    elsewhere, or a header other than ``AUDIT_COLUMNS``, is refused.
    """
    path = Path(path)
    if not path.is_file():
        return [], []
    text = path.read_text(encoding="utf-8")
    rows = [[restore_cell(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    if not rows:
        return [], []
    if tuple(rows[0]) != AUDIT_COLUMNS:
        raise CalibrateError(
            f"The audit log {path} starts with {rows[0]!r}, expected the header {', '.join(AUDIT_COLUMNS)}. "
            "It was not written by the session app; move it aside and reopen the session."
        )
    events, warnings = [], []
    body = rows[1:]
    for i, row in enumerate(body):
        line = i + 2
        if len(row) != len(AUDIT_COLUMNS) or row[1] not in ACTIONS:
            if i == len(body) - 1 and not text.endswith("\n"):
                warnings.append(f"The last line of {path.name} (line {line}) was cut short, probably by a crash; it was skipped.")
                continue
            raise CalibrateError(
                f"{path.name} line {line}: got {row!r}, expected {len(AUDIT_COLUMNS)} fields with an action of "
                f"{', '.join(ACTIONS)}. Restore the file from a backup or move it aside; the log is append-only."
            )
        events.append(AuditEvent(*row))
    return events, warnings


def replay(events: Sequence[AuditEvent], reasons: Mapping[str, str] | None = None) -> tuple[dict[str, Decision], list[int]]:
    """The decisions the events leave in force, and the undo stack.

    Returns ``(decisions, stack)``: ``decisions`` maps ``csm_id`` to its
    ``Decision``; ``stack`` lists the indexes (into ``events``) of the
    ``decide`` events that are in force, oldest first, so ``undo`` takes the
    last one back.
    """
    reasons = dict(reasons or {})
    history: dict[str, list[tuple[int, Decision | None]]] = {}
    stack: list[int] = []
    for i, ev in enumerate(events):
        csm_history = history.setdefault(ev.csm_id, [])
        if ev.action in ("decide", "import"):
            if ev.to_rating:
                label = reasons.get(ev.reason_code, ev.reason_code)
                reason = ": ".join(p for p in (label, ev.comment) if p) if ev.action == "decide" else ev.comment
                decision = Decision(ev.csm_id, ev.to_rating, ev.reason_code, reason, ev.comment, ev.decided_by, ev.timestamp)
            else:
                decision = None
            csm_history.append((i, decision))
            if ev.action == "decide":
                stack.append(i)
        elif ev.action == "undo":
            # Take back this CSM's latest decide event still in force.
            for j in range(len(stack) - 1, -1, -1):
                if events[stack[j]].csm_id == ev.csm_id:
                    undone = stack.pop(j)
                    csm_history[:] = [h for h in csm_history if h[0] != undone]
                    break
    decisions = {csm: h[-1][1] for csm, h in history.items() if h and h[-1][1] is not None}
    return decisions, stack


def _decisions_text(decisions: Mapping[str, Decision]) -> str:
    lines = [_csv_line(DECISION_FILE_COLUMNS)]
    for csm in sorted(decisions):
        d = decisions[csm]
        lines.append(_csv_line([d.csm_id, d.final_rating, d.reason, d.decided_by, d.reason_code, d.comment, d.decided_at]))
    return "".join(lines)


@dataclass
class SessionStore:
    """The two files and the events read from them. Build with ``open_store``."""

    decisions_path: Path
    audit_path: Path
    events: list[AuditEvent]
    reasons: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    repaired: bool = False
    _replayed: tuple[int, tuple[dict[str, Decision], list[int]]] | None = field(default=None, repr=False)

    def decisions(self) -> tuple[dict[str, Decision], list[int]]:
        """The decisions in force and the undo stack (``replay`` of the events, kept until the next event)."""
        if self._replayed is None or self._replayed[0] != len(self.events):
            self._replayed = (len(self.events), replay(self.events, self.reasons))
        decisions, stack = self._replayed[1]
        return dict(decisions), list(stack)

    def append(self, event: AuditEvent) -> dict[str, Decision]:
        """Append ``event`` to the log (flushed to disk), then rewrite the decisions file atomically.

        Returns the decisions in force after the event.
        """
        if event.action not in ACTIONS:
            raise CalibrateError(f"Unknown audit action {event.action!r}; expected one of {', '.join(ACTIONS)}.")
        _append_line(self.audit_path, event.row())
        self.events.append(event)
        decisions, _ = self.decisions()
        write_text_atomic(self.decisions_path, _decisions_text(decisions))
        return decisions


def _append_line(path: Path, values: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        data = _csv_line(values).encode("utf-8")
        if os.fstat(fd).st_size == 0:
            data = _csv_line(AUDIT_COLUMNS).encode("utf-8") + data
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_state(frame: pd.DataFrame | None) -> dict[str, str]:
    if frame is None or frame.empty:
        return {}
    return dict(zip(frame["csm_id"].astype(str), frame["final_rating"].astype(str)))


def open_store(
    decisions_path: str | Path,
    *,
    known_csms: Sequence[str],
    model_ratings: Mapping[str, str],
    reasons: Mapping[str, str],
    now: str,
    who: str,
    audit_path: str | Path | None = None,
) -> SessionStore:
    """Open (or start) the session's files and bring the log and the decisions file into line.

    The decisions file, when it exists, is checked with ``load_decisions``
    (a bad file is refused before anything is written). Rows the log does
    not explain are added to the log as ``import`` events by ``who`` at
    ``now``; a file one event behind the log (a crash between the two
    writes) is rewritten from the log.
    """
    decisions_path = Path(decisions_path)
    audit = Path(audit_path) if audit_path is not None else audit_path_for(decisions_path)
    events, warnings = read_audit_log(audit)
    frame = None
    if decisions_path.is_file():
        frame = load_decisions(decisions_path, known_csms=known_csms, model_ratings=model_ratings)
    store = SessionStore(decisions_path, audit, list(events), dict(reasons), warnings)
    on_file = _file_state(frame)
    projected = {c: d.final_rating for c, d in store.decisions()[0].items()}
    if on_file == projected:
        return store
    if events:
        before = {c: d.final_rating for c, d in replay(events[:-1], reasons)[0].items()}
        if on_file == before:
            decisions, _ = store.decisions()
            write_text_atomic(decisions_path, _decisions_text(decisions))
            store.repaired = True
            store.warnings.append(
                f"{decisions_path.name} was one decision behind the audit log (the app stopped between the two "
                "writes); it was rewritten from the log."
            )
            return store
    rows = {} if frame is None else {str(r["csm_id"]): r for r in frame.to_dict(orient="records")}
    for csm in sorted(set(on_file) | set(projected)):
        if on_file.get(csm) == projected.get(csm):
            continue
        row = rows.get(csm)
        text = lambda key: "" if row is None or pd.isna(row.get(key)) else str(row.get(key))  # noqa: E731
        event = AuditEvent(now, "import", csm, projected.get(csm, ""), on_file.get(csm, ""),
                           text("reason_code"), text("reason"), text("decided_by") or who)
        _append_line(audit, event.row())
        store.events.append(event)
    store.warnings.append(
        f"{decisions_path.name} held decisions the audit log did not record; they were added to the log as imported rows."
    )
    return store
