"""The kept bundle: typed JSON + Parquet that reads back exactly, keyed by inputs and params, reused only when they match."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from batch_helpers import tiny_dataset
from calibrate.batch.bundle import bundle_keys, ensure_bundle, key_of
from calibrate.batch.prepare import default_prepare
from calibrate.dataset import Dataset
from calibrate.params import Params
from calibrate.present.bundle import read_meta
from calibrate.present.codec import BundleFormatError, dump_part, load_part

ROOT = Path(__file__).resolve().parents[1]


def _same(a, b, where="value"):
    """Deep equality where NaN equals NaN and frames must match exactly (values, dtypes, index)."""
    assert type(a) is type(b), (where, type(a), type(b))
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
        for column in a.columns:
            if a[column].dtype == object:
                for i, (x, y) in enumerate(zip(a[column], b[column])):
                    _same(x, y, f"{where}[{column!r}][{i}]")
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b), where
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    elif a is pd.NA or a is pd.NaT:
        assert b is a, where
    else:
        assert a == b, (where, a, b)


def test_every_kind_of_value_reads_back_exactly(tmp_path):
    from calibrate.present.bundle import CsmSlice

    frame = pd.DataFrame(
        {
            "text": ["a", "b", "c"],
            "maybe": ["x", None, float("nan")],
            "mixed": [1, "two", [3, 4]],
            "ints": pd.array([1, None, 3], dtype="Int64"),
            "when": pd.to_datetime(["2026-07-01", None, "2026-09-30"]),
            "cat": pd.Categorical(["lo", "hi", "lo"]),
            "flag": [True, False, True],
        },
        index=pd.Index(["r1", "r2", "r3"], name="row"),
    )
    value = {
        "slice": CsmSlice(csm_id="C-1", name="Ann", period="2026-Q3", summary={"n": np.int64(4), "x": np.float64("nan")},
                          tables={"accounts": frame, "none": None}),
        "tuple": (1, 2.5, float("inf"), None),
        (1, "a"): {"set": {1, 2}, "frozen": frozenset({"z"})},
        "$odd": "a key that looks like a tag",
        "dates": [dt.date(2026, 7, 1), pd.Timestamp("2026-09-30 12:00"), pd.Timedelta(days=3), pd.NA, pd.NaT],
        "series": pd.Series([1.5, None], name="s"),
        "numbered": pd.DataFrame({0: [1], 1: ["x"]}),
        "array": np.array([[1, 2], [3, 4]], dtype="int32"),
    }
    dump_part(value, tmp_path / "part")
    assert not list((tmp_path / "part").rglob("*.pkl"))
    _same(value, load_part(tmp_path / "part"))


def test_foreign_objects_are_refused_when_writing_and_reading(tmp_path):
    @dataclasses.dataclass
    class Outside:  # defined in the tests, not in calibrate
        x: int

    with pytest.raises(BundleFormatError, match=r"leadership\['report'\].*calibrate's own classes"):
        dump_part({"report": Outside(1)}, tmp_path / "a", where="leadership")
    with pytest.raises(BundleFormatError, match="cannot store"):
        dump_part({"f": open}, tmp_path / "b")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "part.json").write_text(json.dumps({"$dataclass": "subprocess:Popen", "fields": {"args": ["id"]}}))
    with pytest.raises(BundleFormatError, match="not calibrate's; refusing"):
        load_part(tmp_path / "c")


def _counting(calls):
    def prepare(dataset, params, period):
        calls.append(period.label)
        return default_prepare(dataset, params, period)

    return prepare


def test_a_bundle_is_reused_only_while_its_key_matches(tmp_path):
    params, calls, said = Params(), [], []
    prepare = _counting(calls)
    target = tmp_path / "bundle"
    info, _ = ensure_bundle(params, dataset=tiny_dataset(), bundle_dir=target, prepare_fn=prepare, say=said.append)
    assert calls == ["2026-Q3"] and not info.reused and "none is there yet" in said[0]
    again, prepared = ensure_bundle(params, dataset=tiny_dataset(), bundle_dir=target, prepare_fn=prepare, say=said.append)
    assert calls == ["2026-Q3"] and again.reused and again.key == info.key and "Using the prepared bundle" in said[-1]
    assert set(prepared.scores["csm_id"]) == set(info.csm_keys)

    # Another input table: another key, prepared again and the old bundle replaced.
    full = tiny_dataset()
    arr = full["arr"].assign(arr=full["arr"]["arr"] * 2)
    changed = Dataset(tables={**full.tables, "arr": arr}, data_dir=full.data_dir)
    third, _ = ensure_bundle(params, dataset=changed, bundle_dir=target, prepare_fn=prepare, say=said.append)
    assert calls == ["2026-Q3", "2026-Q3"] and third.key != info.key and "other inputs" in said[-2]
    assert read_meta(target)["key"] == third.key
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-written or old folder left


def test_the_key_names_what_it_depends_on():
    params = Params()
    keys = bundle_keys(tiny_dataset(), params, params.quarter)
    assert set(keys) == {"format", "period", "inputs", "params_hash", "decisions", "preparer", "package_version", "code"}
    moved = bundle_keys(tiny_dataset(), params.replace(period="2026-Q2"), params.replace(period="2026-Q2").quarter)
    assert key_of(moved) != key_of(keys) and moved["params_hash"] != keys["params_hash"]


@pytest.mark.slow
def test_the_sample_preparation_reads_back_exactly(tmp_path):
    from calibrate.batch.period import prepare_period
    from calibrate.batch.runner import load_with_contract
    from calibrate.params import load_params

    params = load_params(ROOT / "params" / "sample.yaml")
    prepared = prepare_period(load_with_contract(params.data_path(), params), params, params.quarter)
    for name, value in (("team", prepared.team), ("leadership", prepared.leadership),
                        ("csm", dict(prepared.csm_slices)), ("scores", prepared.scores)):
        dump_part(value, tmp_path / name)
        _same(value, load_part(tmp_path / name), name)


def test_two_writers_of_the_same_bundle_both_finish(tmp_path):
    """Two notebooks started at once both prepare; each write ends with one complete bundle in place."""
    import threading

    from calibrate.batch.bundle import write_bundle

    params = Params()
    prepared = default_prepare(tiny_dataset(), params, params.quarter)
    keys = bundle_keys(tiny_dataset(), params, params.quarter)
    errors = []

    def write():
        try:
            write_bundle(prepared, tmp_path / "bundle", period=params.quarter, keys=keys)
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert read_meta(tmp_path / "bundle")["key"] == key_of(keys)
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]


@pytest.mark.slow
def test_calibrate_prepare_writes_then_reuses_and_refuses_a_period_without_data(tmp_path, capsys):
    from calibrate.cli import main

    params = ROOT / "params" / "sample.yaml"
    out = tmp_path / "bundle"
    assert main(["prepare", "--params", str(params), "--out", str(out)]) == 0
    first = capsys.readouterr()
    meta = read_meta(out)
    assert f"Bundle for 2026-Q3 written: {out} (key {meta['key'][:12]}, {len(meta['csms'])} CSMs)." in first.out
    csms = pd.read_csv(ROOT / "data" / "sample" / "csms.csv", dtype=str)
    still_there = csms[csms["left_date"].isna() | (csms["left_date"] >= "2026-07-01")]["csm_id"]
    assert set(meta["csms"]) == set(still_there) and meta["keys"]["period"] == "2026-Q3"
    assert main(["prepare", "--params", str(params), "--out", str(out)]) == 0
    second = capsys.readouterr()
    assert "reused" in second.out and "Using the prepared bundle" in second.err and read_meta(out)["key"] == meta["key"]
    empty = tmp_path / "empty"
    assert main(["prepare", "--params", str(params), "--period", "2031-Q1", "--out", str(empty)]) == 2
    assert not empty.exists() and [p.name for p in tmp_path.iterdir()] == ["bundle"]
