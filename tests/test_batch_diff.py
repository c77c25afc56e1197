"""calibrate diff on two real runs of data/sample copies: one weight and one ARR row differ.

The expectations are computed here from the files themselves (ownership.csv
read with the csv module, both scores.csv read with pandas), not by the
diff code: every CSM whose score, rating or rank moved is listed, each names
the weight with its two values, and exactly the owner of the changed account
is told that account's ARR rows changed.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
QUARTER_START, QUARTER_END = "2026-07-01", "2026-10-01"


def _calibrate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env_path = str(ROOT / "src")
    import os

    env = dict(os.environ, PYTHONPATH=env_path)
    return subprocess.run([sys.executable, "-m", "calibrate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def _single_owner_account(ownership: Path) -> tuple[str, str]:
    """An account with exactly one ownership row, open since before the quarter: (account, its CSM)."""
    rows = list(csv.DictReader(ownership.open(newline="", encoding="utf-8")))
    by_account: dict[str, list[dict]] = {}
    for row in rows:
        by_account.setdefault(row["account_id"], []).append(row)
    for account, owned in sorted(by_account.items()):
        if len(owned) == 1 and owned[0]["start_date"] < QUARTER_START and not owned[0]["end_date"]:
            return account, owned[0]["csm_id"]
    raise AssertionError("the sample has no account with one open ownership row")


def _owners_in_quarter(ownership: Path, account: str) -> set[str]:
    owners = set()
    for row in csv.DictReader(ownership.open(newline="", encoding="utf-8")):
        if row["account_id"] == account and row["start_date"] < QUARTER_END and (
                not row["end_date"] or row["end_date"] >= QUARTER_START):
            owners.add(row["csm_id"])
    return owners


def test_diff_names_the_csms_and_the_causes(tmp_path: Path):
    data_a, data_b = tmp_path / "data_a", tmp_path / "data_b"
    shutil.copytree(ROOT / "data" / "sample", data_a)
    shutil.copytree(ROOT / "data" / "sample", data_b)

    account, _ = _single_owner_account(data_b / "ownership.csv")
    expected_owners = _owners_in_quarter(data_b / "ownership.csv", account)
    arr_path = data_b / "arr.csv"
    lines = arr_path.read_text(encoding="utf-8").splitlines(keepends=True)
    hit = [i for i, line in enumerate(lines) if line.startswith(f'"{account}",2026-09-01,')]
    assert len(hit) == 1
    old_value = int(lines[hit[0]].rsplit(",", 1)[1])
    lines[hit[0]] = f'"{account}",2026-09-01,{old_value // 2}\n'
    arr_path.write_text("".join(lines), encoding="utf-8")

    params_b = tmp_path / "weights.yaml"
    params_b.write_text(f"extends: {ROOT / 'params' / 'sample.yaml'}\nscoring:\n  weights:\n    retention: 0.40\n",
                        encoding="utf-8")

    run_a = _calibrate("run", "--params", str(ROOT / "params" / "sample.yaml"), "--data", str(data_a),
                       "--out", str(tmp_path / "reports_a"), "--workers", "2", cwd=tmp_path)
    assert run_a.returncode == 0, run_a.stderr[-2000:]
    run_b = _calibrate("run", "--params", str(params_b), "--data", str(data_b), "--out", str(tmp_path / "reports_b"),
                       "--workers", "2", "--compare-with", str(tmp_path / "reports_a"), cwd=tmp_path)
    assert run_b.returncode == 0, run_b.stderr[-2000:]
    folder_a, folder_b = tmp_path / "reports_a" / "2026-Q3", tmp_path / "reports_b" / "2026-Q3"

    # what moved, read straight from the two score files
    sa = pd.read_csv(folder_a / "scores.csv").set_index("csm_id")[["overall_score", "rating", "rank"]]
    sb = pd.read_csv(folder_b / "scores.csv").set_index("csm_id")[["overall_score", "rating", "rank"]]
    moved = {c for c in sa.index.union(sb.index)
             if c not in sa.index or c not in sb.index or abs(sa.at[c, "overall_score"] - sb.at[c, "overall_score"]) > 1e-9
             or sa.at[c, "rating"] != sb.at[c, "rating"] or sa.at[c, "rank"] != sb.at[c, "rank"]}
    assert moved and expected_owners <= moved

    # the run's index links the diff it wrote
    index = (folder_b / "index.html").read_text(encoding="utf-8")
    assert 'href="diff.csv"' in index
    linked = pd.read_csv(folder_b / "diff.csv", dtype=str, keep_default_na=False)

    out = tmp_path / "cli-diff.csv"
    cli = _calibrate("diff", str(folder_a), str(tmp_path / "reports_b"), "--out", str(out), cwd=tmp_path)
    assert cli.returncode == 0, cli.stderr
    diff = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert diff.equals(linked)

    assert set(diff["csm_id"]) == moved
    weight = "scoring.weights.retention: 0.25 -> 0.4"
    assert (diff["params_changed"] == weight).all(), diff["params_changed"].unique()
    assert (diff["tables_changed"] == "arr").all()
    named = set(diff.loc[diff["accounts_changed"] != "", "csm_id"])
    assert named == expected_owners
    for owner in expected_owners:
        row = diff.set_index("csm_id").loc[owner]
        assert row["accounts_changed"] == f"arr: {account}"
        assert f"arr: rows of {account} changed" in row["cause"] and weight in row["cause"]
    others = diff[~diff["csm_id"].isin(expected_owners)]
    assert others["cause"].str.contains("changed for other CSMs only").all()
    assert (diff["package_version"] == "").all()
    for csm in moved:  # the printed table names every CSM that moved
        assert csm in cli.stdout


def test_diff_refuses_a_folder_without_a_manifest(tmp_path: Path):
    (tmp_path / "a").mkdir()
    result = _calibrate("diff", str(tmp_path / "a"), str(tmp_path / "a"), "--out", str(tmp_path / "d.csv"), cwd=tmp_path)
    assert result.returncode == 2
    assert "no manifest.json" in result.stderr
    assert not (tmp_path / "d.csv").exists()
