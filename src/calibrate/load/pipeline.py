"""Load the input folder (or frames built in code) into a validated ``Dataset``.

Every rule of the data contract (``contract.py``, docs/TABLES.md) is checked and every violation is reported at
once in one ``DataValidationError``. Nothing is ever written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import REQUIRED_TABLES, TABLES, Column, TableSpec
from ..dataset import Dataset, SourceFile
from ..errors import ParamsError, Violation
from .arr_gaps import carry_forward_arr
from .coerce import MONEY_FORMATS, coerce_column
from .collect import ViolationLog
from .columns import match_header
from .database import is_database, is_database_url, read_duckdb_tables, read_sql_tables, shown_url, text_sha256
from .excel import excel_source, read_excel_sheet
from .reading import TextTable, UnreadableFile, file_sha256, find_table_file, frame_to_text, read_table_file
from .rules import (
    CheckedTable,
    check_date_order,
    check_foreign_keys,
    check_keys,
    check_ownership_overlap,
    check_survey_scores,
)

__all__ = ["load_dataset", "validate_frames"]

Progress = Callable[[str], None]


def load_dataset(
    data_dir: str | Path,
    *,
    column_map: Mapping[str, Mapping[str, str]] | None = None,
    money_format: str = "strict",
    progress: Progress | None = None,
    table_map: Mapping[str, str] | None = None,
) -> Dataset:
    """Read and validate every input table of ``data_dir``.

    Parameters
    ----------
    data_dir : str or Path
        Folder holding ``<table>.csv``, ``.parquet`` or ``.xlsx`` per table (or
        one workbook), a ``.duckdb`` file, or a database URL (``load/database.py``).
    column_map : mapping, optional
        ``{table: {source column: contract column}}`` renames applied before validation.
    table_map : mapping, optional
        ``{table: table or view name}`` in a database source, where the names differ.
    money_format : {"strict", "loose"}
        ``loose`` accepts money written like ``$1,200.00``.
    progress : callable, optional
        Called with a short message ("reading health.csv") before each step.

    Returns
    -------
    Dataset
        Typed tables (dtypes as in ``calibrate.contract``), their source files
        with SHA-256, and warnings (e.g. ARR months carried forward).

    Raises
    ------
    DataValidationError
        Listing every violation found, each naming file, row, column, value and expectation.
    """
    _check_money_format(money_format)
    log = ViolationLog()
    if is_database_url(data_dir):  # any SQLAlchemy URL: one table or view per contract table (load/database.py)
        return _load_database(str(data_dir).strip(), column_map=column_map, money_format=money_format,
                              progress=progress, log=log, table_map=table_map)
    folder = Path(data_dir)
    if not folder.is_dir() and not is_database(folder):
        log.add(Violation(str(folder), None, None, None, "a folder holding the input tables, but there is no such folder; set data_dir in params"))
        log.raise_if_any(data_dir=str(folder))
    texts: dict[str, TextTable] = {}
    files: dict[str, str] = {}
    sources: list[SourceFile] = []
    if is_database(folder):  # a DuckDB file: one table or view per contract table (load/database.py)
        return _load_database(folder, column_map=column_map, money_format=money_format, progress=progress, log=log,
                              table_map=table_map)
    for name, spec in TABLES.items():
        found, hint = find_table_file(folder, name)
        if not found:
            try:
                excel = excel_source(folder, name, TABLES)
            except UnreadableFile as exc:
                log.add(Violation(f"{name}.xlsx", None, None, None, f"a readable workbook, but it {exc}"))
                continue
            if excel is not None:  # .xlsx per table or one workbook with a sheet per table (load/excel.py)
                path, sheet, label = excel
                files[name] = label
                _say(progress, f"reading {label}")
                try:
                    texts[name] = read_excel_sheet(path, sheet)
                except UnreadableFile as exc:
                    log.add(Violation(label, None, None, None, f"a readable table, but the {exc}"))
                    continue
                sources.append(SourceFile(table=name, path=str(path), sha256=file_sha256(path), rows=texts[name].num_rows))
                continue
        if len(found) > 1:
            log.add(Violation(found[0].name, None, None, None, f"one file per table, but both {found[0].name} and {found[1].name} are in {folder}; remove one"))
            continue
        if not found:
            if spec.required:
                log.add(
                    Violation(f"{name}.csv", None, None, None, f"a required table: looked for {name}.csv and {name}.parquet in {folder} and found neither.{hint}")
                )
            continue
        path = found[0]
        files[name] = path.name
        _say(progress, f"reading {path.name}")
        try:
            text = read_table_file(path)
        except UnreadableFile as exc:
            log.add(Violation(path.name, None, None, None, f"a readable table, but the file {exc}"))
            continue
        texts[name] = text
        sources.append(SourceFile(table=name, path=str(path), sha256=file_sha256(path), rows=text.num_rows))
    tables, warnings = _validate(texts, files, column_map=column_map, money_format=money_format, log=log, progress=progress, data_dir=str(folder))
    return Dataset(tables=tables, sources=tuple(sources), warnings=tuple(warnings), data_dir=str(folder))


def _load_database(source: Path | str, *, column_map, money_format: str, progress: Progress | None, log: ViolationLog,
                   table_map: Mapping[str, str] | None = None) -> Dataset:
    url = isinstance(source, str)
    label = shown_url(source) if url else source.name
    where = label if url else str(source)
    _say(progress, f"reading {label}")
    names = {name: (table_map or {}).get(name, name) for name in TABLES}
    try:
        texts, problems = (read_sql_tables if url else read_duckdb_tables)(source, TABLES, table_map)
    except UnreadableFile as exc:
        log.add(Violation(label, None, None, None, f"a readable database, but {'the URL' if url else 'the file'} {exc}"))
        log.raise_if_any(data_dir=where)
    files = {name: f"{label} (table {names[name]})" for name in TABLES}
    for name, problem in problems.items():
        log.add(Violation(files[name], None, None, None, f"a readable table or view, but it {problem}"))
    for name, spec in TABLES.items():
        if spec.required and name not in texts and name not in problems:
            mapped = f" (table_map maps {name} to it)" if names[name] != name else ""
            log.add(Violation(files[name], None, None, None,
                              f"a required table: no table or view named {names[name]}{mapped} in {label}"))
    if url:  # no file to hash: each table's text is its fingerprint
        sources = [SourceFile(table=name, path=label, sha256=text_sha256(text), rows=text.num_rows) for name, text in texts.items()]
    else:
        digest = file_sha256(source)
        sources = [SourceFile(table=name, path=str(source), sha256=digest, rows=text.num_rows) for name, text in texts.items()]
    tables, warnings = _validate(texts, {n: files[n] for n in texts}, column_map=column_map, money_format=money_format,
                                 log=log, progress=progress, data_dir=where)
    return Dataset(tables=tables, sources=tuple(sources), warnings=tuple(warnings), data_dir=where)


def validate_frames(
    frames: Mapping[str, pd.DataFrame],
    *,
    money_format: str = "strict",
    file_names: Mapping[str, str] | None = None,
    column_map: Mapping[str, Mapping[str, str]] | None = None,
) -> Dataset:
    """Validate tables built in code exactly as ``load_dataset`` validates files.

    ``frames`` maps table names to frames of text (other values are turned into
    the text a CSV export would hold). ``file_names`` names each table in
    messages (default ``<table>.csv``). Absent optional tables become ``None``.
    """
    _check_money_format(money_format)
    log = ViolationLog()
    names = dict(file_names or {})
    for name in frames:
        if name not in TABLES:
            log.add(Violation(str(name), None, None, None, "a table of the data contract: " + ", ".join(TABLES)))
    for name in REQUIRED_TABLES:
        if frames.get(name) is None:
            log.add(Violation(names.get(name, f"{name}.csv"), None, None, None, f"a required table, but no frame named {name} was given"))
    texts = {name: frame_to_text(frame) for name, frame in frames.items() if name in TABLES and frame is not None}
    files = {name: names.get(name, f"{name}.csv") for name in texts}
    tables, warnings = _validate(texts, files, column_map=column_map, money_format=money_format, log=log, progress=None, data_dir="(frames built in code)")
    return Dataset(tables=tables, warnings=tuple(warnings), data_dir="")


def _validate(
    texts: dict[str, TextTable],
    files: dict[str, str],
    *,
    column_map: Mapping[str, Mapping[str, str]] | None,
    money_format: str,
    log: ViolationLog,
    progress: Progress | None,
    data_dir: str,
) -> tuple[dict[str, pd.DataFrame | None], list[str]]:
    checked: dict[str, CheckedTable] = {}
    for name, spec in TABLES.items():
        text = texts.pop(name, None)
        if text is None:
            continue
        _say(progress, f"checking {files[name]}")
        checked[name] = _check_table(text, spec, file=files[name], column_map=(column_map or {}).get(name), money_format=money_format, log=log)
        del text
    _say(progress, "checking keys and links between tables")
    for name, table in checked.items():
        spec = TABLES[name]
        if not table.complete:
            continue
        check_keys(table, spec, log)
        check_foreign_keys(table, spec, checked, log)
        check_date_order(table, spec, log)
        if name == "ownership":
            check_ownership_overlap(table, log)
        if name == "surveys":
            check_survey_scores(table, log)
    log.raise_if_any(data_dir=data_dir)

    warnings: list[str] = []
    frames: dict[str, pd.DataFrame | None] = {name: None for name in TABLES}
    for name, table in checked.items():
        frames[name] = table.frame
    arr = checked["arr"]
    frames["arr"], arr_warnings = carry_forward_arr(arr.frame, file=arr.file, rows=arr.rows)
    warnings.extend(arr_warnings)
    return frames, warnings


def _check_table(
    text: TextTable,
    spec: TableSpec,
    *,
    file: str,
    column_map: Mapping[str, str] | None,
    money_format: str,
    log: ViolationLog,
) -> CheckedTable:
    """Per-cell rules of one table; returns its typed frame (bad cells missing)."""
    header = match_header(text.header, spec, column_map=dict(column_map or {}), file=file, log=log)
    for line, found, row_text in text.malformed:
        log.add(
            Violation(file, line, None, row_text, f"{len(text.header)} fields like the header row, found {found} (check quoting and delimiters)")
        )
    if text.num_rows == 0 and spec.required:
        log.add(Violation(file, None, None, None, "at least one data row, but the file has only a header"))

    typed: dict[str, object] = {}
    for position, name in enumerate(header.names):
        if name is None:
            continue
        cells = text.columns[position]
        if name not in spec.column_names:
            typed[name] = _string_series(cells)
            continue
        column = spec.column(name)
        label = header.labels[name]
        if column.required:
            empty = np.flatnonzero(np.asarray(pc.is_null(cells).to_numpy(), dtype=bool)) if cells.num_chunks else np.zeros(0, np.int64)
            log.add_rows(file, label, empty, rows=text.spreadsheet_rows, values=lambda s: [""] * len(s), expected=f"a value: {name} is required ({column.expectation()})")
        result = coerce_column(cells, column, money_format=money_format)
        for problem in result.problems:
            log.add_rows(file, label, problem.positions, rows=text.spreadsheet_rows, values=lambda s, c=cells: c.take(pa.array(s)).to_pylist(), expected=problem.expected)
        typed[name] = _as_series(result.values, column)
        text.columns[position] = None  # release the text as soon as it is typed
    frame = _assemble(typed, spec, text.num_rows)
    return CheckedTable(name=spec.name, file=file, frame=frame, labels=dict(header.labels), rows=text.spreadsheet_rows, complete=header.complete)


def _assemble(typed: dict[str, object], spec: TableSpec, num_rows: int) -> pd.DataFrame:
    """Contract columns first (absent optional ones added empty), then extra columns in file order."""
    data = {}
    for column in spec.columns:
        data[column.name] = typed[column.name] if column.name in typed else _empty(column, num_rows)
    for name, values in typed.items():
        if name not in data:
            data[name] = values
    return pd.DataFrame(data, index=pd.RangeIndex(num_rows))


def _as_series(values: object, column: Column) -> pd.Series:
    if isinstance(values, pa.ChunkedArray):
        return _string_series(values)
    if column.kind in ("date", "timestamp", "month"):
        return pd.Series(np.asarray(values, dtype="datetime64[ns]"))
    if column.kind in ("number", "money"):
        return pd.Series(np.asarray(values, dtype=np.float64))
    return pd.Series(values, dtype="boolean")


def _string_series(cells: pa.ChunkedArray) -> pd.Series:
    if cells.num_chunks == 0:
        return pd.Series(pd.array([], dtype=pd.StringDtype("pyarrow")))
    return pd.Series(pd.arrays.ArrowStringArray(single_chunk(cells)))


def single_chunk(cells: pa.ChunkedArray) -> pa.ChunkedArray:
    """``cells`` as one contiguous chunk.

    A file is read in blocks, so its text columns arrive in several chunks;
    selecting rows from a chunked column (one CSM's rows, say) joins the
    chunks again each time, which on a million-row table costs 5 to 25 ms per
    selection instead of 0.1 ms. Joined once here, every later selection is
    cheap. A column whose text would overflow one chunk's 32-bit offsets is
    left as it is.
    """
    if cells.num_chunks <= 1:
        return cells
    try:
        return pa.chunked_array([cells.combine_chunks()])
    except (pa.ArrowInvalid, pa.ArrowCapacityError):
        return cells


def _empty(column: Column, num_rows: int) -> pd.Series:
    if column.kind in ("date", "timestamp", "month"):
        return pd.Series(np.full(num_rows, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if column.kind in ("number", "money"):
        return pd.Series(np.full(num_rows, np.nan))
    if column.kind == "bool":
        return pd.Series(pd.array([pd.NA] * num_rows, dtype="boolean"))
    return pd.Series(pd.array([pd.NA] * num_rows, dtype=pd.StringDtype("pyarrow")))


def _check_money_format(money_format: str) -> None:
    if money_format not in MONEY_FORMATS:
        raise ParamsError(f"The 'money_format' parameter must be 'strict' or 'loose'. Got {money_format!r} instead.")


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)
