"""Collect violations: every one is counted, repetitive ones are capped for display.

A column with a million bad cells must not produce a million-line message, so
each (file, column, rule) shows its first ``cap`` rows followed by one summary
line; ``total`` still counts every broken cell.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..errors import DataValidationError, Violation

__all__ = ["ViolationLog", "DEFAULT_CAP"]

DEFAULT_CAP = 20


class ViolationLog:
    """An ordered list of violations with a count of everything found."""

    def __init__(self, *, cap: int = DEFAULT_CAP) -> None:
        self.cap = cap
        self.shown: list[Violation] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, violation: Violation) -> None:
        """Record one violation concerning a file, a column or one cell."""
        self.shown.append(violation)
        self.total += 1

    def add_rows(
        self,
        file: str,
        column: str | None,
        positions: np.ndarray,
        *,
        rows: Callable[[np.ndarray], Sequence[int]],
        values: Callable[[np.ndarray], Sequence[object]],
        expected: str | Callable[[np.ndarray], Sequence[str]],
    ) -> None:
        """Record one rule broken at ``positions`` (0-based data positions, any order).

        ``rows`` maps positions to spreadsheet rows, ``values`` to the offending
        text; ``expected`` is one text for all rows or a function giving one per row.
        Only the first ``cap`` rows are built (so the cost does not grow with the count).
        """
        positions = np.sort(np.asarray(positions, dtype=np.int64))
        count = len(positions)
        if count == 0:
            return
        head = positions[: self.cap]
        row_numbers = list(rows(head))
        texts = list(values(head))
        expectations = [expected] * len(head) if isinstance(expected, str) else list(expected(head))
        for row, value, expect in zip(row_numbers, texts, expectations):
            shown_value = "" if value is None else str(value)
            self.shown.append(Violation(file, int(row), column, shown_value, expect))
        self.total += count
        if count > len(head):
            rule = expected if isinstance(expected, str) else "the same rule"
            where = f"column {column}" if column else "this file"
            self.shown.append(
                Violation(file, None, column, None, f"... and {count - len(head)} more row(s) in {where} break the same rule ({rule})")
            )

    def raise_if_any(self, *, data_dir: str) -> None:
        """Raise ``DataValidationError`` listing everything collected, if anything was."""
        if self.total:
            raise DataValidationError(self.shown, data_dir=data_dir, total=self.total, shown_limit=max(200, self.cap * 10))
