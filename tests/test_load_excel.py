"""Excel inputs: data/sample written by a real writer (pandas + openpyxl) scores byte-identically to the CSV run.

Cells are written typed the way an analyst's workbook holds them: dates as
Excel dates, numbers as numbers, one money column as text-formatted numbers,
and blank formatted rows after the data. A bad cell is named by file, sheet,
Excel row (header = row 1) and column.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from calibrate.contract import TABLES
from calibrate.errors import DataValidationError
from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.scoring.command import score_command

pytestmark = pytest.mark.slow  # writing the sample as .xlsx with openpyxl takes about a minute

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _typed(name: str, path: Path, *, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for column in TABLES[name].columns:
        if column.name not in frame.columns or column.name in text_columns:
            continue
        if column.kind == "date":
            frame[column.name] = pd.to_datetime(frame[column.name])
        elif column.kind in ("number", "money"):
            frame[column.name] = pd.to_numeric(frame[column.name])
    return frame


def _to_excel(folder: Path, *, workbook: bool) -> Path:
    folder.mkdir()
    frames = {p.stem: _typed(p.stem, p, text_columns=("arr",) if workbook else ()) for p in sorted(SAMPLE.glob("*.csv"))}
    if workbook:
        with pd.ExcelWriter(folder / "exports.xlsx", engine="openpyxl") as writer:
            for name, frame in frames.items():
                frame.to_excel(writer, sheet_name=name, index=False)
        book = openpyxl.load_workbook(folder / "exports.xlsx")
        sheet = book["arr"]
        for row in range(sheet.max_row + 1, sheet.max_row + 4):  # formatted but empty rows after the data
            sheet.cell(row=row, column=1).value = ""
        book.save(folder / "exports.xlsx")
    else:
        for name, frame in frames.items():
            frame.to_excel(folder / f"{name}.xlsx", index=False, engine="openpyxl")
    return folder


@pytest.fixture(scope="module")
def csv_scores(tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("csv") / "scores.csv"
    score_command(load_params(ROOT / "params" / "sample.yaml"), data_dir=SAMPLE, out=out)
    return out.read_bytes()


@pytest.mark.parametrize("workbook", [False, True], ids=["file-per-table", "one-workbook"])
def test_excel_scores_identical_to_csv(tmp_path: Path, csv_scores: bytes, workbook: bool):
    folder = _to_excel(tmp_path / "xlsx", workbook=workbook)
    assert not list(folder.glob("*.csv"))
    out = tmp_path / "scores.csv"
    score_command(load_params(ROOT / "params" / "sample.yaml"), data_dir=folder, out=out)
    assert out.read_bytes() == csv_scores


def test_bad_cell_named_by_file_sheet_row_column(tmp_path: Path):
    folder = _to_excel(tmp_path / "xlsx", workbook=True)
    book = openpyxl.load_workbook(folder / "exports.xlsx")
    sheet = book["arr"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=7, column=header.index("arr") + 1).value = "lots"
    book.save(folder / "exports.xlsx")
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    text = str(caught.value)
    line = next(l for l in text.splitlines() if "lots" in l)
    assert "exports.xlsx (sheet arr)" in line and "row 7" in line and "arr" in line, text


def test_merged_header_cells_refused(tmp_path: Path):
    folder = tmp_path / "xlsx"
    shutil.copytree(SAMPLE, folder)
    (folder / "csms.csv").unlink()
    _typed("csms", SAMPLE / "csms.csv").to_excel(folder / "csms.xlsx", index=False, engine="openpyxl")
    book = openpyxl.load_workbook(folder / "csms.xlsx")
    book.active.merge_cells("B1:C1")
    book.save(folder / "csms.xlsx")
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    assert "csms.xlsx" in str(caught.value) and "C1" in str(caught.value) and "merged" in str(caught.value)
