"""``run_batch``: validate, prepare once (or reuse the kept bundle), run every notebook in parallel, index the results.

Order of work, and why:

1. Load and validate the data, then ``batch.bundle.ensure_bundle``: reuse the
   prepared bundle at ``reports/<period>/bundle`` when its key (input hashes,
   params hash, code) matches, else call ``prepare_fn`` and write it there.
   Any ``CalibrateError`` here stops the run before a byte is written under
   ``reports/``; an earlier period folder stays as it was.
2. Write ``scores.csv`` (and extra CSVs) and a manifest saying the run has started.
3. Run the notebooks (leadership reports first, then one review per CSM) in a
   process pool; a failed notebook is recorded and the others carry on. The
   manifest and index are rewritten as results arrive, so an interrupted run
   can be resumed.
4. Write the final manifest and ``index.html``. The bundle is kept: the
   executed notebooks the index links to read it when someone re-runs them
   (it holds every CSM's data, like the team report: share only the
   per-CSM pages, never the period folder).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import multiprocessing
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .. import __version__
from ..dataset import Dataset
from ..errors import CalibrateError
from ..params import Params, params_hash, params_to_dict, resolve_data_dir
from ..present.bundle import template_path
from ..atomic import write_csv_atomic, write_text_atomic
from .consistency import check_same_run, input_fingerprint
from .execute import JobOutput, NotebookJob, resolve_kernel_name, run_job, warm_up, write_job_output
from .index import render_index
from .lifeline import start_worker
from .lock import FolderLock
from .manifest import NotebookStatus, input_records, read_manifest, status_from_dict, utc_now, write_manifest
from .bundle import default_bundle_dir, stage_bundle
from .prepare import PreparedBatch, PrepareFn, check_prepared
from .templates import TEMPLATES

DRAFTS_DIR = "drafts"  # reports/<period>/drafts/<csm>.md: the review as a Markdown draft for the manager (present.review.draft)
FACTS_DIR = "facts"  # reports/<period>/facts/<csm>.json: every figure a review shows (calibrate.facts)

__all__ = ["BatchResult", "LoadFn", "run_batch", "load_with_contract"]

LoadFn = Callable[[Path, Params], Dataset]


@dataclass(frozen=True)
class BatchResult:
    """How a batch ended: every notebook's status and where the outputs are."""

    period: str
    out_dir: Path
    statuses: tuple[NotebookStatus, ...]
    seconds: float
    warnings: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # figures of the index page that disagree with scores.csv or the statuses

    @property
    def index_path(self) -> Path:
        return self.out_dir / "index.html"

    @property
    def manifest_path(self) -> Path:
        return self.out_dir / "manifest.json"

    @property
    def failed(self) -> tuple[NotebookStatus, ...]:
        return tuple(s for s in self.statuses if s.status == "failed")

    @property
    def ok(self) -> bool:
        """True when no notebook failed and the index agrees with the run (left-out notebooks do not count)."""
        return not self.failed and not self.problems

    @property
    def exit_code(self) -> int:
        """0 when every report is ready, 1 when some failed (the CLI's convention)."""
        return 0 if self.ok else 1

    def describe(self) -> str:
        ran = [s for s in self.statuses if s.status in ("ok", "failed")]
        lines = [
            f"Reports for {self.period} in {self.out_dir}: {sum(s.ok for s in ran)} ready, "
            f"{len(self.failed)} failed ({self.seconds:,.1f} s). Open {self.index_path}."
        ]
        lines += [f"  FAILED {s.label} ({s.job_id}): {s.error}" for s in self.failed]
        lines += [f"  INDEX PAGE DISAGREES: {p}" for p in self.problems]
        lines += [f"  note: {w}" for w in self.warnings]
        if self.failed:
            lines.append("  Fix the cause and run again with --resume to re-run only the failed reports.")
        return "\n".join(lines)


def load_with_contract(data_dir: Path, params: Params) -> Dataset:
    """The default loader: ``calibrate.load.load_dataset`` with the params' column map and money format."""
    from ..load import load_dataset

    return load_dataset(data_dir, **params.load_options())


