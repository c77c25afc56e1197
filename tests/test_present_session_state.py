"""The session model on a hand-made team of eight: queue order, live figures, decisions, undo, resume, writes."""

from __future__ import annotations

import pandas as pd
import pytest

from calibrate.errors import CalibrateError
from calibrate.models.decisions import load_decisions
from calibrate.present.session import SessionState, compare_frame, time_box
from calibrate.present.session.live import guide_counts, guide_sentence
from calibrate.present.session.store import AUDIT_COLUMNS, read_audit_log
from session_fixtures import make_inputs

NOW = "2026-10-05T14:00:00Z"


@pytest.fixture()
def state(tmp_path) -> SessionState:
    return SessionState.open(make_inputs(tmp_path), who="tester", now=NOW)


def counts(state: SessionState) -> dict[str, int]:
    return dict(zip(state.view.guide["rating"], state.view.guide["count"]))


def test_queue_puts_disagreements_then_range_crossings_then_fairness_flags(state):
    queue = state.queue()
    assert queue["csm_id"].tolist() == ["C2", "C1", "C3", "C5", "C6", "C7", "C4", "C8"]
    assert queue["priority"].tolist() == [1, 1, 2, 3, 3, 3, 4, 4]
    assert "manager says exceeds, model says needs development" in queue.loc[0, "why"]
    assert "crosses the meets line (55)" in queue.loc[2, "why"]
    assert not queue["decided"].any()


def test_live_view_starts_from_manager_else_model_ratings(state):
    # Final before the session: C1, C2, C4 exceeds; C3, C5, C7, C8 meets; C6 needs development.
    assert counts(state) == {"exceeds": 3, "meets": 4, "needs_development": 1}
    # Guide for 8 people at 20/70/10 %: 1.6, 5.6, 0.8 -> largest remainders give 2, 5, 1.
    assert dict(zip(state.view.guide["rating"], state.view.guide["target"])) == {"exceeds": 2, "meets": 5, "needs_development": 1}
    assert state.view.moves == 1
    assert state.view.guide_text.startswith("Move 1 person to reach the guide: 1 person out of exceeds; 1 person into meets.")
    assert state.view.open_disagreements == 2
    impact = state.view.fairness.impact.set_index(["group", "outcome"])["impact_ratio"]
    assert impact[("f", "meets_or_better")] == pytest.approx(0.75)
    assert impact[("f", "exceeds")] == pytest.approx(0.5)


def test_a_decision_updates_distribution_fairness_queue_and_both_files(state, tmp_path):
    view = state.decide("C2", "meets", reason_code="evidence_outweighs_score", comment="Book lost two logos  early.",
                        decided_by="Vera VP", now=NOW)
    assert counts(state) == {"exceeds": 2, "meets": 5, "needs_development": 1}
    assert view.moves == 0 and "no one needs to move" in view.guide_text
    assert view.open_disagreements == 1
    impact = view.fairness.impact.set_index(["group", "outcome"])["impact_ratio"]
    assert impact[("f", "exceeds")] == pytest.approx(1.0)  # 1 of 4 in each group now
    queue = state.queue().set_index("csm_id")
    assert bool(queue.at["C2", "decided"]) and queue.at["C2", "final_rating"] == "meets"

    # The decisions file is the one `calibrate run` reads: load_decisions accepts it and sees the override.
    model = dict(zip(state.inputs.scores["csm_id"], state.inputs.scores["rating"]))
    loaded = load_decisions(tmp_path / "calibration_decisions.csv", known_csms=state.inputs.known_csms, model_ratings=model)
    row = loaded.set_index("csm_id").loc["C2"]
    assert row["final_rating"] == "meets" and bool(row["is_override"]) and row["decided_by"] == "Vera VP"
    assert row["reason"] == "Evidence the score does not capture: Book lost two logos early."
    assert row["reason_code"] == "evidence_outweighs_score" and row["decided_at"] == NOW
    events, warnings = read_audit_log(tmp_path / "calibration_audit_log.csv")
    assert not warnings and len(events) == 1
    ev = events[0]
    assert (ev.action, ev.csm_id, ev.from_rating, ev.to_rating, ev.decided_by) == ("decide", "C2", "exceeds", "meets", "Vera VP")


