"""A database as the data source: one table or view per contract table.

``data_dir`` (or ``--data``) may name a ``.duckdb`` file or a database URL
(any SQLAlchemy URL: ``postgresql://user@host/crm``, ``sqlite:///crm.db``,
...) instead of a folder. Each contract table is read from the table or view
of the same name, or the one ``table_map`` names for it (params).

* DuckDB: every column is cast to text in DuckDB (``CAST(... AS VARCHAR)``:
  dates as ``2026-07-01``, numbers as written); the file is opened read-only.
* A URL: rows are read with SQLAlchemy (``SELECT *``) and each value written
  as a CSV export would hold it (dates ``2026-07-01``, times
  ``2026-07-01 09:30:00``, true/false, numbers as the database returns them).
  The input fingerprint of a URL source is a SHA-256 of each table's text,
  since there is no file to hash; a password in the URL is never recorded
  (the manifest shows the URL with ``***``).

The same rules then validate the text as a CSV export. Messages name the
database and the table; row numbers count the table's rows in the order the
database returns them, with 2 for the first (as if exported with a header
row).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import hashlib
from pathlib import Path
from typing import Mapping

import pyarrow as pa

from ..params import is_database_url
from .reading import TextTable, UnreadableFile, clean_text

__all__ = ["DUCKDB_SUFFIXES", "is_database", "is_database_url", "read_duckdb_tables", "read_sql_tables", "shown_url",
           "text_sha256"]

DUCKDB_SUFFIXES = (".duckdb", ".ddb")


def is_database(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in DUCKDB_SUFFIXES


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_duckdb_tables(path: Path, tables, table_map: Mapping[str, str] | None = None
                       ) -> tuple[dict[str, TextTable], dict[str, str]]:
    """Text tables for every contract table present in the file, and the problems of the ones that could not be read."""
    try:
        import duckdb
    except ImportError:
        raise UnreadableFile("is a DuckDB file, and reading one needs the duckdb package: pip install duckdb") from None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as exc:
        raise UnreadableFile(f"cannot be opened as a DuckDB database ({exc})") from None

    def read(source: str) -> TextTable:
        columns = [row[0] for row in con.execute(f"DESCRIBE {_quote(source)}").fetchall()]
        select = ", ".join(f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" for c in columns)
        relation = con.sql(f"SELECT {select} FROM {_quote(source)}")
        arrow = relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()
        return TextTable(header=[c.strip() for c in columns],
                         columns=[clean_text(arrow.column(i)) for i in range(arrow.num_columns)], num_rows=arrow.num_rows)

    try:
        present = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        return _read_each(tables, table_map, present, read, describe=str)
    finally:
        con.close()


def _read_each(tables, table_map: Mapping[str, str] | None, present: set[str], read, *, describe
               ) -> tuple[dict[str, TextTable], dict[str, str]]:
    """``read(source)`` for each contract table whose table or view (``table_map``, else its own name) is present.

    Returns the text tables and, for a table that is there but could not be read, the problem in words
    (``describe(exc)``); a table that is not there is in neither (the caller says whether it was required).
    """
    texts: dict[str, TextTable] = {}
    problems: dict[str, str] = {}
    for name in tables:
        source = (table_map or {}).get(name, name)
        if source not in present:
            continue
        try:
            texts[name] = read(source)
        except Exception as exc:
            problems[name] = f"cannot be read ({describe(exc)})"
    return texts, problems


def shown_url(url: str) -> str:
    """``url`` as it may be printed and recorded: any password replaced by ``***``."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@", 1)[-1] if "@" in url else url


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if value == value else None
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def text_sha256(table: TextTable) -> str:
    """SHA-256 of a table's header and cells as text (the fingerprint of a table with no file)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(table.header).encode("utf-8"))
    for column in table.columns:
        for chunk in column.chunks:
            for value in chunk.to_pylist():
                digest.update(b"\x1e" if value is None else b"\x1d" + value.encode("utf-8"))
        digest.update(b"\x1c")
    return digest.hexdigest()


def read_sql_tables(url: str, tables, table_map: Mapping[str, str] | None = None
                    ) -> tuple[dict[str, TextTable], dict[str, str]]:
    """As ``read_duckdb_tables``, from the database at a SQLAlchemy ``url`` (module docstring)."""
    try:
        import sqlalchemy
    except ImportError:
        raise UnreadableFile("is a database URL, and reading one needs the sqlalchemy package: pip install sqlalchemy") from None
    try:
        engine = sqlalchemy.create_engine(url)
    except Exception as exc:  # an unknown dialect, a driver that is not installed, a malformed URL
        raise UnreadableFile(f"cannot be used as a database URL ({type(exc).__name__}: {exc})") from None
    try:
        try:
            inspector = sqlalchemy.inspect(engine)
            present = set(inspector.get_table_names()) | set(inspector.get_view_names())
        except Exception as exc:
            raise UnreadableFile(f"cannot be opened ({type(exc).__name__}: {exc})") from None
        quote = engine.dialect.identifier_preparer.quote
        with engine.connect() as con:
            def read(source: str) -> TextTable:
                result = con.execute(sqlalchemy.text(f"SELECT * FROM {quote(source)}"))
                header = [str(c).strip() for c in result.keys()]
                rows = result.fetchall()
                columns = [clean_text(pa.chunked_array([pa.array([_cell(row[i]) for row in rows], type=pa.string())]))
                           for i in range(len(header))]
                return TextTable(header=header, columns=columns, num_rows=len(rows))

            return _read_each(tables, table_map, present, read, describe=lambda exc: f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
