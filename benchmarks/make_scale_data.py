"""Generate the scale data set (1,000 CSMs, 60,000 accounts, 8 quarters) once; print time and rows.

    python benchmarks/make_scale_data.py [OUT_DIR] [--format csv|parquet] [--force]

OUT_DIR defaults to /tmp/calibrate-scale. A marker file ``.scale-params.json``
records the parameters; when it matches, the folder is reused and nothing is
generated. Other benchmarks import ``ensure_scale_data`` to get the folder.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from calibrate.sample import generate_sample

DEFAULT_OUT = Path("/tmp/calibrate-scale")
# A touch-heavier team than the sample (regular touches x2.2) brings the health,
# activity and ticket tables to about 10 million rows, the scale.
PARAMS = {"seed": 7, "n_csms": 1000, "n_accounts": 60_000, "quarters": 8, "end_period": "2026-Q3",
          "touch_rate_scale": 2.2}
MARKER = ".scale-params.json"


def ensure_scale_data(out_dir: Path = DEFAULT_OUT, *, file_format: str = "csv", force: bool = False) -> Path:
    """Return ``out_dir``, generating the scale set into it unless its marker matches."""
    out_dir = Path(out_dir)
    wanted = {**PARAMS, "file_format": file_format}
    marker = out_dir / MARKER
    if not force and marker.exists() and json.loads(marker.read_text()).get("params") == wanted:
        print(f"scale data already in {out_dir} (marker matches); skipping")
        return out_dir
    start = time.perf_counter()
    summary = generate_sample(out_dir, file_format=file_format, progress=lambda m: print(f"  {time.perf_counter() - start:6.1f}s {m}", flush=True), **PARAMS)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = sum(p.stat().st_size for p in out_dir.iterdir()) / 2**20
    print(f"generated in {seconds:.1f} s, peak RSS {peak_mb:.0f} MB, {size_mb:.0f} MB on disk")
    for name, rows in summary.rows.items():
        print(f"  {name:16s} {rows:>10,d}")
    print(f"  {'total':16s} {summary.total_rows:>10,d}")
    marker.write_text(json.dumps({"params": wanted, "rows": summary.rows, "seconds": round(seconds, 1)}, indent=1))
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--force", action="store_true", help="regenerate even when the marker matches")
    args = parser.parse_args(argv)
    ensure_scale_data(args.out_dir, file_format=args.format, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
