"""Per-kind conversion of text cells: what is accepted, what is refused, and where."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from calibrate.contract import Column
from calibrate.load.coerce import coerce_column
from calibrate.load.rules import key_codes


def _run(cells, column: Column, money_format: str = "strict"):
    result = coerce_column(pa.chunked_array([pa.array(cells, type=pa.string())]), column, money_format=money_format)
    bad = sorted(int(p) for problem in result.problems for p in problem.positions)
    return result.values, bad


@pytest.mark.parametrize(
    "column, cells, bad",
    [
        (Column("x", "number"), ["1", "-2.5", "1e3", ".5", "+4", None, "abc", "1,200", "nan", "inf"], [6, 7, 8, 9]),
        (Column("x", "number", minimum=0, maximum=1), ["0", "1", "0.5", "-0.1", "1.01"], [3, 4]),
        (Column("x", "money", minimum=0), ["1200", "$1,200.00", "1 200"], [1, 2]),
        (Column("x", "date"), ["2026-07-01", "2026-02-30", "2026-7-1", "07/01/2026", "2026-07-01 00:00:00", None], [1, 2, 3]),
        (Column("x", "timestamp"), ["2026-07-01T09:30:00Z", "2026-07-01 09:30", "2026-07-01", "2026-07-01T09:30:00+0200", "soon"], [4]),
        (Column("x", "month"), ["2026-07-01", "2026-07", "2026-07-02", "2026-13", "July"], [2, 3, 4]),
        (Column("x", "bool"), ["true", "FALSE", "1", "0", "Yes", "no", "y", None], [6]),
        (Column("x", "enum", values=("a", "b")), ["a", "B", "c", None], [2]),
        (Column("x", "period"), ["2026-Q3", "2026-q1", "2026-Q5", "Q3 2026"], [2, 3]),
        (Column("x", "text", max_length=3), ["abc", "abcd", None], [1]),
        (Column("x", "id"), ["00123", "A-1"], []),
    ],
)
def test_each_kind_accepts_and_refuses(column: Column, cells, bad):
    _, found = _run(cells, column)
    assert found == bad


def test_money_loose_strips_symbols_and_separators():
    values, bad = _run(["$1,200.00", "€ 3 000", "12"], Column("x", "money"), money_format="loose")
    assert bad == []
    assert list(values) == [1200.0, 3000.0, 12.0]


def test_mixed_offsets_are_converted_to_utc():
    values, bad = _run(["2026-07-01T09:30:00+02:00", "2026-07-01T09:30:00", "2026-07-01T09:30:00Z"], Column("x", "timestamp"))
    assert bad == []
    assert list(pd.to_datetime(values)) == [pd.Timestamp("2026-07-01 07:30"), pd.Timestamp("2026-07-01 09:30"), pd.Timestamp("2026-07-01 09:30")]


def test_bad_cells_are_found_in_a_large_column_and_left_missing():
    cells = ["2026-01-01"] * 100_000
    for position in (3, 65_537, 99_999):
        cells[position] = "2026-02-30"
    values, bad = _run(cells, Column("x", "date"))
    assert bad == [3, 65_537, 99_999]
    assert np.isnat(values[[3, 65_537, 99_999]]).all()
    assert np.isnat(values).sum() == 3


def test_key_codes_identify_rows_and_mark_missing_parts():
    frame = pd.DataFrame(
        {
            "a": pd.array(["x", "x", "y", None, "x"], dtype=pd.StringDtype("pyarrow")),
            "d": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-01", "2026-01-01", "2026-01-01"]),
        }
    )
    codes = key_codes(frame, ("a", "d"))
    assert codes[3] == -1
    assert codes[0] == codes[4]
    assert len({codes[0], codes[1], codes[2]}) == 3


def test_dates_that_do_not_exist_are_named_as_such_and_found_in_one_pass():
    cells = ["2026-01-31", "2026-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "0100-01-01", "1677-12-31",
             "2262-01-01", "2026-00-10", "2026-04-31", "1678-01-01"]
    result = coerce_column(pa.chunked_array([pa.array(cells, type=pa.string())]), Column("x", "date"), money_format="strict")
    bad = sorted(int(p) for problem in result.problems for p in problem.positions)
    assert bad == [1, 3, 5, 6, 7, 8, 9]  # 2024 and 2000 are leap years, 1900 is not
    assert all("exists on the calendar" in problem.expected for problem in result.problems)
    assert not np.isnat(result.values[[0, 2, 4, 10]]).any()


def test_a_column_where_most_dates_are_impossible_is_refused_cell_by_cell():
    # Half a million well-formed dates that a timestamp cannot hold: each is named, none is cast one at a time.
    cells = [f"{100 + i % 1500:04d}-01-01" for i in range(500_000)]
    values, bad = _run(cells, Column("x", "date"))
    expected = [i for i in range(500_000) if 100 + i % 1500 < 1678]
    assert bad == expected
    assert np.isnat(values).sum() == len(expected)