@pytest.mark.parametrize("kwargs, expected", [
    ({"reason_code": "", "comment": "x", "decided_by": "v"}, "reason code"),
    ({"reason_code": "no_such_code", "comment": "x", "decided_by": "v"}, "reason code"),
    ({"reason_code": "data_quality", "comment": "  ", "decided_by": "v"}, "comment"),
    ({"reason_code": "data_quality", "comment": "x", "decided_by": ""}, "who decided"),
])
def test_a_decision_without_reason_comment_or_name_is_refused_and_nothing_is_written(state, tmp_path, kwargs, expected):
    with pytest.raises(CalibrateError, match=expected):
        state.decide("C1", "meets", now=NOW, **kwargs)
    assert not (tmp_path / "calibration_decisions.csv").exists()
    assert not (tmp_path / "calibration_audit_log.csv").exists()
    with pytest.raises(CalibrateError, match="final rating"):
        state.decide("C1", "superb", reason_code="data_quality", comment="x", decided_by="v", now=NOW)
    with pytest.raises(CalibrateError, match="not a CSM"):
        state.decide("C99", "meets", reason_code="data_quality", comment="x", decided_by="v", now=NOW)


def test_undo_takes_back_the_last_decision_and_restores_the_one_before(state, tmp_path):
    state.decide("C1", "meets", reason_code="consistency", comment="first", decided_by="v", now="2026-10-05T14:00:00Z")
    state.decide("C1", "needs_development", reason_code="data_quality", comment="second", decided_by="v", now="2026-10-05T14:01:00Z")
    state.decide("C3", "exceeds", reason_code="manager_context", comment="third", decided_by="v", now="2026-10-05T14:02:00Z")
    state.undo(decided_by="v", now="2026-10-05T14:03:00Z")
    assert "C3" not in state.decisions
    state.undo(decided_by="v", now="2026-10-05T14:04:00Z")
    assert state.decisions["C1"].final_rating == "meets" and state.decisions["C1"].comment == "first"
    state.undo(decided_by="v", now="2026-10-05T14:05:00Z")
    assert state.decisions == {} and not state.can_undo()
    with pytest.raises(CalibrateError, match="Nothing to undo"):
        state.undo(decided_by="v", now=NOW)
    frame = pd.read_csv(tmp_path / "calibration_decisions.csv")
    assert frame.empty
    events, _ = read_audit_log(tmp_path / "calibration_audit_log.csv")
    assert [e.action for e in events] == ["decide", "decide", "decide", "undo", "undo", "undo"]
    # Each undo says what the rating was and what it went back to.
    assert [(e.from_rating, e.to_rating) for e in events[3:]] == [
        ("exceeds", "meets"), ("needs_development", "meets"), ("meets", "exceeds")]


def test_reopening_resumes_from_the_files(tmp_path):
    first = SessionState.open(make_inputs(tmp_path), who="t", now=NOW)
    first.decide("C2", "meets", reason_code="consistency", comment="a", decided_by="v", now=NOW)
    first.decide("C1", "meets", reason_code="consistency", comment="b", decided_by="v", now=NOW)
    again = SessionState.open(make_inputs(tmp_path), who="t", now=NOW)
    assert again.decisions == first.decisions
    assert again.view.open_disagreements == 0
    assert again.last_decision().csm_id == "C1"  # undo continues where the last session stopped
    assert not again.store.warnings


def test_a_crash_between_the_two_writes_is_repaired_from_the_log(tmp_path):
    state = SessionState.open(make_inputs(tmp_path), who="t", now=NOW)
    state.decide("C2", "meets", reason_code="consistency", comment="a", decided_by="v", now=NOW)
    saved = (tmp_path / "calibration_decisions.csv").read_text(encoding="utf-8")
    state.decide("C1", "meets", reason_code="consistency", comment="b", decided_by="v", now=NOW)
    # Simulate a stop after the log line and before the decisions file was replaced.
    (tmp_path / "calibration_decisions.csv").write_text(saved, encoding="utf-8")
    again = SessionState.open(make_inputs(tmp_path), who="t", now=NOW)
    assert again.store.repaired and set(again.decisions) == {"C1", "C2"}
    assert "C1," in (tmp_path / "calibration_decisions.csv").read_text(encoding="utf-8")


