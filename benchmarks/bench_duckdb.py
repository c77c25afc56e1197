"""Benchmark: validating the scale set from a DuckDB file against from its CSV folder, in one process.

The CSV folder is the scale set of ``make_scale_data.py`` (or, with
``--tenth``, a set of the same shape with 100 CSMs and 6,000 accounts,
generated once into /tmp/calibrate-scale-tenth). The DuckDB file is built
from those CSVs once by DuckDB's own typed CSV reader (one table per
contract table) and reused. Both are then validated with
``calibrate.load.load_dataset``; the script prints both times and the ratio.

Usage: ``PYTHONPATH=src python benchmarks/bench_duckdb.py [--tenth]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def build_duckdb(folder: Path, target: Path) -> Path:
    import duckdb

    if target.exists():
        return target
    con = duckdb.connect(str(target))
    for csv in sorted(folder.glob("*.csv")):
        con.execute(f"CREATE TABLE {csv.stem} AS SELECT * FROM read_csv_auto('{csv}', header=true)")
    con.close()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenth", action="store_true", help="100 CSMs and 6,000 accounts instead of 1,000 and 60,000")
    args = parser.parse_args()
    from calibrate.load import load_dataset

    if args.tenth:
        from calibrate.sample import generate_sample

        folder = Path("/tmp/calibrate-scale-tenth")
        if not (folder / "csms.csv").exists():
            generate_sample(folder, seed=7, n_csms=100, n_accounts=6000, quarters=8, end_period="2026-Q3",
                            touch_rate_scale=2.2)
    else:
        from make_scale_data import ensure_scale_data

        folder = ensure_scale_data()
    t = time.perf_counter()
    db = build_duckdb(folder, folder.with_name(folder.name + ".duckdb"))
    print(f"DuckDB file {db} ready in {time.perf_counter() - t:.1f} s")
    rows = None
    timings = {}
    for label, source in (("CSV folder", folder), ("DuckDB file", db)):
        t = time.perf_counter()
        dataset = load_dataset(source)
        timings[label] = time.perf_counter() - t
        total = sum(int(s.rows) for s in dataset.sources)
        rows = rows or total
        assert total == rows, (label, total, rows)
        print(f"validate from {label}: {timings[label]:.1f} s ({total:,} rows)")
        del dataset
    print(f"ratio DuckDB / CSV: {timings['DuckDB file'] / timings['CSV folder']:.2f}")


if __name__ == "__main__":
    main()
