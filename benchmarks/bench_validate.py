"""Benchmark: validate a scale data set (the issue's target: < 60 s and < 3 GB peak).

Scale: 1,000 CSMs, 60,000 accounts, 8 quarters, about ten million health,
activity and ticket rows, written as CSV. The data is built once and reused.
When ``benchmarks/make_scale_data.py`` offers ``make_scale_data(folder)`` it
builds the data; until then a small vectorised generator below writes
contract-conforming CSVs of the same size.

The timed run happens in a fresh child process so its peak RSS is the
loader's alone. The baseline, measured the same way, is a plain
``pandas.read_csv(dtype=str, engine="pyarrow")`` of the same files: the cost of
reading the text with no validation. Figures are appended to
``results/validate.jsonl`` and compared with the previous run.

Usage: ``python benchmarks/bench_validate.py [--data-dir DIR] [--rebuild] [--scale 0.1]``
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
DEFAULT_DATA = HERE / ".cache" / "validate_scale"
TARGET_SECONDS = 60.0
TARGET_RSS_GB = 3.0
READY_MARK = "_complete.json"


# --------------------------------------------------------------------------- data


def ensure_data(folder: Path, *, scale: float, rebuild: bool) -> Path:
    """Build the scale data in ``folder`` unless a complete copy of this scale is there."""
    mark = folder / READY_MARK
    if mark.is_file() and not rebuild and json.loads(mark.read_text()).get("scale") == scale:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    start = time.perf_counter()
    builder = _external_builder()
    if builder is not None and scale == 1.0:
        print(f"building scale data with make_scale_data into {folder} ...", flush=True)
        builder(folder)
        how = "make_scale_data"
    else:
        print(f"building scale data (built-in generator, scale {scale}) into {folder} ...", flush=True)
        write_scale_csvs(folder, scale=scale)
        how = "bench_validate built-in generator"
    mark.write_text(json.dumps({"scale": scale, "built_by": how, "seconds": round(time.perf_counter() - start, 1)}))
    return folder


def _external_builder():
    path = HERE / "make_scale_data.py"
    if not path.is_file():
        return None
    sys.path.insert(0, str(HERE))
    try:
        module = __import__("make_scale_data")
    except Exception as exc:  # a half-written helper must not stop the benchmark
        print(f"(make_scale_data.py could not be imported: {exc}; using the built-in generator)")
        return None
    return getattr(module, "make_scale_data", None)


def write_scale_csvs(folder: Path, *, scale: float = 1.0, seed: int = 7) -> dict[str, int]:
    """Write contract-conforming CSVs: 1,000 CSMs, 60,000 accounts, 8 quarters (scaled)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    rng = np.random.default_rng(seed)
    n_csms, n_accounts = max(10, int(1000 * scale)), max(50, int(60_000 * scale))
    start = np.datetime64("2024-07-01")
    n_days = int((np.datetime64("2026-07-01") - start).astype(int))

    def ids(prefix: str, n: int, width: int) -> pa.Array:
        digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width, "0")
        return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")

    def days(values) -> pa.Array:
        return pa.array((start + values.astype("timedelta64[D]")).astype("datetime64[D]"))

    def stamps(values_seconds) -> pa.Array:
        ts = pa.array((start.astype("datetime64[s]") + values_seconds.astype("timedelta64[s]")))
        return pc.strftime(ts, "%Y-%m-%dT%H:%M:%SZ")

    def write(name: str, columns: dict) -> None:
        pa_csv.write_csv(pa.table(columns), folder / f"{name}.csv")
        counts[name] = len(next(iter(columns.values())))

    counts: dict[str, int] = {}
    csm_ids = ids("C", n_csms, 4)
    account_ids = ids("A", n_accounts, 6)
    segments = pa.array(np.array(["enterprise", "mid_market", "smb", "digital"])[rng.integers(0, 4, n_csms)])
    write("csms", {
        "csm_id": csm_ids, "name": ids("CSM ", n_csms, 4), "segment": segments,
        "hire_date": days(rng.integers(-2000, -30, n_csms)), "fully_loaded_cost": rng.integers(80_000, 200_000, n_csms),
        "group_location": pa.array(np.array(["remote", "office"])[rng.integers(0, 2, n_csms)]),
    })
    write("accounts", {
        "account_id": account_ids, "name": ids("Account ", n_accounts, 6),
        "segment": pa.array(np.array(["enterprise", "mid_market", "smb", "digital"])[rng.integers(0, 4, n_accounts)]),
    })
    # Ownership: every account starts with one CSM; a fifth hand over once mid-way.
    owner = rng.integers(0, n_csms, n_accounts)
    moved = np.flatnonzero(rng.random(n_accounts) < 0.2)
    handover = rng.integers(60, n_days - 60, len(moved))
    acc = np.concatenate([np.arange(n_accounts), moved])
    csm = np.concatenate([owner, (owner[moved] + 1) % n_csms])
    begin = np.concatenate([np.full(n_accounts, -400), handover])
    end_days = np.full(n_accounts, np.nan)
    end_days[moved] = handover
    ends = pa.array(np.concatenate([(start + np.nan_to_num(end_days, nan=0).astype("timedelta64[D]")).astype("datetime64[D]"),
                                    np.full(len(moved), np.datetime64("NaT"), dtype="datetime64[D]")]),
                    mask=np.concatenate([np.isnan(end_days), np.ones(len(moved), dtype=bool)]))
    write("ownership", {"account_id": account_ids.take(pa.array(acc)), "csm_id": csm_ids.take(pa.array(csm)),
                        "start_date": days(begin), "end_date": ends})
    months = np.arange(np.datetime64("2024-07"), np.datetime64("2026-08"))
    month_acc = np.repeat(np.arange(n_accounts), len(months))
    write("arr", {"account_id": account_ids.take(pa.array(month_acc)),
                  "month": pa.array(np.tile(months, n_accounts).astype("datetime64[D]")),
                  "arr": np.round(np.repeat(rng.lognormal(10, 1, n_accounts), len(months)), 2)})
    weeks = n_days // 7
    health_acc = np.repeat(np.arange(n_accounts), weeks)
    write("health", {"account_id": account_ids.take(pa.array(health_acc)),
                     "date": days(np.tile(np.arange(weeks) * 7, n_accounts)),
                     "score": rng.integers(0, 101, len(health_acc))})
    n_act = int(3_000_000 * scale)
    act_acc = rng.integers(0, n_accounts, n_act)
    write("activities", {
        "activity_id": ids("ACT", n_act, 8), "account_id": account_ids.take(pa.array(act_acc)),
        "csm_id": csm_ids.take(pa.array(owner[act_acc])), "occurred_at": stamps(rng.integers(0, n_days * 86400, n_act)),
        "kind": pa.array(np.array(["call", "meeting", "email", "qbr", "ebr", "onboarding", "enablement", "other"])[rng.integers(0, 8, n_act)]),
        "initiated_by": pa.array(np.array(["csm", "customer"])[rng.integers(0, 2, n_act)]),
        "customer_facing_minutes": rng.integers(0, 120, n_act),
        "ai_assisted": pa.array(np.array(["true", "false"])[rng.integers(0, 2, n_act)]),
    })
    n_tix = int(800_000 * scale)
    opened = rng.integers(0, (n_days - 30) * 86400, n_tix)
    write("tickets", {
        "ticket_id": ids("T", n_tix, 7), "account_id": account_ids.take(pa.array(rng.integers(0, n_accounts, n_tix))),
        "opened_at": stamps(opened), "first_response_at": stamps(opened + rng.integers(60, 86400, n_tix)),
        "resolved_at": stamps(opened + rng.integers(86400, 20 * 86400, n_tix)),
        "priority": pa.array(np.array(["low", "normal", "high", "urgent"])[rng.integers(0, 4, n_tix)]),
        "escalated": pa.array(np.array(["false", "true"])[(rng.random(n_tix) < 0.05).astype(int)]),
    })
    n_srv = int(200_000 * scale)
    kinds = np.array(["nps", "csat"])[rng.integers(0, 2, n_srv)]
    write("surveys", {
        "response_id": ids("S", n_srv, 7), "account_id": account_ids.take(pa.array(rng.integers(0, n_accounts, n_srv))),
        "responded_at": stamps(rng.integers(0, n_days * 86400, n_srv)), "kind": pa.array(kinds),
        "score": np.where(kinds == "nps", rng.integers(0, 11, n_srv), rng.integers(1, 6, n_srv)),
    })
    n_flags = int(150_000 * scale)
    write("ai_flags", {
        "flag_id": ids("F", n_flags, 7), "account_id": account_ids.take(pa.array(rng.integers(0, n_accounts, n_flags))),
        "raised_at": stamps(rng.integers(0, n_days * 86400, n_flags)),
        "kind": pa.array(np.array(["churn_risk", "escalation_risk", "adoption_drop"])[rng.integers(0, 3, n_flags)]),
        "score": np.round(rng.random(n_flags), 3),
    })
    n_drafts = int(300_000 * scale)
    write("ai_drafts", {
        "draft_id": ids("D", n_drafts, 7), "csm_id": csm_ids.take(pa.array(rng.integers(0, n_csms, n_drafts))),
        "created_at": stamps(rng.integers(0, n_days * 86400, n_drafts)),
        "kind": pa.array(np.array(["touch", "qbr_prep", "renewal_brief", "risk_brief"])[rng.integers(0, 4, n_drafts)]),
        "outcome": pa.array(np.array(["approved", "edited", "rejected"])[rng.integers(0, 3, n_drafts)]),
    })
    quarters = [f"{y}-Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)][2:10]
    write("manager_ratings", {
        "csm_id": csm_ids.take(pa.array(np.repeat(np.arange(n_csms), len(quarters)))),
        "period": pa.array(np.tile(quarters, n_csms)),
        "rating": pa.array(np.array(["exceeds", "meets", "needs_development"])[rng.integers(0, 3, n_csms * len(quarters))]),
    })
    return counts


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
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full scale (1.0 = the target)")
    parser.add_argument("--measure", choices=("validate", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.data_dir)))
        return 0

    folder = ensure_data(args.data_dir, scale=args.scale, rebuild=args.rebuild)
    size_mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1024**2
    result = run_child("validate", folder)
    baseline = run_child("baseline", folder)
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "scale": args.scale,
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
        print(f"since previous run ({before['when']}, scale {before.get('scale')}): "
              f"{before['seconds']:.1f} s -> {record['seconds']:.1f} s, {before['peak_rss_gb']:.2f} GB -> {record['peak_rss_gb']:.2f} GB")
    if args.scale == 1.0:
        ok_time, ok_mem = record["seconds"] < TARGET_SECONDS, record["peak_rss_gb"] < TARGET_RSS_GB
        print(f"target {TARGET_SECONDS:.0f} s: {'PASS' if ok_time else 'MISS'}; target {TARGET_RSS_GB:.0f} GB: {'PASS' if ok_mem else 'MISS'}")
    else:
        print(f"(scale {args.scale}: targets apply to scale 1.0 only)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
