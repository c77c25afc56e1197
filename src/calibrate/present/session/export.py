"""The session's record for HR: decisions, who moved and why, final distribution and fairness.

``export_session(state, out_dir)`` writes, atomically, into ``out_dir``:

* ``session_decisions.csv``: one row per CSM decided in the session:
  ``csm_id``, ``name``, ``model_rating``, ``manager_rating``,
  ``rating_before`` (the manager's rating, else the model's: what the CSM
  came into the meeting with), ``final_rating``, ``moved`` (yes when the
  final rating differs from ``rating_before``), ``reason_code``,
  ``reason``, ``comment``, ``decided_by``, ``decided_at``;
* ``session_distribution.csv``: per rating, the count before the session,
  the final count, the guide in whole people and the target share;
* ``session_fairness.csv``: the impact ratios under the final ratings;
* ``session_audit_log.csv``: a copy of the audit log;
* ``session_export.html``: one self-contained page with all of the above
  (no script, nothing fetched from the network).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ...atomic import write_csv_atomic, write_text_atomic
from ..escape import escape_text, find_remote_references
from ..html import page_html
from ..tables import note_html, table_html
from .live import RATING_LABELS, impact_rows, live_view
from .render import rating_label
from .state import SessionState

__all__ = ["export_session", "decisions_export", "distribution_export", "EXPORT_FILES"]

EXPORT_FILES = ("session_decisions.csv", "session_distribution.csv", "session_fairness.csv", "session_audit_log.csv",
                "session_export.html")


def decisions_export(state: SessionState) -> pd.DataFrame:
    """The ``session_decisions.csv`` frame (module docstring), moved people first."""
    merged = state.view.merged.set_index("csm_id")
    rows = []
    for csm, d in sorted(state.decisions.items()):
        row = merged.loc[csm]
        manager = None if pd.isna(row["manager_rating"]) else str(row["manager_rating"])
        model = None if pd.isna(row["model_rating"]) else str(row["model_rating"])
        before = manager or model
        rows.append({
            "csm_id": csm, "name": state.inputs.name(csm), "model_rating": model, "manager_rating": manager,
            "rating_before": before, "final_rating": d.final_rating, "moved": "yes" if d.final_rating != before else "no",
            "reason_code": d.reason_code, "reason": state.inputs.params.session.reason_codes.get(d.reason_code, d.reason),
            "comment": d.comment, "decided_by": d.decided_by, "decided_at": d.decided_at,
        })
    columns = ["csm_id", "name", "model_rating", "manager_rating", "rating_before", "final_rating", "moved", "reason_code",
               "reason", "comment", "decided_by", "decided_at"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["moved", "csm_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def distribution_export(state: SessionState) -> pd.DataFrame:
    """``rating``, ``before`` (no session decision), ``final``, ``guide`` (whole people), ``target_share``."""
    start = live_view(state.inputs, {})
    sp = state.inputs.params.scoring
    shares = {"exceeds": sp.target_distribution_exceeds, "meets": sp.target_distribution_meets,
              "needs_development": sp.target_distribution_needs_development}
    g = state.view.guide
    return pd.DataFrame({
        "rating": g["rating"], "before": start.guide["count"].to_numpy(), "final": g["count"].to_numpy(),
        "guide": g["target"].to_numpy(), "target_share": [shares[r] for r in g["rating"]],
    })


def _page(state: SessionState, decisions: pd.DataFrame, distribution: pd.DataFrame, fairness: pd.DataFrame,
          audit: pd.DataFrame, when: str) -> str:
    inputs, view = state.inputs, state.view
    moved = decisions.loc[decisions["moved"].eq("yes")] if not decisions.empty else decisions
    shown = decisions.assign(**{c: decisions[c].map(rating_label) for c in
                                ("model_rating", "manager_rating", "rating_before", "final_rating")}) if not decisions.empty else decisions
    body = [
        f"<h1>Calibration session, {escape_text(inputs.period)}</h1>",
        f"<p>Exported {escape_text(when)}. {len(decisions)} CSMs decided in the session, {len(moved)} of them moved "
        f"from the rating they came in with. Open disagreements left: {view.open_disagreements}.</p>",
        "<h2>Who moved and why</h2>",
        table_html(shown, columns=["name", "rating_before", "final_rating", "moved", "reason", "comment", "decided_by", "decided_at"],
                   labels={"name": "CSM", "rating_before": "Came in as", "final_rating": "Final", "moved": "Moved",
                           "reason": "Reason", "comment": "Comment", "decided_by": "Decided by", "decided_at": "When (UTC)"},
                   empty_note="No decision was recorded in this session."),
        "<h2>Final distribution against the guide</h2>",
        table_html(distribution.assign(rating=distribution["rating"].map(RATING_LABELS)),
                   labels={"rating": "Rating", "before": "Before the session", "final": "Final", "guide": "Guide (people)",
                           "target_share": "Guide (share)"},
                   formats={"before": "int", "final": "int", "guide": "int", "target_share": "percent"}),
        note_html(view.guide_text),
        note_html(view.distribution.note) if view.distribution is not None else "",
        "<h2>Fairness under the final ratings</h2>",
        table_html(fairness.assign(column=fairness["column"].str.removeprefix("group_"),
                                   outcome=fairness["outcome"].map({"meets_or_better": "meets or better", "exceeds": "exceeds"}),
                                   below_threshold=fairness["below_threshold"].map({True: "yes", False: "no"})),
                   columns=["column", "group", "outcome", "n", "rate", "impact_ratio", "below_threshold", "fisher_p"],
                   labels={"column": "Group column", "group": "Group", "outcome": "Outcome", "n": "People", "rate": "Rate",
                           "impact_ratio": "Ratio to top group", "below_threshold": "Below 0.80", "fisher_p": "Chance p (Fisher)"},
                   formats={"n": "int", "rate": "percent", "impact_ratio": "number", "fisher_p": "number"},
                   empty_note="No group column, or no group of 4 or more people: nothing to compare."),
        note_html("A ratio below 0.80 (the four-fifths rule) is worth a look; with groups this small a low ratio can be "
                  "chance, which the p value (Fisher's exact test, two-sided) speaks to."),
        "<h2>Audit log</h2>",
        table_html(audit, labels={"timestamp": "When (UTC)", "action": "Action", "csm_id": "CSM", "from_rating": "From",
                                  "to_rating": "To", "reason_code": "Reason code", "comment": "Comment",
                                  "decided_by": "By"},
                   empty_note="The audit log is empty."),
    ]
    return page_html(f"Calibration session {inputs.period}", "\n".join(body), footer="Written by calibrate (session export).")


def export_session(state: SessionState, out_dir: str | Path, *, now: dt.datetime | None = None) -> dict[str, Path]:
    """Write the export files (``EXPORT_FILES``) into ``out_dir``; returns name -> path."""
    out = Path(out_dir)
    when = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    decisions = decisions_export(state)
    distribution = distribution_export(state)
    fairness = impact_rows(state.view)
    audit = pd.DataFrame([e.row() for e in state.store.events],
                         columns=["timestamp", "action", "csm_id", "from_rating", "to_rating", "reason_code", "comment",
                                  "decided_by"])
    page = _page(state, decisions, distribution, fairness, audit, when)
    remote = find_remote_references(page)
    if remote:  # never expected: every value is escaped
        raise ValueError(f"The export page would fetch {remote[:3]}; nothing was written.")
    paths = {}
    for name, frame in (("session_decisions.csv", decisions), ("session_distribution.csv", distribution),
                        ("session_fairness.csv", fairness), ("session_audit_log.csv", audit)):
        paths[name] = write_csv_atomic(frame, out / name)
    paths["session_export.html"] = write_text_atomic(out / "session_export.html", page)
    return paths
