"""One exception family for everything the workbook refuses.

Every message says what is wrong, where, what was expected and how to fix it.
The command line prints ``str(error)`` and exits 2 for any ``CalibrateError``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CalibrateError",
    "DataValidationError",
    "ParamsError",
    "Violation",
    "InsufficientDataError",
    "ReportError",
    "OutputError",
]


class CalibrateError(Exception):
    """Base class: an error the user can fix from its message alone."""


class ParamsError(CalibrateError):
    """A params file has an unknown key, a wrong type or an impossible value."""


class InsufficientDataError(CalibrateError):
    """A computation was asked for where the data cannot support it."""


class ReportError(CalibrateError):
    """A report could not be produced (a failed notebook, a grounding check)."""


class OutputError(CalibrateError):
    """An output file could not be written (a full disk, a read-only or forbidden folder)."""


@dataclass(frozen=True)
class Violation:
    """One broken rule in one input cell, row, column or file.

    ``row`` is the row number as a spreadsheet shows it (header = row 1);
    ``None`` when the violation concerns a whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        if self.value is None:
            return f"{where}: {self.expected}"
        return f'{where}: got "{_clip(self.value)}", expected {self.expected}'


def _clip(value: str, limit: int = 80) -> str:
    text = str(value).replace("\r", "\\r").replace("\n", "\\n")
    # Other control characters are shown by their code, never printed raw (a NUL would cut the message).
    text = "".join(ch if ord(ch) >= 32 and ord(ch) != 127 else f"\\x{ord(ch):02x}" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DataValidationError(CalibrateError):
    """The input folder breaks the data contract; ``violations`` lists every break."""

    def __init__(
        self,
        violations: list[Violation],
        *,
        data_dir: str = "",
        shown_limit: int = 200,
        total: int | None = None,
    ):
        self.violations = list(violations)
        self.data_dir = data_dir
        # ``total`` counts every broken cell when ``violations`` holds capped lines plus summaries.
        self.total = len(self.violations) if total is None else int(total)
        lines = [str(v) for v in self.violations[:shown_limit]]
        more = len(self.violations) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more violation(s) not shown")
        head = f"{self.total} problem(s) in the input folder {data_dir}".rstrip()
        fix = "Fix the cells named above in the export (or map columns with `column_map` in params) and run again. Nothing was written."
        super().__init__("\n".join([head + ":", *("  " + line for line in lines), fix]))
