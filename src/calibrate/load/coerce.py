"""Turn one text column into its typed column, listing every cell that breaks a rule.

All work is vectorised in Arrow: the common case (a clean column) is one cast.
Only when that cast fails does a column go through the slower path that finds
the bad cells (a pattern filter, then halving chunks until each failing cell is
isolated), so a clean ten-million-row column costs a fraction of a second.

The typed result follows ``calibrate.contract``: strings stay Arrow strings
(``pandas`` ``string`` dtype later), numbers become float64, dates, timestamps
and months datetime64[ns] (timestamps in UTC, naive), booleans nullable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import Column

__all__ = ["Problem", "CoercedColumn", "coerce_column", "MONEY_FORMATS"]

MONEY_FORMATS = ("strict", "loose")
TRUE_TEXT = ("true", "1", "yes")
FALSE_TEXT = ("false", "0", "no")

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_NAIVE_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
_OFFSET_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)$"
_HAS_OFFSET = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)$"
_YEAR_MONTH = r"^\d{4}-\d{2}$"
_PERIOD = r"^\d{4}-Q[1-4]$"
_MONEY_DECORATION = r"[\s$€£¥,]"
_DAY_NS = 86_400 * 10**9
_NS = pa.timestamp("ns")


@dataclass(frozen=True)
class Problem:
    """Cells (0-based positions) that break one rule, and what was expected."""

    positions: np.ndarray
    expected: str | Callable[[np.ndarray], list[str]]


@dataclass(frozen=True)
class CoercedColumn:
    """A typed column plus the problems found; bad cells are missing in ``values``."""

    values: object
    problems: tuple[Problem, ...]


def coerce_column(text: pa.ChunkedArray, column: Column, *, money_format: str = "strict") -> CoercedColumn:
    """Convert trimmed text (nulls = missing) to the dtype of ``column.kind``.

    Parameters
    ----------
    text : pyarrow.ChunkedArray
        String cells, already trimmed, empty cells null.
    column : Column
        The contract column: kind, allowed values, range, maximum length.
    money_format : {"strict", "loose"}
        ``loose`` strips ``$``, currency signs, commas and spaces from money.

    Returns
    -------
    CoercedColumn
        ``values`` is an Arrow string array (id, text, label, enum, period), a
        float64 array (number, money), a datetime64[ns] array (date,
        timestamp, month) or a pandas ``BooleanArray`` (bool).
    """
    handler = _HANDLERS[column.kind]
    return handler(text, column, money_format)


# --------------------------------------------------------------------------- strings


# Control characters no export should hold in a text cell (NUL, vertical tab, form feed, escape, ...).
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# Identifiers and labels are one line: a line break there breaks every file name and join that uses them.
_ONE_LINE = r"[\x00-\x1f\x7f]"
#: Longest name accepted (a CSM's or an account's): longer is an export error, and it would swamp every page.
NAME_MAX_LENGTH = 200


def _control_names(cells: list) -> list[str]:
    names = {"\x00": "a NUL byte", "\x0b": "a vertical tab", "\x0c": "a form feed", "\n": "a line break",
             "\r": "a carriage return", "\t": "a tab", "\x1b": "an escape character"}
    out = []
    for cell in cells:
        found = next((names.get(ch, f"control character U+{ord(ch):04X}") for ch in (cell or "")
                      if ord(ch) < 32 or ord(ch) == 127), "a control character")
        out.append(f"text without control characters (this cell holds {found}; remove it in the source system)")
    return out


def _strings(text: pa.ChunkedArray, column: Column, money_format: str) -> CoercedColumn:
    problems = []
    # Names may hold a line break (they are escaped wherever shown); ids and labels may not.
    one_line = column.kind in ("id", "label")
    bad = _positions(pc.match_substring_regex(text, _ONE_LINE if one_line else _CONTROL))
    if len(bad):
        problems.append(Problem(bad, lambda positions, cells=text: _control_names(cells.take(pa.array(positions)).to_pylist())))
        text = _null_where(text, bad)
    limit = column.max_length if column.max_length is not None else (NAME_MAX_LENGTH if column.name == "name" else None)
    if limit is not None:
        lengths = pc.utf8_length(text)
        too_long = _positions(pc.greater(lengths, limit))
        if len(too_long):
            all_lengths = lengths

            def expected(positions: np.ndarray) -> list[str]:
                counts = all_lengths.take(pa.array(positions)).to_pylist()
                return [f"text of at most {limit} characters (this cell has {n})" for n in counts]

            problems.append(Problem(too_long, expected))
    return CoercedColumn(text, tuple(problems))


def _enum(text: pa.ChunkedArray, column: Column, money_format: str) -> CoercedColumn:
    lowered = pc.utf8_lower(text)
    known = pc.is_in(lowered, value_set=pa.array(column.values))
    bad = _positions(pc.and_(pc.is_valid(lowered), pc.invert(known)))
    values = _null_where(lowered, bad)
    return CoercedColumn(values, (Problem(bad, column.expectation()),) if len(bad) else ())


def _period(text: pa.ChunkedArray, column: Column, money_format: str) -> CoercedColumn:
    upper = pc.utf8_upper(text)
    bad = _positions(pc.and_(pc.is_valid(upper), pc.invert(pc.match_substring_regex(upper, _PERIOD))))
    return CoercedColumn(_null_where(upper, bad), (Problem(bad, column.expectation()),) if len(bad) else ())


def _bool(text: pa.ChunkedArray, column: Column, money_format: str) -> CoercedColumn:
    lowered = pc.utf8_lower(text)
    is_true = pc.is_in(lowered, value_set=pa.array(TRUE_TEXT))
    is_false = pc.is_in(lowered, value_set=pa.array(FALSE_TEXT))
    bad = _positions(pc.and_(pc.is_valid(lowered), pc.invert(pc.or_(is_true, is_false))))
    flags = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
    values = pd.BooleanDtype().__from_arrow__(pa.chunked_array(flags))
    return CoercedColumn(values, (Problem(bad, column.expectation()),) if len(bad) else ())


# --------------------------------------------------------------------------- numbers


def _number(text: pa.ChunkedArray, column: Column, money_format: str) -> CoercedColumn:
    loose = column.kind == "money" and money_format == "loose"
    source = pc.replace_substring_regex(text, _MONEY_DECORATION, "") if loose else text
    cast = _cast_lenient(source, pa.float64(), _NUMBER)
    values = _to_numpy_float(cast)
    finite = np.isfinite(values)
    unparsed = _valid_mask(text) & ~finite
    problems = []
    if unparsed.any():
        expectation = "a plain number such as 1200.5"
        if column.kind == "money" and not loose:
            expectation += " (amounts written like $1,200.00 are accepted only with money_format: loose in params)"
        problems.append(Problem(np.flatnonzero(unparsed), expectation))
    out_of_range = np.zeros(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        if column.minimum is not None:
            out_of_range |= finite & (values < column.minimum)
        if column.maximum is not None:
            out_of_range |= finite & (values > column.maximum)
    if out_of_range.any():
        problems.append(Problem(np.flatnonzero(out_of_range), column.expectation()))
    values = np.where(finite & ~out_of_range, values, np.nan)
    return CoercedColumn(values, tuple(problems))


# --------------------------------------------------------------------------- dates


def _date(text: pa.ChunkedArray, column: Column, money_format: str) -> CoercedColumn:
    cast = _cast_lenient(text, _NS, _NAIVE_TIME)
    values = _to_numpy_time(cast)
    present = _valid_mask(text)
    unparsed = present & np.isnat(values)
    has_time = ~np.isnat(values) & (values.view(np.int64) % _DAY_NS != 0)
    problems = []
    if unparsed.any():
        # Written like a date but not one: 2026-02-30, or a year outside what a timestamp holds.
        well_formed = unparsed & _to_bool(pc.match_substring_regex(text, _NAIVE_TIME))
        malformed = unparsed & ~well_formed
        if malformed.any():
            problems.append(Problem(np.flatnonzero(malformed), column.expectation()))
        if well_formed.any():
            problems.append(Problem(np.flatnonzero(well_formed), f"an ISO date that exists on the calendar, such as "
                                                                 f"2026-07-01 (years {_FIRST_YEAR} to {_LAST_YEAR})"))
    if has_time.any():
        problems.append(Problem(np.flatnonzero(has_time), column.expectation() + " (a date without a time of day)"))
        values = np.where(has_time, np.datetime64("NaT", "ns"), values)
    return CoercedColumn(values, tuple(problems))


def _timestamp(text: pa.ChunkedArray, column: Column, money_format: str) -> CoercedColumn:
    cast = _cast_timestamp(text)
    values = _to_numpy_time(cast)
    unparsed = _valid_mask(text) & np.isnat(values)
    problems = (Problem(np.flatnonzero(unparsed), column.expectation()),) if unparsed.any() else ()
    return CoercedColumn(values, problems)


def _month(text: pa.ChunkedArray, column: Column, money_format: str) -> CoercedColumn:
    try:
        cast = pc.cast(text, _NS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        is_year_month = pc.match_substring_regex(text, _YEAR_MONTH)
        widened = pc.if_else(is_year_month, pc.binary_join_element_wise(text, "-01", ""), text)
        cast = _cast_lenient(widened, _NS, _NAIVE_TIME)
    values = _to_numpy_time(cast)
    unparsed = _valid_mask(text) & np.isnat(values)
    month_start = values.astype("datetime64[M]").astype("datetime64[ns]")
    not_first = ~np.isnat(values) & (month_start != values)
    problems = []
    if unparsed.any():
        problems.append(Problem(np.flatnonzero(unparsed), column.expectation()))
    if not_first.any():
        problems.append(Problem(np.flatnonzero(not_first), column.expectation() + "; this is not the first day of its month"))
        values = np.where(not_first, np.datetime64("NaT", "ns"), values)
    return CoercedColumn(values, tuple(problems))


def _cast_timestamp(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Naive text is taken as UTC; text with an offset is converted to UTC; both end naive."""
    for target in (_NS, pa.timestamp("ns", tz="UTC")):
        try:
            return pc.cast(pc.cast(text, target), _NS)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    has_offset = pc.fill_null(pc.match_substring_regex(text, _HAS_OFFSET), False)
    naive_text = pc.if_else(has_offset, pa.scalar(None, pa.string()), text)
    offset_text = pc.if_else(has_offset, text, pa.scalar(None, pa.string()))
    naive = _cast_lenient(naive_text, _NS, _NAIVE_TIME)
    aware = pc.cast(_cast_lenient(offset_text, pa.timestamp("ns", tz="UTC"), _OFFSET_TIME), _NS)
    return pc.if_else(has_offset, aware, naive)