def _worker_count(workers: int | None, params: Params, n_jobs: int) -> int:
    """Workers asked for (``--workers``, else params, 0 = one per core), capped at the cores and at the jobs."""
    if workers is not None and workers < 1:
        raise CalibrateError(f"--workers must be 1 or more (got {workers}); leave it out for one per core.")
    cores = os.cpu_count() or 1
    chosen = workers if workers is not None else params.batch.workers
    if chosen <= 0:
        chosen = cores
    return max(1, min(chosen, cores, max(n_jobs, 1)))


def _build_jobs(prepared: PreparedBatch, csm_keys: dict[str, str], *, bundle: Path, out_dir: Path,
                period: str, kernel_name: str, timeout: int, params_path: str = "", data_dir: str = "") -> list[NotebookJob]:
    # The parameters a person would type (see the notebooks' parameters cells), plus the bundle to use as is.
    common = {"params_path": params_path, "period": period, "data_dir": data_dir, "bundle_dir": str(bundle)}
    jobs = []
    for name, spec in TEMPLATES.items():
        if spec.per_csm:
            continue
        jobs.append(NotebookJob(
            job_id=name, template=name, label=spec.title, input_path=str(template_path(bundle, name)),
            out_dir=str(out_dir), notebook=f"notebooks/{name}.ipynb", html=f"{name}.html",
            parameters=dict(common), leadership_only=spec.leadership_only,
            kernel_name=kernel_name, timeout_seconds=timeout, cwd=str(bundle),
        ))
    names = dict(zip(prepared.scores["csm_id"].astype(str), prepared.scores["name"]))
    for csm_id, key in csm_keys.items():
        label = str(names[csm_id]) if names.get(csm_id) is not None else csm_id
        jobs.append(NotebookJob(
            job_id=f"csm/{key}", template="csm_review", label=label, input_path=str(template_path(bundle, "csm_review")),
            out_dir=str(out_dir), notebook=f"notebooks/csm_{key}.ipynb", html=f"csm/{key}.html",
            parameters={**common, "csm_id": csm_id}, csm_id=csm_id,
            kernel_name=kernel_name, timeout_seconds=timeout, cwd=str(bundle),
        ))
    return jobs


def _pending(job: NotebookJob, status: str = "pending") -> NotebookStatus:
    return NotebookStatus(job_id=job.job_id, template=job.template, label=job.label, status=status,
                          csm_id=job.csm_id, leadership_only=job.leadership_only, parameters=dict(job.parameters))


def _select(jobs: list[NotebookJob], only: Iterable[str] | None) -> set[str]:
    if only is None:
        return {j.job_id for j in jobs}
    wanted = {str(x) for x in only}
    known = {j.csm_id for j in jobs if j.csm_id is not None} | {j.job_id for j in jobs}
    unknown = sorted(wanted - known)
    if unknown:
        raise CalibrateError(
            f"--only names {', '.join(map(repr, unknown))}, which is not a CSM id with a review this period "
            f"nor a report ({', '.join(n for n, t in TEMPLATES.items() if not t.per_csm)}). Check the ids in scores.csv."
        )
    return {j.job_id for j in jobs if j.job_id in wanted or j.csm_id in wanted}


def _carried(previous: dict[str, Any] | None, *, same_run: bool, out_dir: Path) -> dict[str, NotebookStatus]:
    """Previous statuses worth keeping: ok (with its page on disk) when inputs and params are unchanged."""
    if not previous or not same_run:
        return {}
    kept = {}
    for raw in previous.get("notebooks", []):
        status = status_from_dict(raw)
        if status.ok and status.html and (out_dir / status.html).is_file():
            kept[status.job_id] = status
    return kept


