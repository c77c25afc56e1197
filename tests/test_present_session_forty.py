"""A 40-CSM session from the sample generator runs to the end with no hand-edited file."""

from __future__ import annotations

import pandas as pd
import pytest

from calibrate.cli import main
from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.present.session import SessionState, load_session_inputs
from calibrate.present.session.export import export_session
from calibrate.present.team import load_calibration_decisions
from session_browser import session_params


@pytest.mark.slow
def test_forty_csm_session_decides_everyone_exports_and_the_batch_reads_the_decisions(tmp_path):
    data = tmp_path / "data"
    assert main(["sample", "--out", str(data), "--csms", "40", "--quarters", "4"]) == 0
    params_path = session_params(tmp_path, data_dir=data)
    inputs = load_session_inputs(params_path)
    state = SessionState.open(inputs, who="VP", now="2026-10-05T09:00:00Z")
    queue = state.queue()
    assert len(queue) >= 35  # everyone with a book this quarter
    codes = list(inputs.params.session.reason_codes)
    for i, csm in enumerate(queue["csm_id"]):
        # Each disagreement settles on the manager's side, every other CSM keeps the rating they came in with.
        row = state.view.merged.set_index("csm_id").loc[csm]
        rating = row["manager_rating"] if pd.notna(row["manager_rating"]) else row["model_rating"]
        state.decide(csm, str(rating), reason_code=codes[i % len(codes)], comment=f"Discussed as item {i + 1}",
                     decided_by="VP", now=f"2026-10-05T09:{i // 60:02d}:{i % 60:02d}Z")
    assert state.view.open_disagreements == 0 and state.view.decided == len(queue)
    assert state.queue()["decided"].all()
    paths = export_session(state, tmp_path / "export")
    exported = pd.read_csv(paths["session_decisions.csv"])
    assert len(exported) == len(queue) and exported["moved"].eq("no").all()

    # The next `calibrate run` reads the file as it is (same function, same checks).
    params = load_params(params_path)
    dataset = load_dataset(params.data_path(), **params.load_options())
    decisions = load_calibration_decisions(params, dataset, inputs.scores)
    assert len(decisions) == len(queue)
    assert set(decisions["csm_id"]) == set(queue["csm_id"])
