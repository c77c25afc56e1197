"""A DuckDB file as the data source: one table or view per contract table.

``data_dir`` (or ``--data``) may name a ``.duckdb`` file instead of a folder.
Each contract table is read from the table or view of the same name; every
column is cast to text in DuckDB (``CAST(... AS VARCHAR)``: dates as
``2026-07-01``, numbers as written) so the same rules validate it as a CSV
export. The file is opened read-only. Messages name the file and the table;
row numbers count the table's rows in the order DuckDB returns them, with 2
for the first (as if exported with a header row).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from .reading import TextTable, UnreadableFile, clean_text

__all__ = ["DUCKDB_SUFFIXES", "is_database", "read_duckdb_tables"]

DUCKDB_SUFFIXES = (".duckdb", ".ddb")


def is_database(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in DUCKDB_SUFFIXES


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_duckdb_tables(path: Path, tables) -> tuple[dict[str, TextTable], dict[str, str]]:
    """Text tables for every contract table present in the file, and the problems of the ones that could not be read."""
    try:
        import duckdb
    except ImportError:
        raise UnreadableFile("is a DuckDB file, and reading one needs the duckdb package: pip install duckdb") from None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as exc:
        raise UnreadableFile(f"cannot be opened as a DuckDB database ({exc})") from None
    texts: dict[str, TextTable] = {}
    problems: dict[str, str] = {}
    try:
        present = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        for name in tables:
            if name not in present:
                continue
            try:
                columns = [row[0] for row in con.execute(f"DESCRIBE {_quote(name)}").fetchall()]
                select = ", ".join(f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" for c in columns)
                relation = con.sql(f"SELECT {select} FROM {_quote(name)}")
                arrow = relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()
            except Exception as exc:
                problems[name] = f"cannot be read ({exc})"
                continue
            texts[name] = TextTable(header=[c.strip() for c in columns],
                                    columns=[clean_text(arrow.column(i)) for i in range(arrow.num_columns)],
                                    num_rows=arrow.num_rows)
    finally:
        con.close()
    return texts, problems
