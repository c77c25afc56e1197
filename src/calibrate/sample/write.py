"""Write the generator's internal frames as contract tables (CSV or Parquet), fast.

Internal encodings, decoded here column by column from ``calibrate.contract``:

* ``account_id`` / ``csm_id``: integer rows into the accounts / CSM tables;
* a table's own key (``activity_id`` ...): an integer sequence, written as
  ``ACT-00000001``;
* ``date`` and ``month`` columns: day numbers, ``timestamp`` columns: seconds
  since 1970-01-01 UTC; ``-1`` means empty.

CSV timestamps are written ``2026-07-06T14:30:00Z``; Parquet keeps typed
``date32`` and ``timestamp[s, UTC]`` columns. Everything goes through pyarrow,
so millions of rows never become Python objects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..contract import TABLES

__all__ = ["write_table", "to_arrow", "OWN_ID_PREFIX"]

OWN_ID_PREFIX = {
    "activity_id": "ACT-",
    "ticket_id": "TKT-",
    "response_id": "SRV-",
    "flag_id": "FLG-",
    "draft_id": "DRF-",
}
_CHUNK = 1_000_000


def _ids(values: np.ndarray, prefix: str, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(values, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _column(name: str, kind: str, values, *, lookups: dict[str, pa.Array], csv: bool, width: int = 8) -> pa.Array:
    if name in ("account_id", "csm_id") and kind == "id":
        codes = np.asarray(values, dtype=np.int64)
        return pc.take(lookups[name], pa.array(codes, pa.int64(), mask=codes < 0))
    if name in OWN_ID_PREFIX:
        codes = np.asarray(values, dtype=np.int64)
        return _ids(codes, OWN_ID_PREFIX[name], width)
    if kind in ("date", "month"):
        days = np.asarray(values, dtype=np.int64)
        return pa.array(days.astype(np.int32), pa.int32(), mask=days < 0).cast(pa.date32())
    if kind == "timestamp":
        secs = np.asarray(values, dtype=np.int64)
        ts = pa.array(secs, pa.int64(), mask=secs < 0).cast(pa.timestamp("s"))
        if not csv:
            return ts.cast(pa.timestamp("s", tz="UTC"))
        text = pc.replace_substring(pc.cast(ts, pa.string()), " ", "T")
        return pc.binary_join_element_wise(text, "Z", "")
    if kind == "bool":
        return pa.array(np.asarray(values, dtype=bool), pa.bool_())
    if kind in ("number", "money"):
        arr = np.asarray(values, dtype=np.float64)
        return pa.array(arr, pa.float64(), from_pandas=True)
    series = pd.Series(values)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return pa.array(series, from_pandas=True).cast(pa.string())
    return pa.array(series.astype(object).where(series.notna(), None).to_numpy(), pa.string(), from_pandas=True)


def to_arrow(name: str, frame: pd.DataFrame, *, lookups: dict[str, pa.Array], csv: bool, width: int = 8) -> pa.Table:
    """The contract table ``name`` (columns in contract order, then extra columns) as Arrow."""
    spec = TABLES[name]
    columns, names = [], []
    for col in spec.columns:
        if col.name in frame.columns:
            columns.append(_column(col.name, col.kind, frame[col.name].to_numpy(), lookups=lookups, csv=csv, width=width))
            names.append(col.name)
    for extra in frame.columns:
        if extra not in names:
            columns.append(_column(extra, "text", frame[extra].to_numpy(), lookups=lookups, csv=csv))
            names.append(extra)
    return pa.Table.from_arrays(columns, names=names)


def write_table(name: str, frame: pd.DataFrame, out_dir: Path, *, file_format: str,
                lookups: dict[str, pa.Array]) -> Path:
    """Write ``frame`` as ``<out_dir>/<name>.csv`` or ``.parquet``; returns the path."""
    csv = file_format == "csv"
    own = [c for c in frame.columns if c in OWN_ID_PREFIX]
    width = max(8, len(str(int(frame[own[0]].max())))) if own and len(frame) else 8
    path = Path(out_dir) / f"{name}.{'csv' if csv else 'parquet'}"
    if csv:
        with pacsv.CSVWriter(path, to_arrow(name, frame.iloc[:0], lookups=lookups, csv=True, width=width).schema) as writer:
            for lo in range(0, max(len(frame), 1), _CHUNK):
                part = frame.iloc[lo : lo + _CHUNK]
                if len(part):
                    writer.write_table(to_arrow(name, part, lookups=lookups, csv=True, width=width))
    else:
        pq.write_table(to_arrow(name, frame, lookups=lookups, csv=False, width=width), path, compression="zstd")
    return path
