"""Vectorised "as of" look-ups: the latest reference row of an id at or before a time.

Ids are matched in pyarrow (no Python objects), rows sorted once per table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["AsOfIndex", "asof_index", "asof_positions", "id_codes", "arrow_strings"]


def arrow_strings(values) -> pa.Array:
    """Values as one pyarrow string array (zero-copy for arrow-backed pandas strings)."""
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.array
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(values, from_pandas=True)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type != pa.string():
        values = values.cast(pa.string())
    return values


def id_codes(values, keys: pa.Array) -> np.ndarray:
    """Position of each value in ``keys`` (``-1`` when absent or missing), computed in pyarrow."""
    found = pc.index_in(arrow_strings(values), value_set=keys)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


@dataclass(frozen=True)
class AsOfIndex:
    """Reference rows (id, time) sorted once, for fast "latest row at or before" look-ups.

    Build with ``asof_index``; ``positions`` answers any number of queries
    without re-sorting the reference table (health has millions of rows).
    """

    keys: pa.Array
    times: np.ndarray
    sorted_key: np.ndarray
    sorted_code: np.ndarray
    order: np.ndarray

    def positions(self, query_ids, query_times) -> np.ndarray:
        """Position (in the reference rows' given order) of the latest row of the same id at or before each time; -1 if none."""
        query_t = pd.Series(query_times, copy=False).to_numpy(dtype="datetime64[ns]")
        n = len(query_t)
        if n == 0 or len(self.order) == 0:
            return np.full(n, -1, dtype=np.int64)
        code = id_codes(query_ids, self.keys)
        rank = np.searchsorted(self.times, query_t.astype(np.int64), side="right") - 1
        span = len(self.times) + 1
        pos = np.searchsorted(self.sorted_key, code * span + rank, side="right") - 1
        valid = (code >= 0) & ~np.isnat(query_t) & (rank >= 0) & (pos >= 0)
        safe = np.where(valid, pos, 0)
        hit = valid & (self.sorted_code[safe] == code)
        return np.where(hit, self.order[safe], -1).astype(np.int64)


def asof_index(ref_ids, ref_times) -> AsOfIndex:
    """Sort reference rows by (id, time) once; see ``AsOfIndex``. NaT rows never match."""
    ref_t = pd.Series(ref_times, copy=False).to_numpy(dtype="datetime64[ns]")
    encoded = pc.dictionary_encode(arrow_strings(ref_ids))
    keys = encoded.dictionary
    code = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    ok = ~np.isnat(ref_t) & (code >= 0)
    ref_int = ref_t.astype(np.int64)
    times = np.unique(ref_int[ok])
    span = len(times) + 1
    rank = np.searchsorted(times, ref_int, side="left")
    # One int64 key per (id, time): the time's rank keeps id * span + rank in range.
    key = np.where(ok, code * span + rank, -1)
    order = np.argsort(key, kind="stable")
    return AsOfIndex(keys=keys, times=times, sorted_key=key[order], sorted_code=np.where(ok, code, -1)[order], order=order)


def asof_positions(ref_ids, ref_times, query_ids, query_times) -> np.ndarray:
    """For each query, the position of the latest reference row of the same id at or before its time.

    A vectorised "as of" join (no Python loop): ``ref_ids``/``ref_times`` are
    the reference rows (e.g. health scores), ``query_ids``/``query_times`` the
    questions (e.g. accounts at T0). Returns positions into the reference rows
    in their given order, ``-1`` where no row qualifies. NaT never matches.
    Build an ``asof_index`` once instead when asking many times.
    """
    return asof_index(ref_ids, ref_times).positions(query_ids, query_times)
