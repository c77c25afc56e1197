"""Benchmark: the sample batch against the naive one-notebook-at-a-time loop.

    .venv/bin/python benchmarks/bench_batch.py [--params params/sample.yaml] [--workers N] [--naive-csms K]

Prints, measured in this one process on this machine:

* the batch: ``calibrate run`` on the sample (load + validate, prepare once,
  every per-CSM review and both leadership reports in parallel workers);
  target under 45 s;
* the naive loop: the papermill CLI run once per CSM, one after another, each
  notebook loading the data folder and computing its own metrics (see
  ``naive_support.py``), then ``jupyter nbconvert --to html --no-input``, as an
  analyst would without the batch; the ratio naive / batch, target >= 6x.
  Only per-CSM reviews are timed in the naive loop (the batch also renders the
  two leadership reports), so the ratio understates the batch's advantage.

``--naive-csms K`` times the naive loop on the first K CSMs and scales the
time to all CSMs (printed as an estimate). Figures are appended to
``results/batch.jsonl`` and compared with the previous run. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runlog import append_run, last_run  # benchmarks/runlog.py (this folder)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "batch.jsonl"
TARGET_SECONDS, TARGET_RATIO = 45.0, 6.0



def _naive_notebook(target: Path, *, params_path: str, data_dir: str, csm_id: str) -> Path:
    """The review template with a first cell that loads and computes everything itself."""
    import nbformat

    from calibrate.batch.templates import read_template

    nb = read_template("csm_review")
    cells = []
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cells.append(nbformat.v4.new_code_cell(
                f"params_path = {params_path!r}\ndata_dir = {data_dir!r}\ncsm_id = {csm_id!r}\nperiod = ''",
                metadata={"tags": ["parameters"]},
            ))
            cells.append(nbformat.v4.new_code_cell(
                f"import sys\nsys.path.insert(0, {str(HERE)!r})\nfrom naive_support import prepare_alone\n"
                "bundle_dir, _csm_key = prepare_alone(params_path, data_dir, csm_id)"
            ))
        else:
            cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("jupytext", None)
    nbformat.write(nb, str(target))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=Path, default=ROOT / "params" / "sample.yaml")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--naive-csms", type=int, default=None, help="time the naive loop on K CSMs and scale up")
    args = parser.parse_args(argv)

    from calibrate.batch import run_batch
    from calibrate.batch.period import prepare_period
    from calibrate.params import load_params
    from calibrate.scoring import compute_period
    from calibrate.load import load_dataset

    params = load_params(args.params)
    scratch = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    bin_dir = Path(sys.executable).parent
    figures: dict[str, object] = {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "cores": os.cpu_count()}

    # --- the batch, exactly as `calibrate run` does it (load, validate, prepare, render) ---
    start = time.perf_counter()
    result = run_batch(params, out_dir=scratch / "reports", workers=args.workers, prepare_fn=prepare_period, progress=False)
    batch_s = time.perf_counter() - start
    figures.update(batch_s=round(batch_s, 2), notebooks=len(result.statuses), failed=len(result.failed))

    # --- the naive loop: papermill CLI per CSM, each computing everything itself ---
    dataset = load_dataset(params.data_path())
    csm_ids = compute_period(dataset, params, triggers=False).scores["csm_id"].astype(str).tolist()
    timed_ids = csm_ids[: args.naive_csms] if args.naive_csms else csm_ids
    naive_dir = scratch / "naive"
    naive_dir.mkdir()
    start = time.perf_counter()
    for csm_id in timed_ids:
        source = _naive_notebook(naive_dir / f"in-{csm_id}.ipynb", params_path=str(args.params.resolve()),
                                 data_dir=str(params.data_path()), csm_id=csm_id)
        executed = naive_dir / f"{csm_id}.ipynb"
        subprocess.run([str(bin_dir / "papermill"), str(source), str(executed), "-k", params.batch.kernel_name,
                        "--no-progress-bar", "--log-level", "ERROR"], check=True, cwd=naive_dir)
        subprocess.run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed),
                        "--log-level", "ERROR"], check=True, cwd=naive_dir)
    naive_timed = time.perf_counter() - start
    naive_s = naive_timed * len(csm_ids) / len(timed_ids)
    ratio = naive_s / batch_s
    figures.update(csms=len(csm_ids), naive_timed_csms=len(timed_ids), naive_s=round(naive_s, 2), ratio=round(ratio, 2))

    last = last_run(RESULTS)
    append_run(RESULTS, figures)

    def moved(key: str) -> str:
        return f"(last run {last[key]})" if key in last else "(first run)"

    estimate = "" if len(timed_ids) == len(csm_ids) else f", scaled from {len(timed_ids)} timed"
    print(f"sample batch:      {batch_s:7.1f} s for {len(result.statuses)} notebooks, {len(result.failed)} failed "
          f"{moved('batch_s')}  target < {TARGET_SECONDS:.0f} s: {'PASS' if batch_s < TARGET_SECONDS else 'MISS'}")
    print(f"naive loop:        {naive_s:7.1f} s for {len(csm_ids)} per-CSM reviews{estimate} {moved('naive_s')}")
    print(f"ratio naive/batch: {ratio:7.1f}x {moved('ratio')}  target >= {TARGET_RATIO:.0f}x: "
          f"{'PASS' if ratio >= TARGET_RATIO else 'MISS'}")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
