"""Benchmark: a whole quarter for a large company, stage by stage, against the naive loop.

    .venv/bin/python benchmarks/bench_company.py [--csms 1000] [--naive-csms 20] [--workers N]

On the scale set (1,000 CSMs, 60,000 accounts, 8 quarters; generated once by
``make_scale_data.py``, or a smaller team with ``--csms``) it runs the
quarter as ``calibrate run`` does and prints, measured in this process:

* validate: loading and checking every table;
* prepare: every quarter's metrics and scores, flag validation, the team
  and flag reports' content and every review's content;
* render: every notebook (one review per CSM and the leadership reports)
  in warm workers, with reports per second;
* peak memory of this process and of the largest worker;
* the naive loop: the papermill CLI run once per CSM, each run loading the
  data and computing its own metrics, then nbconvert, timed on
  ``--naive-csms`` CSMs in this same run and scaled to the whole team; the
  ratio naive / batch.

Targets (issue 13): the 1,000-CSM quarter end to end in 10 minutes or less
on two cores with peak memory of 4 GB or less, and at least 8x the naive
loop. Figures are appended to ``results/company.jsonl`` and compared with
the previous run. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_batch import _naive_notebook  # the same naive notebook as the sample benchmark
from make_scale_data import DEFAULT_OUT, PARAMS, ensure_scale_data
from runlog import append_run, last_run

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "company.jsonl"
TARGET_SECONDS, TARGET_GB, TARGET_RATIO = 600.0, 4.0, 8.0


def _data_folder(n_csms: int) -> Path:
    if n_csms == PARAMS["n_csms"]:
        return ensure_scale_data(DEFAULT_OUT)
    from calibrate.sample import generate_sample

    folder = Path(f"/tmp/calibrate-company-{n_csms}")
    if not (folder / "csms.csv").is_file():
        accounts = PARAMS["n_accounts"] * n_csms // PARAMS["n_csms"]
        generate_sample(folder, seed=PARAMS["seed"], n_csms=n_csms, n_accounts=accounts, quarters=PARAMS["quarters"],
                        end_period=PARAMS["end_period"], touch_rate_scale=PARAMS["touch_rate_scale"])
    return folder


def _params_file(folder: Path, scratch: Path) -> Path:
    path = scratch / "company.yaml"
    path.write_text(
        f"extends: {ROOT / 'params' / 'base.yaml'}\n"
        f"data_dir: {folder}\nperiod: {PARAMS['end_period']}\noutput_dir: {scratch / 'reports'}\n",
        encoding="utf-8",
    )
    return path


def _gb(kib: int) -> float:
    return kib / 1024 / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csms", type=int, default=PARAMS["n_csms"], help="team size (default: the scale set's 1,000)")
    parser.add_argument("--naive-csms", type=int, default=20, help="CSMs timed in the naive loop (scaled up)")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)

    from calibrate.batch import run_batch
    from calibrate.batch.period import prepare_period
    from calibrate.load import load_dataset
    from calibrate.params import load_params

    folder = _data_folder(args.csms)
    scratch = Path(tempfile.mkdtemp(prefix="bench-company-"))
    params_path = _params_file(folder, scratch)
    params = load_params(params_path)
    figures: dict[str, object] = {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "cores": os.cpu_count(), "csms_requested": args.csms}

    start = time.perf_counter()
    dataset = load_dataset(folder, **params.load_options())
    validate_s = time.perf_counter() - start

    timing: dict[str, float] = {}

    def timed_prepare(ds, ps, quarter):
        t = time.perf_counter()
        prepared = prepare_period(ds, ps, quarter)
        timing["prepare_s"] = time.perf_counter() - t
        return prepared

    start = time.perf_counter()
    result = run_batch(params, dataset=dataset, out_dir=scratch / "reports", workers=args.workers,
                       prepare_fn=timed_prepare, progress=True)
    after_prepare_s = time.perf_counter() - start
    prepare_s = timing["prepare_s"]
    render_s = after_prepare_s - prepare_s
    n_reports = sum(s.status in ("ok", "failed") for s in result.statuses)
    end_to_end_s = validate_s + after_prepare_s
    parent_gb = _gb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    worker_gb = _gb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    csm_ids = [s.csm_id for s in result.statuses if s.csm_id is not None]
    figures.update(csms=len(csm_ids), reports=n_reports, failed=len(result.failed), validate_s=round(validate_s, 1),
                   prepare_s=round(prepare_s, 1), render_s=round(render_s, 1), end_to_end_s=round(end_to_end_s, 1),
                   reports_per_s=round(n_reports / max(render_s, 1e-9), 2), peak_parent_gb=round(parent_gb, 2),
                   peak_worker_gb=round(worker_gb, 2))

    # The naive loop on a few CSMs, in this same run, scaled to the whole team.
    naive_dir = scratch / "naive"
    naive_dir.mkdir()
    bin_dir = Path(sys.executable).parent
    timed_ids = csm_ids[: args.naive_csms]
    start = time.perf_counter()
    for csm_id in timed_ids:
        source = _naive_notebook(naive_dir / f"in-{csm_id}.ipynb", params_path=str(params_path), data_dir=str(folder), csm_id=csm_id)
        executed = naive_dir / f"{csm_id}.ipynb"
        subprocess.run([str(bin_dir / "papermill"), str(source), str(executed), "-k", params.batch.kernel_name,
                        "--no-progress-bar", "--log-level", "ERROR"], check=True, cwd=naive_dir)
        subprocess.run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed),
                        "--log-level", "ERROR"], check=True, cwd=naive_dir)
    naive_s = (time.perf_counter() - start) * len(csm_ids) / max(len(timed_ids), 1)
    ratio = naive_s / end_to_end_s
    figures.update(naive_timed_csms=len(timed_ids), naive_s=round(naive_s, 1), ratio=round(ratio, 2))

    last = last_run(RESULTS, where={"csms": len(csm_ids)})
    append_run(RESULTS, figures)

    def moved(key: str) -> str:
        return f"(last run {last[key]})" if key in last else "(first run at this size)"

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print(f"company quarter: {len(csm_ids):,} CSMs, {n_reports:,} reports, {len(result.failed)} failed, {os.cpu_count()} cores")
    print(f"  validate       {validate_s:8.1f} s {moved('validate_s')}")
    print(f"  prepare        {prepare_s:8.1f} s {moved('prepare_s')}")
    print(f"  render         {render_s:8.1f} s, {n_reports / max(render_s, 1e-9):.2f} reports/s {moved('render_s')}")
    print(f"  end to end     {end_to_end_s:8.1f} s {moved('end_to_end_s')}  target <= {TARGET_SECONDS:.0f} s: "
          f"{verdict(end_to_end_s <= TARGET_SECONDS)}")
    print(f"  peak memory    {parent_gb:8.2f} GB main process, {worker_gb:.2f} GB largest worker  target <= {TARGET_GB:.0f} GB: "
          f"{verdict(max(parent_gb, worker_gb) <= TARGET_GB)}")
    print(f"  naive loop     {naive_s:8.1f} s estimated from {len(timed_ids)} CSMs timed now {moved('naive_s')}")
    print(f"  ratio          {ratio:8.1f}x naive / batch {moved('ratio')}  target >= {TARGET_RATIO:.0f}x: {verdict(ratio >= TARGET_RATIO)}")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
