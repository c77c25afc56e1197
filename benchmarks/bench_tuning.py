"""Weight tuner latency on the sample: one slider move must take < 200 ms.

Measures, over 50 random weight vectors (seeded):

* ``model_update_ms``: median of ``session.rescore(w)`` + ``session.validity(w, n_boot=200)``;
* ``widget_update_ms``: median of one whole slider callback (set one slider's
  value on a built ``WeightTuner``: rescore, compare, validity, both HTML tables);
* ``full_recompute_ms``: the baseline measured here, median of
  ``compute_period`` for the review quarter (``triggers=False``), i.e. what a
  slider would cost without the precomputed category table (the backtest
  would also need every earlier quarter: ``history_recompute_ms``).

Prints each figure, the ratio update / full recompute, and how each figure
moved since the last run (``results/bench_tuning.jsonl``).

    .venv/bin/python benchmarks/bench_tuning.py [--params params/sample.yaml]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from calibrate.batch.period import compute_history
from calibrate.load import load_dataset
from calibrate.params import CATEGORIES, load_params
from calibrate.present.tuning import TuningSession, weight_tuner
from calibrate.scoring import compute_period

ROOT = Path(__file__).resolve().parents[1]
from runlog import append_run, last_run  # benchmarks/runlog.py (this folder)

RESULTS = Path(__file__).resolve().parent / "results" / "bench_tuning.jsonl"
N_VECTORS = 50
N_BOOT = 200
TARGET_MS = 200.0
SEED = 20261


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=ROOT / "params" / "sample.yaml")
    params_path = parser.parse_args().params
    params = load_params(params_path)
    dataset = load_dataset(params.data_path(), **params.load_options())
    figures: dict[str, float] = {}

    start = time.perf_counter()
    current, previous = compute_history(dataset, params, params.quarter)
    figures["history_recompute_ms"] = round((time.perf_counter() - start) * 1000, 1)
    figures["full_recompute_ms"] = round(statistics.median(
        _ms(lambda: compute_period(dataset, params, params.quarter, triggers=False)) for _ in range(5)), 1)
    start = time.perf_counter()
    session = TuningSession.from_history(current, previous, params)
    figures["session_build_ms"] = round((time.perf_counter() - start) * 1000, 1)

    rng = np.random.default_rng(SEED)
    vectors = [dict(zip(CATEGORIES, np.round(rng.uniform(0, 1, len(CATEGORIES)) / 0.05) * 0.05 + 0.05))
               for _ in range(N_VECTORS)]
    session.validity(vectors[0], n_boot=N_BOOT)  # the first call fills the weight-free rank cache
    model = [_ms(lambda: (session.rescore(w), session.validity(w, n_boot=N_BOOT))) for w in vectors]
    figures["model_update_ms"] = round(statistics.median(model), 2)
    figures["model_update_p95_ms"] = round(float(np.percentile(model, 95)), 2)

    tuner = weight_tuner(session, params_path=params_path, n_boot=N_BOOT)
    widget = []
    for w in vectors:
        name = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
        value = float(w[name]) if tuner.sliders[name].value != float(w[name]) else 0.5 - tuner.sliders[name].value / 2
        widget.append(_ms(lambda: setattr(tuner.sliders[name], "value", value)))
    figures["widget_update_ms"] = round(statistics.median(widget), 2)
    figures["widget_update_p95_ms"] = round(float(np.percentile(widget, 95)), 2)
    figures["model_vs_full_ratio"] = round(figures["model_update_ms"] / figures["full_recompute_ms"], 4)
    figures["widget_vs_full_ratio"] = round(figures["widget_update_ms"] / figures["full_recompute_ms"], 4)
    figures["n_csms"] = len(current.categories)
    figures["n_quarters"] = 1 + len(previous)

    last = last_run(RESULTS)
    print(f"Weight tuner on {params_path.name}: {figures['n_csms']} CSMs, {figures['n_quarters']} quarters, "
          f"{N_VECTORS} random weight vectors, {N_BOOT} resamples:")
    for key, value in figures.items():
        change = ""
        if key in last and isinstance(last[key], (int, float)) and last[key]:
            change = f"   ({(value - last[key]) / last[key]:+.0%} since last run)"
        print(f"  {key:26s} {value}{change}")
    verdict = "meets" if figures["widget_update_ms"] < TARGET_MS else "MISSES"
    print(f"  one slider move {figures['widget_update_ms']} ms {verdict} the {TARGET_MS:.0f} ms target; "
          f"{1 / figures['widget_vs_full_ratio']:.0f}x faster than recomputing the quarter")
    append_run(RESULTS, {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **figures})



if __name__ == "__main__":
    main()
