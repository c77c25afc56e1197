"""DataFrames as readable HTML tables, with units and every cell escaped.

A column's *format* says how to show its values:

============  ==========================  ===============
format        value                       shown as
============  ==========================  ===============
``money``     1234567.0                   $1,234,567
``money_k``   1234567.0                   $1,235k
``percent``   1.083 (a fraction)          108.3%
``pp``        0.103 (fraction difference) +10.3 pts
``ratio``     1.0834                      1.08
``int``       14.0                        14
``number``    3.14159                     3.1
``days``      12.4                        12 days
``date``      Timestamp("2026-07-01")     2026-07-01
``code``      "mid_market"                mid market (a code read as words)
``text``      anything                    escaped text
============  ==========================  ===============

A value that cannot be computed (NA, NaN, None) shows as an em dash with a
tooltip, never as 0 (the data contract: "a value that cannot be computed is
empty, never 0").
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from .escape import escape_multiline, escape_text, is_missing

__all__ = [
    "FORMATS",
    "format_value",
    "format_money",
    "format_percent",
    "format_pp",
    "format_ratio",
    "format_count",
    "table_html",
    "note_html",
]

MISSING_HTML = '<span class="missing" title="cannot be computed from the data">&mdash;</span>'


def format_money(value: float, *, thousands: bool = False) -> str:
    """``1234567.0`` -> ``$1,234,567`` (``$1,235k`` with ``thousands=True``); negatives as ``-$1,200``."""
    sign = "-" if value < 0 else ""
    amount = abs(float(value))
    if thousands:
        return f"{sign}${amount / 1000:,.0f}k"
    return f"{sign}${amount:,.0f}"


def format_percent(value: float, *, digits: int = 1) -> str:
    """A fraction as a percentage: ``1.083`` -> ``108.3%``."""
    return f"{float(value) * 100:,.{digits}f}%"


def format_pp(value: float) -> str:
    """A difference of two fractions in percentage points, signed: ``0.103`` -> ``+10.3 pts``."""
    text = f"{abs(float(value)) * 100:,.1f}"
    if text == "0.0":
        return "0.0 pts"
    return f"{'+' if float(value) > 0 else '-'}{text} pts"


def format_ratio(value: float, *, digits: int = 2) -> str:
    return f"{float(value):,.{digits}f}"


def format_count(value: float) -> str:
    return f"{int(round(float(value))):,}"


def _format_date(value: Any) -> str:
    stamp = pd.Timestamp(value)
    return stamp.strftime("%Y-%m-%d")


FORMATS: dict[str, Callable[[Any], str]] = {
    "money": format_money,
    "money_k": lambda v: format_money(v, thousands=True),
    "percent": format_percent,
    "pp": format_pp,
    "ratio": format_ratio,
    "int": format_count,
    "number": lambda v: f"{float(v):,.1f}",
    "days": lambda v: f"{float(v):,.0f} days",
    "date": _format_date,
    "code": lambda v: str(v).replace("_", " "),
    "text": str,
}
_NUMERIC_FORMATS = {"money", "money_k", "percent", "pp", "ratio", "int", "number", "days"}


def format_value(value: Any, fmt: str = "text") -> str:
    """One value as escaped HTML in format ``fmt`` (see the module table)."""
    if is_missing(value):
        return MISSING_HTML
    if fmt not in FORMATS:
        raise ValueError(f"Unknown table format {fmt!r}. Use one of: {', '.join(FORMATS)}.")
    try:
        text = FORMATS[fmt](value)
    except (TypeError, ValueError):
        text = str(value)
    return escape_multiline(text)


def _default_format(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    return "text"


def note_html(text: str, *, kind: str = "info") -> str:
    """A boxed sentence (``kind`` ``info``, ``warning`` or ``nodata``) with the text escaped."""
    return f'<p class="note note-{escape_text(kind)}">{escape_multiline(text)}</p>'


def table_html(
    frame: pd.DataFrame | None,
    *,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
    max_rows: int | None = None,
    empty_note: str = "No rows to show for this period.",
) -> str:
    """Render ``frame`` as an HTML table that wraps or scrolls instead of being cut.

    Parameters
    ----------
    frame : DataFrame or None
        The rows to show; ``None`` or an empty frame renders ``empty_note``.
    columns : sequence of str, optional
        Columns to show, in order (default: all).
    labels : mapping, optional
        Column header text by column name (default: the column name).
    formats : mapping, optional
        Format by column name (see ``FORMATS``); others get one from the dtype.
    caption : str, optional
        Text above the table.
    max_rows : int, optional
        Show the first ``max_rows`` rows and say how many were left out.

    Every header, cell and caption is HTML-escaped; numbers are right-aligned.
    """
    if frame is None or len(frame) == 0:
        return note_html(empty_note, kind="nodata")
    labels = dict(labels or {})
    formats = dict(formats or {})
    shown = list(columns) if columns is not None else list(frame.columns)
    missing = [c for c in shown if c not in frame.columns]
    if missing:
        raise KeyError(f"table_html: columns {missing} are not in the frame (it has {list(frame.columns)}).")
    body = frame if max_rows is None else frame.head(max_rows)
    col_formats = {c: formats.get(c, _default_format(frame[c])) for c in shown}
    worded = {c for c in shown if str(c).endswith("rating") or str(c) in ("category", "tier")}

    head_cells = []
    # Each cell carries its column's label, so a phone can show the table as one card per row (style.py).
    cell_labels = {col: escape_text(labels.get(col, col)) for col in shown}
    for col in shown:
        cls = ' class="num"' if col_formats[col] in _NUMERIC_FORMATS else ""
        head_cells.append(f"<th scope=\"col\"{cls}>{escape_text(labels.get(col, col))}</th>")
    rows = []
    for values in body[shown].itertuples(index=False, name=None):
        cells = []
        for col, value in zip(shown, values):
            cls = ' class="num"' if col_formats[col] in _NUMERIC_FORMATS else ""
            if col in worded and isinstance(value, str):
                value = value.replace("_", " ")  # needs_development -> needs development: words, not code names
            cells.append(f'<td{cls} data-label="{cell_labels[col]}">{format_value(value, col_formats[col])}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    parts = ['<div class="table-wrap"><table class="data">']
    if caption:
        parts.append(f"<caption>{escape_text(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(head_cells) + "</tr></thead>")
    parts.append("<tbody>" + "".join(rows) + "</tbody></table></div>")
    if max_rows is not None and len(frame) > max_rows:
        parts.append(note_html(f"Showing {max_rows} of {len(frame)} rows.", kind="info"))
    return "".join(parts)
