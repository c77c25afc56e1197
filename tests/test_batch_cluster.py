"""The batch on a real Dask LocalCluster (scheduler and two worker processes).

Same scores.csv and byte-identical pages as a local run; a worker killed
while it runs a report is replaced and the job re-run by the scheduler.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from batch_helpers import tiny_dataset
from calibrate.batch import default_prepare, run_batch
from calibrate.params import Params

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

TEMPLATES = Path(__file__).parent / "batch_templates"


def _pages(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.html")) if p.name != "index.html"}


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    # The pages' "generated" stamp, equal in both runs; set before the workers start so they inherit it.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1790000000")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, Client(lc) as client:
            yield lc, client


def test_cluster_run_equals_a_local_run_and_survives_a_killed_worker(tmp_path, cluster):
    lc, client = cluster
    run = dict(dataset=tiny_dataset(), templates_dir=TEMPLATES, prepare_fn=default_prepare, progress=False)
    local = run_batch(Params(), out_dir=tmp_path / "local", workers=2, **run)
    assert local.ok

    # Kill one worker process as soon as it has started a report; the scheduler reruns its jobs elsewhere.
    killed = []

    def kill_one_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            busy = [w for w, tasks in client.processing().items() if tasks]
            if busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker, daemon=True)
    killer.start()
    remote = run_batch(Params(), out_dir=tmp_path / "cluster", executor=client.get_executor(), **run)
    killer.join(timeout=5)
    assert killed, "no worker was busy long enough to be killed"
    assert remote.ok, remote.describe()
    a, b = tmp_path / "local" / "2026-Q3", tmp_path / "cluster" / "2026-Q3"
    assert (a / "scores.csv").read_bytes() == (b / "scores.csv").read_bytes()
    assert _pages(a) and _pages(a) == _pages(b)
