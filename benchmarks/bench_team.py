"""Team calibration computations at full scale: 200 CSMs, ~10,000 accounts, 1,000 resamples.

Prints one figure per step, the vectorised bootstrap against a per-resample
loop measured here (the baseline), and how each figure moved since the last
run (``results/bench_team.jsonl``). Then the whole report end to end on a
generated team of 200 CSMs (``calibrate.sample.generate_sample``): score the
quarters, ``build_team_report``, execute notebooks/team_calibration.py with
papermill and convert it to HTML. The target is build + render < 30 s; the
ratio printed is (build + render) / 30 s, so below 1.0 meets it.

    .venv/bin/python benchmarks/bench_team.py [--keep DIR]

``--keep DIR`` leaves the generated data and the rendered page in DIR (for a
screenshot).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from calibrate.models.balance import portfolio_balance, rebalancing_moves
from calibrate.models.decisions import merge_ratings
from calibrate.models.distribution import rating_distribution
from calibrate.models.expected import book_adjusted, expected_outcomes
from calibrate.models.fairness import fairness_checks
from calibrate.models.ranks import rank_intervals
from calibrate.params import CATEGORIES, Params

from runlog import append_run, last_run  # benchmarks/runlog.py (this folder)

RESULTS = Path(__file__).resolve().parent / "results" / "bench_team.jsonl"
N_CSMS = 200
N_BOOT = 1000
SEED = 20261
RENDER_TARGET_S = 30.0


def simulate(n_csms: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Account windows and a scores-like table for a synthetic team."""
    rng = np.random.default_rng(seed)
    segments = ("enterprise", "mid_market", "smb")
    sizes = {"enterprise": (8, 20), "mid_market": (25, 50), "smb": (60, 110)}
    rows = []
    for c in range(n_csms):
        seg = segments[c % 3]
        skill = rng.normal(0, 0.5)
        for a in range(int(rng.integers(*sizes[seg]))):
            s = float(np.exp(rng.normal(11, 1)))
            h = float(np.clip(rng.normal(70, 15), 0, 100))
            due = bool(rng.random() < 0.3)
            churn = rng.random() < 1 / (1 + math.exp(2.5 + 0.05 * (h - 70) - 0.8 * due + skill))
            e = 0.0 if churn else s * float(np.exp(rng.normal(0.05 + 0.1 * skill, 0.15)))
            rows.append((f"c{c:03d}", f"a{c:03d}-{a:03d}", seg, s, e, h, float(rng.integers(30, 2000)), due))
    windows = pd.DataFrame(rows, columns=["csm_id", "account_id", "segment", "start_arr", "end_arr", "health_t0", "tenure_days", "renewal_due"])
    csm_ids = sorted(windows["csm_id"].unique())
    scores = pd.DataFrame({"csm_id": csm_ids, **{f"score_{c}": rng.uniform(40, 95, len(csm_ids)) for c in CATEGORIES}})
    return windows, scores


def rescore(nrr, grr, logo_churn, expansion_rate):
    return np.clip(75 * (0.5 * nrr / 1.10 + 0.5 * grr / 0.93), 0, 100), np.clip(75 * expansion_rate / 0.08, 0, 100)


def loop_bootstrap(windows: pd.DataFrame, n_boot: int, seed: int) -> float:
    """Baseline: one resample at a time, one CSM at a time, metrics via pandas."""
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    books = {k: v for k, v in windows.groupby("csm_id")}
    for _ in range(n_boot):
        for book in books.values():
            sample = book.iloc[rng.integers(0, len(book), len(book))]
            s, e = sample["start_arr"].sum(), sample["end_arr"].sum()
            rescore(np.array([e / s]), np.array([np.minimum(sample["end_arr"], sample["start_arr"]).sum() / s]), None,
                    np.array([(sample["end_arr"] - sample["start_arr"]).clip(lower=0).sum() / s]))
    return time.perf_counter() - start


def timed(label: str, fn, figures: dict):
    start = time.perf_counter()
    result = fn()
    figures[label] = round(time.perf_counter() - start, 4)
    return result


def render(report, out_dir: Path) -> Path:
    """Execute notebooks/team_calibration.py on ``report`` (as the batch bundle would hold it) and write HTML."""
    import papermill

    from calibrate.batch.execute import resolve_kernel_name
    from calibrate.present.html import notebook_to_html

    from calibrate.batch.bundle import write_bundle
    from calibrate.batch.prepare import PreparedBatch
    from calibrate.periods import parse_period
    from calibrate.present.bundle import template_path

    bundle = out_dir / "bundle"
    prepared = PreparedBatch(scores=report.scores_table, csm_slices={}, team=None,
                             leadership={"team_calibration": report, "flag_validation": None})
    write_bundle(prepared, bundle, period=parse_period(report.period))
    template = template_path(bundle, "team_calibration")
    executed = out_dir / "team_calibration.ipynb"
    kernel, _ = resolve_kernel_name("calibrate")
    papermill.execute_notebook(str(template), str(executed), parameters={"bundle_dir": str(bundle), "period": report.period},
                               kernel_name=kernel, progress_bar=False, log_output=False)
    html = out_dir / "team_calibration.html"
    html.write_text(notebook_to_html(executed, default_title="Team calibration"), encoding="utf-8")
    return html


