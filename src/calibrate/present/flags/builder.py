"""The flag validation report: everything the leadership notebook shows, built once.

``build_flag_report(fv, current, previous, params)`` turns the model stage's
``FlagValidation`` and the scored quarters into a frozen ``FlagReport``:
display tables whose cells already carry their units and intervals, the
verdict sentences, three charts (Vega-Lite dicts, and ``charts``: the same
drawn once to SVG) and the score-validity table. The notebook only shows its
fields.

Score validity pairs each CSM's scores of quarter p (overall, each category,
rating) with the outcomes of quarter p + 1 in their book (NRR, GRR,
escalations per account) over every consecutive pair of the quarters given
(``previous`` + ``current``) and reports Spearman's rho with a CSM-bootstrap
95% interval and the number of pairs (``calibrate.models.score_validity``).
It is descriptive.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ...models import score_validity
from ...models.command import FlagValidation
from ...params import Params
from . import tables
from .text import (OUTCOME_LABELS, fmt_count, fmt_interval, is_missing, kind_label,
                   kind_sentence, panel_sentence)

__all__ = ["FlagReport", "build_flag_report", "scores_by_period", "outcomes_by_period", "VALIDITY_OUTCOMES"]

VALIDITY_OUTCOMES = ("nrr", "grr", "escalations_per_account")

NO_FLAGS_NOTE = (
    "No AI flags were supplied (the optional ai_flags table is absent or empty), so there is nothing to "
    "judge: no verdicts, no alert or model figures. Add ai_flags.csv to the data folder to get this report."
)
METHOD_NOTE = (
    "How to read this report. Each account-quarter counts as flagged when the AI raised the flag in the "
    "{lookback} days before the quarter started; the outcome is whether the account churned or escalated "
    "within {h1} (and {h2}) days after that start. Models are judged out of time: each of the last "
    "{k} quarters is predicted by models trained only on earlier quarters whose outcomes were already known, "
    "never by a random split. A flag kind is called predictive only when the whole 95% interval of its lift "
    "is above 1 and the whole interval of the AUC it adds to the baseline is above 0. With fewer than "
    "{min_events} events in the tested quarters the verdict is \"too few events to judge\" and no AUC is shown. "
    "Intervals are 95% bootstrap intervals that resample accounts, written as estimate (low–high)."
)
RESPONSE_HEAD = "Descriptive, not causal."
_NO_FLAGS_SHORT = "No AI flags were supplied, so this section is empty."
VALIDITY_NOTE = (
    "Descriptive, not causal: a score and next quarter's results share causes (the book, the market, the "
    "products), and a team of this size cannot separate them. Each pair is one CSM's score in one quarter and "
    "the same CSM's book results in the next quarter; the interval resamples CSMs. A higher score should come "
    "before higher NRR and GRR and fewer escalations per account. The rating is ranked needs development < "
    "meets < exceeds. Pairs counts CSM-quarters."
)

CHART_KEYS = ("lift", "lead_time", "reliability")


@dataclass(frozen=True)
class FlagReport:
    """Everything the flag validation notebook displays (leadership only).

    Display frames (``verdicts``, ``panel``, ``alerts``, ``models``,
    ``response``, ``validity``) have reader-facing column names and text
    cells with units; ``table`` and ``validity_raw`` keep the numbers.
    ``available`` is False when no ``ai_flags`` table was supplied; the
    flag sections then show ``no_data_note``, score validity still shows.
    ``charts`` maps ``lift``, ``lead_time`` and ``reliability`` to SVG text
    (None where there is nothing to draw, as for every key without flags).
    """

    period: str
    available: bool
    title: str
    subtitle: str
    headline: str
    no_data_note: str = ""
    method_note: str = ""
    notes: tuple[str, ...] = ()
    kpis: Mapping[str, str] = field(default_factory=dict)
    kind_sentences: tuple[str, ...] = ()
    verdicts: pd.DataFrame | None = None
    panel: pd.DataFrame | None = None
    panel_sentences: tuple[str, ...] = ()
    alerts: pd.DataFrame | None = None
    alerts_note: str = ""
    timing: pd.DataFrame | None = None
    tested: pd.DataFrame | None = None
    models: pd.DataFrame | None = None
    models_note: str = ""
    reliability_chart: dict | None = None
    lift_chart: dict | None = None
    lead_time_chart: dict | None = None
    charts: Mapping[str, str | None] = field(default_factory=dict)
    response: pd.DataFrame | None = None
    response_note: str = ""
    validity: pd.DataFrame | None = None
    validity_note: str = VALIDITY_NOTE
    validity_summary: str = ""
    table: pd.DataFrame | None = None
    validity_raw: pd.DataFrame | None = None

    @property
    def intro_note(self) -> str:
        """The boxed note under the header: what is missing, or how to read the report."""
        return self.no_data_note or self.method_note

    @property
    def intro_kind(self) -> str:
        return "nodata" if self.no_data_note else "info"

    @property
    def kind_summary(self) -> str:
        """The per-kind sentences, one a line."""
        return "\n".join(self.kind_sentences)

    @property
    def notes_text(self) -> str:
        """Every caveat, one a line."""
        if self.notes:
            return "\n".join(self.notes)
        if self.available:
            return "Every flag kind, outcome and window had enough events to be judged."
        return "Nothing to judge without flags."

    @property
    def panel_text(self) -> str:
        return "\n".join(self.panel_sentences)


# --------------------------------------------------------------------------- score validity inputs


def scores_by_period(results: Sequence[Any]) -> pd.DataFrame:
    """``csm_id``, ``period``, ``overall_score``, ``score_<category>``, ``rating`` of every result."""
    parts = []
    for result in results:
        scores = result.scores
        keep = ["csm_id", "overall_score", "rating"] + [c for c in scores.columns if c.startswith("score_")]
        parts.append(scores[[c for c in keep if c in scores.columns]].assign(period=result.period.label))
    if not parts:
        return pd.DataFrame(columns=["csm_id", "period", "overall_score", "rating"])
    return pd.concat(parts, ignore_index=True)


def outcomes_by_period(results: Sequence[Any]) -> pd.DataFrame:
    """``csm_id``, ``period``, ``nrr``, ``grr``, ``escalations_per_account = escalations / n_accounts``."""
    parts = []
    for result in results:
        m = result.metrics
        accounts = pd.to_numeric(m["n_accounts"], errors="coerce").to_numpy(float)
        escalations = pd.to_numeric(m["escalations"], errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_account = np.where(accounts > 0, escalations / accounts, np.nan)
        parts.append(pd.DataFrame({
            "csm_id": m["csm_id"].astype(str).to_numpy(), "period": result.period.label,
            "nrr": pd.to_numeric(m["nrr"], errors="coerce").to_numpy(float),
            "grr": pd.to_numeric(m["grr"], errors="coerce").to_numpy(float),
            "escalations_per_account": per_account,
        }))
    if not parts:
        return pd.DataFrame(columns=["csm_id", "period", *VALIDITY_OUTCOMES])
    return pd.concat(parts, ignore_index=True)


def _validity(current: Any, previous: Sequence[Any], params: Params) -> pd.DataFrame:
    results = [current, *previous]
    if len(results) < 2:
        return pd.DataFrame()
    return score_validity(scores_by_period(results), outcomes_by_period(results), n_boot=params.flags.n_boot,
                          seed=params.batch.seed).query("outcome in @VALIDITY_OUTCOMES").reset_index(drop=True)


def _validity_summary(raw: pd.DataFrame, n_quarters: int) -> str:
    if raw is None or raw.empty:
        return ("Score validity needs at least two scored quarters in a row; the data holds "
                f"{n_quarters}, so there is nothing to pair.")
    overall = raw.loc[raw["predictor"] == "overall_score"]
    n = int(overall["n"].max()) if not overall.empty else int(raw["n"].max())
    csms = int(overall["n_csms"].max()) if not overall.empty else int(raw["n_csms"].max())
    parts = []
    for o, rho, lo, hi in overall[["outcome", "spearman", "spearman_low", "spearman_high"]].itertuples(index=False,
                                                                                                      name=None):
        label = tables.short_outcome(o)
        parts.append(f"{label} {fmt_interval(rho, lo, hi, style='signed')}")
    text = (f"Over {n:,} pairs from {csms:,} CSMs, the overall score's rank correlation with the next quarter's "
            + "; ".join(parts) + ".") if parts else f"Over {n:,} pairs from {csms:,} CSMs."
    return text


# --------------------------------------------------------------------------- flag tables


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict("records") if frame is not None and not frame.empty else []


def _kpis(fv: FlagValidation, primary: int) -> dict[str, str]:
    table = fv.table
    summary = fv.panel_summary.loc[fv.panel_summary["horizon_days"] == primary]
    row = summary.iloc[0] if not summary.empty else None
    out = {
        "Flag kinds": fmt_count(table["flag_kind"].nunique()),
        "Verdicts predictive": f"{int((table['verdict'] == 'predictive').sum())} of {len(table)}",
        "Too few events to judge": f"{int((table['verdict'] == 'insufficient_data').sum())} of {len(table)}",
    }
    if row is not None:
        out[f"Account-quarters ({primary}-day window)"] = fmt_count(row["n_rows"])
        for column, label in (("n_churn_events", "Churn events"), ("n_escalation_events", "Escalation events")):
            if column in row and not is_missing(row[column]):
                out[f"{label} ({primary} days)"] = fmt_count(row[column])
    return out


def _headline(table: pd.DataFrame) -> str:
    predictive = table.loc[table["verdict"] == "predictive"]
    if predictive.empty:
        return "No flag kind was shown to predict churn or escalations beyond the baseline in this data."
    kinds = sorted({kind_label(k) for k in predictive["flag_kind"]})
    return ("Flag kinds with at least one predictive verdict: " + ", ".join(kinds)
            + ". Every other combination was not predictive or had too few events to judge.")


def build_flag_report(fv: FlagValidation | None, current: Any, previous: Sequence[Any], params: Params) -> FlagReport:
    """The flag validation report of ``current.period`` (see the module docstring).

    Parameters
    ----------
    fv : FlagValidation or None
        From ``calibrate.models.validate_flags``; ``None`` (or an empty table)
        when no ``ai_flags`` table was supplied.
    current : PeriodResult
        The review quarter's scores and metrics.
    previous : list of PeriodResult
        Earlier quarters (any order), for score validity.
    params : Params
        ``flags`` settings (horizons, lookback, minimum events) and ``batch.seed``.
    """
    period = current.period.label
    settings = params.flags
    validity_raw = _validity(current, previous, params)
    common = dict(
        period=period, title="AI flag validation",
        subtitle=f"Did the AI copilot's flags predict churn and escalations? Data up to {period}.",
        validity=tables.validity_display(validity_raw), validity_raw=validity_raw,
        validity_summary=_validity_summary(validity_raw, 1 + len(previous)),
    )
    if fv is None or fv.table is None or fv.table.empty:
        notes = tuple(fv.notes) if fv is not None else ()
        return FlagReport(available=False, headline="No AI flags were supplied, so no flag could be judged.",
                          no_data_note=NO_FLAGS_NOTE, notes=notes, alerts_note=_NO_FLAGS_SHORT,
                          models_note=_NO_FLAGS_SHORT, response_note=_NO_FLAGS_SHORT,
                          charts=dict.fromkeys(CHART_KEYS), **common)
    table = fv.table
    primary = int(settings.horizon_days)
    method = METHOD_NOTE.format(lookback=settings.lookback_days, h1=min(fv.horizons), h2=max(fv.horizons),
                                k=fv.test_quarters or settings.test_quarters, min_events=fv.min_events)
    by_kind: dict[str, list[dict]] = {}
    for row in _rows(table):
        by_kind.setdefault(str(row["flag_kind"]), []).append(row)
    insufficient = table.loc[table["verdict"] == "insufficient_data"].drop_duplicates(["outcome", "horizon_days"])
    notes = list(fv.notes)
    for row in _rows(insufficient):
        notes.append(
            f"{OUTCOME_LABELS.get(row['outcome'], row['outcome'])} within {int(row['horizon_days'])} days cannot be "
            f"judged for any flag kind: {int(row['n_events'])} events in all, {int(row['n_test_events'])} in the "
            f"quarters the models could be tested on ({str(row['test_quarters']).replace(';', ', ') or 'none'}), "
            f"and at least {fv.min_events} are needed there, with as many in the earlier quarters each model "
            f"is trained on."
        )
    from . import charts as draw  # Altair is imported here, in the batch's parent, never in a report kernel

    report = FlagReport(
        available=True,
        headline=_headline(table),
        method_note=method,
        notes=tuple(notes),
        kpis=_kpis(fv, primary),
        kind_sentences=tuple(kind_sentence(k, rows) for k, rows in sorted(by_kind.items())),
        verdicts=tables.verdicts_display(table),
        panel=tables.panel_display(fv.panel_summary),
        panel_sentences=tuple(panel_sentence(r) for r in _rows(fv.panel_summary)),
        alerts=tables.alerts_display(table),
        timing=tables.timing_display(table, settings.min_lead_days),
        tested=tables.tested_display(fv.models),
        alerts_note=(
            f"Precision: share of flagged account-quarters that had the event. Recall: share of events warned "
            f"by a flag at least {settings.min_lead_days} days ahead. Lift: precision divided by the base rate "
            f"(1.0× = no better than the average account); its interval is left off when there are too few "
            f"events to judge. Alerts per CSM per week: flags raised divided by CSM-weeks of the "
            f"{settings.lookback_days}-day windows."
        ),
        models=tables.models_display(fv.models),
        models_note=(
            "M0 uses health, segment, log ARR, tenure and whether a renewal falls due; each M1 adds one flag "
            "kind (flagged, number of flags, top flag score). AUC: chance that a random account with the event "
            "is ranked above one without (0.5 = chance). Average precision: precision averaged over all alert "
            "thresholds (the base rate = no skill). Brier score: mean squared error of the probabilities (lower "
            "is better). Brier skill: how much M1 lowers M0's Brier score. Combinations with too few events "
            "have no row."
        ),
        reliability_chart=draw.reliability_chart(fv.reliability, fv.models),
        lift_chart=draw.lift_chart(table),
        lead_time_chart=draw.lead_time_chart(fv.table),
        response=tables.response_display(fv.response, primary),
        response_note=f"{RESPONSE_HEAD} {fv.response_note} Shown for the {primary}-day window.",
        table=table,
        **common,
    )
    return replace(report, charts=draw.flag_charts(report))
