"""`calibrate sample --messy`: what real CRMs hold, and the lifecycle counts it right, end to end.

The truths come from the generator's own record of what it planted and from
plain arithmetic on the rows it wrote (``messy_truths.json``), not from the
package's lifecycle code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.scoring import compute_period

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("messy") / "data"
    done = subprocess.run([sys.executable, "-m", "calibrate", "sample", "--messy", "--out", str(folder)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Made it messy" in done.stdout
    truths = json.loads((folder / "messy_truths.json").read_text())
    params_file = folder.parent / "messy.yaml"
    params_file.write_text(f"extends: {ROOT / 'params' / 'base.yaml'}\ndata_dir: {folder}\nperiod: 2026-Q3\n"
                           f"output_dir: {folder.parent / 'reports'}\n")
    params = load_params(params_file)
    dataset = load_dataset(folder)
    current = compute_period(dataset, params, params.quarter, triggers=False)
    return folder, truths, params, dataset, current


def test_the_messy_sample_has_forty_csms_and_everything_it_promises(messy):
    folder, truths, _, dataset, _ = messy
    assert dataset["csms"]["csm_id"].nunique() >= 40
    assert sum(len(v) for v in truths["dormant"].values()) >= 8
    assert truths["reactivated"] and truths["new_logo"] and truths["churn_notice"]
    assert truths["handover_on_renewal_day"] and truths["without_health"]
    arr = pd.read_csv(folder / "arr.csv")
    assert not arr["month"].is_monotonic_increasing  # rows out of order, as exports come


def test_validate_warns_about_dormant_assignments_and_does_not_refuse(messy):
    folder = messy[0]
    done = subprocess.run([sys.executable, "-m", "calibrate", "validate", str(folder), "--period", "2026-Q3"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dormant" in done.stdout and "MSY-" in done.stdout


def test_n_accounts_is_the_live_book_counted_from_the_rows(messy):
    _, truths, _, _, current = messy
    scores = current.scores.set_index("csm_id")
    for csm_id, expected in truths["live_book"].items():
        if csm_id in scores.index:
            assert int(scores.loc[csm_id, "n_accounts"]) == expected, csm_id


def test_dormant_accounts_are_not_in_the_book_not_new_logos_not_renewals_due(messy):
    _, truths, _, _, current = messy
    life, due = current.lifecycle, current.renewals_due
    dormant = {a for ids in truths["dormant"].values() for a in ids}
    rows = life[life["account_id"].isin(dormant)]
    assert set(rows["account_id"]) == dormant and (rows["state"] == "dormant").all()
    assert not rows["in_live_book"].any()
    assert not set(due["account_id"]) & dormant


def test_reactivations_new_logos_and_churn_notices(messy):
    _, truths, _, _, current = messy
    life = current.lifecycle.set_index("account_id")
    for ids in truths["reactivated"].values():
        for a in ids:
            assert life.loc[a, "state"] == "reactivated" and bool(life.loc[a, "in_live_book"])
    for ids in truths["new_logo"].values():
        for a in ids:
            assert life.loc[a, "state"] == "new_logo" and bool(life.loc[a, "in_live_book"])
    due = current.renewals_due.set_index("account_id")
    for csm_id, notice in truths["churn_notice"].items():
        row = due.loc[notice["account_id"]]
        assert row["csm_id"] == csm_id
        assert row["arr_at_risk"] == pytest.approx(notice["arr_at_risk"])  # at risk, not $0
        assert pd.Timestamp(row["notice_date"]).date().isoformat() == notice["notice_date"]


def test_a_handover_on_a_renewal_day_gives_each_csm_one_window(messy):
    _, truths, _, _, current = messy
    for move in truths["handover_on_renewal_day"]:
        rows = current.lifecycle[current.lifecycle["account_id"] == move["account_id"]]
        assert set(rows["csm_id"]) == {move["from"], move["to"]}
        assert int(rows["in_live_book"].sum()) == 1  # in exactly one live book at quarter end
        assert rows.loc[rows["in_live_book"], "csm_id"].iloc[0] == move["to"]


@pytest.mark.slow
def test_every_report_of_the_messy_sample_is_written_and_agrees_with_its_facts(messy):
    from calibrate.batch import run_batch

    _, truths, params, dataset, _ = messy
    result = run_batch(params, dataset=dataset, workers=2, progress=False)
    assert result.ok, [(s.job_id, (s.error or "")[:300]) for s in result.failed]
    period_dir = result.out_dir
    scores = pd.read_csv(period_dir / "scores.csv").set_index("csm_id")
    for csm_id, expected in truths["live_book"].items():
        if csm_id in scores.index:
            facts = json.loads((period_dir / "facts" / f"{csm_id}.json").read_text())
            assert facts["figures"]["n_accounts"]["value"] == expected == scores.loc[csm_id, "n_accounts"]
            dormant = set(truths["dormant"].get(csm_id, []))
            assert not {a["account_id"] for a in facts["accounts"]["new_logo"]} & dormant
            assert {a["account_id"] for a in facts["accounts"]["dormant"]} == dormant
