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
    one_facts = build_facts(current, dataset, params, ratings, workers=1)
    two_facts = build_facts(current, dataset, params, ratings, workers=2)
    assert json.dumps(one_facts, sort_keys=True, default=str) == json.dumps(two_facts, sort_keys=True, default=str)