def run_batch(
    params: Params,
    *,
    data_dir: str | Path | None = None,
    period: str | None = None,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    only: Iterable[str] | None = None,
    resume: bool = False,
    progress: bool = True,
    dataset: Dataset | None = None,
    load_fn: LoadFn | None = None,
    prepare_fn: PrepareFn | None = None,
    templates_dir: str | Path | None = None,
    executor: cf.Executor | None = None,
    force_rebuild: bool = False,
    compare_with: str | Path | None = None,
) -> BatchResult:
    """Render every report of a period into ``<out_dir>/<period>/``.

    Parameters
    ----------
    params : Params
        The run's params; ``data_dir``/``period`` override theirs when given.
    out_dir : path, optional
        The reports root (default ``params.output_path()``); the period folder is created in it.
    workers : int, optional
        Parallel notebook processes (default ``params.batch.workers``, 0 = one per core).
    only : iterable of str, optional
        CSM ids and/or report names (``team_calibration``, ``flag_validation``) to run;
        the others keep their previous status.
    resume : bool
        Re-run only notebooks that are missing or failed in the existing manifest.
        ``only`` and ``resume`` are refused (``RunFolderMismatch``) when the
        folder was built from other params or inputs, unless ``force_rebuild``.
    force_rebuild : bool
        Rebuild every report of the folder even with ``only``/``resume``.
    compare_with : path, optional
        An earlier run's period folder: ``diff.csv`` (``calibrate diff`` of it
        against this run) is written beside ``scores.csv`` and the index links it.
    dataset : Dataset, optional
        An already validated dataset (skips ``load_fn``).
    load_fn : callable, optional
        ``load_fn(data_dir, params) -> Dataset``; default ``load_with_contract``.
    prepare_fn : callable, optional
        ``prepare_fn(dataset, params, period) -> PreparedBatch``; default
        ``batch.period.prepare_period`` (every report's content).
        ``default_prepare`` is a placeholder from the data alone, for tests.
    templates_dir : path, optional
        Folder of notebook templates (default ``<repository>/notebooks``).
    executor : concurrent.futures.Executor, optional
        Where report jobs run (default: a local pool of warm worker processes).
        Any ``Executor`` works, e.g. a Dask cluster's ``Client.get_executor()``;
        workers must be able to read the prepared bundle at the same path.
        Workers return each report's text and this process writes it, so the
        report folder has exactly one writer.

    Raises
    ------
    CalibrateError
        Invalid data, params or preparation; nothing is written under ``reports/`` then.
    """
    t_start, started_at = time.monotonic(), utc_now()
    changes = {"data_dir": resolve_data_dir(data_dir) if data_dir is not None else None, "period": period}
    data_dir_given = changes["data_dir"] or ""
    params = params.replace(**changes) if any(v is not None for v in changes.values()) else params
    quarter = params.quarter
    kernel = resolve_kernel_name(params.batch.kernel_name)
    options = dict(t_start=t_start, started_at=started_at, out_dir=out_dir, workers=workers, only=only, resume=resume,
                   progress=progress, dataset=dataset, load_fn=load_fn, prepare_fn=prepare_fn,
                   templates_dir=templates_dir, kernel=kernel, force_rebuild=force_rebuild, data_dir_given=data_dir_given,
                   compare_with=compare_with)
    n_pool = _worker_count(workers, params, n_jobs=10**6)  # refuses --workers below 1 before anything starts
    period_dir = (Path(out_dir) if out_dir is not None else params.output_path()) / quarter.label
    # One writer per report folder: a second run into the same folder is refused, naming the first.
    with FolderLock(period_dir, say=lambda m: print(m, flush=True) if progress else None):
        if executor is not None:
            return _run_batch(params, quarter, executor, **options)
        # Worker processes start (import papermill and nbconvert, start their
        # kernel) while this process loads and prepares; they write nothing.
        with _warm_pool(n_pool, kernel[0]) as pool:
            return _run_batch(params, quarter, pool, **options)


def _warm_pool(n_workers: int, kernel_name: str) -> cf.ProcessPoolExecutor:
    # spawn, not fork: each worker starts clean (no inherited threads or event loops).
    pool = cf.ProcessPoolExecutor(max_workers=n_workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=start_worker, initargs=(os.getpid(),))
    for _ in range(n_workers):
        pool.submit(warm_up, kernel_name)
    return pool


