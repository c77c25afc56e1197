"""Typed JSON + Parquet for the prepared bundle: the report objects written as data, never pickled.

``dump_part(value, folder)`` writes ``folder/part.json`` and one Parquet file
per table under ``folder/tables/``; ``load_part(folder)`` rebuilds the same
value. What can be stored, and how each kind appears in ``part.json``:

* ``None``, ``bool``, ``int``, ``str``: as JSON; a finite ``float`` as a JSON
  number, NaN and infinities as ``{"$float": "nan"}``;
* lists as JSON arrays; dicts whose keys are text as JSON objects, other
  dicts as ``{"$pairs": [[key, value], ...]}``; ``{"$tuple": [...]}``,
  ``{"$set": [...]}``, ``{"$frozenset": [...]}``;
* numpy scalars ``{"$np": dtype, "value": v}``; ``{"$timestamp": iso}``,
  ``{"$date": iso}``, ``{"$datetime": iso}``, ``{"$timedelta": ns}``,
  ``{"$na": 1}`` (``pd.NA``), ``{"$nat": 1}``;
* a small DataFrame of plain columns (at most ``INLINE_MAX_ROWS`` rows,
  float64 / int64 / bool, their nullable forms, dates without a time zone,
  text and Python objects; a plain row index) inline as
  ``{"$table": {"rows": n, "columns": [...], "dtypes": [...], "data": [[...], ...]}}``;
* any other DataFrame ``{"$frame": "tables/t0003.parquet", ...}`` (columns of Python
  objects other than text are stored as JSON text cells and listed under
  ``"json_columns"``; text columns of Python ``object`` dtype are listed
  under ``"object_columns"`` so they come back as they were), a Series ``{"$series": ...}``, a numpy array
  ``{"$array": [...], "dtype": ...}``;
* a dataclass of this package ``{"$dataclass": "calibrate.module:Class",
  "fields": {...}}``; an Enum of this package ``{"$enum": ..., "value": ...}``.

Only classes defined inside ``calibrate`` are rebuilt on reading, so a bundle
cannot make the reader run someone else's code (unlike a pickle). Anything
else is refused when writing, naming where in the object it sits.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import importlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ReportError

__all__ = ["BundleFormatError", "dump_part", "load_part", "encode", "decode"]

PART_FILE = "part.json"


class BundleFormatError(ReportError):
    """A value cannot be written to, or read from, a prepared bundle."""


class _Writer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    def table(self, frame: pd.DataFrame, where: str) -> dict[str, Any]:
        name = f"tables/t{self.count:04d}.parquet"
        self.count += 1
        spec: dict[str, Any] = {}
        frame = frame.copy(deep=False)
        columns = list(frame.columns)
        if not all(isinstance(c, str) for c in columns) or len(set(columns)) != len(columns) or isinstance(frame.columns, pd.MultiIndex):
            spec["columns"] = encode(frame.columns, self, f"{where}.columns")
            frame.columns = [f"c{i}" for i in range(len(columns))]
        elif frame.columns.name is not None:
            spec["columns_name"] = encode(frame.columns.name, self, f"{where}.columns.name")
        json_columns, object_columns = [], []
        for column in frame.columns:
            series = frame[column]
            if series.dtype != object:
                continue
            if all(type(v) is str for v in series):
                object_columns.append(column)
            else:
                frame[column] = [json.dumps(encode(v, self, f"{where}[{column!r}]")) for v in series]
                json_columns.append(column)
        if json_columns:
            spec["json_columns"] = json_columns
        if object_columns:
            spec["object_columns"] = object_columns
        index = frame.index
        if index.dtype == object and not all(type(v) is str for v in index):
            spec["index"] = encode(index, self, f"{where}.index")
            frame = frame.reset_index(drop=True)
        if frame.attrs:
            spec["attrs"] = encode(dict(frame.attrs), self, f"{where}.attrs")
            frame.attrs = {}
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            frame.to_parquet(path, engine="pyarrow", compression="zstd")
        except Exception as exc:  # a column pyarrow cannot type
            raise BundleFormatError(f"The table at {where} cannot be written as Parquet: {exc}") from exc
        return {"$frame": name, **spec}


def encode(value: Any, writer: _Writer | None, where: str = "value") -> Any:
    """``value`` as JSON-ready data (tables written through ``writer``); see the module docstring."""
    if value is None or type(value) in (bool, str, int):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if value is pd.NA:
        return {"$na": 1}
    if value is pd.NaT:
        return {"$nat": 1}
    if isinstance(value, np.generic):
        item = value.item()
        if isinstance(item, float) and not math.isfinite(item):
            item = repr(item)
        elif isinstance(value, (np.datetime64, np.timedelta64)):
            item = str(value)
        return {"$np": value.dtype.str, "value": item}
    if isinstance(value, pd.Timestamp):
        return {"$timestamp": value.isoformat()}
    if isinstance(value, pd.Timedelta):
        return {"$timedelta": int(value.value)}
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, enum.Enum):
        return {"$enum": _class_name(type(value), where), "value": encode(value.value, writer, where)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name), writer, f"{where}.{f.name}") for f in dataclasses.fields(value)}
        return {"$dataclass": _class_name(type(value), where), "fields": fields}
    if isinstance(value, pd.DataFrame):
        if _inline(value):
            return _inline_table(value, writer, where)
        return _need(writer, where).table(value, where)
    if isinstance(value, pd.Series):
        spec = _need(writer, where).table(value.to_frame(name="values"), where)
        return {"$series": spec, "name": encode(value.name, writer, f"{where}.name")}
    if isinstance(value, pd.Index):
        return {"$index": encode(value.tolist(), writer, where), "name": encode(value.name, writer, where),
                "dtype": str(value.dtype), "multi": isinstance(value, pd.MultiIndex),
                "names": encode(list(value.names), writer, where)}
    if isinstance(value, np.ndarray):
        return {"$array": encode(value.tolist(), writer, where), "dtype": value.dtype.str}
    if type(value) is list:
        return [encode(v, writer, f"{where}[{i}]") for i, v in enumerate(value)]
    if type(value) is tuple:
        return {"$tuple": [encode(v, writer, f"{where}[{i}]") for i, v in enumerate(value)]}
    if type(value) in (set, frozenset):
        items = sorted(value, key=repr)
        return {"$" + type(value).__name__: [encode(v, writer, where) for v in items]}
    if isinstance(value, dict):  # dict, or a Mapping subclass stored as a plain dict
        if all(type(k) is str and not k.startswith("$") for k in value):
            return {k: encode(v, writer, f"{where}[{k!r}]") for k, v in value.items()}
        return {"$pairs": [[encode(k, writer, where), encode(v, writer, f"{where}[{k!r}]")] for k, v in value.items()]}
    raise BundleFormatError(
        f"{where} holds a {type(value).__module__}.{type(value).__qualname__}, which the prepared bundle cannot store. "
        "Prepare plain data (tables, text, numbers, dataclasses of calibrate) instead."
    )


#: Small tables of plain column types are stored inside ``part.json`` (a Parquet file costs ~3 ms to write and
#: to read, and a review holds two dozen small tables); anything else goes to Parquet.
INLINE_MAX_ROWS = 200
_PLAIN_DTYPES = ("float64", "int64", "bool", "object", "Int64", "Float64", "boolean",
                 "datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]")


def _dtype_name(dtype) -> str | None:
    """The name ``_read_inline`` rebuilds ``dtype`` from, or None when the column needs Parquet."""
    if isinstance(dtype, pd.StringDtype):
        na = "nan" if dtype.na_value is not pd.NA else "NA"
        return f"string:{dtype.storage}:{na}"
    name = str(dtype)
    return name if name in _PLAIN_DTYPES else None


def _inline(frame: pd.DataFrame) -> bool:
    index = frame.index
    return (
        len(frame) <= INLINE_MAX_ROWS
        and isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None
        and not isinstance(frame.columns, pd.MultiIndex) and frame.columns.name is None
        and len(frame.columns) > 0 and all(type(c) is str for c in frame.columns) and frame.columns.is_unique
        and not frame.attrs
        and all(_dtype_name(dtype) is not None for dtype in frame.dtypes)
    )


def _inline_table(frame: pd.DataFrame, writer, where: str) -> dict[str, Any]:
    columns = list(frame.columns)
    data = [encode(frame[c].tolist(), writer, f"{where}[{c!r}]") for c in columns]
    return {"$table": {"rows": len(frame), "columns": columns, "dtypes": [_dtype_name(d) for d in frame.dtypes], "data": data}}


def _read_inline(data: dict[str, Any], reader) -> pd.DataFrame:
    spec = data["$table"]
    index = pd.RangeIndex(spec["rows"])
    columns = {}
    for name, dtype, values in zip(spec["columns"], spec["dtypes"], spec["data"]):
        values = decode(values, reader)
        if dtype.startswith("string:"):
            _, storage, na = dtype.split(":")
            dtype = pd.StringDtype(storage=storage, na_value=np.nan if na == "nan" else pd.NA)
        series = pd.Series(values, index=index, dtype=dtype if dtype != "object" else object)
        if dtype == "object":  # a list of lists would otherwise be read as rows
            series = pd.Series(pd.array(values, dtype=object) if values else [], index=index, dtype=object)
        columns[name] = series
    return pd.DataFrame(columns, index=index, columns=spec["columns"])


def _need(writer: _Writer | None, where: str) -> _Writer:
    if writer is None:
        raise BundleFormatError(f"{where} is a table, and tables can only be stored in a bundle folder.")
    return writer


def _class_name(cls: type, where: str) -> str:
    module = cls.__module__
    if module != "calibrate" and not module.startswith("calibrate."):
        raise BundleFormatError(f"{where} is a {module}.{cls.__qualname__}; a bundle stores only calibrate's own classes.")
    return f"{module}:{cls.__qualname__}"


def _resolve_class(name: str) -> type:
    module, _, qualname = name.partition(":")
    if module != "calibrate" and not module.startswith("calibrate."):
        raise BundleFormatError(f"The bundle names the class {name!r}, which is not calibrate's; refusing to build it.")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise BundleFormatError(f"The bundle names the class {name!r}, which this version of calibrate does not have. "
                                    "Prepare the bundle again (calibrate prepare).")
    return obj


class _Reader:
    def __init__(self, folder: Path):
        self.folder = folder

    def table(self, spec: dict[str, Any]) -> pd.DataFrame:
        path = self.folder / spec["$frame"]
        if not path.is_file():
            raise BundleFormatError(f"The bundle table {path} is missing; prepare the bundle again (calibrate prepare).")
        frame = pd.read_parquet(path, engine="pyarrow")
        for column in spec.get("object_columns", []):
            frame[column] = frame[column].astype(object)
        for column in spec.get("json_columns", []):
            frame[column] = pd.Series([decode(json.loads(v), self) for v in frame[column]], index=frame.index, dtype=object)
        if "index" in spec:
            frame.index = decode(spec["index"], self)
        if "columns" in spec:
            frame.columns = decode(spec["columns"], self)
        elif "columns_name" in spec:
            frame.columns.name = decode(spec["columns_name"], self)
        if "attrs" in spec:
            frame.attrs = decode(spec["attrs"], self)
        return frame


def decode(data: Any, reader: _Reader | None) -> Any:
    """The value ``encode`` turned into ``data``."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, reader) for v in data]
    if not isinstance(data, dict):
        raise BundleFormatError(f"Unexpected JSON value {data!r} in a bundle part.")
    tag = next((k for k in data if k.startswith("$")), None)
    if tag is None:
        return {k: decode(v, reader) for k, v in data.items()}
    if tag == "$float":
        return float(data[tag])
    if tag == "$na":
        return pd.NA
    if tag == "$nat":
        return pd.NaT
    if tag == "$np":
        dtype = np.dtype(data[tag])
        return np.array(data["value"], dtype=dtype)[()] if dtype.kind not in "fc" else dtype.type(float(data["value"]) if isinstance(data["value"], str) else data["value"])
    if tag == "$timestamp":
        return pd.Timestamp(data[tag])
    if tag == "$timedelta":
        return pd.Timedelta(data[tag])
    if tag == "$datetime":
        return _dt.datetime.fromisoformat(data[tag])
    if tag == "$date":
        return _dt.date.fromisoformat(data[tag])
    if tag == "$tuple":
        return tuple(decode(v, reader) for v in data[tag])
    if tag == "$set":
        return {decode(v, reader) for v in data[tag]}
    if tag == "$frozenset":
        return frozenset(decode(v, reader) for v in data[tag])
    if tag == "$pairs":
        return {decode(k, reader): decode(v, reader) for k, v in data[tag]}
    if tag == "$table":
        return _read_inline(data, reader)
    if tag == "$frame":
        if reader is None:
            raise BundleFormatError("A bundle table can only be read from its bundle folder.")
        return reader.table(data)
    if tag == "$series":
        frame = decode(data[tag], reader)
        return frame["values"].rename(decode(data["name"], reader))
    if tag == "$index":
        values = decode(data[tag], reader)
        if data.get("multi"):
            return pd.MultiIndex.from_tuples([tuple(v) for v in values], names=decode(data["names"], reader))
        return pd.Index(values, name=decode(data["name"], reader), dtype=data["dtype"] if data["dtype"] != "object" else object)
    if tag == "$array":
        return np.array(decode(data[tag], reader), dtype=np.dtype(data["dtype"]))
    if tag == "$enum":
        return _resolve_class(data[tag])(decode(data["value"], reader))
    if tag == "$dataclass":
        cls = _resolve_class(data[tag])
        if not dataclasses.is_dataclass(cls):
            raise BundleFormatError(f"The bundle names {data[tag]!r} as a dataclass; it is not one in this version of calibrate.")
        values = {k: decode(v, reader) for k, v in data["fields"].items()}
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise BundleFormatError(f"The bundle's {data[tag]} has fields {unknown} this version of calibrate does not know; "
                                    "prepare the bundle again (calibrate prepare).")
        obj = cls(**{k: v for k, v in values.items() if fields[k].init})
        for k, v in values.items():
            if not fields[k].init:
                object.__setattr__(obj, k, v)
        return obj
    raise BundleFormatError(f"Unknown tag {tag!r} in a bundle part; it was written by another version of calibrate.")


def dump_part(value: Any, folder: str | Path, *, where: str = "part") -> Path:
    """Write ``value`` as ``folder/part.json`` plus its tables; returns the JSON file's path.

    The folder should be new or empty (the caller writes a whole bundle into
    a fresh folder and moves it into place).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = encode(value, _Writer(folder), where)
    path = folder / PART_FILE
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


def load_part(folder: str | Path) -> Any:
    """The value ``dump_part`` wrote into ``folder``."""
    folder = Path(folder)
    path = folder / PART_FILE
    if not path.is_file():
        raise BundleFormatError(f"The bundle has no {path}; prepare the bundle again (calibrate prepare).")
    return decode(json.loads(path.read_text(encoding="utf-8")), _Reader(folder))
