"""Tiny typed frames for the book, metrics and scoring tests.

``typed(table, rows)`` builds a frame with every contract column of ``table``
in the dtype a validated frame carries (see ``calibrate.contract``), so tests
exercise the same dtypes as real runs without going through the loader.
"""

from __future__ import annotations

import pandas as pd

from calibrate.contract import TABLES, VALIDATED_DTYPES
from calibrate.dataset import Dataset

_DTYPES = VALIDATED_DTYPES


def typed(table: str, rows: list[dict]) -> pd.DataFrame:
    """A frame of ``table`` with contract dtypes; absent columns are all missing."""
    spec = TABLES[table]
    data = {}
    for col in spec.columns:
        values = [row.get(col.name) for row in rows]
        dtype = _DTYPES[col.kind]
        if dtype.startswith("datetime"):
            data[col.name] = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601").astype(dtype)
        else:
            data[col.name] = pd.Series(values, dtype=object).astype(dtype)
    extra = sorted({k for row in rows for k in row} - set(spec.column_names))
    for name in extra:
        data[name] = pd.Series([row.get(name) for row in rows], dtype=object).astype("string")
    return pd.DataFrame(data)


def monthly_arr(account_id: str, start: str, values: list[float]) -> list[dict]:
    """ARR rows for consecutive months starting at ``start`` (YYYY-MM)."""
    months = pd.date_range(start, periods=len(values), freq="MS")
    return [{"account_id": account_id, "month": m, "arr": v} for m, v in zip(months, values)]


def dataset(**tables: list[dict] | pd.DataFrame | None) -> Dataset:
    """A Dataset from row lists (or frames); required tables default to empty."""
    out: dict[str, pd.DataFrame | None] = {}
    for name, spec in TABLES.items():
        value = tables.get(name)
        if value is None:
            out[name] = typed(name, []) if spec.required else None
        elif isinstance(value, pd.DataFrame):
            out[name] = value
        else:
            out[name] = typed(name, value)
    if not tables.get("accounts"):
        ids = set()
        for name in ("ownership", "arr"):
            frame = out.get(name)
            if frame is not None:
                ids.update(frame["account_id"].dropna().tolist())
        out["accounts"] = typed("accounts", [{"account_id": a, "name": a, "segment": "smb"} for a in sorted(ids)])
    if not tables.get("csms"):
        ids = set(out["ownership"]["csm_id"].dropna().tolist())
        out["csms"] = typed(
            "csms",
            [{"csm_id": c, "name": c, "segment": "smb", "hire_date": "2024-01-01", "fully_loaded_cost": 150000} for c in sorted(ids)],
        )
    return Dataset(tables=out)


def quarter_book(books: dict[str, dict[str, tuple[float, float]]], *, period_start: str = "2026-07") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ownership and arr for CSMs owning accounts through a whole quarter.

    ``books = {"c1": {"A": (S, E)}}``: account A is owned by c1 since 2025 and
    has ARR S from ``period_start`` for three months and E in the month after.
    Returns typed ``(ownership, arr)``.
    """
    own_rows, arr_rows = [], []
    for csm, accounts in books.items():
        for account, (start, end) in accounts.items():
            own_rows.append({"account_id": account, "csm_id": csm, "start_date": "2025-01-01"})
            arr_rows += monthly_arr(account, period_start, [start, start, start, end])
    return typed("ownership", own_rows), typed("arr", arr_rows)