def test_a_hand_made_decisions_file_is_imported_into_the_log(tmp_path):
    (tmp_path / "calibration_decisions.csv").write_text(
        "csm_id,final_rating,reason,decided_by\nC6,meets,Rescued two red accounts,Ann\n", encoding="utf-8")
    state = SessionState.open(make_inputs(tmp_path), who="t", now=NOW)
    assert state.decisions["C6"].final_rating == "meets" and state.decisions["C6"].decided_by == "Ann"
    events, _ = read_audit_log(tmp_path / "calibration_audit_log.csv")
    assert [(e.action, e.csm_id, e.to_rating) for e in events] == [("import", "C6", "meets")]
    assert not state.can_undo()  # imported rows are not the session's to undo
    assert any("imported" in w for w in state.store.warnings)


def test_a_line_cut_short_at_the_end_of_the_log_is_skipped_with_a_warning(tmp_path):
    log = tmp_path / "calibration_audit_log.csv"
    log.write_text(",".join(AUDIT_COLUMNS) + "\n" + f"{NOW},decide,C2,exceeds,meets,consistency,a,v\n{NOW},dec",
                   encoding="utf-8")
    events, warnings = read_audit_log(log)
    assert len(events) == 1 and "cut short" in warnings[0]
    log.write_text("when,what\n", encoding="utf-8")
    with pytest.raises(CalibrateError, match="header"):
        read_audit_log(log)


def test_card_shows_ratings_ranges_evidence_notes_and_review_link(tmp_path):
    notes = pd.DataFrame({"csm_id": ["C4", "C4", "C1"], "manager_id": ["M1", "M2", "M1"],
                          "agrees_with_model": ["agree", "disagree", "agree"], "note": ["Strong", "Lucky renewal", "x"]})
    page = tmp_path / "csm" / "C4.html"
    inputs = make_inputs(tmp_path, notes=notes, review_pages={"C4": page})
    state = SessionState.open(inputs, who="t", now=NOW)
    card = state.card("C4")
    assert (card.model_rating, card.manager_rating, card.final_rating, card.final_source) == ("exceeds", "exceeds", "exceeds", "manager")
    assert (card.score_low, card.score_high, card.rank, card.n_ranked) == (77.0, 84.0, 4.0, 8)
    assert card.evidence[0] == "retention 100 / 100, 50 points above the team median (50)"
    assert len(card.evidence) == 3
    assert card.notes["note"].tolist() == ["Strong", "Lucky renewal"]  # only C4's notes
    assert card.review_page == str(page)


def test_compare_takes_up_to_six(state):
    frame = compare_frame([state.card(c) for c in ("C1", "C2", "C3")])
    assert list(frame.columns) == ["measure", "Ada", "Ben", "Cy"]
    row = frame.set_index("measure").loc["Final rating"]
    assert row.tolist() == ["exceeds", "exceeds", "meets"]
    with pytest.raises(CalibrateError, match="at most 6"):
        compare_frame([state.card(c) for c in ("C1", "C2", "C3", "C4", "C5", "C6", "C7")])


def test_time_box_and_clock(state):
    assert time_box(130, 5) == ("2:10 of 5:00", False)
    assert time_box(301, 5)[1] is True
    state.open_card("C1", 100.0)
    state.open_card("C2", 160.0)
    assert state.spent_on("C1", 200.0) == 60.0
    assert state.spent_on("C2", 200.0) == 40.0
    state.open_card("C1", 220.0)
    assert state.spent_on("C1", 230.0) == 70.0


def test_guide_counts_always_add_up_to_the_team():
    for n in range(1, 60):
        for split in ((n, 0, 0), (0, n, 0), (n // 3, n // 3, n - 2 * (n // 3))):
            counts = dict(zip(("exceeds", "meets", "needs_development"), split))
            guide = guide_counts(counts, {"exceeds": 0.2, "meets": 0.7, "needs_development": 0.1})
            assert guide["target"].sum() == n
            k, sentence = guide_sentence(guide)
            assert k == -guide.loc[guide["change"] < 0, "change"].sum()
            assert (k == 0) == sentence.startswith("The final ratings match")
