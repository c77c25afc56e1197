"""Calibration decisions: refusals with precise messages, merged ratings, audit trail, nine-box."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from calibrate.errors import DataValidationError, InsufficientDataError
from calibrate.models.decisions import audit_trail, load_decisions, merge_ratings, nine_box
from calibrate.periods import parse_period

KNOWN = ["c1", "c2", "c3", "c4"]
MODEL = {"c1": "meets", "c2": "exceeds", "c3": "needs_development", "c4": "meets"}


def write(tmp_path, text: str):
    path = tmp_path / "calibration_decisions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads_and_marks_overrides(tmp_path):
    path = write(
        tmp_path,
        "\ufeffcsm_id,final_rating,reason,decided_by\r\n"
        "c1, Meets ,,VP CS\r\n"
        "c2,meets,Expansion came from one inherited deal,VP CS\r\n",
    )
    out = load_decisions(path, known_csms=KNOWN, model_ratings=MODEL)
    assert list(out["csm_id"]) == ["c1", "c2"]
    assert list(out["final_rating"]) == ["meets", "meets"]
    assert list(out["is_override"]) == [False, True]
    assert list(out["model_rating"]) == ["meets", "exceeds"]


def test_every_problem_is_reported_at_once_with_file_row_and_column(tmp_path):
    path = write(
        tmp_path,
        "csm_id,final_rating,reason,decided_by\n"
        "c1,exceeds,,VP CS\n"          # row 2: override without a reason
        "c9,meets,ok,VP CS\n"          # row 3: unknown CSM
        "c2,stellar,why not,VP CS\n"   # row 4: unknown rating
        "c3,needs_development,,\n"     # row 5: no decided_by
        "c3,meets,moved up,VP CS\n",   # row 6: duplicate CSM
    )
    with pytest.raises(DataValidationError) as info:
        load_decisions(path, known_csms=KNOWN, model_ratings=MODEL)
    lines = [str(v) for v in info.value.violations]
    assert lines == [
        "calibration_decisions.csv row 2, column reason: got \"\", expected a reason for this override (exceeds vs the model's rating 'meets')",
        "calibration_decisions.csv row 3, column csm_id: got \"c9\", expected a csm_id of the csms table",
        "calibration_decisions.csv row 4, column final_rating: got \"stellar\", expected one of exceeds, meets, needs_development",
        "calibration_decisions.csv row 5, column decided_by: got \"\", expected the name of who decided (for the audit trail)",
        "calibration_decisions.csv row 6, column csm_id: got \"c3\", expected one decision per CSM (already decided in row 5)",
    ]
    assert "Nothing was written" in str(info.value)


def test_override_for_a_csm_without_a_model_rating_needs_a_reason():
    frame = pd.DataFrame({"csm_id": ["c4"], "final_rating": ["meets"], "reason": [""], "decided_by": ["VP"]})
    with pytest.raises(DataValidationError, match=r"row 2, column reason: .*\(meets vs no model rating\)"):
        load_decisions(frame, known_csms=KNOWN, model_ratings={"c1": "meets"})


def test_missing_columns_and_missing_file_are_named(tmp_path):
    with pytest.raises(DataValidationError, match=r"calibration_decisions.csv column reason: a column of this name"):
        load_decisions(write(tmp_path, "csm_id,final_rating,decided_by\nc1,meets,VP\n"), known_csms=KNOWN, model_ratings=MODEL)
    with pytest.raises(DataValidationError, match=r"nope.csv: a file at"):
        load_decisions(tmp_path / "nope.csv", known_csms=KNOWN, model_ratings=MODEL)


def scores() -> pd.DataFrame:
    return pd.DataFrame(
        {"csm_id": KNOWN, "segment": ["smb"] * 4, "overall_score": [70.0, 80.0, 40.0, 60.0], "rating": [MODEL[c] for c in KNOWN]}
    )


def manager() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "csm_id": ["c1", "c2", "c3", "c1"],
            "period": ["2026-Q3", "2026-Q3", "2026-Q3", "2026-Q2"],
            "rating": ["meets", "needs_development", "meets", "exceeds"],
            "potential": ["high", "medium", pd.NA, "low"],
            "rationale": ["steady", "two churns", "saved Acme", "old"],
        }
    )


def test_merge_ratings_orders_disagreements_first_and_applies_precedence():
    decisions = pd.DataFrame({"csm_id": ["c3"], "final_rating": ["meets"], "reason": ["saves"], "decided_by": ["VP"]})
    out = merge_ratings(scores(), manager(), decisions, period=parse_period("2026-Q3")).set_index("csm_id")
    # c2: manager 2 levels below the model; c3: one level above; then agreements / no manager rating.
    assert list(out.index) == ["c2", "c3", "c1", "c4"]
    assert out.loc["c2", "rating_gap"] == -2
    assert bool(out.loc["c2", "disagreement"]) and bool(out.loc["c3", "disagreement"])
    assert not out.loc["c1", "disagreement"] and not out.loc["c4", "disagreement"]
    assert out.loc["c1", "potential"] == "high"  # the 2026-Q2 row is ignored
    assert list(out["final_source"]) == ["manager", "decision", "manager", "model"]
    assert list(out["final_rating"]) == ["needs_development", "meets", "meets", "meets"]
    assert out.loc["c3", "decision_reason"] == "saves"


def test_merge_ratings_without_manager_ratings_or_decisions():
    out = merge_ratings(scores(), None, None, period="2026-Q3")
    assert (out["final_source"] == "model").all()
    assert not out["disagreement"].any()
    assert list(out["final_rating"]) == list(out["model_rating"])


def test_audit_trail_is_json_ready():
    frame = pd.DataFrame({"csm_id": ["c1", "c2"], "final_rating": ["meets", "meets"], "reason": ["", "one deal"], "decided_by": ["VP", "VP"]})
    trail = audit_trail(load_decisions(frame, known_csms=KNOWN, model_ratings=MODEL))
    assert trail == [
        {"csm_id": "c1", "model_rating": "meets", "final_rating": "meets", "is_override": False, "reason": None, "decided_by": "VP"},
        {"csm_id": "c2", "model_rating": "exceeds", "final_rating": "meets", "is_override": True, "reason": "one deal", "decided_by": "VP"},
    ]
    json.dumps(trail)


def test_nine_box_places_final_rating_against_potential():
    merged = merge_ratings(scores(), manager(), None, period="2026-Q3")
    grid = nine_box(merged)
    assert len(grid) == 9
    cell = grid.set_index(["potential", "performance"])
    assert cell.loc[("high", "meets"), "csm_ids"] == "c1"
    assert cell.loc[("medium", "needs_development"), "csm_ids"] == "c2"
    assert grid["count"].sum() == 2  # c3 has no potential, c4 no manager rating
    with pytest.raises(InsufficientDataError, match="No potential is recorded"):
        nine_box(merge_ratings(scores(), None, None, period="2026-Q3"))
