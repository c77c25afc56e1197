"""Assemble the cross-team calibration report from a scored period.

``build_team_report(current, previous, dataset, params, decisions=...)`` runs
every team model on frames built by ``calibrate.models.adapters`` and returns
a frozen ``TeamReport`` holding everything the notebook shows, plus the
``scores.csv`` frame (with the rating columns) and the manifest's audit trail.
``load_calibration_decisions`` reads and checks the session's decisions first,
so a bad decisions file stops the run before anything is written.

Book-adjusted performance, the shrunk churn and NRR and the rank intervals
come from ``calibrate.models.team_stats.compute_team_statistics`` (the same
call ``calibrate team`` writes ``team_statistics.csv`` from), held on the
report as ``statistics``: the page and the file show one set of numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ...book import arr_series
from ...dataset import Dataset
from ...errors import InsufficientDataError, ParamsError
from ...models.adapters import balance_book, company_retention
from ...models.balance import portfolio_balance, rebalancing_moves
from ...models.decisions import audit_trail, load_decisions, merge_ratings, nine_box
from ...models.distribution import DistributionCheck, rating_distribution, tier_distribution
from ...models.fairness import FairnessReport, fairness_checks
from ...models.team_stats import POOLED_QUARTERS, TeamStatistics, compute_team_statistics
from ...params import Params
from ...scoring import PeriodResult
from . import sections, text
from .csm_view import csm_rows, training_needs
from .glance import glance_table, team_figures

__all__ = ["TeamReport", "build_team_report", "load_calibration_decisions", "POOLED_QUARTERS", "RATING_COLUMNS"]

RATING_COLUMNS = ("manager_rating", "potential", "final_rating", "final_source", "decision_reason", "decided_by")


@dataclass(frozen=True)
class TeamReport:
    """Everything the team calibration notebook displays (frames are read-only by convention).

    ``notes`` maps a section key (``glance``, ``distribution``, ``expected``,
    ``ranks``, ``ratings``, ``nine_box``, ``decisions``, ``fairness``,
    ``balance``, ``training``) to its plain-language note. A section whose
    frame is ``None`` could not be computed; its note says why.

    ``charts`` maps a chart key (``score_distribution``, ``rating_share``,
    ``funnel_churn``, ``funnel_nrr``, ``rank_intervals``, ``nine_box``,
    ``portfolio``) to its SVG text, drawn once by ``build_team_report``
    (see :func:`.charts.team_charts`); None where there is nothing to draw.
    """

    period: str
    previous_period: str | None
    headline: dict[str, Any]
    glance: pd.DataFrame
    rating_check: DistributionCheck | None
    final_rating_check: DistributionCheck | None
    tier_check: DistributionCheck | None
    rating_table: pd.DataFrame | None
    overall_scores: pd.DataFrame
    book_adjusted: pd.DataFrame | None
    book_adjusted_table: pd.DataFrame | None
    ranks: pd.DataFrame | None
    ranks_table: pd.DataFrame | None
    ratings: pd.DataFrame
    disagreements: pd.DataFrame
    nine_box: pd.DataFrame | None
    decisions: pd.DataFrame | None
    fairness: FairnessReport | None
    fairness_impact: pd.DataFrame | None
    fairness_hard_books: pd.DataFrame | None
    balance: pd.DataFrame | None
    balance_exceptions: pd.DataFrame | None
    moves: pd.DataFrame | None
    csm_table: pd.DataFrame
    csm_table_display: pd.DataFrame
    training_needs: pd.DataFrame
    notes: dict[str, str]
    scores_table: pd.DataFrame
    audit_trail: list[dict[str, Any]]
    tier_cuts: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    charts: Mapping[str, str | None] = field(default_factory=dict)
    statistics: TeamStatistics | None = None


def load_calibration_decisions(params: Params, dataset: Dataset, model_scores: pd.DataFrame) -> pd.DataFrame | None:
    """The session's decisions, checked; ``None`` when there is no decisions file.

    The file is ``params.calibration_decisions`` (relative to the params file)
    or, when that is empty, ``calibration_decisions.csv`` in the data folder.
    A configured file that does not exist raises ``ParamsError``; the default
    file may be absent. Raises ``DataValidationError`` (file, row, column) for
    an override without a reason, a row without ``decided_by``, an unknown CSM
    or rating — before anything is written.
    """
    path = params.decisions_path(dataset.data_dir or None)
    if not path.is_file():
        if params.calibration_decisions.strip():
            raise ParamsError(
                f"The 'calibration_decisions' parameter points to {path}, which does not exist. "
                "Fix the path (relative to the params file) or leave it empty to use calibration_decisions.csv in the data folder."
            )
        return None
    ratings = model_scores.assign(csm_id=model_scores["csm_id"].astype(str)).set_index("csm_id")["rating"]
    known = dataset["csms"]["csm_id"].astype(str).tolist()
    return load_decisions(path, known_csms=known, model_ratings=ratings)


def _timed(timings: dict[str, float], key: str, fn, *args, **kwargs):
    start = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        timings[key] = round(time.perf_counter() - start, 4)


def _with_names(frame: pd.DataFrame | None, scores: pd.DataFrame, columns: Sequence[str] = ("name",)) -> pd.DataFrame | None:
    if frame is None:
        return None
    info = scores.assign(csm_id=scores["csm_id"].astype(str)).set_index("csm_id")
    out = frame.assign(csm_id=frame["csm_id"].astype(str))
    for column in columns:
        if column in info and column not in out:
            out[column] = out["csm_id"].map(info[column])
    return out


def _distribution(labels: pd.Series, params: Params) -> DistributionCheck | None:
    sp = params.scoring
    try:
        return rating_distribution(labels, target_exceeds=sp.target_distribution_exceeds, target_meets=sp.target_distribution_meets,
                                   target_needs_development=sp.target_distribution_needs_development)
    except InsufficientDataError:
        return None


def _fairness(merged: pd.DataFrame, dataset: Dataset, adjusted: pd.DataFrame | None) -> FairnessReport | None:
    groups = list(dataset.group_columns)
    if not groups:
        return None
    csms = dataset["csms"].assign(csm_id=lambda f: f["csm_id"].astype(str))[["csm_id", *groups]]
    rated = merged[["csm_id", "final_rating"]].rename(columns={"final_rating": "rating"}).assign(csm_id=lambda f: f["csm_id"].astype(str))
    rated = rated.merge(csms, on="csm_id", how="left")
    difficulty = adjusted[["csm_id", "expected_nrr"]] if adjusted is not None else None
    return fairness_checks(rated, group_columns=groups, book_difficulty=difficulty)


_OUTCOME_WORDS = {"meets_or_better": "rated meets or better", "exceeds": "rated exceeds"}


def _attribute_words(column: object) -> str:
    """``group_gender`` -> ``gender``: the attribute as a person would name it."""
    text = str(column)
    return (text[len("group_"):] if text.startswith("group_") else text).replace("_", " ")


def _fairness_words(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """The fairness tables with words instead of codes (attribute, outcome, yes/no); the numbers untouched."""
    if table is None:
        return None
    out = table.copy()
    if "column" in out:
        out["column"] = out["column"].map(_attribute_words)
    if "outcome" in out:
        out["outcome"] = out["outcome"].map(lambda o: _OUTCOME_WORDS.get(str(o), str(o).replace("_", " ")))
    if "below_threshold" in out:
        out["below_threshold"] = out["below_threshold"].map(
            lambda b: None if b is None or (isinstance(b, float) and b != b) else ("yes" if bool(b) else "no"))
    return out


def _balance(current: PeriodResult, dataset: Dataset, params: Params, arr) -> tuple[pd.DataFrame, pd.DataFrame]:
    cap = params.capacity
    book = balance_book(dataset, current.period, arr=arr)
    team = current.scores[["csm_id", "segment"]].assign(csm_id=lambda f: f["csm_id"].astype(str))
    balance = portfolio_balance(book, team, target_accounts=cap.segment_targets(), default_accounts=cap.default_accounts,
                                arr_per_csm_max=cap.arr_per_csm_max, tolerance=cap.tolerance, red_max=params.health.red_max)
    moves = rebalancing_moves(book, balance, as_of=current.period.end, renewal_freeze_days=cap.renewal_freeze_days)
    return balance, moves


def _rating_table(model: DistributionCheck | None, final: DistributionCheck | None) -> pd.DataFrame | None:
    """Model and final rating counts beside the target: ``category``, ``model``, ``count`` (final), ``share``,
    ``target_share``, ``expected_count``."""
    if model is None or final is None:
        return None
    return final.table.assign(model=model.table["count"].to_numpy())


def _scores_table(scores: pd.DataFrame, merged: pd.DataFrame) -> pd.DataFrame:
    extra = merged.assign(csm_id=merged["csm_id"].astype(str)).set_index("csm_id")
    out = scores.copy()
    ids = out["csm_id"].astype(str)
    position = list(out.columns).index("flags") + 1
    for offset, column in enumerate(RATING_COLUMNS):
        values = ids.map(extra[column]) if column in extra else pd.Series(pd.NA, index=out.index)
        out.insert(position + offset, column, values.astype("string").to_numpy())
    return out


def build_team_report(
    current: PeriodResult,
    previous: list[PeriodResult],
    dataset: Dataset,
    params: Params,
    *,
    decisions: pd.DataFrame | None,
    flag_validation: Any = None,
) -> TeamReport:
    """Every section of the team calibration report for ``current.period``.

    Parameters
    ----------
    current : PeriodResult
        The review quarter (``compute_period(..., triggers=True)``).
    previous : list of PeriodResult
        Earlier quarters, most recent first (may be empty): ``previous[0]``
        gives the quarter-on-quarter change, up to ``POOLED_QUARTERS`` feed
        the expectation model.
    dataset : Dataset
        The validated inputs.
    params : Params
        The run's parameters (top-level orchestration takes the bag).
    decisions : DataFrame or None
        From ``load_calibration_decisions``.
    flag_validation : FlagValidation, optional
        When given, the coaching section says which AI flags proved predictive.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    scores = current.scores
    sp = params.scoring
    arr = arr_series(dataset["arr"])
    prev = previous[0] if previous else None

    now_ret = company_retention(arr, current.period)
    now_fig = team_figures(scores, current.account_health, now_ret, period_years=current.period.years)
    prev_fig = None
    if prev is not None:
        prev_fig = team_figures(prev.scores, prev.account_health, company_retention(arr, prev.period), period_years=prev.period.years)
    glance = glance_table(now_fig, prev_fig, params)
    headline = {
        "CSMs with a book": int(len(scores)),
        "Accounts at period end": int(pd.to_numeric(scores["n_accounts"], errors="coerce").fillna(0).sum()),
        "ARR at period end": now_ret["arr_t1"],
        "Company NRR (quarter)": now_ret["nrr"],
        "Company GRR (quarter)": now_ret["grr"],
    }

    merged = merge_ratings(scores, dataset.get("manager_ratings"), decisions, period=current.period.label)
    rating_check = _distribution(scores["rating"], params)
    final_check = _distribution(merged["final_rating"], params)
    try:
        tier_check = tier_distribution(scores["tier"])
    except InsufficientDataError:
        tier_check = None

    statistics = _timed(timings, "statistics_s", compute_team_statistics, current, previous, dataset, params)
    fit, ranks_error = statistics.fit, statistics.ranks_error
    adjusted = _with_names(statistics.adjusted, scores)
    ranks = _with_names(statistics.ranks, scores, ("name", "tier"))

    csm_table = csm_rows(scores, triggers=current.triggers, ranks=ranks, ratings=merged,
                         previous_scores=prev.scores if prev is not None else None, meets_cut=sp.rating_cuts.meets)
    needs = training_needs(csm_table, meets_cut=sp.rating_cuts.meets)
    ratings = sections.rating_evidence(merged, csm_table, adjusted, ranks)
    disagreements = ratings.loc[ratings["disagreement"].to_numpy(bool)].reset_index(drop=True)
    try:
        grid = nine_box(merged)
    except InsufficientDataError:
        grid = None
    if grid is not None:
        names = scores.assign(csm_id=scores["csm_id"].astype(str)).set_index("csm_id")["name"]
        grid = grid.assign(names=[[str(names.get(c, c)) for c in ids.split(";") if c] for ids in grid["csm_ids"]])

    fairness = _timed(timings, "fairness_s", _fairness, merged, dataset, adjusted)
    balance, moves = _timed(timings, "balance_s", _balance, current, dataset, params, arr)
    balance = _with_names(balance, scores)
    moves = sections.moves_with_names(moves, scores)

    trail = [{"period": current.period.label, **rec} for rec in audit_trail(decisions)] if decisions is not None else []
    decided = sections.decision_rows(decisions, merged, scores) if decisions is not None else None
    overall = scores[["csm_id", "name", "overall_score", "tier", "rating"]].assign(csm_id=lambda f: f["csm_id"].astype(str))

    notes = {
        "glance": text.glance_note(glance, current.period.label, prev.period.label if prev is not None else None),
        "distribution": text.distribution_note(rating_check, final_check, tier_check),
        "expected": text.expected_note(adjusted, fit, statistics.priors),
        "ranks": text.ranks_note(ranks, ranks_error, current.scores, params.scoring.shrinkage_k),
        "ratings": text.ratings_note(merged, dataset.has("manager_ratings")),
        "nine_box": text.nine_box_note(grid),
        "decisions": text.decisions_note(decisions, params),
        "fairness": text.fairness_note(fairness, dataset.group_columns),
        "balance": text.balance_note(balance, moves),
        "training": text.training_note(needs, len(csm_table), flag_validation),
    }
    report = TeamReport(
        period=current.period.label,
        previous_period=prev.period.label if prev is not None else None,
        headline=headline,
        glance=glance,
        rating_check=rating_check,
        final_rating_check=final_check,
        tier_check=tier_check,
        rating_table=_rating_table(rating_check, final_check),
        overall_scores=overall,
        book_adjusted=adjusted,
        book_adjusted_table=sections.book_adjusted_view(adjusted, statistics.table),
        ranks=ranks,
        ranks_table=sections.ranks_view(ranks),
        ratings=ratings,
        disagreements=disagreements,
        nine_box=grid,
        decisions=decided,
        fairness=fairness,
        fairness_impact=_fairness_words(fairness.impact) if fairness is not None else None,
        fairness_hard_books=_fairness_words(fairness.hard_books) if fairness is not None else None,
        balance=balance,
        balance_exceptions=balance.loc[balance["status"].ne("within").to_numpy(bool)].reset_index(drop=True),
        moves=moves,
        csm_table=csm_table,
        csm_table_display=sections.csm_display(csm_table),
        training_needs=needs,
        notes=notes,
        scores_table=_scores_table(scores, merged),
        audit_trail=trail,
        tier_cuts={"top": sp.tier_cuts.top, "strong": sp.tier_cuts.strong, "solid": sp.tier_cuts.solid},
        timings=timings,
        statistics=statistics,
    )
    from .charts import team_charts  # Altair is imported here, in the batch's parent, never in a report kernel

    report = replace(report, charts=_timed(timings, "charts_s", team_charts, report))
    timings["build_s"] = round(time.perf_counter() - start, 4)
    return report
