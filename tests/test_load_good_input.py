"""Good input: tolerated formats, renames, optional tables, typed dtypes, carried-forward ARR."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from calibrate.contract import OPTIONAL_TABLES, TABLES, VALIDATED_DTYPES
from calibrate.errors import DataValidationError
from calibrate.load import load_dataset, validate_frames
from load_fixtures import VALID_TABLES, parse_rows, rename_column, set_cell, snapshot, write_tables

DTYPE_OF_KIND = VALIDATED_DTYPES


@pytest.fixture
def valid_folder(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "data", VALID_TABLES)


def test_valid_folder_loads_every_table_with_contract_dtypes(valid_folder: Path):
    dataset = load_dataset(valid_folder)
    for name, spec in TABLES.items():
        frame = dataset[name]
        assert len(frame) == len(parse_rows(VALID_TABLES[name])) - 1
        for column in spec.columns:
            assert str(frame[column.name].dtype) == DTYPE_OF_KIND[column.kind], (name, column.name)
    assert [s.table for s in dataset.sources] == list(TABLES)
    assert all(len(s.sha256) == 64 for s in dataset.sources)
    assert dataset.warnings == ()


def test_loading_writes_nothing(valid_folder: Path):
    before = snapshot(valid_folder.parent)
    load_dataset(valid_folder)
    assert snapshot(valid_folder.parent) == before


def test_bom_crlf_and_padding_are_tolerated(tmp_path: Path):
    tables = dict(VALID_TABLES)
    lines = tables["accounts"].strip("\n").split("\n")
    padded = [", ".join(f"  {cell}  " for cell in line.split(",")) for line in lines]
    tables["accounts"] = "\ufeff" + "\r\n".join(padded) + "\r\n"
    dataset = load_dataset(write_tables(tmp_path, tables))
    accounts = dataset["accounts"]
    assert list(accounts.columns[:3]) == ["account_id", "name", "segment"]
    assert accounts["account_id"].tolist() == ["A001", "A002", "A003", "A004"]
    assert accounts["customer_since"].iloc[0] == pd.Timestamp("2020-01-01")


def test_leading_zero_ids_are_kept_as_text(valid_folder: Path):
    dataset = load_dataset(valid_folder)
    assert "00123" in dataset["csms"]["csm_id"].tolist()
    assert dataset["ownership"].loc[3, "csm_id"] == "00123"


def test_timestamps_with_offsets_become_utc_naive(valid_folder: Path):
    occurred = load_dataset(valid_folder)["activities"]["occurred_at"]
    assert occurred.dt.tz is None
    assert occurred.tolist() == [
        pd.Timestamp("2026-01-10 09:30"),
        pd.Timestamp("2026-01-20 13:00"),  # 15:00 at +02:00
        pd.Timestamp("2026-02-03 10:00"),  # no offset: taken as UTC
        pd.Timestamp("2026-02-10 00:00"),  # a plain date is midnight
        pd.Timestamp("2026-03-01 13:00"),  # 08:00 at -05:00
    ]


def test_enums_lower_cased_bools_and_months_parsed(valid_folder: Path):
    dataset = load_dataset(valid_folder)
    assert dataset["activities"]["kind"].tolist()[1] == "qbr"
    assert dataset["activities"]["ai_assisted"].tolist() == [True, False, False, True, pd.NA]
    months = dataset["arr"].loc[dataset["arr"]["account_id"] == "A002", "month"]
    assert months.tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01"), pd.Timestamp("2026-03-01")]


def test_optional_tables_absent_are_none(tmp_path: Path):
    folder = write_tables(tmp_path, VALID_TABLES, skip=OPTIONAL_TABLES)
    dataset = load_dataset(folder)
    for name in OPTIONAL_TABLES:
        assert dataset.get(name) is None
        assert not dataset.has(name)
    assert dataset.has("arr")


def test_absent_optional_columns_are_added_empty(tmp_path: Path):
    tables = dict(VALID_TABLES)
    tables["accounts"] = "account_id,name,segment\nA001,Acme,enterprise\nA002,Bolt,smb\nA003,Cove,smb\nA004,Dune,smb\n"
    accounts = load_dataset(write_tables(tmp_path, tables))["accounts"]
    assert accounts["customer_since"].isna().all()
    assert str(accounts["customer_since"].dtype) == "datetime64[ns]"


def test_extra_and_group_columns_are_kept_as_text(valid_folder: Path):
    csms = load_dataset(valid_folder)["csms"]
    assert csms["group_location"].tolist() == ["remote", "office", "remote"]
    assert str(csms["group_location"].dtype) == "string"


def test_column_map_renames_before_validation(tmp_path: Path):
    tables = rename_column(VALID_TABLES, "accounts", "name", "Account Name")
    tables = rename_column(tables, "arr", "arr", "Acct ARR")
    folder = write_tables(tmp_path, tables)
    dataset = load_dataset(folder, column_map={"accounts": {"Account Name": "name"}, "arr": {"Acct ARR": "arr"}})
    assert dataset["accounts"]["name"].iloc[0] == "Acme"
    assert dataset["arr"]["arr"].iloc[0] == 120000.0


@pytest.mark.parametrize("money_format", ["strict", "loose"])
def test_money_loose_versus_strict(tmp_path: Path, money_format: str):
    tables = set_cell(VALID_TABLES, "arr", 2, "arr", "$1,200.00")
    tables = set_cell(tables, "csms", 2, "fully_loaded_cost", " 150,000 ")
    folder = write_tables(tmp_path, tables)
    if money_format == "strict":
        with pytest.raises(DataValidationError) as caught:
            load_dataset(folder)
        assert caught.value.total == 2
        return
    dataset = load_dataset(folder, money_format="loose")
    assert dataset["arr"]["arr"].iloc[0] == 1200.0
    assert dataset["csms"]["fully_loaded_cost"].iloc[0] == 150000.0


def test_arr_gap_is_carried_forward_with_a_warning(tmp_path: Path):
    rows = parse_rows(VALID_TABLES["arr"])
    without_february = [r for r in rows if not (r[0] == "A001" and r[1] == "2026-02-01")]
    tables = {**VALID_TABLES, "arr": "\n".join(",".join(r) for r in without_february) + "\n"}
    dataset = load_dataset(write_tables(tmp_path, tables))
    arr = dataset["arr"]
    a001 = arr[arr["account_id"] == "A001"]
    assert a001["month"].tolist() == [pd.Timestamp(f"2026-0{m}-01") for m in (1, 2, 3)]
    assert a001["arr"].tolist() == [120000.0, 120000.0, 125000.0]
    assert len(arr) == len(rows) - 1
    assert any("A001" in w and "2026-01" in w and "carried forward" in w for w in dataset.warnings)


def test_parquet_with_typed_columns_is_accepted(tmp_path: Path):
    folder = write_tables(tmp_path, VALID_TABLES, skip=("health", "activities"))
    pd.DataFrame(
        {
            "account_id": ["A001", "A002"],
            "date": pd.to_datetime(["2026-01-05", "2026-01-06"]),
            "score": [80, 55.5],
        }
    ).to_parquet(folder / "health.parquet")
    pd.DataFrame(
        {
            "activity_id": ["X1", "X2"],
            "account_id": ["A001", "A002"],
            "csm_id": ["C001", "C002"],
            "occurred_at": pd.to_datetime(["2026-01-10 11:30", "2026-01-11 09:00"]).tz_localize("Europe/Paris"),
            "kind": ["Call", "email"],
            "initiated_by": ["csm", "customer"],
            "customer_facing_minutes": [30, None],
            "ai_assisted": [True, False],
        }
    ).to_parquet(folder / "activities.parquet")
    dataset = load_dataset(folder)
    assert dataset["health"]["score"].tolist() == [80.0, 55.5]
    assert dataset["health"]["date"].iloc[1] == pd.Timestamp("2026-01-06")
    assert dataset["activities"]["occurred_at"].iloc[0] == pd.Timestamp("2026-01-10 10:30")
    assert dataset["activities"]["ai_assisted"].tolist() == [True, False]
    assert dataset["activities"]["kind"].iloc[0] == "call"
    assert {s.path.rsplit("/", 1)[-1] for s in dataset.sources} >= {"health.parquet", "activities.parquet"}


def test_parquet_errors_name_the_parquet_file(tmp_path: Path):
    folder = write_tables(tmp_path, VALID_TABLES, skip=("health",))
    pd.DataFrame({"account_id": ["A001", "A001"], "date": ["2026-01-05", "2026-01-05"], "score": [80, 101]}).to_parquet(folder / "health.parquet")
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    message = str(caught.value)
    assert "health.parquet row 3, column score" in message
    assert "health.parquet row 3, column account_id + date" in message


def test_validate_frames_matches_load_dataset(valid_folder: Path):
    frames = {name: pd.read_csv(valid_folder / f"{name}.csv", dtype=str, keep_default_na=False) for name in TABLES}
    from_frames = validate_frames(frames)
    from_files = load_dataset(valid_folder)
    for name in TABLES:
        pd.testing.assert_frame_equal(from_frames[name], from_files[name])


def test_validate_frames_accepts_python_values_and_reports_like_files():
    frames = {name: pd.read_csv(__import__("io").StringIO(text), dtype=str, keep_default_na=False) for name, text in VALID_TABLES.items()}
    frames["health"] = pd.DataFrame({"account_id": ["A001", "A002"], "date": [dt.date(2026, 1, 5), dt.date(2026, 1, 6)], "score": [80, 250]})
    with pytest.raises(DataValidationError, match=r"health\.csv row 3, column score: got \"250\""):
        validate_frames(frames)
    frames["health"].loc[1, "score"] = 25
    dataset = validate_frames({k: v for k, v in frames.items() if k not in OPTIONAL_TABLES})
    assert dataset["health"]["score"].tolist() == [80.0, 25.0]
    assert dataset.get("tickets") is None


def test_progress_is_reported(valid_folder: Path):
    messages: list[str] = []
    load_dataset(valid_folder, progress=messages.append)
    assert "reading accounts.csv" in messages
    assert any(m.startswith("checking") for m in messages)


def test_unknown_money_format_is_a_params_error(valid_folder: Path):
    from calibrate.errors import ParamsError

    with pytest.raises(ParamsError, match="money_format"):
        load_dataset(valid_folder, money_format="lenient")


def test_optional_table_with_only_a_header_is_an_empty_typed_frame(tmp_path: Path):
    tables = {**VALID_TABLES, "tickets": VALID_TABLES["tickets"].split("\n")[0] + "\n"}
    tickets = load_dataset(write_tables(tmp_path, tables))["tickets"]
    assert tickets.empty
    assert str(tickets["opened_at"].dtype) == "datetime64[ns]"
    assert str(tickets["escalated"].dtype) == "boolean"
