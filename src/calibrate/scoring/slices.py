"""Per-CSM views of one quarter's results and data, cut once by group-by.

Building a review reads a few of the company's tables (health rows, renewals,
tickets, activities, the quarter's windows and lifecycle). Filtering each of
them for every CSM costs the size of the company once per CSM, which at a
thousand CSMs is most of the preparation. :class:`CsmSlicer` groups each
table by CSM (or by account) once, and hands every review a ``PeriodResult``
and a ``Dataset`` that hold only that CSM's rows, in their original order,
so the review's own filters give the same rows as before, for a fraction of
the cost.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..load.pipeline import single_chunk

__all__ = ["CsmSlicer"]

# PeriodResult frames a review reads for one CSM only (metrics, categories and scores stay whole: cohorts need them).
_RESULT_BY_CSM = ("owned", "windows", "lifecycle", "renewals_due", "triggers", "account_health", "transitions", "saves")
# Input tables a review reads for one CSM's rows only.
_DATA_BY_CSM = ("activities", "evidence", "manager_ratings", "pre_session_notes", "ai_drafts")
# Input tables a review reads for the accounts of one CSM's quarter only.
_DATA_BY_ACCOUNT = ("health", "renewals", "tickets", "surveys", "onboarding")
# Where a CSM's accounts are found.
_ACCOUNT_SOURCES = ("owned", "windows", "lifecycle")

_EMPTY = np.array([], dtype=np.intp)


def _positions(frame: pd.DataFrame | None, column: str) -> dict[Any, np.ndarray]:
    if frame is None or column not in frame.columns or frame.empty:
        return {}
    return {key: np.asarray(idx) for key, idx in frame.groupby(column, sort=False, observed=True).indices.items()}


def _take(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    return frame.iloc[np.sort(positions)] if len(positions) else frame.iloc[0:0]


def _contiguous(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` with every Arrow-backed text column in one chunk (``load.pipeline.single_chunk``).

    Tables built by joins and concatenations hold their text in many chunks,
    and a row selection from a chunked column joins them again each time: a
    thousand selections per table would cost the table's size a thousand
    times.
    """
    if frame is None or frame.empty:
        return frame
    import pyarrow as pa

    changed = {}
    for name in frame.columns:
        values = frame[name].array
        chunked = getattr(values, "_pa_array", None)
        if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
            changed[name] = pd.Series(type(values)(single_chunk(chunked)), index=frame.index, name=name)
    return frame.assign(**changed) if changed else frame


class CsmSlicer:
    """Group the quarter's frames once; :meth:`for_csm` returns one CSM's ``(PeriodResult, Dataset)``."""

    def __init__(self, current, dataset: Dataset):
        current = dataclasses.replace(current, **{
            name: _contiguous(getattr(current, name)) for name in _RESULT_BY_CSM if getattr(current, name, None) is not None})
        tables = dict(dataset.tables)
        for name in (*_DATA_BY_CSM, *_DATA_BY_ACCOUNT):
            if tables.get(name) is not None:
                tables[name] = _contiguous(tables[name])
        dataset = dataclasses.replace(dataset, tables=tables)
        self.current = current
        self.dataset = dataset
        self._result = {name: _positions(getattr(current, name, None), "csm_id") for name in _RESULT_BY_CSM}
        self._data_csm = {name: _positions(dataset.get(name), "csm_id") for name in _DATA_BY_CSM}
        self._data_account = {name: _positions(dataset.get(name), "account_id") for name in _DATA_BY_ACCOUNT}

    def accounts_of(self, csm_id: str) -> list:
        """Every account that appears in ``csm_id``'s windows, ownership or lifecycle this quarter."""
        seen: dict[Any, None] = {}
        for name in _ACCOUNT_SOURCES:
            frame = getattr(self.current, name, None)
            positions = self._result.get(name, {}).get(csm_id, _EMPTY)
            if frame is not None and len(positions):
                seen.update(dict.fromkeys(frame["account_id"].iloc[positions]))
        return list(seen)

    def for_csm(self, csm_id: str):
        """``(current, dataset)`` holding only ``csm_id``'s rows (tables not cut are shared, unchanged)."""
        current_changes = {
            name: _take(getattr(self.current, name), self._result[name].get(csm_id, _EMPTY))
            for name in _RESULT_BY_CSM
            if getattr(self.current, name, None) is not None and "csm_id" in getattr(self.current, name).columns
        }
        tables = dict(self.dataset.tables)
        for name, groups in self._data_csm.items():
            if tables.get(name) is not None and "csm_id" in tables[name].columns:
                tables[name] = _take(tables[name], groups.get(csm_id, _EMPTY))
        accounts = self.accounts_of(csm_id)
        for name, groups in self._data_account.items():
            if tables.get(name) is not None and "account_id" in tables[name].columns:
                parts = [groups[a] for a in accounts if a in groups]
                tables[name] = _take(tables[name], np.concatenate(parts) if parts else _EMPTY)
        return dataclasses.replace(self.current, **current_changes), dataclasses.replace(self.dataset, tables=tables)

    def csm_ids(self) -> Iterable[str]:
        return self.current.scores["csm_id"].astype(str)
