"""The quarterly preparation: compute everything once, cut it into report slices.

``prepare_period`` is the ``prepare_fn`` the batch uses by default. It runs
every heavy computation exactly once per batch, spread over the cores where
the stages allow it (``calibrate.fanout``):

1. ``compute_period`` for the review quarter (with coaching triggers) and for
   every earlier quarter the data covers (for trends, expected-vs-actual and
   score validity);
2. ``validate_flags`` (when the ``ai_flags`` table was supplied);
3. the calibration decisions file, refused before anything is written when an
   override has no reason;
4. the three report builders (the two leadership reports in a child process
   while the reviews are built): per-CSM reviews (each slice holds one CSM's
   data and team aggregates only), the team calibration report and the flag
   validation report.
"""

from __future__ import annotations

from typing import Callable, Collection

import pandas as pd

from ..dataset import Dataset
from ..errors import CalibrateError
from ..params import Params
from ..periods import Period
from ..fanout import SideCall, default_workers, fork_map
from ..present.svg import forked_child_can_draw
from .prepare import PreparedBatch

__all__ = ["prepare_period", "history_periods", "compute_history"]

Progress = Callable[[str], None]


def history_periods(dataset: Dataset, period: Period, *, max_quarters: int = 12) -> list[Period]:
    """Quarters before ``period`` whose ARR at T0 and T1 the data covers, most recent first.

    A quarter counts when the ``arr`` table has a month at or before its T0
    and the month that contains its T1 (the ARR at T1).
    """
    months = dataset["arr"]["month"]
    if months.empty:
        return []
    first, last = months.min(), months.max()
    out = []
    for earlier in period.previous(max_quarters):
        if earlier.start >= first and pd.Timestamp(earlier.end.year, earlier.end.month, 1) <= last:
            out.append(earlier)
    return out


def compute_history(dataset: Dataset, params: Params, period: Period, *, progress: Progress | None = None,
                    workers: int | None = None):
    """``(current, previous)``: the review quarter's ``PeriodResult`` and the earlier ones, most recent first.

    Each quarter is an independent computation on the same tables, so the
    quarters are spread over ``workers`` processes (``calibrate.fanout``;
    None: one per core, 1: this process). An earlier quarter the data cannot
    support (no ARR before it, say) ends the history there, as it would
    one quarter after another.
    """
    from ..scoring import compute_period

    say = progress or (lambda message: None)
    quarters = [period, *history_periods(dataset, period)]
    say(f"computing metrics and scores for {', '.join(q.label for q in quarters)}")

    def one(position: int):
        if position == 0:
            return compute_period(dataset, params, quarters[0], triggers=True)
        try:
            return compute_period(dataset, params, quarters[position], triggers=False)
        except CalibrateError:
            return None

    results = fork_map(one, range(len(quarters)), workers=default_workers(workers), min_items=2, chunk_size=1)
    previous = []
    for result in results[1:]:
        if result is None:
            break
        previous.append(result)
    return results[0], previous


