"""The command line: exit codes and what `calibrate validate` prints."""

from __future__ import annotations

import subprocess
import sys

from calibrate.cli import main
from load_fixtures import VALID_TABLES, set_cell, write_tables


def test_validate_prints_a_summary_of_a_valid_folder(tmp_path, capsys):
    folder = write_tables(tmp_path / "data", VALID_TABLES)
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Valid: ")
    assert "CSMs" in out and "accounts" in out and "ARR months" in out
    assert "ownership" in out


def test_validate_refuses_bad_input_with_exit_2_and_names_the_cell(tmp_path, capsys):
    tables = set_cell(VALID_TABLES, "arr", 3, "arr", "-1200")
    folder = write_tables(tmp_path / "data", tables)
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "arr.csv row 3, column arr" in err
    assert '"-1200"' in err


def test_bad_params_exit_2_and_name_the_key(tmp_path, capsys):
    folder = write_tables(tmp_path / "data", VALID_TABLES)
    bad = tmp_path / "p.yaml"
    bad.write_text("money_formt: loose\n")
    assert main(["validate", str(folder), "--params", str(bad)]) == 2
    assert "Did you mean 'money_format'?" in capsys.readouterr().err


def test_python_dash_m_runs_the_same_cli():
    done = subprocess.run([sys.executable, "-m", "calibrate", "--version"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout.startswith("calibrate ")


def test_run_refuses_bad_data_before_writing_anything(tmp_path, capsys):
    folder = write_tables(tmp_path / "data", set_cell(VALID_TABLES, "ownership", 2, "csm_id", "nobody"))
    reports = tmp_path / "reports"
    earlier = reports / "2026-Q2"
    earlier.mkdir(parents=True)
    (earlier / "index.html").write_text("earlier run")
    params = tmp_path / "p.yaml"
    params.write_text("period: 2026-Q3\n")
    code = main(["run", "--params", str(params), "--data", str(folder), "--out", str(reports)])
    assert code == 2
    assert "ownership.csv row 2, column csm_id" in capsys.readouterr().err
    assert sorted(p.name for p in reports.iterdir()) == ["2026-Q2"]
    assert (earlier / "index.html").read_text() == "earlier run"


def test_validate_warns_about_dormant_assignments_and_still_accepts_them(tmp_path, capsys):
    # A005 is assigned to C001 but billed $0 in every month of 2026-Q1: dormant, a warning, not an error.
    tables = dict(VALID_TABLES)
    tables["accounts"] += "A005,Echo,smb,2020-01-01,retail,emea\n"
    tables["ownership"] += "A005,C001,2025-01-01,\n"
    tables["arr"] += "".join(f"{a},2026-04-01,{v}\n" for a, v in (("A001", 125000), ("A002", 38000), ("A003", 0), ("A004", 210000)))
    tables["arr"] += "".join(f"A005,2026-0{m}-01,0\n" for m in (1, 2, 3, 4))
    folder = write_tables(tmp_path / "data", tables)
    assert main(["validate", str(folder), "--period", "2026-Q1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Valid: ")
    warning = next(line for line in out.splitlines() if "dormant" in line)
    # Only A005: A003 churned in March but was billed in January and February.
    assert "1 account(s)" in warning and "A005" in warning and "A003" not in warning
    assert "2026-Q1" in warning
