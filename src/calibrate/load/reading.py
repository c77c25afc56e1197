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
    blank_lines: list[int] = field(default_factory=list)

    def spreadsheet_rows(self, positions: np.ndarray) -> np.ndarray:
        """Row numbers as a spreadsheet shows them (header = row 1) for 0-based positions."""
        rows = np.asarray(positions, dtype=np.int64) + 2
        skipped = [line for line, _, _ in self.malformed if line is not None] + list(self.blank_lines)
        for line in sorted(skipped):  # lines the reader passed over shift every later row down in the editor
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
    """Read ``path`` (``.csv`` or ``.parquet``) as text; raise ``UnreadableFile`` if impossible.

    A link that leads out of the data folder is refused without reading it:
    the folder is what was exported and what the manifest fingerprints, and
    an error message must never quote a file from elsewhere on the machine.
    """
    if path.is_symlink():
        folder = path.parent.resolve()
        target = path.resolve()
        if folder not in target.parents:
            raise UnreadableFile("is a link to a file outside the data folder; copy the export into the folder instead")
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
            raise _not_utf8(path) from None
        raise UnreadableFile(f"cannot be read as CSV ({text.splitlines()[0]})") from None
    columns = [clean_text(table.column(i)) for i in range(table.num_columns)]
    return TextTable(header=header, columns=columns, num_rows=table.num_rows, malformed=malformed,
                     blank_lines=_blank_lines(path))


def _blank_lines(path: Path) -> list[int]:
    """Editor line numbers of the blank lines the CSV reader skips (none to look for in most exports).

    The file is searched for an empty line first (one pass over the bytes, in
    C); only a file that has one is read again line by line, quotes respected,
    to find where they are.
    """
    import mmap

    with open(path, "rb") as handle:
        try:
            view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file
            return []
        with view:
            if view.find(b"\n\n") < 0 and view.find(b"\n\r\n") < 0:
                return []
    blanks = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        last = 0
        for record in reader:
            if not record:
                blanks.append(reader.line_num)
            last = reader.line_num
    return [line for line in blanks if line <= last]


def _not_utf8(path: Path) -> UnreadableFile:
    """The refusal for a file that is not UTF-8, naming Windows-1252 (what Excel writes) when the bytes fit it."""
    try:
        path.read_bytes()[: 1 << 20].decode("cp1252")
    except UnicodeDecodeError:
        return UnreadableFile("is not UTF-8 text; save it again as CSV UTF-8")
    return UnreadableFile(
        "is not UTF-8 text: it looks like Windows-1252, which Excel writes for plain \"CSV\". Save it again as "
        f"\"CSV UTF-8\", or convert it: iconv -f cp1252 -t utf-8 {path.name} > {path.stem}.utf8.csv")


def _read_header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            first = next(reader, None)
            second = next(reader, None)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except csv.Error as exc:
        raise UnreadableFile(f"has a header row that cannot be read as CSV ({exc})") from None
    if not first or all(not cell.strip() for cell in first):
        raise UnreadableFile("is empty: expected a header row naming the columns, then one row per record")
    if len(first) == 1:
        for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if first[0].count(delimiter) >= 1 and len(first[0].split(delimiter)) >= 2:
                raise UnreadableFile(
                    f"separates its columns with {name}, not commas (its header reads {first[0][:60]!r}); export it "
                    "again as comma-separated CSV (in Excel: \"CSV UTF-8 (Comma delimited)\")")
    filled = [cell for cell in first if cell.strip()]
    if len(filled) == 1 and len(first) >= 1 and second is not None and sum(1 for c in second if c.strip()) >= 2:
        raise UnreadableFile(
            f"starts with a title line ({filled[0][:60]!r}) above the header; delete that line so the first row "
            "names the columns")
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
