"""Find each table's file and read it as text, never guessing types.

Every CSV column is read as text (so ``00123`` stays ``00123``); Parquet
columns that arrive typed are turned into the text a CSV export would hold, so
one set of rules validates both. Cells are trimmed and an empty cell is missing.
This is the only module that opens input files, and it only reads them.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

__all__ = [
    "TextTable",
    "UnreadableFile",
    "SUFFIXES",
    "find_table_file",
    "read_table_file",
    "read_csv_text",
    "read_parquet_text",
    "frame_to_text",
    "clean_text",
    "file_sha256",
]

SUFFIXES = (".csv", ".parquet")
_NULL_TEXT = pa.scalar(None, pa.string())


class UnreadableFile(Exception):
    """A file that cannot be read at all; the message says why and how to fix it."""


@dataclass
class TextTable:
    """One input file as trimmed text columns, in file order.

    ``header`` holds the column names as written in the file (trimmed);
    ``columns[i]`` is the text of ``header[i]`` (missing cells are null).
    ``malformed`` lists (line, fields found, text) of rows skipped because they
    had the wrong number of fields.
    """

    header: list[str]
    columns: list[pa.ChunkedArray]
    num_rows: int
    malformed: list[tuple[int | None, int, str]] = field(default_factory=list)

    def spreadsheet_rows(self, positions: np.ndarray) -> np.ndarray:
        """Row numbers as a spreadsheet shows them (header = row 1) for 0-based positions."""
        rows = np.asarray(positions, dtype=np.int64) + 2
        for line in sorted(line for line, _, _ in self.malformed if line is not None):
            rows = np.where(rows >= line, rows + 1, rows)
        return rows


def find_table_file(data_dir: Path, table: str) -> tuple[list[Path], str]:
    """Return the existing files for ``table`` and a hint naming near misses.

    The hint is empty when nothing in the folder looks like the table
    (e.g. ``Accounts.CSV`` or ``accounts_export.csv`` for ``accounts``).
    """
    found = [data_dir / f"{table}{suffix}" for suffix in SUFFIXES if (data_dir / f"{table}{suffix}").is_file()]
    if found:
        return found, ""
    names = [p.name for p in data_dir.iterdir() if p.is_file()] if data_dir.is_dir() else []
    stems = {}
    for name in names:
        stems.setdefault(Path(name).stem.lower(), name)
    close = difflib.get_close_matches(table, list(stems), n=1, cutoff=0.75)
    if not close:
        close = [stem for stem in sorted(stems) if stem.startswith(table)][:1]
    hint = f' A file named "{stems[close[0]]}" is there: rename it to {table}.csv.' if close else ""
    return [], hint


def read_table_file(path: Path) -> TextTable:
    """Read ``path`` (``.csv`` or ``.parquet``) as text; raise ``UnreadableFile`` if impossible."""
    if path.suffix.lower() == ".parquet":
        return read_parquet_text(path)
    return read_csv_text(path)


def read_csv_text(path: Path) -> TextTable:
    """Read a CSV file with every column as text (BOM, padding and ``\\r\\n`` tolerated)."""
    header = _read_header(path)
    names = [f"c{i}" for i in range(len(header))]
    read_options = pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24)
    convert_options = pa_csv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    malformed: list[tuple[int | None, int, str]] = []

    def skip_row(row) -> str:
        malformed.append((row.number, row.actual_columns, row.text))
        return "skip"

    parse_options = pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip_row)
    try:
        table = pa_csv.read_csv(path, read_options=read_options, convert_options=convert_options, parse_options=parse_options)
        if malformed:
            # Threads do not report line numbers: read again, single-threaded, to name them.
            malformed.clear()
            read_options.use_threads = False
            table = pa_csv.read_csv(path, read_options=read_options, convert_options=convert_options, parse_options=parse_options)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        text = str(exc)
        if "UTF8" in text or "utf-8" in text.lower():
            raise UnreadableFile("is not UTF-8 text; save it again as CSV UTF-8") from None
        raise UnreadableFile(f"cannot be read as CSV ({text.splitlines()[0]})") from None
    columns = [clean_text(table.column(i)) for i in range(table.num_columns)]
    return TextTable(header=header, columns=columns, num_rows=table.num_rows, malformed=malformed)


def _read_header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise UnreadableFile("is not UTF-8 text; save it again as CSV UTF-8") from None
    except csv.Error as exc:
        raise UnreadableFile(f"has a header row that cannot be read as CSV ({exc})") from None
    if not first or all(not cell.strip() for cell in first):
        raise UnreadableFile("is empty: expected a header row naming the columns, then one row per record")
    return [cell.strip() for cell in first]


def read_parquet_text(path: Path) -> TextTable:
    """Read a Parquet file; typed columns become the text a CSV export would hold."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"cannot be read as Parquet ({str(exc).splitlines()[0]})") from None
    header = [str(name).strip() for name in table.column_names]
    columns = [clean_text(_as_text(table.column(i))) for i in range(table.num_columns)]
    return TextTable(header=header, columns=columns, num_rows=table.num_rows)


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_string(kind):
        return column
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        # Offsets become UTC, then naive: the same result as a CSV cell with an offset.
        column = column.cast(pa.timestamp(kind.unit, tz="UTC")).cast(pa.timestamp(kind.unit))
    return pc.cast(column, pa.string())


def frame_to_text(frame: pd.DataFrame) -> TextTable:
    """Turn a frame built in code into the text a CSV export of it would hold."""
    header = [str(name).strip() for name in frame.columns]
    columns = []
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        if pd.api.types.is_bool_dtype(series.dtype):
            series = series.map({True: "true", False: "false"}, na_action="ignore")
        elif series.dtype == object:
            series = series.map(_cell_text, na_action="ignore")
        text = series.astype(pd.StringDtype("pyarrow"))
        columns.append(clean_text(pa.chunked_array([pa.array(text.array)])))
    return TextTable(header=header, columns=columns, num_rows=len(frame))


def _cell_text(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date, pd.Timestamp)):
        return value.isoformat()
    return value


def clean_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim surrounding white space; an empty or blank cell becomes missing (null)."""
    if column.type != pa.string():
        column = column.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(column)
    blank = pc.equal(trimmed, "")
    if not pc.any(blank).as_py():
        unchanged = pc.sum(pc.binary_length(trimmed)).as_py() == pc.sum(pc.binary_length(column)).as_py()
        # Keep the original buffers when nothing was trimmed: no second copy of a large column.
        return column if unchanged else trimmed
    return pc.if_else(blank, _NULL_TEXT, trimmed)


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes (for the run manifest)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
