"""Excel inputs: ``<table>.xlsx`` per table, or one workbook with a sheet per table.

Each sheet is read with python-calamine (measured faster than pandas with
openpyxl: ``benchmarks/excel_read.py``) and turned into the same text a CSV
export would hold, so one set of rules validates every format:

* numbers: whole numbers as ``218050``, others in their shortest form
  (``0.35``); a number typed as text stays the text it is;
* date cells as ``2026-07-01`` (``2026-07-01T09:30:00`` with a time);
* booleans as ``true``/``false``; empty cells are missing.

The header must be in row 1 of the sheet, so the row numbers of messages are
the ones Excel shows. Blank rows are skipped (rows after them keep their
Excel numbers); a header cell left empty (e.g. by merged header cells) is
refused, naming its column letter. Numbers in a date column (Excel's day
serials, when a date column is formatted as a number) are refused by the
date rule with the cell named, since a serial cannot be told from a count.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path

import pyarrow as pa

from .reading import TextTable, UnreadableFile

__all__ = ["EXCEL_SUFFIX", "excel_source", "workbook_sheets", "read_excel_sheet", "find_workbook", "cell_text", "column_letter"]

EXCEL_SUFFIX = ".xlsx"


def column_letter(index: int) -> str:
    """Excel's letter for a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_text(value) -> str | None:
    """The text a CSV export would hold for one Excel cell value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    text = str(value).strip()
    return text or None


def _open(path: Path):
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        raise UnreadableFile("is an Excel workbook, and reading one needs python-calamine: "
                             "pip install python-calamine (or export the sheets as CSV)") from None

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for a damaged or encrypted file
        raise UnreadableFile(f"cannot be opened as an Excel workbook ({type(exc).__name__}: {exc}); "
                             "save it again from Excel as .xlsx") from None


def workbook_sheets(path: Path) -> list[str]:
    return list(_open(path).sheet_names)


def find_workbook(data_dir: Path, tables) -> Path | None:
    """The single ``.xlsx`` workbook of a folder whose sheets are tables (None when there is none or several).

    A file named after a table (``arr.xlsx``) is that table's own file, not the workbook.
    """
    books = sorted(p for p in data_dir.glob(f"*{EXCEL_SUFFIX}")
                   if p.is_file() and not p.name.startswith("~$") and p.stem not in tables)
    return books[0] if len(books) == 1 else None


def excel_source(data_dir: Path, table: str, tables) -> tuple[Path, str | None, str] | None:
    """Where ``table`` is in Excel form: (file, sheet or None for the first, label for messages), or None."""
    own = data_dir / f"{table}{EXCEL_SUFFIX}"
    if own.is_file():
        return own, None, f"{own.name} (sheet {workbook_sheets(own)[0]})"
    book = find_workbook(data_dir, tables) if data_dir.is_dir() else None
    if book is not None and table in workbook_sheets(book):
        return book, table, f"{book.name} (sheet {table})"
    return None


def read_excel_sheet(path: Path, sheet: str | None = None) -> TextTable:
    """Read one sheet (default: the first) as text columns; the header is Excel row 1."""
    book = _open(path)
    name = sheet if sheet is not None else book.sheet_names[0]
    try:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise UnreadableFile(f"sheet {name!r} cannot be read ({exc})") from None
    if not rows or all(cell_text(v) is None for v in rows[0]):
        raise UnreadableFile(f"sheet {name!r} has no header in row 1; put the column names in the first row")
    header_cells = [cell_text(v) for v in rows[0]]
    while header_cells and header_cells[-1] is None:
        header_cells.pop()
    empty = [column_letter(i) for i, v in enumerate(header_cells) if v is None]
    if empty:
        raise UnreadableFile(
            f"sheet {name!r}: header cell {', '.join(e + '1' for e in empty)} is empty (merged header cells "
            "leave all but the first empty); give every column its own name in row 1")
    width = len(header_cells)
    body: list[list[str | None]] = []
    blank_lines: list[int] = []
    for excel_row, raw in enumerate(rows[1:], start=2):
        cells = [cell_text(v) for v in raw[:width]] + [None] * max(0, width - len(raw))
        extra = [cell_text(v) for v in raw[width:]]
        if any(v is not None for v in extra):
            first = width + next(i for i, v in enumerate(extra) if v is not None)
            raise UnreadableFile(f"sheet {name!r}: cell {column_letter(first)}{excel_row} holds a value under no "
                                 "header; name the column in row 1 or clear the cell")
        if all(v is None for v in cells):
            blank_lines.append(excel_row)
            continue
        body.append(cells)
    # trailing blank rows are formatting, not data: they must not shift anything
    last_data = (max(set(range(2, len(rows) + 1)) - set(blank_lines)) if len(blank_lines) < len(rows) - 1 else 1)
    blank_lines = [line for line in blank_lines if line < last_data]
    columns = [pa.chunked_array([pa.array([r[i] for r in body], type=pa.string())]) for i in range(width)]
    return TextTable(header=header_cells, columns=columns, num_rows=len(body), blank_lines=blank_lines)
