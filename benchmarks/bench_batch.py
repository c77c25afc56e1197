"""Benchmark the papermill batch: prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_batch.py --params params/sample.yaml [--data DIR] [--workers N]
        [--prepare module:function] [--generate N_CSMS]

Prints the time to load and validate, to prepare (``prepare_fn``), and to run
the notebooks (total, per notebook, throughput). ``--prepare`` names the
preparation to time (default ``calibrate.batch:default_prepare``); point it at
the function built on ``compute_period`` once metrics exist. ``--generate``
writes a synthetic data folder with ``calibrate.sample`` first.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _resolve(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=Path("params/sample.yaml"))
    parser.add_argument("--data", type=Path)
    parser.add_argument("--period")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--prepare", default="calibrate.batch:default_prepare")
    parser.add_argument("--generate", type=int, metavar="N_CSMS", help="generate a sample with this many CSMs first")
    args = parser.parse_args(argv)

    from calibrate.batch import load_with_contract, run_batch
    from calibrate.params import load_params

    params = load_params(args.params)
    scratch = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    if args.generate:
        from calibrate.sample import generate_sample

        t = time.perf_counter()
        generate_sample(scratch / "data", seed=7, n_csms=args.generate)
        print(f"generate sample ({args.generate} CSMs): {time.perf_counter() - t:8.2f} s")
        args.data = scratch / "data"
    changes = {"data_dir": str(args.data.resolve()) if args.data else None, "period": args.period}
    params = params.replace(**changes)

    t = time.perf_counter()
    dataset = load_with_contract(params.data_path(), params)
    t_load = time.perf_counter() - t
    prepare = _resolve(args.prepare)
    timings = {}

    def timed_prepare(ds, p, period):
        start = time.perf_counter()
        out = prepare(ds, p, period)
        timings["prepare"] = time.perf_counter() - start
        return out

    t = time.perf_counter()
    result = run_batch(params, dataset=dataset, out_dir=scratch / "reports", workers=args.workers, prepare_fn=timed_prepare)
    t_batch = time.perf_counter() - t
    ran = [s for s in result.statuses if s.seconds is not None]
    per_nb = [s.seconds for s in ran]
    print(f"load + validate:          {t_load:8.2f} s")
    print(f"prepare ({args.prepare}): {timings.get('prepare', float('nan')):8.2f} s")
    print(f"batch total (incl. prep): {t_batch:8.2f} s   workers={result.statuses and _workers(result)}")
    if per_nb:
        print(f"notebooks:                {len(per_nb)} run, {len(result.failed)} failed")
        print(f"per notebook:             mean {statistics.mean(per_nb):.2f} s, median {statistics.median(per_nb):.2f} s, max {max(per_nb):.2f} s")
        print(f"throughput:               {60 * len(per_nb) / t_batch:.1f} notebooks/min")
    print(f"outputs:                  {result.out_dir}")
    return result.exit_code


def _workers(result) -> str:
    import json

    return str(json.loads(result.manifest_path.read_text()).get("workers"))


if __name__ == "__main__":
    sys.exit(main())
