import pandas as pd
import pytest

from calibrate.present.tables import format_money, format_percent, format_value, note_html, table_html


def test_formats_show_units():
    assert format_money(1234567.0) == "$1,234,567"
    assert format_money(-1200.0) == "-$1,200"
    assert format_money(1234567.0, thousands=True) == "$1,235k"
    assert format_percent(1.083) == "108.3%"
    assert format_value(14.0, "int") == "14"
    assert format_value(pd.Timestamp("2026-07-01"), "date") == "2026-07-01"


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_missing_value_is_a_dash_not_zero(missing):
    out = format_value(missing, "money")
    assert "&mdash;" in out and "0" not in out


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="Unknown table format"):
        format_value(1.0, "furlongs")


def test_table_escapes_every_cell_header_and_caption():
    frame = pd.DataFrame({"<th>": ['<script>alert("x")</script>', "a\nb"], "arr": [1000.0, None]})
    out = table_html(frame, formats={"arr": "money"}, caption="<cap>")
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "&lt;th&gt;" in out and "&lt;cap&gt;" in out
    assert "$1,000" in out and "&mdash;" in out
    assert 'class="table-wrap"' in out  # wide tables scroll instead of being cut


def test_empty_or_absent_table_shows_the_note():
    assert "nothing here" in table_html(None, empty_note="nothing here")
    assert "nothing here" in table_html(pd.DataFrame({"a": []}), empty_note="nothing here")


def test_max_rows_says_what_was_left_out():
    out = table_html(pd.DataFrame({"a": range(10)}), max_rows=3)
    assert out.count("<tr>") == 4 and "Showing 3 of 10 rows" in out


def test_unknown_column_names_the_columns():
    with pytest.raises(KeyError, match="not in the frame"):
        table_html(pd.DataFrame({"a": [1]}), columns=["b"])


def test_table_does_not_modify_its_input():
    frame = pd.DataFrame({"a": [1.5, None]})
    before = frame.copy()
    table_html(frame, formats={"a": "percent"})
    pd.testing.assert_frame_equal(frame, before)


def test_note_escapes():
    assert "&lt;b&gt;" in note_html("<b>")
