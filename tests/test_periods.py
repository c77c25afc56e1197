"""Periods are half-open quarters [T0, T1) with a configurable fiscal year."""

import pandas as pd
import pytest

from calibrate.errors import CalibrateError
from calibrate.periods import parse_period, period_containing


def test_calendar_quarter_bounds():
    p = parse_period("2026-Q3")
    assert (p.start, p.end) == (pd.Timestamp("2026-07-01"), pd.Timestamp("2026-10-01"))
    assert p.days == 92
    assert p.previous(3) == [parse_period("2026-Q2"), parse_period("2026-Q1"), parse_period("2025-Q4")]
    assert p.shift(2).label == "2027-Q1"


def test_fiscal_year_starting_in_february():
    p = parse_period("2026-Q4", fiscal_year_start_month=2)
    assert (p.start, p.end) == (pd.Timestamp("2026-11-01"), pd.Timestamp("2027-02-01"))
    assert period_containing(pd.Timestamp("2027-01-15"), fiscal_year_start_month=2) == p


@pytest.mark.parametrize("text", ["2026Q3", "2026-Q5", "Q3-2026", ""])
def test_bad_period_text(text):
    with pytest.raises(CalibrateError, match="must look like 2026-Q3"):
        parse_period(text)