# --------------------------------------------------------------------------- helpers


def _cast_lenient(text: pa.ChunkedArray, target: pa.DataType, pattern: str) -> pa.ChunkedArray:
    """Cast ``text`` to ``target``; cells that cannot be cast become null.

    One cast when every cell is valid. Otherwise cells not matching ``pattern``
    are nulled in one vectorised pass, and chunks that still fail (an
    impossible date such as 2026-02-30) are halved until the bad cells are found.
    """
    try:
        return pc.cast(text, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    matches = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    filtered = pc.if_else(matches, text, pa.scalar(None, pa.string()))
    try:
        return pc.cast(filtered, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # Well-formed but impossible dates (2026-02-30, or a year a timestamp cannot hold) are found in one
    # vectorised pass; halving chunks to find them costs a cast per bad cell, minutes for millions of them.
    filtered = _null_impossible_dates(filtered)
    try:
        return pc.cast(filtered, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return pa.chunked_array([_bisect_cast(chunk, target) for chunk in filtered.chunks], type=target)


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
# Years a nanosecond timestamp holds whole (it spans 1677-09-21 to 2262-04-11).
_FIRST_YEAR, _LAST_YEAR = 1678, 2261


def _null_impossible_dates(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Null the cells whose leading ``YYYY-MM-DD`` is not a calendar date in the years a timestamp holds."""
    head = pc.utf8_slice_codeunits(text, 0, 10)
    iso = _to_bool(pc.match_substring_regex(head, r"^\d{4}-\d{2}-\d{2}$"))
    if not iso.any():
        return text
    safe = pc.if_else(pa.array(iso), head, pa.scalar("2000-01-01", pa.string()))
    year, month, day = (np.asarray(pc.cast(pc.utf8_slice_codeunits(safe, a, b), pa.int32()), dtype=np.int64)
                        for a, b in ((0, 4), (5, 7), (8, 10)))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days = np.where(month_ok, _DAYS_IN_MONTH[np.clip(month, 0, 12)], 0) + (leap & (month == 2))
    possible = month_ok & (day >= 1) & (day <= days) & (year >= _FIRST_YEAR) & (year <= _LAST_YEAR)
    keep = ~iso | possible
    if keep.all():
        return text
    return pc.if_else(pa.array(keep), text, pa.scalar(None, pa.string()))


def _bisect_cast(chunk: pa.Array, target: pa.DataType) -> pa.Array:
    try:
        return pc.cast(chunk, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(chunk) <= 1:
            return pa.nulls(len(chunk), target)
        middle = len(chunk) // 2
        return pa.concat_arrays([_bisect_cast(chunk.slice(0, middle), target), _bisect_cast(chunk.slice(middle), target)])


def _valid_mask(array: pa.ChunkedArray) -> np.ndarray:
    return _to_bool(pc.is_valid(array))


def _to_bool(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    filled = pc.fill_null(mask, False)
    if isinstance(filled, pa.ChunkedArray):
        if filled.num_chunks == 0:
            return np.zeros(0, dtype=bool)
        return np.concatenate([c.to_numpy(zero_copy_only=False) for c in filled.chunks])
    return filled.to_numpy(zero_copy_only=False)


def _positions(mask: pa.ChunkedArray) -> np.ndarray:
    return np.flatnonzero(_to_bool(mask))


def _null_where(values: pa.ChunkedArray, positions: np.ndarray) -> pa.ChunkedArray:
    if not len(positions):
        return values
    mask = np.zeros(len(values), dtype=bool)
    mask[positions] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def _to_numpy_float(values: pa.ChunkedArray) -> np.ndarray:
    if values.num_chunks == 0:
        return np.zeros(0, dtype=np.float64)
    return np.concatenate([c.to_numpy(zero_copy_only=False) for c in pc.fill_null(values, np.nan).chunks]).astype(np.float64, copy=False)


def _to_numpy_time(values: pa.ChunkedArray) -> np.ndarray:
    if values.num_chunks == 0:
        return np.zeros(0, dtype="datetime64[ns]")
    return np.concatenate([c.to_numpy(zero_copy_only=False) for c in values.chunks]).astype("datetime64[ns]", copy=False)


_HANDLERS = {
    "id": _strings,
    "text": _strings,
    "label": _strings,
    "enum": _enum,
    "period": _period,
    "bool": _bool,
    "number": _number,
    "money": _number,
    "date": _date,
    "timestamp": _timestamp,
    "month": _month,
}
