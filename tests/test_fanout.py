"""Preparing a quarter on several cores (calibrate.fanout: per-CSM work in forked processes) gives
exactly what one process gives: the same reviews and fact files, byte for byte once encoded as the
bundle stores them; and fork_map itself keeps order, raises a task's error, and survives a dead child."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from calibrate import fanout
from calibrate.batch.period import build_facts, compute_history
from calibrate.load import load_dataset
from calibrate.models.decisions import merge_ratings
from calibrate.params import load_params
from calibrate.present.codec import dump_part
from calibrate.present.review import build_csm_reviews

ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork_map forks on Linux only")


@linux_only
def test_order_and_results_are_the_loops():
    big = list(range(200))
    offset = 7  # a closure: children inherit it, nothing is pickled on the way in
    assert fanout.fork_map(lambda x: (x + offset, os.getpid()), big, workers=2, chunk_size=5)[:3][0][0] == 7
    results = fanout.fork_map(lambda x: x * x + offset, big, workers=2, chunk_size=5)
    assert results == [x * x + offset for x in big]
    pids = {pid for _, pid in fanout.fork_map(lambda x: (x, os.getpid()), big, workers=2, chunk_size=5)}
    assert os.getpid() not in pids and len(pids) >= 1  # computed in children


@linux_only
def test_an_error_for_one_item_is_raised_as_the_loop_raises_it():
    def task(x):
        if x == 150:
            raise ValueError("item 150 is bad")
        return x

    with pytest.raises(ValueError, match="item 150 is bad"):
        fanout.fork_map(task, range(200), workers=2)


@linux_only
def test_a_child_that_dies_costs_time_not_results(caplog):
    parent = os.getpid()

    def task(x):
        if x == 40 and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return -x

    assert fanout.fork_map(task, range(100), workers=2) == [-x for x in range(100)]
    assert "computing them again in one process" in caplog.text


def test_small_inputs_and_one_worker_stay_in_this_process():
    assert fanout.fork_map(lambda x: os.getpid(), range(5), workers=4) == [os.getpid()] * 5
    assert fanout.fork_map(lambda x: os.getpid(), range(50), workers=1) == [os.getpid()] * 50


@linux_only
def test_reviews_and_facts_are_the_same_from_two_processes_as_from_one(monkeypatch, tmp_path):
    monkeypatch.setattr(fanout, "MIN_ITEMS", 2)  # the sample's ten CSMs would otherwise stay in one process
    params = load_params(ROOT / "params" / "base.yaml")
    dataset = load_dataset(ROOT / "data" / "sample", column_map=params.column_map, money_format=params.money_format)
    current, previous = compute_history(dataset, params, params.quarter)
    ratings = merge_ratings(current.scores, dataset.get("manager_ratings"), None, period=current.period.label)

    def as_stored(value, name: str) -> dict[str, bytes]:
        folder = tmp_path / name
        dump_part(value, folder)  # as the bundle stores a review: part.json and Parquet tables
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        assert "part.json" in files and len(files) > 1, files.keys()
        return files

    one_reviews, _ = build_csm_reviews(current, previous, dataset, params, charts_for=(), ratings=ratings, workers=1)
    two_reviews, _ = build_csm_reviews(current, previous, dataset, params, charts_for=(), ratings=ratings, workers=2)
    assert list(one_reviews) == list(two_reviews) and len(one_reviews) >= 9
    for csm_id in one_reviews:
        assert as_stored(two_reviews[csm_id], f"two-{csm_id}") == as_stored(one_reviews[csm_id], f"one-{csm_id}"), csm_id
    # Written by the children themselves (the batch's way): the same folders, byte for byte.
    from calibrate.present.bundle import SpooledSlice, write_slice_folder

    spooled, _ = build_csm_reviews(current, previous, dataset, params, charts_for=(), ratings=ratings, workers=2,
                                   spool=tmp_path / "spool")
    assert list(spooled) == list(one_reviews)
    for csm_id, handle in spooled.items():
        assert isinstance(handle, SpooledSlice) and Path(handle.folder).parent == tmp_path / "spool"
        write_slice_folder(one_reviews[csm_id], tmp_path / f"mem-{csm_id}")
        files = lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}  # noqa: E731
        assert files(handle.folder) == files(tmp_path / f"mem-{csm_id}"), csm_id
    one_facts = build_facts(current, dataset, params, ratings, workers=1)
    two_facts = build_facts(current, dataset, params, ratings, workers=2)
    assert json.dumps(one_facts, sort_keys=True, default=str) == json.dumps(two_facts, sort_keys=True, default=str)


@linux_only
def test_quarters_computed_in_two_processes_are_the_quarters_computed_in_one():
    from calibrate.scoring import compute_period

    params = load_params(ROOT / "params" / "base.yaml")
    dataset = load_dataset(ROOT / "data" / "sample", column_map=params.column_map, money_format=params.money_format)
    one_current, one_previous = compute_history(dataset, params, params.quarter, workers=1)
    two_current, two_previous = compute_history(dataset, params, params.quarter, workers=2)
    assert [r.period.label for r in two_previous] == [r.period.label for r in one_previous] and len(one_previous) >= 3
    for one, two in zip([one_current, *one_previous], [two_current, *two_previous]):
        assert one.scores.to_csv() == two.scores.to_csv(), one.period.label
    # the quarter by itself, as `calibrate score` computes it
    alone = compute_period(dataset, params, one_previous[0].period, triggers=False)
    assert alone.scores.to_csv() == two_previous[0].scores.to_csv()


@linux_only
def test_a_side_call_runs_in_a_child_and_gives_its_value():
    offset = 11  # a closure: inherited, not pickled
    side = fanout.SideCall(lambda: (os.getpid(), offset * 2), workers=2)
    pid, value = side.result()
    assert value == 22 and pid != os.getpid()
    assert fanout.SideCall(lambda: os.getpid(), workers=1).result() == os.getpid()  # one worker: here


@linux_only
def test_a_side_call_that_fails_or_dies_in_its_child_is_computed_here_with_the_real_outcome(caplog):
    from calibrate.errors import ParamsError

    parent = os.getpid()

    def refused():
        raise ParamsError("weights must add up to 1; they add up to 0.9")

    with pytest.raises(ParamsError, match="add up to 0.9"):  # the error a user would see without the child
        fanout.SideCall(refused, workers=2).result()

    def dies_in_child():
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return "computed here"

    assert fanout.SideCall(dies_in_child, workers=2).result() == "computed here"
    assert "computing it here" in caplog.text
