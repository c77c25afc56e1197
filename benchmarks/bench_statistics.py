"""Simulation study: does every statistical method of the team report keep its nominal rate?

Prints, for each method, the measured rate beside the nominal one with its
Monte-Carlo standard error (``calibrate.models.simulate`` holds the
simulations and describes the null team):

* funnel false flags at 95% and 99.8%, by book-size band (1-5, 6-20, 21-80
  accounts), under a null team of 200 CSMs, for the project's limits and,
  as the baseline measured in the same process, the normal limits used before;
* the share of CSMs with P(top quartile) >= 0.95 under the null, and of books
  under 20 accounts at exactly 0 or 1;
* coverage of the 95% AUC and AUC-difference intervals at 20, 50 and 200
  events, DeLong (used) and the account percentile bootstrap (replaced);
* the four-fifths rule on every exact 4/5 ratio of group sizes up to 20;
* squared-error reduction on the Efron-Morris batting data next to James-Stein.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_statistics.py [--reps 500] [--quick]

``--quick`` runs 40 replications (for development); the recorded figures use 500.
Results are appended to ``results/bench_statistics.jsonl``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from calibrate.models.simulate import auc_coverage, efron_morris, four_fifths_at_exact, funnel_false_flags, rank_null, score_shrinkage

from runlog import append_run  # benchmarks/runlog.py (this folder)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bench_statistics.jsonl"
FIXTURE = HERE.parent / "tests" / "fixtures" / "efron_morris_1975.csv"
SECTIONS = ("funnel", "ranks", "auc", "four_fifths", "efron_morris", "score_shrinkage")


def _pct(x: float) -> str:
    return f"{100 * x:6.2f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="run only these sections")
    args = parser.parse_args()
    reps = 40 if args.quick else args.reps
    record: dict = {"reps": reps, "sections": args.only}
    run = set(args.only)
    start = time.perf_counter()

    if "funnel" in run:
        _funnel(reps, record)
    if "ranks" in run:
        _ranks(reps, record)
    if "auc" in run:
        _auc(reps, record)
    if "four_fifths" in run:
        _four_fifths(record)
    if "efron_morris" in run:
        _efron_morris(record)
    if "score_shrinkage" in run:
        _score_shrinkage(min(reps, 300), record)
    record["seconds"] = round(time.perf_counter() - start, 1)
    print(f"\n{record['seconds']:.0f} s in all.")
    append_run(RESULTS, record)


def _funnel(reps: int, record: dict) -> None:
    print(f"Funnel false flags under the null ({reps} teams of 200 CSMs; rate ± Monte-Carlo SE):")
    funnel = funnel_false_flags(reps, n_csms=200, seed=11, n_draws=4000, baseline=True)
    print("  (rates among the books that are judged; 'judged' is the share of books the rule can judge: a churn")
    print("   book whose count could land outside the 95% limits under 3% of the time is 'too few to judge')")
    print(f"  {'measure':<13}{'band':>7}{'level':>7}{'nominal':>9}{'measured':>10}{'± SE':>9}{'judged':>9}")
    for _, r in funnel.iterrows():
        print(f"  {r['measure']:<13}{r['band']:>7}{r['level']:>7}{_pct(r['nominal']):>9}{_pct(r['rate']):>10}"
              f"{_pct(r['mc_se']):>9}{_pct(r['share_judged']):>9}")
    record["funnel"] = funnel.to_dict(orient="records")


def _ranks(reps: int, record: dict) -> None:
    print(f"\nRank intervals under the null ({reps} teams of 40 CSMs, 400 resamples each):")
    ranks = rank_null(reps, n_csms=40, n_boot=400, seed=13)
    print(f"  P(top quartile) >= 0.95: {_pct(ranks['p_top_ge_95'])} ± {_pct(ranks['mc_se'])} of {ranks['csm_quarters']} "
          f"CSM-quarters (at most 1% allowed)")
    print(f"  books under 20 accounts at exactly 0 or 1: {_pct(ranks['small_books_at_0_or_1'])}; "
          f"'too few accounts to rank': {_pct(ranks['too_few_to_rank'])}")
    record["ranks"] = ranks


def _auc(reps: int, record: dict) -> None:
    print(f"\nAUC interval coverage ({reps} replications; bootstrap on the first 200, 400 resamples):")
    auc = auc_coverage(reps, events=(20, 50, 200), seed=17, bootstrap_reps=min(reps, 200))
    print(f"  {'method':<10}{'events':>7}{'interval':>12}{'nominal':>9}{'coverage':>10}{'± SE':>9}{'reps':>6}")
    for _, r in auc.iterrows():
        print(f"  {r['method']:<10}{r['events']:>7}{r['target']:>12}{_pct(r['nominal']):>9}{_pct(r['coverage']):>10}"
              f"{_pct(r['mc_se']):>9}{r['reps']:>6}")
    record["auc"] = auc.to_dict(orient="records")


def _four_fifths(record: dict) -> None:
    print("\nFour-fifths rule at an impact ratio of exactly 0.8 (every pair of group sizes 4..20):")
    ff = four_fifths_at_exact(20)
    print(f"  flagged by the project's rule: {ff['flagged']} of {ff['cases']}; "
          f"by a plain 'ratio < 0.8' (floating point): {ff['flagged_by_plain_comparison']} of {ff['cases']}")
    record["four_fifths"] = ff


def _efron_morris(record: dict) -> None:
    print("\nEfron-Morris 1970 batting data (18 players, 45 at-bats; squared error against the rest of the season):")
    em = efron_morris(FIXTURE)
    print(f"  raw averages          {em['sse_raw']:.4f}")
    print(f"  James-Stein           {em['sse_james_stein']:.4f}  ({em['reduction_james_stein']:.2f}x smaller)")
    print(f"  beta-binomial EB      {em['sse_beta_binomial']:.4f}  ({em['reduction_beta_binomial']:.2f}x; "
          f"{em['share_of_js_beta_binomial']:.1%} of James-Stein's reduction; prior strength {em['beta_binomial_strength']:.0f} at-bats)")
    print(f"  normal EB             {em['sse_normal']:.4f}  ({em['reduction_normal']:.2f}x; {em['share_of_js_normal']:.1%})")
    print(f"  fixed prior of 8      {em['sse_fixed_8']:.4f}  ({em['reduction_fixed_8']:.2f}x; the earlier method)")
    record["efron_morris"] = em


def _score_shrinkage(reps: int, record: dict) -> None:
    print(f"\nCategory-score shrinkage, estimated k against the default k = 8 ({reps} teams per row; books of 3-80 accounts):")
    print("  (mean squared error per CSM; 'est/fixed' below 1 means the estimate helped; 'true k' is the best any k can do)")
    table = score_shrinkage(reps)
    print(f"  {'CSMs':>5}{'true k':>8}{'raw':>9}{'fixed 8':>9}{'estimated':>11}{'true k':>9}{'est/fixed':>11}{'± SE':>8}{'median k':>10}")
    for r in table.itertuples(index=False):
        print(f"  {r.n_csms:>5}{r.k_true:>8.0f}{r.mse_raw:>9.1f}{r.mse_fixed:>9.1f}{r.mse_estimated:>11.1f}{r.mse_true_k:>9.1f}"
              f"{r.estimated_over_fixed:>11.2f}{r.ratio_mc_se:>8.2f}{r.median_k:>10.1f}")
    record["score_shrinkage"] = table.to_dict("records")


if __name__ == "__main__":
    main()
