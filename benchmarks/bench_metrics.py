"""Benchmark: metrics, scores and triggers of one period at scale, and fast re-weighting.

Scale: 1,000 CSMs, 60,000 accounts, 8 quarters (``make_scale_data.py``, kept in
/tmp/calibrate-scale and reused). Prints, for the review period:

* load + validate time (separately; not part of the target)
* metrics + category table + scores wall time (target < 20 s), then the
  weekly coaching triggers, and the whole ``compute_period``
* peak RSS of the process (target < 3 GB; includes the loaded data)
* re-scoring every CSM with new weights, median of 100 runs (target < 50 ms)
* a same-process baseline: a plain pandas groupby-sum of ARR per account over
  the same ``arr`` rows, and the ratio of the metrics time to it

Each figure is appended to ``results/metrics.jsonl`` and compared with the
previous line. Usage: ``python benchmarks/bench_metrics.py [--data-dir DIR] [--period 2026-Q3]``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from runlog import append_run, last_run  # benchmarks/runlog.py (this folder)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "metrics.jsonl"
TARGETS = {"metrics_scores_s": 20.0, "peak_rss_gb": 3.0, "reweight_median_ms": 50.0}


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _data_dir(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    sys.path.insert(0, str(HERE))
    from make_scale_data import ensure_scale_data

    return ensure_scale_data()



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--period", default="2026-Q3")
    args = parser.parse_args(argv)

    from calibrate.load import load_dataset
    from calibrate.metrics import coaching_triggers, compute_metrics
    from calibrate.book import arr_series
    from calibrate.params import CATEGORIES, Params
    from calibrate.periods import parse_period
    from calibrate.scoring import apply_weights, category_table, compute_period

    folder = _data_dir(args.data_dir)
    params = Params().replace(period=args.period)
    period = parse_period(args.period)
    figures: dict[str, object] = {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "data_dir": str(folder), "period": args.period}

    start = time.perf_counter()
    ds = load_dataset(folder)
    figures["load_s"] = round(time.perf_counter() - start, 2)
    figures["rss_after_load_gb"] = round(_peak_rss_gb(), 2)
    figures["arr_rows"] = len(ds["arr"])
    figures["health_rows"] = len(ds["health"])

    # Baseline in the same process: the simplest pass over the same ARR rows.
    arr = ds["arr"]
    baseline = []
    for _ in range(3):
        t = time.perf_counter()
        arr.groupby("account_id")["arr"].sum()
        baseline.append(time.perf_counter() - t)
    figures["baseline_groupby_s"] = round(min(baseline), 3)

    sp = params.scoring
    start = time.perf_counter()
    lookup = arr_series(arr)
    computed = compute_metrics(ds, period, params, arr=lookup)
    table = category_table(
        computed.metrics,
        targets=sp.targets,
        override_band_low=params.ai.override_band_low,
        override_band_high=params.ai.override_band_high,
        min_cohort_size=sp.min_cohort_size,
        small_book_accounts=sp.small_book_accounts,
        shrinkage_k=sp.shrinkage_k,
    )
    apply_weights(table, sp.weights, rating_cuts=sp.rating_cuts, tier_cuts=sp.tier_cuts)
    figures["metrics_scores_s"] = round(time.perf_counter() - start, 2)
    figures["n_csms"] = len(computed.metrics)

    start = time.perf_counter()
    found = coaching_triggers(
        ds,
        period,
        red_max=params.health.red_max,
        yellow_max=params.health.yellow_max,
        sla_hours=params.activity.sla_hours,
        consecutive_declines=params.triggers.consecutive_declines,
        sla_breach_share=params.triggers.sla_breach_share,
        proactive_drop_share=params.triggers.proactive_drop_share,
        trailing_weeks=params.triggers.trailing_weeks,
        arr=lookup,
    )
    figures["triggers_s"] = round(time.perf_counter() - start, 2)
    figures["n_triggers"] = len(found)

    start = time.perf_counter()
    result = compute_period(ds, params, period)
    figures["compute_period_s"] = round(time.perf_counter() - start, 2)

    rng = np.random.default_rng(0)
    runs = []
    for _ in range(100):
        weights = dict(zip(CATEGORIES, rng.random(len(CATEGORIES)) + 0.01))
        t = time.perf_counter()
        apply_weights(result.categories, weights, rating_cuts=sp.rating_cuts, tier_cuts=sp.tier_cuts)
        runs.append(time.perf_counter() - t)
    figures["reweight_median_ms"] = round(statistics.median(runs) * 1000, 2)
    figures["peak_rss_gb"] = round(_peak_rss_gb(), 2)
    figures["metrics_vs_baseline_x"] = round(figures["metrics_scores_s"] / max(figures["baseline_groupby_s"], 1e-9), 1)

    previous = last_run(RESULTS)
    print(f"data: {folder} ({figures['n_csms']} CSMs scored, {figures['arr_rows']:,} arr rows, {figures['health_rows']:,} health rows)")
    for key in (
        "load_s",
        "rss_after_load_gb",
        "baseline_groupby_s",
        "metrics_scores_s",
        "metrics_vs_baseline_x",
        "triggers_s",
        "n_triggers",
        "compute_period_s",
        "reweight_median_ms",
        "peak_rss_gb",
    ):
        value = figures[key]
        line = f"  {key:24s} {value}"
        if key in TARGETS:
            line += f"   (target < {TARGETS[key]}: {'ok' if value < TARGETS[key] else 'MISSED'})"
        old = previous.get(key)
        if isinstance(old, (int, float)) and old:
            line += f"   ({(value - old) / old:+.0%} since last run: {old})"
        print(line)
    append_run(RESULTS, figures)
    missed = [k for k, limit in TARGETS.items() if figures[k] >= limit]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
