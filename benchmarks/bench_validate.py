"""Benchmark: validate a scale data set (the issue's target: < 60 s and < 3 GB peak).

Scale: 1,000 CSMs, 60,000 accounts, 8 quarters, about ten million health,
activity and ticket rows, written as CSV by the project's generator
(``make_scale_data.py``, i.e. ``calibrate sample`` at scale). The data is
built once and reused (its marker records the parameters).

The timed run happens in a fresh child process so its peak RSS is the
loader's alone. The baseline, measured the same way, is a plain
``pandas.read_csv(dtype=str, engine="pyarrow")`` of the same files: the cost of
reading the text with no validation. Figures are appended to
``results/validate.jsonl`` and compared with the previous run.

Usage: ``python benchmarks/bench_validate.py [--data-dir DIR] [--rebuild]``
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "validate.jsonl"
DEFAULT_DATA = Path("/tmp/calibrate-scale")  # shared with the other scale benchmarks
TARGET_SECONDS = 60.0
TARGET_RSS_GB = 3.0


# --------------------------------------------------------------------------- data


def ensure_data(folder: Path, *, rebuild: bool) -> Path:
    """The scale set written by the project's own generator (``make_scale_data.py``), reused when present."""
    sys.path.insert(0, str(HERE))
    from make_scale_data import ensure_scale_data

    return ensure_scale_data(folder, force=rebuild)


# --------------------------------------------------------------------------- measuring


def measure(kind: str, folder: Path) -> dict:
    """Run in a child process: time one load (or the baseline read) and report peak RSS."""
    start = time.perf_counter()
    rows = 0
    if kind == "validate":
        from calibrate.load import load_dataset

        dataset = load_dataset(folder)
        rows = sum(len(frame) for frame in dataset.tables.values() if frame is not None)
    else:
        import pandas as pd

        for path in sorted(folder.glob("*.csv")):
            rows += len(pd.read_csv(path, dtype=str, engine="pyarrow"))
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "rows": rows, "peak_rss_gb": peak_kb / 1024**2}


def run_child(kind: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, "--data-dir", str(folder)], capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"the {kind} run failed (exit {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def previous_result() -> dict | None:
    if not RESULTS.is_file():
        return None
    lines = [line for line in RESULTS.read_text().splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rebuild", action="store_true", help="build the data again even if present")
    parser.add_argument("--measure", choices=("validate", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.data_dir)))
        return 0

    folder = ensure_data(args.data_dir, rebuild=args.rebuild)
    size_mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1024**2
    result = run_child("validate", folder)
    baseline = run_child("baseline", folder)
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "data": "make_scale_data (1,000 CSMs, 60,000 accounts, 8 quarters)",
        "rows": result["rows"],
        "csv_mb": round(size_mb, 1),
        "seconds": round(result["seconds"], 2),
        "rows_per_second": round(result["rows"] / result["seconds"]),
        "peak_rss_gb": round(result["peak_rss_gb"], 3),
        "baseline_seconds": round(baseline["seconds"], 2),
        "baseline_peak_rss_gb": round(baseline["peak_rss_gb"], 3),
        "ratio_to_baseline": round(result["seconds"] / baseline["seconds"], 2),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    before = previous_result()
    print(f"data: {folder} ({size_mb:,.0f} MB of CSV, {record['rows']:,} rows after carry-forward)")
    print(f"load_dataset: {record['seconds']:.1f} s wall, {record['rows_per_second']:,} rows/s, peak RSS {record['peak_rss_gb']:.2f} GB")
    print(f"baseline pandas.read_csv(dtype=str, engine='pyarrow'): {record['baseline_seconds']:.1f} s, peak RSS {record['baseline_peak_rss_gb']:.2f} GB")
    print(f"ratio load_dataset / baseline: {record['ratio_to_baseline']:.2f}x")
    if before:
        print(f"since previous run ({before['when']}): "
              f"{before['seconds']:.1f} s -> {record['seconds']:.1f} s, {before['peak_rss_gb']:.2f} GB -> {record['peak_rss_gb']:.2f} GB")
    ok_time, ok_mem = record["seconds"] < TARGET_SECONDS, record["peak_rss_gb"] < TARGET_RSS_GB
    print(f"target {TARGET_SECONDS:.0f} s: {'PASS' if ok_time else 'MISS'}; target {TARGET_RSS_GB:.0f} GB: {'PASS' if ok_mem else 'MISS'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
