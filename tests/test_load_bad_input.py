"""Bad input: each case corrupts a tiny valid folder once and checks the message.

Every case asserts that the error names the right file, row and column, that
every violation is listed (not only the first) and that the folder is left
exactly as it was (nothing written, nothing touched).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from calibrate.errors import DataValidationError
from calibrate.load import load_dataset
from load_fixtures import VALID_TABLES, append_row, rename_column, set_cell, snapshot, write_tables

LONG_TEXT = "x" * 1001


def _drop(table: str):
    return lambda t: {k: v for k, v in t.items() if k != table}


def _replace(table: str, text: str):
    return lambda t: {**t, table: text}


def _cell(table: str, row: int, column: str, value: str):
    return lambda t: set_cell(t, table, row, column, value)


def _append(table: str, **cells: str):
    return lambda t: append_row(t, table, cells)


def _rename(table: str, old: str, new: str):
    return lambda t: rename_column(t, table, old, new)


def _both(*changes):
    def apply(t):
        for change in changes:
            t = change(t)
        return t

    return apply


# (case id, corruption, substrings that must all appear in the message)
CASES = [
    ("missing_required_table", _drop("accounts"), ["accounts.csv: ", "looked for accounts.csv and accounts.parquet in"]),
    ("empty_file", _replace("csms", ""), ["csms.csv: ", "is empty"]),
    ("header_only_required", _replace("health", "account_id,date,score\n"), ["health.csv: ", "only a header"]),
    ("missing_required_column", _rename("accounts", "segment", "segmnt"), ["accounts.csv column segment", 'Did you mean "segmnt"']),
    ("duplicate_header", _rename("accounts", "region", "industry"), ["accounts.csv column industry", "twice"]),
    ("required_cell_empty", _cell("accounts", 3, "name", ""), ['accounts.csv row 3, column name: got ""', "required"]),
    ("blank_cell_is_empty", _cell("accounts", 4, "segment", "   "), ["accounts.csv row 4, column segment", "required"]),
    ("unparseable_number", _cell("health", 2, "score", "high"), ['health.csv row 2, column score: got "high"', "a plain number"]),
    ("number_out_of_range", _cell("health", 3, "score", "150"), ['health.csv row 3, column score: got "150"', "from 0 to 100"]),
    ("negative_arr", _cell("arr", 4, "arr", "-1200"), ['arr.csv row 4, column arr: got "-1200", expected a number >= 0']),
    ("money_strict", _cell("arr", 5, "arr", "$1,200.00"), ['arr.csv row 5, column arr: got "$1,200.00"', "money_format: loose"]),
    ("unknown_enum", _cell("activities", 4, "kind", "lunch"), ['activities.csv row 4, column kind: got "lunch"', "one of call, meeting"]),
    ("duplicate_key", _cell("activities", 4, "activity_id", "ACT1"), ["activities.csv row 4, column activity_id", "row 2 has the same"]),
    ("duplicate_composite_key", _append("health", account_id="A001", date="2026-01-05", score="70"),
     ["health.csv row 7, column account_id + date", "row 2 has the same"]),
    ("unknown_csm", _cell("ownership", 3, "csm_id", "C999"), ['ownership.csv row 3, column csm_id: got "C999"', "listed in csms.csv"]),
    ("unknown_account", _cell("arr", 2, "account_id", "A404"), ['arr.csv row 2, column account_id: got "A404"', "listed in accounts.csv"]),
    ("unknown_fk_optional_table", _cell("evidence", 2, "csm_id", "C404"), ["evidence.csv row 2, column csm_id", "listed in csms.csv"]),
    ("ownership_overlap", _append("ownership", account_id="A001", csm_id="C002", start_date="2025-06-01"),
     ["ownership.csv row 7, column start_date", "overlaps row 2"]),
    ("end_before_start", _cell("ownership", 3, "end_date", "2024-12-01"), ["ownership.csv row 3, column end_date", "after start_date"]),
    ("resolved_before_opened", _cell("tickets", 2, "resolved_at", "2026-01-01T00:00:00Z"),
     ["tickets.csv row 2, column resolved_at", "on or after opened_at"]),
    ("arr_month_not_first_day", _cell("arr", 3, "month", "2026-02-15"), ['arr.csv row 3, column month: got "2026-02-15"', "first day"]),
    ("csat_out_of_range", _cell("surveys", 3, "score", "7"), ["surveys.csv row 3, column score", "csat score from 1 to 5"]),
    ("nps_out_of_range", _cell("surveys", 2, "score", "11"), ["surveys.csv row 2, column score", "from 0 to 10"]),
    ("evidence_too_long", _cell("evidence", 3, "text", LONG_TEXT), ["evidence.csv row 3, column text", "at most 1000 characters (this cell has 1001)"]),
    ("bad_bool", _cell("tickets", 3, "escalated", "maybe"), ['tickets.csv row 3, column escalated: got "maybe"', "true/false"]),
    ("impossible_date", _cell("csms", 3, "hire_date", "2023-02-30"), ['csms.csv row 3, column hire_date: got "2023-02-30"', "ISO date"]),
    ("us_date_format", _cell("accounts", 2, "customer_since", "01/31/2020"), ["accounts.csv row 2, column customer_since", "ISO date"]),
    ("date_with_time", _cell("health", 4, "date", "2026-01-05T10:00:00"), ["health.csv row 4, column date", "without a time of day"]),
    ("bad_timestamp", _cell("activities", 5, "occurred_at", "yesterday"), ['activities.csv row 5, column occurred_at: got "yesterday"', "ISO timestamp"]),
    ("bad_period", _cell("manager_ratings", 2, "period", "2026-Q5"), ['manager_ratings.csv row 2, column period: got "2026-Q5"', "quarter"]),
    ("bad_rating", _cell("manager_ratings", 3, "rating", "great"), ["manager_ratings.csv row 3, column rating", "exceeds, meets, needs_development"]),
    ("ragged_row", _replace("accounts", VALID_TABLES["accounts"] + "A005,Edge\n"), ["accounts.csv row 6", "fields like the header row, found 2"]),
    ("two_files_at_once", _both(_cell("accounts", 2, "segment", ""), _cell("health", 5, "score", "-3")),
     ["accounts.csv row 2, column segment", "health.csv row 5, column score", "2 problem(s)"]),
]


@pytest.mark.parametrize("case_id, corrupt, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_named_and_nothing_is_written(tmp_path: Path, case_id, corrupt, expected):
    folder = write_tables(tmp_path / "data", corrupt(dict(VALID_TABLES)))
    before = snapshot(tmp_path)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    message = str(caught.value)
    for text in expected:
        assert text in message, f"{case_id}: {text!r} not in:\n{message}"
    assert caught.value.violations, "the error must carry its violations"
    assert snapshot(tmp_path) == before


def test_every_violation_is_reported_not_only_the_first(tmp_path: Path):
    tables = set_cell(VALID_TABLES, "ownership", 3, "csm_id", "C999")
    tables = set_cell(tables, "activities", 2, "kind", "lunch")
    tables = set_cell(tables, "arr", 6, "arr", "abc")
    tables = set_cell(tables, "surveys", 3, "score", "9")
    folder = write_tables(tmp_path, tables)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    assert caught.value.total == 4
    files = sorted(v.file for v in caught.value.violations)
    assert files == ["activities.csv", "arr.csv", "ownership.csv", "surveys.csv"]


def test_repetitive_violations_are_capped_but_all_counted(tmp_path: Path):
    tables = dict(VALID_TABLES)
    for i in range(30):
        tables = append_row(tables, "health", {"account_id": "A002", "date": f"2025-01-{i + 1:02d}", "score": "bad"})
    folder = write_tables(tmp_path, tables)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    error = caught.value
    assert error.total == 30
    cell_lines = [v for v in error.violations if v.row is not None]
    assert len(cell_lines) == 20
    assert "... and 10 more row(s) in column score" in str(error)


def test_column_map_source_named_in_messages(tmp_path: Path):
    tables = rename_column(VALID_TABLES, "arr", "arr", "Acct ARR")
    tables = set_cell(tables, "arr", 4, "Acct ARR", "-5")
    folder = write_tables(tmp_path, tables)
    with pytest.raises(DataValidationError, match=r'arr\.csv row 4, column "Acct ARR" \(arr\): got "-5"'):
        load_dataset(folder, column_map={"arr": {"Acct ARR": "arr"}})


def test_column_map_to_a_missing_source_says_so(tmp_path: Path):
    tables = rename_column(VALID_TABLES, "accounts", "name", "Acct")
    folder = write_tables(tmp_path, tables)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder, column_map={"accounts": {"Account Name": "name"}})
    message = str(caught.value)
    assert 'accounts.csv column "Account Name" (name)' in message
    assert 'the file has no "Account Name" either' in message


def test_csv_and_parquet_of_one_table_is_an_error(tmp_path: Path):
    folder = write_tables(tmp_path, VALID_TABLES)
    pd.DataFrame({"account_id": ["A001"], "name": ["x"], "segment": ["smb"]}).to_parquet(folder / "accounts.parquet")
    before = snapshot(tmp_path)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    assert "both accounts.csv and accounts.parquet" in str(caught.value)
    assert snapshot(tmp_path) == before


def test_not_utf8_file_is_named(tmp_path: Path):
    folder = write_tables(tmp_path, VALID_TABLES)
    (folder / "accounts.csv").write_bytes(VALID_TABLES["accounts"].replace("Acme", "Ac\xe9me").encode("latin-1"))
    with pytest.raises(DataValidationError, match=r"accounts\.csv: .*not UTF-8"):
        load_dataset(folder)


def test_missing_folder_is_named(tmp_path: Path):
    with pytest.raises(DataValidationError, match="no such folder"):
        load_dataset(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_cross_table_checks_skip_a_table_that_did_not_parse(tmp_path: Path):
    # csms lacks csm_id: that is reported once; ownership's csm_ids are not all reported as unknown.
    folder = write_tables(tmp_path, rename_column(VALID_TABLES, "csms", "csm_id", "id"))
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    assert "csms.csv column csm_id" in str(caught.value)
    assert "listed in csms.csv" not in str(caught.value)


def test_missing_table_suggests_a_near_file_name(tmp_path: Path):
    folder = write_tables(tmp_path, VALID_TABLES, skip=("health",))
    (folder / "Health_export.csv").write_text(VALID_TABLES["health"])
    with pytest.raises(DataValidationError, match=r'A file named "Health_export\.csv" is there: rename it to health\.csv'):
        load_dataset(folder)
