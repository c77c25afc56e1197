"""Benchmark: a 2-million-row health file whose last row is bad (or whose every date is impossible) is refused in bounded time and memory.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_bad_input.py [--rows 2000000]

Writes the sample's folder with a health table of ``--rows`` rows twice: once
valid, once with a text score in its very last row. Each is validated in a
fresh subprocess (so peak memory is that run's alone) and the script prints
the seconds and peak RSS of both, the ratio bad / good, and whether the bad
one named the last row (its editor line number) and the column. Appends to
``results/bad_input.jsonl``. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from runlog import append_run

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "bad_input.jsonl"

_PROBE = """
import resource, sys, time
from calibrate.cli import main
start = time.perf_counter()
code = main(["validate", sys.argv[1]])
seconds = time.perf_counter() - start
print("RESULT", code, round(seconds, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)
"""


def _folder(base: Path, rows: int, *, bad: bool, every_date_impossible: bool = False) -> Path:
    folder = base / ("dates" if every_date_impossible else "bad" if bad else "good")
    shutil.copytree(ROOT / "data" / "sample", folder)
    health = pd.read_csv(folder / "health.csv", dtype=str)
    reps = int(np.ceil(rows / len(health)))
    big = pd.concat([health] * reps, ignore_index=True).iloc[:rows]
    # Each copy moved back by more than the sample's span (two years of weekly rows), so the key
    # (account_id, date) stays unique and every date stays a real one (68 copies reach back to about 1890).
    span = (pd.to_datetime(health["date"]).max() - pd.to_datetime(health["date"]).min()).days + 7
    dates = pd.to_datetime(big["date"]) - pd.to_timedelta(np.repeat(np.arange(reps) * span, len(health))[:rows], unit="D")
    big["date"] = dates.dt.strftime("%Y-%m-%d")
    if bad:
        big.loc[len(big) - 1, "score"] = "very healthy"
    if every_date_impossible:  # well-formed dates no timestamp holds: each must be named without a cast per cell
        big["date"] = "0100-" + big["date"].str[5:]
    big.to_csv(folder / "health.csv", index=False)
    return folder


def _validate(folder: Path) -> tuple[int, float, int, str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(folder)], capture_output=True, text=True)
    line = next(l for l in done.stderr.splitlines() if l.startswith("RESULT"))
    _, code, seconds, rss_mb = line.split()
    return int(code), float(seconds), int(rss_mb), done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        good, bad = _folder(base, args.rows, bad=False), _folder(base, args.rows, bad=True)
        code_g, sec_g, rss_g, err_g = _validate(good)
        if code_g != 0:
            raise SystemExit(f"The valid file was refused, so there is no baseline to compare with:\n{err_g[-2000:]}")
        code_b, sec_b, rss_b, err = _validate(bad)
        code_d, sec_d, rss_d, _ = _validate(_folder(base, args.rows, bad=False, every_date_impossible=True))
    named = f"health.csv row {args.rows + 1}, column score" in err
    print(f"health rows: {args.rows:,}")
    print(f"  valid file:            exit {code_g}, {sec_g:6.1f} s, peak {rss_g:,} MB")
    print(f"  bad last row:          exit {code_b}, {sec_b:6.1f} s, peak {rss_b:,} MB")
    print(f"  every date impossible: exit {code_d}, {sec_d:6.1f} s, peak {rss_d:,} MB")
    print(f"  ratio bad / valid:     {sec_b / max(sec_g, 1e-9):.2f}x time, {rss_b / max(rss_g, 1):.2f}x memory")
    print(f"  named the row and column: {named}")
    append_run(RESULTS, {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "rows": args.rows, "valid_s": sec_g, "bad_s": sec_b,
                         "valid_mb": rss_g, "bad_mb": rss_b, "all_dates_bad_s": sec_d, "all_dates_bad_mb": rss_d, "exit_bad": code_b, "named": named})


if __name__ == "__main__":
    main()
