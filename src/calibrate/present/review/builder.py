"""``build_csm_reviews``: cut one period's results into per-CSM reviews and team aggregates.

The batch preparation calls it once, with every CSM's figures in hand; each
:class:`CsmReview` it returns holds only that CSM's own data plus team
aggregates, so it can be pickled into the CSM's slice. Before returning,
every review's draft narrative, strengths, development areas and coaching
plan are checked with the full grounding check (``forbidden_names`` = the
other CSMs' names, ``account_universe`` = every account name): a slice never
carries text that names a colleague or an account outside the book.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Collection, Mapping

import pandas as pd

from ...book import arr_series
from ...dataset import Dataset
from ...errors import ReportError
from ...metrics.health import health_index
from ...params import CATEGORIES, Params
from ..bundle import SpooledSlice, write_slice_folder
from ..svg import forked_child_can_draw
from ..narrative import NameIndex, ReviewEvidence, check_grounding, coaching_plan, derive_facts, draft_narrative, strengths_and_development
from . import records as R
from . import tables as T
from . import texts
from .chart_data import health_frame, waterfall_frame
from .evidence import ColleagueRedactor, book_frame, redactor, notes_frame, review_evidence, tenure_months, triggers_frame
from ...fanout import default_workers, fork_map, will_fork
from ...scoring.slices import CsmSlicer
from ...scoring.standing import CohortStandings
from .team import REFERENCE_METRICS, TeamReference, team_reference
from .units import format_measure, format_metric, is_missing, label_of

__all__ = ["CsmReview", "build_csm_reviews", "build_csm_review", "SECTIONS"]

SECTIONS = ("header", "scores", "book_performance", "health_discipline", "customer_outcomes", "growth_influence", "ai", "coaching")
BOOK_METRICS = ("nrr", "grr", "nrr_excl_top", "logo_churn_rate", "expansion_arr", "contraction_arr", "churn_arr", "renewal_rate", "top_account_share")
HEALTH_METRICS = ("avg_health", "health_change", "red_recovery", "saves", "qbr_coverage", "proactive_share", "sla_adherence", "first_response_hours", "escalations")
OUTCOME_METRICS = ("nps", "csat", "time_to_value_days")
AI_METRICS = ("ai_coverage", "override_rate", "edit_rate", "reject_rate", "net_retention_per_cost", "customer_facing_hours_per_week")
_TREND_METRICS = ("overall_score", "nrr", "grr", "expansion_arr", "avg_health", "qbr_coverage", "nps", "override_rate", "customer_facing_hours_per_week")
_INFLUENCE = ("voice_of_customer", "mentorship", "playbook", "cross_team", "other")


@dataclass(frozen=True)
class CsmReview:
    """One CSM's review: only this CSM's data plus team aggregates (never another CSM's name or figure).

    Attributes
    ----------
    csm_id, name, period, segment : who and when.
    header : tenure, cohort, cut points and band limits the notebook and charts show.
    summary : the CSM's own row of the scores table.
    evidence : the ``ReviewEvidence`` the narrative is drafted from.
    notes : ``section -> ((kind, text), ...)`` computed sentences (see ``SECTIONS``).
    kpis : ``section -> {label: text with unit}`` headline tiles.
    tables : ``name -> ReviewTable``.
    chart_data : small frames for the charts (``waterfall``, ``health``, ``scores``, ``trend``).
    charts : ``name -> SVG text`` drawn from ``chart_data`` by :func:`.charts.review_charts`
        (``scores_vs_cohort``, ``score_trend``, ``arr_waterfall``, ``health_trajectory``);
        None where there is nothing to draw. Empty until the charts are drawn.
    refused : empty, or why this review may not be shown (its text failed the
        grounding check); the report notebook stops with this message, and
        only this CSM's review fails.
    """

    csm_id: str
    name: str
    period: str
    segment: str
    header: Mapping[str, Any]
    summary: Mapping[str, Any]
    evidence: ReviewEvidence
    notes: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    kpis: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    tables: Mapping[str, T.ReviewTable] = field(default_factory=dict)
    chart_data: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    charts: Mapping[str, str | None] = field(default_factory=dict)
    refused: str = ""


def _rows_by_csm(scores: pd.DataFrame) -> dict[str, dict]:
    """Each CSM's first row of ``scores`` as a dict, missing values as None."""
    out: dict[str, dict] = {}
    for record in scores.to_dict("records"):
        key = str(record["csm_id"])
        if key not in out:
            out[key] = {k: (None if is_missing(v) else v) for k, v in record.items()}
    return out


@dataclass(frozen=True)
class TeamLookups:
    """Lookups over the whole team's scores, built once per batch rather than once per review.

    ``standings`` answers each CSM's cohort standing (``scoring.standing``);
    ``rows`` holds each quarter's score rows by CSM id (the review quarter
    first, then the earlier ones in the order ``previous`` lists them).
    """

    standings: CohortStandings
    rows: tuple[Mapping[str, dict], ...]

    @classmethod
    def build(cls, current, previous: list, *, min_cohort_size: int) -> "TeamLookups":
        frames = [current.scores] + [prev.scores for prev in previous[:3]]
        return cls(standings=CohortStandings(current.scores, min_cohort_size=min_cohort_size),
                   rows=tuple(_rows_by_csm(frame) for frame in frames))


def _kpis(metrics: Mapping, names) -> dict[str, str]:
    out = {}
    for name in names:
        text = format_metric(name, metrics.get(name))
        out[label_of(name)] = text if text is not None else "not computable"
    return out


def build_csm_review(
    csm_id: str,
    current,
    previous: list,
    dataset: Dataset,
    params: Params,
    *,
    arr=None,
    health_lookup=None,
    other_names=(),
    ratings: Mapping[str, Any] | None = None,
    colleagues: ColleagueRedactor | None = None,
    lookups: TeamLookups | None = None,
) -> CsmReview:
    """The review of one CSM (see :func:`build_csm_reviews`, which also runs the grounding check).

    ``other_names``: the other CSMs' names, replaced by "a colleague" in every free text kept
    (``colleagues``, built once for a whole company, does the same without compiling a pattern per review).
    ``ratings``: this CSM's row of ``models.decisions.merge_ratings`` (model, manager and final
    rating), so the review shows the same final rating as the team report.
    ``lookups``: the team's ``TeamLookups``, built once when many reviews are built (else built here).
    """
    period = current.period
    if lookups is None:
        lookups = TeamLookups.build(current, previous, min_cohort_size=params.scoring.min_cohort_size)
    metrics = lookups.rows[0].get(csm_id)
    if metrics is None:
        raise ReportError(f"CSM {csm_id!r} has no row in the scores of {period.label}; build reviews only for CSMs in current.scores.")
    arr = arr if arr is not None else arr_series(dataset["arr"])
    health_lookup = health_lookup if health_lookup is not None else health_index(dataset["health"])
    sp, hp = params.scoring, params.health
    grace = params.attribution.handover_grace_days
    csms = dataset["csms"].set_index("csm_id")
    person = csms.loc[csm_id] if csm_id in csms.index else pd.Series(dtype=object)
    name = str(metrics.get("name") or person.get("name") or csm_id)
    hire, left = person.get("hire_date"), person.get("left_date")
    until = period.end if is_missing(left) or pd.Timestamp(left) >= period.end else pd.Timestamp(left)
    tenure = tenure_months(hire, until)

    medians, percentiles, cohort_size, cohort = lookups.standings.of(csm_id, REFERENCE_METRICS)
    book = book_frame(current, dataset, csm_id, arr=arr, health_index=health_lookup)
    redact = colleagues.for_csm(name) if colleagues is not None else redactor(other_names, name)
    notes_df = notes_frame(dataset, csm_id, period, redact=redact)
    trig = triggers_frame(current, csm_id, redact=redact)
    history = [(period.label, metrics)]
    for quarter, prev in enumerate(previous[:3], start=1):
        row = lookups.rows[quarter].get(csm_id)
        if row is not None:
            history.append((prev.period.label, row))
    previous_scores = tuple((label, float(m["overall_score"])) for label, m in history[1:] if not is_missing(m.get("overall_score")))
    cuts = (float(sp.rating_cuts.exceeds), float(sp.rating_cuts.meets))
    evidence = review_evidence(
        name=name,
        period=period,
        tenure=tenure,
        metrics=metrics,
        cohort_medians=medians,
        percentiles=percentiles,
        book=book,
        notes=notes_df,
        triggers=trig,
        previous_scores=previous_scores,
        rating_cuts=cuts,
    )
    weights = {c: float(getattr(sp.weights, c)) for c in CATEGORIES}
    flags = str(metrics.get("flags") or "")
    saves = current.saves[current.saves["csm_id"] == csm_id]
    renewals, tickets, surveys = dataset.get("renewals"), dataset.get("tickets"), dataset.get("surveys")
    transitions = current.transitions[current.transitions["csm_id"] == csm_id]

    notes = {
        "header": tuple(texts.header_notes(book, period_end=period.end, tenure=tenure, hire_date=hire, left_date=left,
                                           n_accounts=metrics.get("n_accounts"), book_arr=metrics.get("end_book_arr"))),
        "scores": tuple(
            texts.rating_reason(metrics, weights=weights, rating_cuts=cuts, tier_cuts=(sp.tier_cuts.top, sp.tier_cuts.strong, sp.tier_cuts.solid))
            + texts.cohort_notes(
                segment=metrics.get("segment") or "",
                cohort=cohort,
                cohort_size=cohort_size,
                n_team=len(lookups.rows[0]),  # distinct CSMs of the quarter
                min_cohort_size=sp.min_cohort_size,
                small_book=bool(metrics.get("small_book")),
                shrink_weight=metrics.get("shrink_weight"),
                missing_categories=metrics.get("missing_categories") or "",
                weight_shared_out=metrics.get("weight_shared_out"),
            )
        ),
        "book_performance": tuple(
            texts.inherited_notes(metrics, book, grace_days=grace)
            + texts.handed_on_notes(book, grace_days=grace)
            + texts.concentration_notes(metrics, book, flagged="concentrated_book" in flags)
        ),
        "health_discipline": tuple(texts.saves_notes(book, saves)),
        "ai": tuple(texts.ai_notes(metrics, band_low=params.ai.override_band_low, band_high=params.ai.override_band_high)),
    }
    kpis = {
        "header": {
            "Accounts at quarter end": format_measure(metrics.get("n_accounts") or 0, "count"),
            "Book ARR at quarter end": format_measure(metrics.get("end_book_arr"), "money") or "no ARR",
            "Overall score": format_metric("overall_score", metrics.get("overall_score")) or "not scored",
            **_rating_tiles(metrics, ratings),
            "Tier": str(metrics.get("tier") or "no tier"),
        },
        "book_performance": _kpis(metrics, ("nrr", "grr", "expansion_arr", "churn_arr")),
        "health_discipline": _kpis(metrics, ("avg_health", "health_change", "saves", "qbr_coverage")),
        "ai": _kpis(metrics, ("ai_coverage", "override_rate", "net_retention_per_cost", "customer_facing_hours_per_week")),
    }
    targets = sp.targets
    target_text = {
        name_: format_metric(name_, getattr(targets, name_))
        for name_ in ("nrr", "grr", "logo_churn_rate", "avg_health", "qbr_coverage", "proactive_share", "sla_adherence", "nps", "csat", "ai_coverage", "net_retention_per_cost", "customer_facing_hours_per_week", "time_to_value_days")
        if hasattr(targets, name_)
    }
    target_text["override_rate"] = f"{format_measure(params.ai.override_band_low, 'percent')} to {format_measure(params.ai.override_band_high, 'percent')}"
    tables = {
        "book_shape": T.book_shape_table(book),
        "windows": T.windows_table(book, period, grace_days=grace),
        "scores": T.scores_table(metrics, history[1:], medians=medians, percentiles=percentiles, weights=weights),
        "book_measures": T.measures_table(metrics, BOOK_METRICS, medians=medians, percentiles=percentiles, targets=target_text, caption="Book performance against the cohort", empty_note="No retention figures: no account was in this CSM's book at a window start."),
        "accounts": T.accounts_table(book),
        "renewals": R.renewals_table(book, renewals, period),
        "upcoming_renewals": R.upcoming_renewals_table(book, current.renewals_due[current.renewals_due["csm_id"] == csm_id]),
        "health_measures": T.measures_table(metrics, HEALTH_METRICS, medians=medians, percentiles=percentiles, targets=target_text, caption="Health discipline and engagement against the cohort", empty_note="No health or engagement figures for this quarter."),
        "health_bands": R.health_bands_table(book, period, red_max=hp.red_max, yellow_max=hp.yellow_max),
        "transitions": R.transitions_table(transitions),
        "saves": R.saves_table(saves, book),
        "escalations": R.escalations_table(tickets, book, period),
        "outcome_measures": T.measures_table(metrics, OUTCOME_METRICS, medians=medians, percentiles=percentiles, targets=target_text, caption="Customer outcomes against the cohort", empty_note="No survey or onboarding figures for this quarter."),
        "outcome_notes": R.notes_table(notes_df, book, ("customer_outcome", "escalation")),
        "survey_comments": R.survey_comments_table(surveys, book, period, redact=redact),
        "trend": T.trend_table(history, _TREND_METRICS),
        "influence_notes": R.notes_table(notes_df, book, _INFLUENCE),
        "ai_measures": T.measures_table(metrics, AI_METRICS, medians=medians, percentiles=percentiles, targets=target_text, caption="AI-augmented productivity against the cohort", empty_note="No AI drafts or cost figures for this quarter."),
        "ai_minutes": T.minutes_table(metrics, medians),
        "triggers": R.triggers_table(trig, book),
    }
    score_names = ["overall_score"] + [f"score_{c}" for c in CATEGORIES]
    chart_data = {
        "waterfall": waterfall_frame(book),
        "health": health_frame(book, dataset["health"], period, red_max=hp.red_max, yellow_max=hp.yellow_max),
        "scores": pd.DataFrame(
            {
                "measure": [label_of(n) for n in score_names],
                "score": [None if is_missing(metrics.get(n)) else float(metrics[n]) for n in score_names],
                "median": [medians.get(n) for n in score_names],
            }
        ).astype({"score": float, "median": float}),
        "trend": pd.DataFrame(
            {"quarter": [label for label, _ in reversed(history)], "overall_score": [m.get("overall_score") for _, m in reversed(history)]}
        ).astype({"overall_score": float}),
    }
    header = {
        "tenure_months": tenure,
        "hire_date": None if is_missing(hire) else pd.Timestamp(hire),
        "left_date": None if is_missing(left) else pd.Timestamp(left),
        "cohort": cohort,
        "cohort_size": cohort_size,
        "rating_cuts": cuts,
        "red_max": float(hp.red_max),
        "yellow_max": float(hp.yellow_max),
        "grace_days": grace,
        "period_start": period.start,
        "period_end": period.end,
        "n_owned": len(book),
        "subtitle": _subtitle(name, period.label, metrics.get("segment"), tenure),
    }
    return CsmReview(
        csm_id=str(csm_id),
        name=name,
        period=period.label,
        segment=str(metrics.get("segment") or ""),
        header=header,
        summary=metrics,
        evidence=evidence,
        notes=notes,
        kpis=kpis,
        tables=tables,
        chart_data=chart_data,
    )


def rating_text(value) -> str:
    """A rating as people say it: ``needs development``, not ``needs_development``."""
    return str(value).replace("_", " ")


def _rating_tiles(metrics: Mapping, ratings: Mapping[str, Any] | None) -> dict[str, str]:
    """Model, manager and final rating, each once; the final one is what the team report shows."""
    model = metrics.get("rating")
    if not ratings:
        return {"Rating": rating_text(model) if not is_missing(model) else "not rated"}
    tiles = {"Model rating": rating_text(model) if not is_missing(model) else "not rated"}
    manager = ratings.get("manager_rating")
    if not is_missing(manager):
        tiles["Manager rating"] = rating_text(manager)
    final = ratings.get("final_rating")
    tiles["Final rating"] = rating_text(final) if not is_missing(final) else "not rated"
    return tiles


def _subtitle(name: str, label: str, segment, tenure) -> str:
    seg = str(segment or "unknown").replace("_", "-")
    ten = f", {tenure:.0f} months in the role" if tenure is not None else ""
    return f"Quarterly review, {label}: {seg} segment{ten}"


def _check(review: CsmReview, *, forbidden: NameIndex, universe: NameIndex) -> str:
    """Why ``review``'s text may not be shown (empty when every piece passes the grounding check)."""
    ev = review.evidence
    facts = derive_facts(ev)  # once per CSM, not once per checked sentence
    narrative = draft_narrative(ev)
    problems = check_grounding(narrative.text, ev, too_short_reason=narrative.too_short_reason, account_universe=universe,
                               forbidden_names=forbidden, facts=facts)
    strengths, development = strengths_and_development(ev)
    pieces = [p.text for p in strengths + development]
    for item in coaching_plan(ev):
        pieces += [item.action, item.expected_effect]
    for text in pieces:
        problems += check_grounding(text, ev, account_universe=universe, forbidden_names=forbidden, check_length=False,
                                    facts=facts)
    if not problems:
        return ""
    lines = "\n".join(f"  - {p.message}" + (f' In: "{p.sentence}"' if p.sentence else "") for p in problems[:10])
    more = f"\n  (and {len(problems) - 10} more)" if len(problems) > 10 else ""
    return (
        f"The review of {review.csm_id} for {review.period} was stopped before anyone could read it: its written text "
        f"holds {len(problems)} item(s) that its own figures do not support:\n{lines}{more}\n"
        "Check these names and figures in the input files (a name shared with another person or account, a figure "
        "that changed). The other reviews are not affected."
    )


def build_csm_reviews(
    current, previous: list, dataset: Dataset, params: Params, *, charts_for: Collection[str] | None = None,
    only: Collection[str] | None = None, ratings: pd.DataFrame | None = None, workers: int | None = 1,
    draw_when_forked: bool = False, spool: str | Path | None = None,
) -> tuple[dict[str, CsmReview | SpooledSlice], TeamReference]:
    """Per-CSM reviews, with their charts drawn, and the team reference for ``current.period``.

    Parameters
    ----------
    current : PeriodResult of the review quarter (with triggers).
    previous : PeriodResults of earlier quarters, most recent first (up to
        three feed the four-quarter trend).
    dataset, params : the validated dataset and parameters.
    charts_for : the CSM ids whose charts to draw (``CsmReview.charts``);
        None draws every review's. Drawing imports Altair and vl_convert here,
        once, so the report kernels never do.
    only : the CSM ids whose reviews to build (None: every scored CSM); the
        team reference is always the whole team's.
    ratings : ``models.decisions.merge_ratings`` of the quarter (model,
        manager and final rating per CSM); None shows the model's rating only.
    workers : processes that build the reviews (``calibrate.fanout``; 1: this
        process only, None or 0: one per core). The reviews are the same.
    draw_when_forked : when the reviews are built in child processes, draw
        every review's charts there too (whatever ``charts_for`` says), while
        the review is in memory; the batch then has no chart left to draw.
    spool : a folder; when the reviews are built in child processes, each
        child writes its reviews there as bundle slice folders and the result
        maps those CSMs to ``SpooledSlice`` (the bundle writer moves them).

    Returns
    -------
    ``({csm_id: CsmReview}, TeamReference)``. A review whose text fails the
    grounding check comes back with ``refused`` set (its report stops; the
    others are unaffected).
    """
    from .charts import review_charts

    arr = arr_series(dataset["arr"])
    team = team_reference(current.scores, period=current.period.label, min_cohort_size=params.scoring.min_cohort_size)
    all_names = dict(zip(dataset["csms"]["csm_id"].astype(str), dataset["csms"]["name"].astype(str)))
    # Built once per run: each review's text is then searched in one pass (not one pattern per name).
    universe = NameIndex(dataset["accounts"]["name"].dropna().astype(str))
    colleagues = NameIndex(all_names.values())
    redactors = ColleagueRedactor(all_names.values())
    slicer = CsmSlicer(current, dataset)
    lookups = TeamLookups.build(current, previous, min_cohort_size=params.scoring.min_cohort_size)
    rating_rows = {} if ratings is None else {str(r["csm_id"]): r for r in ratings.to_dict("records")}
    wanted = None if only is None else {str(x) for x in only}
    ids = [c for c in current.scores["csm_id"].astype(str) if wanted is None or c in wanted]

    def one(position: int) -> CsmReview | SpooledSlice:
        csm_id = ids[position]
        mine, my_data = slicer.for_csm(csm_id)  # this CSM's rows only, cut once by group-by
        review = build_csm_review(csm_id, mine, previous, my_data, params, arr=arr, colleagues=redactors,
                                  ratings=rating_rows.get(csm_id), lookups=lookups)
        problem = _check(review, forbidden=colleagues, universe=universe)
        # Only this review fails (its notebook stops with the message); the batch goes on.
        if problem:
            review = replace(review, refused=problem)
        elif draw_here:
            review = replace(review, charts=review_charts(review))
        if spool_here:  # written here, in the child; only the folder's name travels back
            return SpooledSlice(str(write_slice_folder(review, Path(spool) / f"{position:06d}")))
        return review

    # Every CSM's review is the same function of that CSM's rows: spread over the cores (calibrate.fanout).
    n_workers = default_workers(workers)
    forked = will_fork(len(ids), workers=n_workers)
    draw_here = draw_when_forked and forked and forked_child_can_draw()
    spool_here = spool is not None and forked
    reviews: dict[str, CsmReview | SpooledSlice] = dict(zip(ids, fork_map(one, range(len(ids)), workers=n_workers)))
    for csm_id, review in reviews.items():
        if isinstance(review, SpooledSlice):
            continue
        if not review.refused and not review.charts and (charts_for is None or csm_id in charts_for):
            reviews[csm_id] = replace(review, charts=review_charts(review))
    return reviews, team
