"""The validated input: one frozen container of typed tables.

Nothing downstream of ``load.load_dataset`` ever sees an unvalidated table:
build one with ``calibrate.load.load_dataset`` (a folder of exports) or
``calibrate.load.validate_frames`` (frames built in code; the same checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from .contract import OPTIONAL_TABLES, REQUIRED_TABLES

__all__ = ["Dataset", "SourceFile"]


@dataclass(frozen=True)
class SourceFile:
    """Where a table came from: for the run manifest."""

    table: str
    path: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class Dataset:
    """Validated tables keyed by contract name; absent optional tables are ``None``.

    Frames follow the dtypes documented in ``calibrate.contract``. Treat them
    as read-only: every function that derives data returns a new frame.
    """

    tables: Mapping[str, pd.DataFrame | None]
    sources: tuple[SourceFile, ...] = ()
    warnings: tuple[str, ...] = ()
    data_dir: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

    def __getitem__(self, name: str) -> pd.DataFrame:
        frame = self.tables.get(name)
        if frame is None:
            raise KeyError(f"table {name!r} is not in this dataset")
        return frame

    def get(self, name: str) -> pd.DataFrame | None:
        """The table, or ``None`` when an optional table was not supplied."""
        return self.tables.get(name)

    def has(self, name: str) -> bool:
        return self.tables.get(name) is not None

    @property
    def group_columns(self) -> list[str]:
        """The ``group_*`` columns of ``csms`` (fairness checks only)."""
        return [c for c in self["csms"].columns if c.startswith("group_")]

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last ``arr`` month: the span the data covers."""
        months = self["arr"]["month"]
        if months.empty:
            return None
        return months.min(), months.max()

    def summary(self) -> dict[str, object]:
        """What was loaded: tables, rows, date range, CSMs and accounts."""
        rows = {name: (None if self.get(name) is None else len(self[name])) for name in REQUIRED_TABLES + OPTIONAL_TABLES}
        span = self.date_range()
        return {
            "data_dir": self.data_dir,
            "rows": rows,
            "csms": int(self["csms"]["csm_id"].nunique()),
            "accounts": int(self["accounts"]["account_id"].nunique()),
            "first_month": None if span is None else span[0].strftime("%Y-%m"),
            "last_month": None if span is None else span[1].strftime("%Y-%m"),
            "warnings": len(self.warnings),
        }