def _run_batch(params: Params, quarter, pool: cf.Executor, *, t_start: float, started_at: str, out_dir, workers,
               only, resume, progress, dataset, load_fn, prepare_fn, templates_dir, kernel, force_rebuild,
               data_dir_given: str = "", compare_with: str | Path | None = None) -> BatchResult:
    if dataset is None:
        dataset = (load_fn or load_with_contract)(params.data_path(), params)
    root = Path(out_dir) if out_dir is not None else params.output_path()
    period_dir = root / quarter.label
    notes: list[str] = []
    staged = stage_bundle(
        params, dataset=dataset, bundle_dir=default_bundle_dir(params, quarter, root), prepare_fn=prepare_fn,
        templates_dir=templates_dir, force=force_rebuild, say=notes.append,
        only=None if only is None or force_rebuild else only,
        origin={"params_path": params.source, "data_dir": str(dataset.data_dir or params.data_path())},
    )
    info, prepared = staged.info, staged.prepared
    warnings = list(dataset.warnings) + check_prepared(prepared, expected=staged.keys.get("only"))

    with contextlib.nullcontext(info.path) as bundle:  # the kept bundle (it used to be a temporary folder)
        kernel_name, kernel_note = kernel
        if kernel_note:
            warnings.append(kernel_note)
        jobs = _build_jobs(prepared, dict(info.csm_keys), bundle=bundle, out_dir=period_dir, period=quarter.label,
                           kernel_name=kernel_name, timeout=params.batch.notebook_timeout_seconds,
                           params_path=params.source,
                           data_dir=data_dir_given or (params.data_dir if Path(params.data_dir).is_absolute() else ""))
        selected = _select(jobs, only)
        # ---- nothing above this line writes under reports/ ----
        manifest: dict[str, Any] = {
            "package_version": __version__,
            "period": quarter.label,
            "period_start": quarter.start.date().isoformat(),
            "period_end": quarter.end.date().isoformat(),
            "started_at": started_at,
            "finished_at": None,
            "seconds": None,
            "status": "running",
            "data_dir": str(dataset.data_dir or params.data_path()),
            "inputs": input_records(dataset),
            "input_fingerprint": None,
            "params": params_to_dict(params),
            "params_hash": params_hash(params),
            "params_source": params.source,
            "kernel_name": kernel_name,
            "workers": None,
            "resume": bool(resume),
            "only": sorted(str(x) for x in only) if only is not None else None,
            "warnings": warnings,
            "files": [],
            # The prepared bundle the notebooks read (kept: the executed notebooks can be run again on it).
            "bundle": {"path": os.path.relpath(bundle, period_dir), "key": info.key, "reused": info.reused},
            **dict(prepared.manifest_extra),
        }
        manifest["input_fingerprint"] = input_fingerprint(manifest["inputs"])
        previous = read_manifest(period_dir / "manifest.json")
        same_run = check_same_run(previous, manifest, folder=str(period_dir), only=only is not None, resume=resume,
                                  force_rebuild=force_rebuild)
        if force_rebuild or (previous and not same_run):
            selected, only = {j.job_id for j in jobs}, None  # another calibration: every report is rebuilt
            manifest["only"] = None
        carried = _carried(previous, same_run=same_run and not force_rebuild, out_dir=period_dir)
        earlier = {s["job_id"]: s for s in (previous or {}).get("notebooks", [])} if previous else {}

        statuses: dict[str, NotebookStatus] = {}
        to_run: list[NotebookJob] = []
        for job in jobs:
            if job.job_id not in selected:
                statuses[job.job_id] = status_from_dict(earlier[job.job_id]) if job.job_id in earlier else _pending(job, "skipped")
            elif resume and job.job_id in carried:
                statuses[job.job_id] = carried[job.job_id]
            else:
                statuses[job.job_id] = _pending(job)
                to_run.append(job)

        staged.commit()  # the bundle is written only once nothing above refused the run
        if progress:
            for note in notes:
                print(note, flush=True)
        period_dir.mkdir(parents=True, exist_ok=True)
        if only is None and not resume:
            _remove_stale_reports(period_dir, jobs)
        files = _write_tables(prepared, period_dir, dict(info.csm_keys))
        manifest["files"] = files
        n_workers = _worker_count(workers, params, len(to_run))
        manifest["workers"] = n_workers
        _write_state(period_dir, manifest, statuses)
        try:
            _run_jobs(to_run, statuses, pool=pool, progress=progress, period_dir=period_dir,
                      on_result=lambda: _write_state(period_dir, manifest, statuses),
                      check=_consistency_check(prepared))
            manifest["status"] = "failed" if any(s.status == "failed" for s in statuses.values()) else "ok"
        except BaseException:
            manifest["status"] = "interrupted"
            raise
        finally:
            seconds = time.monotonic() - t_start
            manifest.update(finished_at=utc_now(), seconds=round(seconds, 2))
            _write_state(period_dir, manifest, statuses)
        if compare_with is not None:
            _write_comparison(Path(compare_with), period_dir, manifest, statuses)
        problems = _check_index(period_dir, prepared, statuses)
        if problems:
            manifest["index_problems"] = problems
            _write_state(period_dir, manifest, statuses)

    return BatchResult(period=quarter.label, out_dir=period_dir, statuses=tuple(statuses.values()),
                       seconds=seconds, warnings=tuple(warnings), problems=tuple(problems))


