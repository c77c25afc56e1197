"""The ``calibrate`` command line: a thin layer over the package's functions.

Exit codes: 0 success; 1 the run finished but some reports failed; 2 the input,
params or arguments were refused (nothing was written).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import CalibrateError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_PARTIAL, EXIT_REFUSED = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="calibrate",
        description="Quarterly calibration workbook for customer success managers.",
    )
    parser.add_argument("--version", action="version", version=f"calibrate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a data folder against the data contract and summarise it")
    p.add_argument("data_dir", help="folder of exports (a <table>.csv, .parquet or .xlsx per table), a .duckdb file or a database URL")
    p.add_argument("--params", type=Path, help="params file (for column_map, money_format and the period)")
    p.add_argument("--period", help="quarter checked for dormant assignments, e.g. 2026-Q3 (default: the params period)")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("sample", help="generate synthetic exports with planted truths")
    p.add_argument("--out", type=Path, required=True, help="folder to write the tables into")
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same bytes); default 7")
    p.add_argument("--csms", type=int, default=None, help="number of CSMs (default 10; 40 with --messy)")
    p.add_argument("--accounts", type=int, default=None, help="number of accounts (default: set by the books)")
    p.add_argument("--quarters", type=int, default=8, help="quarters of history ending at --end (default 8)")
    p.add_argument("--end", default="2026-Q3", help="last quarter of the data (default 2026-Q3)")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format (default csv)")
    p.add_argument("--messy", action="store_true",
                   help="add what real CRM exports hold: dormant assignments, reactivations, mid-quarter new logos, "
                        "a handover on a renewal day, churn notices, accounts without health rows, rows out of order "
                        "(CSV only; the truths go to messy_truths.json; see docs/SAMPLE.md)")
    p.set_defaults(handler=_cmd_sample)

    p = sub.add_parser("score", help="compute every CSM's metrics and scores for a period into scores.csv")
    _common_run_args(p)
    p.add_argument("--out", type=Path, required=True, help="the scores CSV to write")
    p.set_defaults(handler=_cmd_score)

    p = sub.add_parser("flags", help="did the AI flags predict churn and escalations? writes flag_validation.csv")
    _common_run_args(p)
    p.add_argument("--out", type=Path, required=True, help="the flag_validation CSV to write")
    p.set_defaults(handler=_cmd_flags)

    p = sub.add_parser("team", help="funnels, shrunk churn and NRR, rank intervals per CSM; writes team_statistics.csv")
    _common_run_args(p)
    p.add_argument("--out", type=Path, required=True, help="the team_statistics CSV to write (or a folder for it)")
    p.set_defaults(handler=_cmd_team)

    p = sub.add_parser("prepare", help="prepare the bundle every report notebook reads (kept; reused while inputs and params match)")
    _common_run_args(p)
    p.add_argument("--out", type=Path, help="bundle folder (default: <output_dir>/<period>/bundle)")
    p.add_argument("--force", action="store_true", help="prepare again even when a matching bundle is there")
    p.set_defaults(handler=_cmd_prepare)

    p = sub.add_parser("run", help="the quarterly batch: validate, score, render every report")
    _common_run_args(p)
    p.add_argument("--out", type=Path, help="reports folder (default: output_dir from params)")
    p.add_argument("--workers", type=int, help="parallel notebook workers (default: one per core)")
    p.add_argument("--only", nargs="+", metavar="CSM_ID", help="render only these CSMs' reviews")
    p.add_argument("--resume", action="store_true", help="re-run only reports that are missing or failed")
    p.add_argument("--force-rebuild", action="store_true",
                   help="rebuild every report of the folder even with --only/--resume (after params or inputs changed)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the reports on a Dask cluster, e.g. tcp://host:8786 (see docs/SCALE.md)")
    p.add_argument("--pdf", action="store_true",
                   help="also print every report to a PDF beside its page (needs Chromium at /usr/bin/chromium and playwright)")
    p.add_argument("--compare-with", type=Path, metavar="OLD_RUN",
                   help="an earlier report folder: write diff.csv (why each CSM's result changed) and link it from the index")
    p.set_defaults(handler=_cmd_run)

    p = sub.add_parser("diff", help="why did scores, ratings or ranks change between two report folders? writes diff.csv")
    p.add_argument("run_a", type=Path, help="the earlier report folder (reports/<period> of one run)")
    p.add_argument("run_b", type=Path, help="the newer report folder")
    p.add_argument("--out", type=Path, help="where to write diff.csv (default: diff.csv in the current folder)")
    p.set_defaults(handler=_cmd_diff)

    p = sub.add_parser("session", help="serve the live calibration session (or the weight tuner) with Voila on localhost")
    p.add_argument("--params", type=Path, required=True, help="params YAML, e.g. params/sample.yaml")
    p.add_argument("--port", type=int, help="port on 127.0.0.1 (default 8866, or a free one when it is taken)")
    p.add_argument("--app", choices=("session", "tuning"), default="session",
                   help="session: the calibration meeting (default); tuning: the weight tuner")
    p.set_defaults(handler=_cmd_session)

    return parser


def _common_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", type=Path, required=True, help="params YAML, e.g. params/sample.yaml")
    p.add_argument("--data", help="data folder, .duckdb file or database URL (default: data_dir from params)")
    p.add_argument("--period", help="quarter such as 2026-Q3 (default: period from params)")


def _load_params(path: Path | None, *, data: str | None = None, period: str | None = None):
    from .params import Params, load_params, resolve_data_dir

    params = load_params(path) if path is not None else Params()
    changes = {}
    if data is not None:
        changes["data_dir"] = resolve_data_dir(data)
    if period is not None:
        changes["period"] = period
    return params.replace(**changes) if changes else params


def _cmd_validate(args: argparse.Namespace) -> int:
    from .load import load_dataset

    from .book import arr_series, dormant_warning

    params = _load_params(args.params, period=args.period)
    dataset = load_dataset(
        args.data_dir, **params.load_options(), progress=_say
    )
    dormant = dormant_warning(
        dataset["ownership"], arr_series(dataset["arr"]), params.quarter, handover_grace_days=params.attribution.handover_grace_days
    )
    notes = [*dataset.warnings, *([dormant] if dormant else [])]
    decisions = params.decisions_path(args.data_dir)
    if decisions.is_file():
        notes.append(_check_decisions(decisions, dataset))
    print(format_summary(dataset.summary(), notes))
    return EXIT_OK


def _check_decisions(path: Path, dataset) -> str:
    """Check the calibration decisions file's rows (ids, ratings, duplicates, who decided); refuse it like any table.

    Whether an override has its reason depends on the model's rating, which
    only scoring knows: `calibrate run` checks that before it writes anything.
    """
    import pandas as pd

    from .models.decisions import load_decisions

    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise CalibrateError(f"{path.name} cannot be read as CSV UTF-8 ({str(exc).splitlines()[0]}); save it again "
                             "as CSV UTF-8 with a header row.") from None
    as_written = {}
    if "csm_id" in raw.columns and "final_rating" in raw.columns:
        as_written = dict(zip(raw["csm_id"].str.strip(), raw["final_rating"].str.strip().str.lower()))
    decided = load_decisions(path, known_csms=dataset["csms"]["csm_id"].astype(str).tolist(), model_ratings=as_written)
    return (f"{path.name}: {len(decided)} decision(s) checked (CSMs, ratings, who decided); whether each override has "
            "its reason is checked by `calibrate run`, which knows the model's ratings.")


def _say(message: str) -> None:
    """Progress for long steps, on stderr so stdout stays the result."""
    print(f"  {message}", file=sys.stderr, flush=True)


def format_summary(summary: dict, warnings: Sequence[str]) -> str:
    """The text `calibrate validate` prints for a valid folder."""
    lines = [f"Valid: {summary['data_dir']}"]
    lines.append(
        f"  {summary['csms']} CSMs, {summary['accounts']} accounts, "
        f"ARR months {summary['first_month']} to {summary['last_month']}"
    )
    lines.append("  tables:")
    for name, rows in summary["rows"].items():
        lines.append(f"    {name:<16} {'not supplied (optional)' if rows is None else f'{rows:,} rows'}")
    if warnings:
        lines.append(f"  {len(warnings)} warning(s):")
        lines.extend(f"    {w}" for w in list(warnings)[:20])
        if len(warnings) > 20:
            lines.append(f"    ... and {len(warnings) - 20} more")
    return "\n".join(lines)


def _cmd_sample(args: argparse.Namespace) -> int:
    from .sample import generate_sample

    if args.messy and args.format != "csv":
        raise CalibrateError("--messy writes CSV exports (as a CRM would); leave out --format or use --format csv.")
    n_csms = args.csms if args.csms is not None else (40 if args.messy else 10)
    summary = generate_sample(
        args.out,
        seed=args.seed,
        n_csms=n_csms,
        n_accounts=args.accounts,
        quarters=args.quarters,
        end_period=args.end,
        file_format=args.format,
    )
    print(f"Wrote sample data to {args.out}: {summary.n_csms} CSMs, {summary.n_accounts:,} accounts, "
          f"{summary.total_rows:,} rows over {summary.quarters} quarters ending {summary.period}. "
          f"The planted situations are listed in {Path(args.out) / 'README.md'}.")
    if args.messy:
        from .sample.messy import TRUTHS_FILE, make_messy

        truths = make_messy(args.out, period=args.end, seed=args.seed)
        n_dormant = sum(len(v) for v in truths["dormant"].values())
        print(f"Made it messy: {n_dormant} dormant assignments, {len(truths['reactivated'])} reactivations, "
              f"{len(truths['new_logo'])} mid-quarter new logos, {len(truths['churn_notice'])} churn notices, "
              f"{len(truths['handover_on_renewal_day'])} handover on a renewal day, "
              f"{len(truths['without_health'])} accounts without health rows; rows shuffled. "
              f"What was planted: {Path(args.out) / TRUTHS_FILE}")
    return EXIT_OK


def _cmd_score(args: argparse.Namespace) -> int:
    from .scoring import score_command

    params = _load_params(args.params, data=args.data, period=args.period)
    path = score_command(params, out=args.out)
    print(f"Wrote {path}")
    return EXIT_OK


def _cmd_flags(args: argparse.Namespace) -> int:
    from .models import flags_command

    params = _load_params(args.params, data=args.data, period=args.period)
    path = flags_command(params, out=args.out)
    print(f"Wrote {path}")
    return EXIT_OK


def _cmd_team(args: argparse.Namespace) -> int:
    from .models.team_stats import team_command

    params = _load_params(args.params, data=args.data, period=args.period)
    path = team_command(params, out=args.out)
    print(f"Wrote {path}")
    return EXIT_OK


def _cmd_prepare(args: argparse.Namespace) -> int:
    from functools import partial

    from .batch.bundle import ensure_bundle
    from .batch.period import prepare_period
    from .load import load_dataset

    params = _load_params(args.params, data=args.data, period=args.period)
    _say("validating the input folder")
    dataset = load_dataset(
        params.data_path(), **params.load_options(), progress=_say
    )
    info, _ = ensure_bundle(
        params, dataset=dataset, bundle_dir=args.out, prepare_fn=partial(prepare_period, progress=_say), force=args.force,
        say=_say, origin={"params_path": params.source, "data_dir": str(dataset.data_dir or params.data_path())},
    )
    state = "reused" if info.reused else "written"
    print(f"Bundle for {params.quarter.label} {state}: {info.path} (key {info.key[:12]}, {len(info.csm_keys)} CSMs).")
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    from functools import partial

    from .batch import run_batch
    from .batch.period import prepare_period
    from .load import load_dataset

    params = _load_params(args.params, data=args.data, period=args.period)
    if args.pdf:
        from .batch.pdf import find_chromium

        find_chromium()  # refused (exit 2) before anything is read or written
    print(f"calibrate run: {params.period}, data {params.data_path()}", file=sys.stderr, flush=True)
    _say("validating the input folder")
    dataset = load_dataset(
        params.data_path(), **params.load_options(), progress=_say
    )
    prepare = partial(prepare_period, progress=_say)
    compare_with = None
    if args.compare_with is not None:
        from .batch.diff import find_run_folder

        compare_with = find_run_folder(args.compare_with)  # refused before anything is written
    options = dict(dataset=dataset, out_dir=args.out, workers=args.workers, only=args.only, resume=args.resume,
                   prepare_fn=prepare, force_rebuild=args.force_rebuild, compare_with=compare_with)
    if args.scheduler:
        from .batch.cluster import cluster_executor

        with cluster_executor(args.scheduler) as executor:
            result = run_batch(params, executor=executor, **options)
    else:
        result = run_batch(params, **options)
    print(result.describe())
    if args.pdf:
        from .batch.pdf import write_pdfs

        pages = [(result.out_dir / s.html, s.label) for s in result.statuses if s.ok and s.html]
        _say(f"printing {len(pages)} report(s) to PDF")
        written = write_pdfs(pages, period=result.period)
        print(f"Wrote {len(written)} PDF(s) beside the report pages.")
    return EXIT_OK if result.ok else EXIT_PARTIAL


def _cmd_diff(args: argparse.Namespace) -> int:
    from .batch.diff import diff_runs, format_diff, write_diff_csv

    diff = diff_runs(args.run_a, args.run_b)
    print(format_diff(diff))
    out = write_diff_csv(diff, args.out or Path("diff.csv"))
    print(f"Wrote {out}")
    return EXIT_OK


def _cmd_session(args: argparse.Namespace) -> int:
    import subprocess

    from .params import load_params
    from .present.session import serve

    serve.check_voila()
    params = load_params(args.params)  # refuse a bad params file before starting a server
    notebook = serve.notebook_path(args.app)
    port = serve.free_port(args.port or 8866)
    if args.port and port != args.port:
        raise CalibrateError(f"Port {args.port} on 127.0.0.1 is in use. Choose another with --port, or leave it out.")
    print(f"calibrate session: {args.app} for {params.period}, params {Path(args.params).resolve()}", file=sys.stderr)
    print(f"Open {serve.session_url(port)} in a browser (served on this machine only; Ctrl-C stops it).", flush=True)
    process = subprocess.Popen(serve.voila_command(notebook, port=port), env=serve.voila_env(Path(args.params)),
                               cwd=str(notebook.parent))
    try:
        return EXIT_OK if process.wait() == 0 else EXIT_PARTIAL
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=10)
        return EXIT_OK


class Terminated(BaseException):
    """SIGTERM, raised where the process is so the same clean-up as Ctrl-C runs (manifest marked, lock released)."""


def _on_sigterm(signum, frame):  # pragma: no cover - exercised through a subprocess in the tests
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    import signal

    parser = build_parser()
    args = parser.parse_args(argv)
    with contextlib.suppress(ValueError):  # not in the main thread (embedded use): leave signals alone
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return args.handler(args)
    except CalibrateError as exc:
        print(f"calibrate {args.command}: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (KeyboardInterrupt, Terminated) as exc:
        code = 143 if isinstance(exc, Terminated) else 130
        print(f"calibrate {args.command}: interrupted. Every report already written is kept and the manifest says "
              "'interrupted'; run the same command with --resume to finish the rest.", file=sys.stderr)
        return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
