"""Session app parts: the widget flow without a browser, escaping, the HR export, params and contract additions."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from calibrate.errors import DataValidationError, ParamsError
from calibrate.load import load_dataset
from calibrate.params import DEFAULT_REASON_CODES, params_from_mapping
from calibrate.present.escape import find_remote_references
from calibrate.present.session import SessionState
from calibrate.present.session.app import session_app
from calibrate.present.session.export import EXPORT_FILES, export_session
from load_fixtures import VALID_TABLES, write_tables
from session_fixtures import make_inputs

NOW = "2026-10-05T14:00:00Z"
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture()
def app(tmp_path):
    inputs = make_inputs(tmp_path)
    ratings = inputs.ratings.assign(name=inputs.ratings["name"].where(inputs.ratings["csm_id"] != "C2", HOSTILE))
    inputs = dataclasses.replace(inputs, ratings=ratings)
    state = SessionState.open(inputs, who="t", now=NOW)
    return session_app(state, export_dir=tmp_path / "export", clock=lambda: 0.0)


def test_app_records_a_decision_from_the_form_and_refreshes(app, tmp_path):
    assert app.picker.value == "C2"  # the first of the queue is open
    assert 'data-testid="count-exceeds">3<' in app.distribution.value
    app.rating.value = "meets"
    app.reason.value = "consistency"
    app.comment.value = "In line with peers at meets"
    app.decided_by.value = "Vera"
    app.record_button.click()
    assert "Saved" in app.message.value
    assert 'data-testid="count-exceeds">2<' in app.distribution.value
    assert 'data-testid="open-disagreements">1<' in app.status.value
    assert "decided: meets" in app.queue.value
    assert "C2,meets," in (tmp_path / "calibration_decisions.csv").read_text(encoding="utf-8")
    assert app.reason.value == "" and app.comment.value == ""  # the next decision needs its own reason
    app.undo_button.click()
    assert 'data-testid="count-exceeds">3<' in app.distribution.value and "Undone" in app.message.value


def test_app_refuses_a_decision_without_a_reason_and_says_why(app, tmp_path):
    app.rating.value = "meets"
    app.comment.value = "x"
    app.record_button.click()
    assert "Decision not recorded" in app.message.value and "reason code" in app.message.value
    assert not (tmp_path / "calibration_decisions.csv").exists()


def test_names_from_the_data_are_escaped_everywhere(app):
    app.compare_pick.value = ("C1", "C2")
    for html in (app.queue.value, app.card.value, app.compare.value):
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in app.queue.value and "&lt;script&gt;" in app.card.value


def test_export_writes_the_hr_record(app, tmp_path):
    app.state.decide("C2", "meets", reason_code="consistency", comment="peers", decided_by="Vera", now=NOW)
    app.state.decide("C4", "exceeds", reason_code="manager_context", comment="kept", decided_by="Vera", now=NOW)
    app.export_button.click()
    out = tmp_path / "export"
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPORT_FILES)
    decisions = pd.read_csv(out / "session_decisions.csv").set_index("csm_id")
    assert decisions.loc["C2", "rating_before"] == "exceeds" and decisions.loc["C2", "moved"] == "yes"
    assert decisions.loc["C4", "moved"] == "no" and decisions.loc["C2", "reason"] == DEFAULT_REASON_CODES["consistency"]
    dist = pd.read_csv(out / "session_distribution.csv").set_index("rating")
    assert dist["before"].to_dict() == {"exceeds": 3, "meets": 4, "needs_development": 1}
    assert dist["final"].to_dict() == {"exceeds": 2, "meets": 5, "needs_development": 1}
    page = (out / "session_export.html").read_text(encoding="utf-8")
    assert find_remote_references(page) == [] and "<script" not in page.lower()
    assert "Who moved and why" in page and "&lt;script&gt;" in page
    assert len(pd.read_csv(out / "session_audit_log.csv")) == 2


def test_reason_codes_are_typed_params_with_defaults(tmp_path):
    params = params_from_mapping({})
    assert params.session.reason_codes == DEFAULT_REASON_CODES and params.session.minutes_per_csm == 5.0
    own = params_from_mapping({"session": {"reason_codes": {"peer_review": "Peer review"}, "minutes_per_csm": "3"}})
    assert own.session.reason_codes == {"peer_review": "Peer review"} and own.session.minutes_per_csm == 3.0
    for bad in ({"reason_codes": {"Bad Code": "x"}}, {"reason_codes": {"ok": " "}}, {"minutes_per_csm": "0"},
                {"reason_codes": {}}):
        with pytest.raises(ParamsError, match="session"):
            params_from_mapping({"session": bad})


def test_pre_session_notes_table_is_optional_and_validated(tmp_path):
    folder = write_tables(tmp_path / "ok", VALID_TABLES, skip=("pre_session_notes",))
    assert load_dataset(folder).get("pre_session_notes") is None
    data = load_dataset(write_tables(tmp_path / "notes", VALID_TABLES))
    notes = data["pre_session_notes"]
    assert notes["agrees_with_model"].tolist() == ["disagree", "agree"] and notes["csm_id"].tolist() == ["C001", "00123"]
    bad = dict(VALID_TABLES, pre_session_notes="csm_id,manager_id,agrees_with_model,note\nC001,M01,maybe,x\nNOPE,M01,agree,y\n")
    with pytest.raises(DataValidationError) as info:
        load_dataset(write_tables(tmp_path / "bad", bad))
    text = str(info.value)
    assert "pre_session_notes.csv row 2, column agrees_with_model" in text and "agree, disagree" in text
    assert "pre_session_notes.csv row 3, column csm_id" in text