def _check_index(period_dir: Path, prepared: PreparedBatch, statuses: dict[str, NotebookStatus]) -> list[str]:
    """The index page as written, read back and compared with ``scores.csv`` and the statuses (``batch.factcheck``)."""
    from .factcheck import check_index_page

    page = (period_dir / "index.html").read_text(encoding="utf-8")
    rows = [asdict(s) for s in statuses.values()]
    return [str(p) for p in check_index_page(page, prepared.scores.to_dict("records"), rows)]


def _write_tables(prepared: PreparedBatch, period_dir: Path, csm_keys: Mapping[str, str] | None = None) -> list[str]:
    from ..scoring import write_scores_csv

    write_scores_csv(prepared.scores, period_dir / "scores.csv")
    written = ["scores.csv"]
    for name, frame in prepared.csv_tables.items():
        write_csv_atomic(frame, period_dir / name)
        written.append(name)
    if prepared.facts:
        folder = period_dir / FACTS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        keys = dict(csm_keys or {})
        wanted = set()
        for csm_id, facts in sorted(prepared.facts.items()):
            name = f"{keys.get(csm_id, csm_id)}.json"
            write_text_atomic(folder / name, json.dumps(facts, indent=1, sort_keys=False, allow_nan=False) + "\n")
            written.append(f"{FACTS_DIR}/{name}")
            wanted.add(name)
        for stale in folder.glob("*.json"):  # a CSM no longer in the data keeps no fact file
            if stale.name not in wanted:
                stale.unlink()
        written += _write_drafts(prepared.facts, period_dir / DRAFTS_DIR, keys)
    return written


def _write_drafts(all_facts: Mapping[str, Any], folder: Path, keys: Mapping[str, str]) -> list[str]:
    """``drafts/<csm>.md``: each review as an editable Markdown draft, its figures from the fact file."""
    from ..present.review.draft import review_draft

    folder.mkdir(parents=True, exist_ok=True)
    written, wanted = [], set()
    for csm_id, facts in sorted(all_facts.items()):
        name = f"{keys.get(csm_id, csm_id)}.md"
        write_text_atomic(folder / name, review_draft(facts))
        written.append(f"{DRAFTS_DIR}/{name}")
        wanted.add(name)
    for stale in folder.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    return written


def _write_comparison(earlier: Path, period_dir: Path, manifest: dict[str, Any],
                      statuses: dict[str, NotebookStatus]) -> None:
    """diff.csv of ``earlier`` against this run, listed in the manifest and linked from the index."""
    from .diff import diff_runs, write_diff_csv

    diff = write_diff_csv(diff_runs(earlier, period_dir), period_dir / "diff.csv")
    manifest["compared_with"] = str(earlier.resolve())
    if diff.name not in manifest["files"]:
        manifest["files"].append(diff.name)
    _write_state(period_dir, manifest, statuses)


def _write_state(period_dir: Path, manifest: dict[str, Any], statuses: dict[str, NotebookStatus]) -> None:
    ordered = list(statuses.values())
    write_manifest(period_dir / "manifest.json", manifest, ordered)
    page = render_index(manifest, ordered, files=[*manifest["files"], "manifest.json"])
    write_text_atomic(period_dir / "index.html", page)