def end_to_end(keep: Path | None) -> dict[str, float]:
    """Generate 200 CSMs, score, build the report and render it; seconds per step."""
    from calibrate.load import load_dataset
    from calibrate.present.team import build_team_report, load_calibration_decisions
    from calibrate.sample import generate_sample
    from calibrate.scoring import compute_period

    root = keep or Path(tempfile.mkdtemp(prefix="bench-team-"))
    out: dict[str, float] = {}
    start = time.perf_counter()
    generate_sample(root / "data", seed=11, n_csms=N_CSMS)
    out["e2e_generate_s"] = round(time.perf_counter() - start, 2)
    params = Params().replace(data_dir=str((root / "data").resolve()))
    dataset = load_dataset(params.data_path())
    start = time.perf_counter()
    current = compute_period(dataset, params, triggers=True)
    previous = [compute_period(dataset, params, q, triggers=False) for q in current.period.previous(4)]
    out["e2e_score_5_quarters_s"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    decisions = load_calibration_decisions(params, dataset, current.scores)
    report = build_team_report(current, previous, dataset, params, decisions=decisions)
    out["e2e_build_s"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    html = render(report, root / "render")
    out["e2e_render_s"] = round(time.perf_counter() - start, 2)
    out["e2e_build_render_s"] = round(out["e2e_build_s"] + out["e2e_render_s"], 2)
    out["e2e_vs_30s_target"] = round(out["e2e_build_render_s"] / RENDER_TARGET_S, 2)
    out["e2e_html_kb"] = round(html.stat().st_size / 1024, 1)
    print(f"rendered page: {html}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="folder for the generated data and the rendered page")
    keep = parser.parse_args().keep
    params = Params()
    figures: dict[str, float] = {}
    windows, scores = timed("simulate_s", lambda: simulate(N_CSMS, SEED), figures)
    figures["n_accounts"] = len(windows)
    expected = timed("expected_outcomes_s", lambda: expected_outcomes(windows, seed=SEED), figures)
    adjusted = timed("book_adjusted_s", lambda: book_adjusted(expected), figures)
    weights = params.scoring.weights.as_dict()
    timed("rank_intervals_1000_s", lambda: rank_intervals(windows, scores, weights, rescore=rescore, n_boot=N_BOOT, seed=SEED,
                                                            tier_cuts=params.scoring.tier_cuts), figures)
    baseline_boots = 10
    per_boot = loop_bootstrap(windows, baseline_boots, SEED) / baseline_boots
    figures["loop_bootstrap_1000_s_estimated"] = round(per_boot * N_BOOT, 2)
    figures["bootstrap_speedup_x"] = round(figures["loop_bootstrap_1000_s_estimated"] / figures["rank_intervals_1000_s"], 1)
    rng = np.random.default_rng(SEED)
    ratings = scores[["csm_id"]].assign(
        rating=rng.choice(["exceeds", "meets", "needs_development"], len(scores), p=[0.2, 0.7, 0.1]),
        segment="smb",
        group_site=rng.choice(["north", "south", "east", "west"], len(scores)),
    )
    sp = params.scoring
    timed("rating_distribution_s", lambda: rating_distribution(ratings["rating"], target_exceeds=sp.target_distribution_exceeds,
                                                               target_meets=sp.target_distribution_meets,
                                                               target_needs_development=sp.target_distribution_needs_development), figures)
    timed("fairness_checks_s", lambda: fairness_checks(ratings, book_difficulty=adjusted), figures)
    timed("merge_ratings_s", lambda: merge_ratings(ratings, None, None, period=params.period), figures)
    cap = params.capacity
    book = windows.rename(columns={"end_arr": "arr", "health_t0": "health_t1"})
    csms = windows.drop_duplicates("csm_id")[["csm_id", "segment"]]
    balance = timed("portfolio_balance_s", lambda: portfolio_balance(book, csms, target_accounts=cap.segment_targets(), default_accounts=cap.default_accounts,
                                                                     arr_per_csm_max=cap.arr_per_csm_max, tolerance=cap.tolerance), figures)
    moves = timed("rebalancing_moves_s", lambda: rebalancing_moves(book, balance, as_of=params.quarter.end,
                                                                   renewal_freeze_days=cap.renewal_freeze_days), figures)
    figures["n_moves"] = len(moves)
    figures.update(end_to_end(keep))

    previous = last_run(RESULTS)
    print(f"Team calibration, {N_CSMS} CSMs, {figures['n_accounts']} accounts, {N_BOOT} resamples:")
    for key, value in figures.items():
        change = ""
        if key in previous and isinstance(previous[key], (int, float)) and previous[key]:
            change = f"   ({(value - previous[key]) / previous[key]:+.0%} since last run)"
        print(f"  {key:36s} {value}{change}")
    append_run(RESULTS, {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **figures})



if __name__ == "__main__":
    main()
