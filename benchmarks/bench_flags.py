"""Benchmark: flag validation at scale (target: < 60 s for 60,000 accounts × 8 quarters, B = 1,000).

Data: ``/tmp/calibrate-scale`` when ``benchmarks/make_scale_data.py`` has
finished writing it (its marker file is there and it has ``ai_flags``);
otherwise the same parameters are generated once with
``calibrate.sample.generate_sample`` into ``benchmarks/.cache/flags_scale``
(parquet).

Timed: ``calibrate.models.validate_flags`` (panel, alert view, 2 horizons ×
2 outcomes × (1 + kinds) logistic fits, 1,000 paired account-bootstrap
resamples). Loading is timed apart. Baseline, in the same process: one
scikit-learn ``LogisticRegression`` fit on a design of the panel's size, so the
ratio says how many such fits the whole validation costs. Figures are appended
to ``results/flags.jsonl`` and compared with the previous run.

Usage: ``python benchmarks/bench_flags.py [--data-dir DIR] [--n-boot 1000]``
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "flags.jsonl"
SHARED = Path("/tmp/calibrate-scale")
CACHE = HERE / ".cache" / "flags_scale"
TARGET_SECONDS = 60.0
SCALE = {"seed": 7, "n_csms": 1000, "n_accounts": 60_000, "quarters": 8, "end_period": "2026-Q3"}


def find_data(explicit: Path | None) -> Path:
    """The scale folder to use, generating it into the cache when nothing suitable exists."""
    if explicit is not None:
        return explicit
    marker = SHARED / ".scale-params.json"
    if marker.is_file() and any(SHARED.glob("ai_flags.*")):
        return SHARED
    done = CACHE / "_complete.json"
    if done.is_file() and json.loads(done.read_text()) == SCALE:
        return CACHE
    from calibrate.sample import generate_sample

    print(f"generating scale data into {CACHE} (once) ...", flush=True)
    start = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    generate_sample(CACHE, file_format="parquet", **SCALE)
    done.write_text(json.dumps(SCALE))
    print(f"  generated in {time.perf_counter() - start:.1f} s")
    return CACHE


def baseline_fit_seconds(n_rows: int) -> float:
    """One LogisticRegression fit (scaling + 10 features) on ``n_rows`` rows."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_rows, 10))
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-(x[:, 0] - 3)))).astype(int)
    start = time.perf_counter()
    make_pipeline(StandardScaler(), LogisticRegression(solver="newton-cholesky")).fit(x, y)
    return time.perf_counter() - start


def previous_run() -> dict | None:
    if not RESULTS.is_file():
        return None
    lines = [line for line in RESULTS.read_text().splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a scale data folder (default: see module docstring)")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--no-record", action="store_true", help="do not append to results/flags.jsonl")
    args = parser.parse_args(argv)

    from calibrate.load import load_dataset
    from calibrate.models import validate_flags
    from calibrate.params import Params

    folder = find_data(args.data_dir)
    start = time.perf_counter()
    dataset = load_dataset(folder)
    load_seconds = time.perf_counter() - start

    start = time.perf_counter()
    result = validate_flags(dataset, Params(period=SCALE["end_period"]), n_boot=args.n_boot)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    n_rows = int(result.panel_summary["n_rows"].max()) if not result.panel_summary.empty else 0
    base = baseline_fit_seconds(max(n_rows, 1000))
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "host": platform.node(),
        "data": str(folder),
        "accounts": int(dataset["accounts"]["account_id"].nunique()),
        "panel_rows": n_rows,
        "table_rows": len(result.table),
        "n_boot": args.n_boot,
        "load_seconds": round(load_seconds, 2),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_mb),
        "baseline_fit_seconds": round(base, 3),
        "ratio_to_baseline": round(seconds / base, 1) if base > 0 else None,
    }
    print(f"data: {folder} ({record['accounts']:,} accounts, {n_rows:,} panel rows, {len(result.table)} verdict rows)")
    print(f"load_dataset:   {load_seconds:7.1f} s (not part of the target)")
    print(f"validate_flags: {seconds:7.1f} s with B = {args.n_boot} (target < {TARGET_SECONDS:.0f} s: "
          f"{'met' if seconds < TARGET_SECONDS else 'MISSED'})")
    print(f"peak RSS:       {peak_mb:7.0f} MB (whole process, load included)")
    print(f"baseline:       one LogisticRegression fit on {n_rows:,} rows = {base:.2f} s; "
          f"validation = {record['ratio_to_baseline']}x that")
    before = previous_run()
    if before and before.get("seconds"):
        change = (seconds - before["seconds"]) / before["seconds"]
        print(f"since last run ({before['when']}): {before['seconds']:.1f} s -> {seconds:.1f} s ({change:+.0%}), "
              f"peak {before.get('peak_rss_mb')} MB -> {record['peak_rss_mb']} MB")
    else:
        print("since last run: no earlier run recorded")
    print(result.table[["flag_kind", "outcome", "horizon_days", "n_events", "lift", "auc_gain", "verdict"]]
          .to_string(index=False))
    if not args.no_record:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
