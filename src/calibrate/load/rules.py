"""Rules across rows and tables: keys, foreign keys, overlaps, date order, survey scores.

Each rule is vectorised (codes, sorting, ``is_in``) and only builds messages
for the rows it shows. Rules run on typed frames in which cells that broke a
per-cell rule are already missing, so one bad cell is reported once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import SURVEY_SCORE_RANGE, TableSpec
from .collect import ViolationLog

__all__ = [
    "CheckedTable",
    "check_keys",
    "check_foreign_keys",
    "check_date_order",
    "check_ownership_overlap",
    "check_survey_scores",
    "key_codes",
    "show_values",
    "arrow_strings",
]


@dataclass
class CheckedTable:
    """A typed table with what messages need: its file name, labels and row numbers."""

    name: str
    file: str
    frame: pd.DataFrame
    labels: dict[str, str]
    rows: Callable[[np.ndarray], np.ndarray]
    complete: bool

    def label(self, column: str) -> str:
        return self.labels.get(column, column)


def check_keys(table: CheckedTable, spec: TableSpec, log: ViolationLog) -> None:
    """Each key (one column or several together) appears on one row only."""
    frame = table.frame
    if not all(c in frame.columns for c in spec.key):
        return
    codes = key_codes(frame, spec.key)
    present = np.flatnonzero(codes >= 0)
    if len(present) < 2:
        return
    repeated = pd.Series(codes[present]).duplicated(keep="first").to_numpy()
    if not repeated.any():
        return
    positions = present[repeated]
    column = " + ".join(table.label(c) for c in spec.key)
    what = spec.key[0] if len(spec.key) == 1 else "(" + ", ".join(spec.key) + ") combination"

    def expected(shown: np.ndarray) -> list[str]:
        firsts = [int(np.flatnonzero(codes == codes[p])[0]) for p in shown]
        first_rows = table.rows(np.asarray(firsts, dtype=np.int64))
        return [f"a unique {what}, but row {r} has the same" for r in first_rows]

    log.add_rows(table.file, column, positions, rows=table.rows, values=lambda s: _joined(frame, spec.key, s), expected=expected)


def check_foreign_keys(table: CheckedTable, spec: TableSpec, tables: dict[str, CheckedTable], log: ViolationLog) -> None:
    """Every id that points at another table names a row there (empty optional ids allowed)."""
    for fk in spec.foreign_keys:
        target = tables.get(fk.table)
        if fk.column not in table.frame.columns or target is None or not target.complete:
            continue
        values = arrow_strings(table.frame[fk.column])
        known = pc.unique(arrow_strings(target.frame[fk.target]).drop_null())
        unknown = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known)))
        positions = np.flatnonzero(_bools(unknown))
        log.add_rows(
            table.file,
            table.label(fk.column),
            positions,
            rows=table.rows,
            values=lambda s, c=fk.column: show_values(table.frame[c], s),
            expected=f"a {fk.target} listed in {target.file}",
        )


def check_date_order(table: CheckedTable, spec: TableSpec, log: ViolationLog) -> None:
    """``later`` is on or after ``earlier`` in the same row (strictly after when strict)."""
    frame = table.frame
    for earlier, later, strict in spec.date_order:
        if earlier not in frame.columns or later not in frame.columns:
            continue
        first = frame[earlier].to_numpy()
        second = frame[later].to_numpy()
        both = ~np.isnat(first) & ~np.isnat(second)
        wrong = both & ((second <= first) if strict else (second < first))
        word = ("a time " if spec.column(later).kind == "timestamp" else "a date ") + ("after" if strict else "on or after")

        def expected(shown: np.ndarray, column: str = earlier, w: str = word) -> list[str]:
            return [f"{w} {table.label(column)} ({v}) in the same row" for v in show_values(frame[column], shown)]

        log.add_rows(
            table.file,
            table.label(later),
            np.flatnonzero(wrong),
            rows=table.rows,
            values=lambda s, c=later: show_values(frame[c], s),
            expected=expected,
        )


def check_ownership_overlap(table: CheckedTable, log: ViolationLog) -> None:
    """Windows of one account never overlap (end dates are exclusive; empty end = still owned)."""
    frame = table.frame
    if not {"account_id", "start_date", "end_date", "csm_id"} <= set(frame.columns):
        return
    accounts = key_codes(frame, ("account_id",))
    starts = frame["start_date"].to_numpy()
    usable = np.flatnonzero((accounts >= 0) & ~np.isnat(starts))
    if len(usable) < 2:
        return
    order = usable[np.lexsort((starts[usable].view(np.int64), accounts[usable]))]
    previous, current = order[:-1], order[1:]
    ends = frame["end_date"].to_numpy()
    same_account = accounts[previous] == accounts[current]
    # Equal starts are already reported as a duplicate key.
    later_start = starts[current] > starts[previous]
    previous_end = ends[previous]
    overlaps = same_account & later_start & (np.isnat(previous_end) | (previous_end > starts[current]))
    if not overlaps.any():
        return
    partner = dict(zip(current[overlaps].tolist(), previous[overlaps].tolist()))

    def expected(shown: np.ndarray) -> list[str]:
        out = []
        for p in shown:
            q = partner[int(p)]
            row = int(table.rows(np.array([q]))[0])
            end = show_values(frame["end_date"], np.array([q]))[0] or "open (still owned)"
            start = show_values(frame["start_date"], np.array([q]))[0]
            csm = show_values(frame["csm_id"], np.array([q]))[0]
            out.append(
                f"a window that starts on or after the end of the previous window of this account, "
                f"but it overlaps row {row} (csm_id {csm}, {start} to {end})"
            )
        return out

    log.add_rows(
        table.file,
        table.label("start_date"),
        current[overlaps],
        rows=table.rows,
        values=lambda s: show_values(frame["start_date"], s),
        expected=expected,
    )


def check_survey_scores(table: CheckedTable, log: ViolationLog) -> None:
    """A survey score lies in the range of its kind (nps 0..10, csat 1..5)."""
    frame = table.frame
    if not {"kind", "score"} <= set(frame.columns):
        return
    kinds = frame["kind"]
    scores = frame["score"].to_numpy(dtype=float, na_value=np.nan)
    for kind, (low, high) in SURVEY_SCORE_RANGE.items():
        of_kind = (kinds == kind).fillna(False).to_numpy(dtype=bool)
        with np.errstate(invalid="ignore"):
            wrong = of_kind & ~np.isnan(scores) & ((scores < low) | (scores > high))
        log.add_rows(
            table.file,
            table.label("score"),
            np.flatnonzero(wrong),
            rows=table.rows,
            values=lambda s: show_values(frame["score"], s),
            expected=f"a {kind} score from {low} to {high}",
        )


# --------------------------------------------------------------------------- helpers


def key_codes(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> np.ndarray:
    """One int64 code per row identifying its values in ``columns``; -1 where any is missing."""
    combined = np.zeros(len(frame), dtype=np.int64)
    missing = np.zeros(len(frame), dtype=bool)
    for column in columns:
        codes, cardinality = _column_codes(frame[column])
        missing |= codes < 0
        if combined.size and (int(combined.max()) + 1) * (cardinality + 1) >= 2**62:
            combined = pd.factorize(combined)[0].astype(np.int64)
        combined = combined * (cardinality + 1) + np.where(codes < 0, 0, codes)
    combined[missing] = -1
    return combined


def _column_codes(series: pd.Series) -> tuple[np.ndarray, int]:
    if isinstance(series.dtype, pd.StringDtype):
        encoded = pc.dictionary_encode(arrow_strings(series))
        if encoded.num_chunks == 0:
            return np.zeros(0, dtype=np.int64), 0
        indices = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in encoded.chunks])
        return indices.astype(np.int64), len(encoded.chunks[-1].dictionary)
    codes, uniques = pd.factorize(series)
    return codes.astype(np.int64), len(uniques)


def arrow_strings(series: pd.Series) -> pa.ChunkedArray:
    """The Arrow strings behind a pandas ``string`` column (no copy when Arrow-backed)."""
    array = series.array
    if hasattr(array, "__arrow_array__"):
        result = array.__arrow_array__()
        return result if isinstance(result, pa.ChunkedArray) else pa.chunked_array([result])
    return pa.chunked_array([pa.array(series.astype("string"), type=pa.string())])


def show_values(series: pd.Series, positions: np.ndarray) -> list[str]:
    """Readable text of a few cells: dates without a midnight time, numbers without noise."""
    picked = series.iloc[np.asarray(positions, dtype=np.int64)]
    out = []
    for value in picked.tolist():
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            out.append("")
        elif isinstance(value, pd.Timestamp):
            out.append(value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat())
        elif isinstance(value, float):
            out.append(str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.12g}")
        else:
            out.append(str(value))
    return out


def _joined(frame: pd.DataFrame, columns: tuple[str, ...], positions: np.ndarray) -> list[str]:
    parts = [show_values(frame[c], positions) for c in columns]
    return [", ".join(values) for values in zip(*parts)]


def _bools(mask: pa.ChunkedArray) -> np.ndarray:
    filled = pc.fill_null(mask, False)
    if filled.num_chunks == 0:
        return np.zeros(0, dtype=bool)
    return np.concatenate([c.to_numpy(zero_copy_only=False) for c in filled.chunks])