def prepare_period(dataset: Dataset, params: Params, period: Period, *, progress: Progress | None = None,
                   only: Collection[str] | None = None) -> PreparedBatch:
    """Everything the reports of ``period`` show, computed once (see module docstring).

    ``only`` (CSM ids) builds the per-CSM reviews of those CSMs alone; the
    metrics, scores, team aggregates and leadership reports are still
    computed for everyone, since every review is placed against the team.
    ``calibrate run --only`` uses it when no prepared bundle fits.
    """
    from ..models import format_flag_validation, validate_flags
    from ..models.decisions import merge_ratings
    from ..present.flags import build_flag_report
    from ..present.review import build_csm_reviews
    from ..present.team import build_team_report, load_calibration_decisions

    say = progress or (lambda message: None)
    workers = default_workers(params.batch.workers)
    current, previous = compute_history(dataset, params, period, progress=say, workers=workers)
    decisions = load_calibration_decisions(params, dataset, current.scores)

    def leadership():
        """The flag validation and the two leadership reports: they need the quarters, not the reviews."""
        flag_validation = validate_flags(dataset, params, period) if dataset.has("ai_flags") else None
        team_report = build_team_report(current, previous, dataset, params, decisions=decisions,
                                        flag_validation=flag_validation)
        return flag_validation, team_report, build_flag_report(flag_validation, current, previous, params)

    # Built by a child process while this one builds the reviews (on one core, or a handful of CSMs, in turn),
    # unless a child could not draw their charts: then here, after the reviews.
    say("validating AI flags and building the team calibration and flag validation reports")
    side = SideCall(leadership, workers=workers if forked_child_can_draw() else 1)

    say("building per-CSM reviews")
    # With several cores each review's charts are drawn by the child process that builds it (calibrate.fanout);
    # otherwise later, by the worker that runs its notebook (batch.execute), not one after another here.
    ratings = merge_ratings(current.scores, dataset.get("manager_ratings"), decisions, period=period.label)
    reviews, team_reference = build_csm_reviews(current, previous, dataset, params, charts_for=(), only=only,
                                                ratings=ratings, workers=workers, draw_when_forked=True,
                                                spool=_spool_folder())
    say("writing each CSM's facts")
    facts = build_facts(current, dataset, params, ratings, workers=workers)
    flag_validation, team_report, flag_report = side.result()

    csv_tables = {}
    if team_report.statistics is not None:
        # The same text cells as `calibrate team` writes, from the numbers the team report shows.
        from ..models.team_stats import format_team_statistics

        csv_tables["team_statistics.csv"] = format_team_statistics(team_report.statistics.table)
    if flag_validation is not None:
        # The same text cells as `calibrate flags` writes, so the two files are byte-identical.
        csv_tables["flag_validation.csv"] = format_flag_validation(flag_validation.table)
    warnings = []
    if not dataset.has("ai_flags"):
        warnings.append("No ai_flags table was supplied: the flag validation report says so and has no verdicts.")
    return PreparedBatch(
        scores=team_report.scores_table,
        csm_slices=reviews,
        team=team_reference,
        leadership={"team_calibration": team_report, "flag_validation": flag_report},
        csv_tables=csv_tables,
        warnings=tuple(warnings),
        manifest_extra={"calibration_decisions": list(team_report.audit_trail)},
        facts=facts,
    )


def _spool_folder() -> str:
    """A temporary folder for reviews written by the processes that build them; removed when this process exits.

    The bundle writer moves each review's folder out of it into the bundle; whatever a refused or
    interrupted run leaves there goes with the process.
    """
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="calibrate-reviews-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def build_facts(current, dataset: Dataset, params: Params, ratings, *, workers: int = 1) -> dict:
    """``csm_id -> fact file`` for every scored CSM (``calibrate.facts``), from the quarter's computed tables.

    ``workers``: processes sharing the CSMs (``calibrate.fanout``); the files are the same with any number.
    """
    from ..facts import csm_facts
    from ..measures import MEASURES
    from ..scoring.standing import CohortStandings

    scores = current.scores
    names = dict(zip(dataset["accounts"]["account_id"].astype(str), dataset["accounts"]["name"].astype(str)))
    life = {str(k): v for k, v in current.lifecycle.groupby("csm_id", sort=False)}
    due = {str(k): v for k, v in current.renewals_due.groupby("csm_id", sort=False)}
    rating_rows = {} if ratings is None else {str(r["csm_id"]): r for r in ratings.to_dict("records")}
    metrics = [m for m in MEASURES if m in scores.columns]
    empty_life, empty_due = current.lifecycle.iloc[0:0], current.renewals_due.iloc[0:0]
    standings = CohortStandings(scores, min_cohort_size=params.scoring.min_cohort_size)

    def one(row: dict) -> dict:
        csm_id = str(row["csm_id"])
        return csm_facts(
            csm_id, period=current.period, scores_row=row, lifecycle=life.get(csm_id, empty_life),
            renewals_due=due.get(csm_id, empty_due), account_names=names, ratings=rating_rows.get(csm_id),
            standing=standings.of(csm_id, metrics),
        )

    rows = scores.to_dict("records")
    return dict(zip((str(row["csm_id"]) for row in rows), fork_map(one, rows, workers=workers)))