def _remove_stale_reports(period_dir: Path, jobs: list[NotebookJob]) -> None:
    """Remove review pages and notebooks of CSMs this run does not have (a full run owns the whole folder)."""
    keep = {job.html for job in jobs} | {job.notebook for job in jobs}
    for pattern in ("csm/*.html", "notebooks/*.ipynb"):
        for path in period_dir.glob(pattern):
            if path.relative_to(period_dir).as_posix() not in keep:
                path.unlink()


def _consistency_check(prepared: PreparedBatch) -> Callable[[NotebookJob, JobOutput], JobOutput]:
    """The report-wide consistency check (``batch.factcheck``) as a step between a job's end and its files.

    A review whose page shows a figure that disagrees with its fact file, or a
    team report whose CSM rows disagree with ``scores.csv``, is not written:
    that job fails with the figures and where they were shown; the others go on.
    """
    from .factcheck import check_flag_page, check_review, check_team_page, check_team_statistics, describe

    facts = dict(prepared.facts)
    if not facts:
        return lambda job, output: output
    scores_rows = prepared.scores.to_dict("records")
    tables = prepared.csv_tables or {}
    stats_rows = tables["team_statistics.csv"].to_dict("records") if "team_statistics.csv" in tables else None
    flag_rows = tables["flag_validation.csv"].to_dict("records") if "flag_validation.csv" in tables else None

    def check(job: NotebookJob, output: JobOutput) -> JobOutput:
        if output.html is None or output.status.status != "ok":
            return output
        if job.csm_id is not None and job.csm_id in facts:
            problems = check_review(output.html, facts[job.csm_id], name=f"review of {job.csm_id}")
        elif job.template == "team_calibration":
            problems = check_team_page(output.html, scores_rows, facts)
            if stats_rows is not None:
                problems += check_team_statistics(output.html, stats_rows, scores_rows)
        elif job.template == "flag_validation" and flag_rows is not None:
            problems = check_flag_page(output.html, flag_rows)
        else:
            return output
        if not problems:
            return output
        message = describe(problems)
        return replace(output, html=None,
                       status=replace(output.status, status="failed", html=None, error=message.splitlines()[0], detail=message))

    return check


STATE_EVERY_SECONDS = 1.0


def _run_jobs(jobs: list[NotebookJob], statuses: dict[str, NotebookStatus], *, pool: cf.Executor, progress: bool,
              period_dir: Path, on_result: Callable[[], None],
              check: Callable[[NotebookJob, JobOutput], JobOutput] | None = None) -> None:
    if not jobs:
        return
    from tqdm.auto import tqdm

    t0 = last_state = time.monotonic()
    with tqdm(total=len(jobs), desc="Reports", unit="report", disable=not progress) as bar:
        futures = {pool.submit(run_job, job): job for job in jobs}
        try:
            for future in cf.as_completed(futures):
                job = futures[future]
                try:
                    output: JobOutput = future.result()
                    if check is not None:
                        output = check(job, output)
                    statuses[job.job_id] = write_job_output(period_dir, output)
                except Exception as exc:  # the worker process itself died, or the page could not be written
                    statuses[job.job_id] = replace(
                        _pending(job, "failed"), error=f"The worker running this report failed: {exc!r}"
                    )
                bar.update(1)
                failed = sum(s.status == "failed" for s in statuses.values())
                rate = bar.n / max(time.monotonic() - t0, 1e-9)
                bar.set_postfix_str(f"{rate:.1f} reports/s" + (f", {failed} failed" if failed else ""))
                # The manifest and index list every report: rewriting them after each of 1,000 results costs
                # the run's size squared. Once a second is enough for a reader (and for --resume after a
                # crash, which then redoes at most a second's reports); the caller writes them at the end.
                if time.monotonic() - last_state >= STATE_EVERY_SECONDS or bar.n == len(jobs):
                    on_result()
                    last_state = time.monotonic()
        except BaseException:
            if isinstance(pool, cf.ProcessPoolExecutor):  # our own pool: stop it now
                pool.shutdown(wait=False, cancel_futures=True)
            else:  # someone else's executor (a cluster): cancel our jobs, leave it running
                for future in futures:
                    future.cancel()
            raise
