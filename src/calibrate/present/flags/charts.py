"""Charts of the flag validation report, as Vega-Lite dicts (pickled into the bundle).

``flag_charts`` draws each dict to inline SVG once, in the batch's parent
process (``FlagReport.charts``); the notebook shows it with ``present.show_svg``. Each function returns ``None`` when there is nothing to draw.
One small panel per outcome × horizon ("Churn, 90 days").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..charts import PALETTE, alt, render_svg
from ..theme import REFERENCE_GREY
from .text import VERDICT_LABELS, kind_label, panel_label

__all__ = ["panel_label", "reliability_chart", "lift_chart", "lead_time_chart", "flag_charts"]

_VERDICT_COLORS = {"Predictive": "#2e7d4f", "Not predictive": "#8c8c8c", "Too few events to judge": PALETTE[1]}
# Each verdict has its own shape as well as its colour, so it never rests on colour alone.
_VERDICT_SHAPES = {"Predictive": "circle", "Not predictive": "cross", "Too few events to judge": "square"}


def _panel_order(frame: pd.DataFrame) -> list[str]:
    keys = frame[["outcome", "horizon_days"]].drop_duplicates().sort_values(["outcome", "horizon_days"])
    return [panel_label(o, h) for o, h in keys.itertuples(index=False, name=None)]


def _model_label(model: str) -> str:
    if model == "M0":
        return "M0: health, segment, ARR, tenure, renewal"
    kind = model[len("M1["):-1] if model.startswith("M1[") else model
    return f"M1: M0 + {kind_label(kind).lower()} flags"


def reliability_chart(reliability: pd.DataFrame | None, models: pd.DataFrame | None) -> dict[str, Any] | None:
    """Observed event rate against mean predicted probability (10 quantile bins).

    Per outcome × horizon: M0 and the M1 with the highest test AUC, and the
    diagonal of perfect calibration from 0 to the largest value shown.
    """
    if reliability is None or reliability.empty or models is None or models.empty:
        return None
    m1 = models.loc[models["model"] != "M0"].sort_values(["outcome", "horizon_days", "auc", "model"],
                                                        ascending=[True, True, False, True], kind="stable")
    best = m1.drop_duplicates(["outcome", "horizon_days"])[["outcome", "horizon_days", "model"]]
    keep = pd.concat([best, best.assign(model="M0")], ignore_index=True)
    data = reliability.merge(keep, on=["outcome", "horizon_days", "model"], how="inner")
    if data.empty:
        return None
    lines = pd.DataFrame({
        "panel": [panel_label(o, h) for o, h in data[["outcome", "horizon_days"]].itertuples(index=False, name=None)],
        "series": [_model_label(m) for m in data["model"]],
        "predicted": data["mean_predicted"].to_numpy(float),
        "observed": data["observed_rate"].to_numpy(float),
        "kind": "model",
    })
    top = lines.groupby("panel")[["predicted", "observed"]].max().max(axis=1)
    diagonal = pd.DataFrame([
        {"panel": p, "series": "Perfect calibration", "predicted": v, "observed": v, "kind": "reference"}
        for p, m in top.items() for v in (0.0, float(m))
    ])
    frame = pd.concat([lines, diagonal], ignore_index=True)
    series = sorted(set(lines["series"]), key=lambda s: (not s.startswith("M0"), s)) + ["Perfect calibration"]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(series) - 1)] + [REFERENCE_GREY]
    chart = alt.Chart(frame).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("predicted:Q", title="Mean predicted probability", axis=alt.Axis(format=".0%")),
        y=alt.Y("observed:Q", title="Observed event rate", axis=alt.Axis(format=".0%")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=series, range=colors),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=400)),
        strokeDash=alt.StrokeDash("kind:N", legend=None, scale=alt.Scale(domain=["model", "reference"],
                                                                         range=[[1, 0], [4, 3]])),
        order=alt.Order("predicted:Q"),
    ).properties(width=250, height=200)
    return chart.facet(
        facet=alt.Facet("panel:N", title=None, sort=_panel_order(data)), columns=2
    ).resolve_scale(x="independent", y="independent").to_dict()


def lift_chart(table: pd.DataFrame | None) -> dict[str, Any] | None:
    """Lift (precision / base rate) per flag kind with its 95% account-bootstrap interval.

    The rule at 1 is "no better than the average account"; colour is the verdict.
    """
    if table is None or table.empty or table["lift"].isna().all():
        return None
    frame = pd.DataFrame({
        "panel": [panel_label(o, h) for o, h in table[["outcome", "horizon_days"]].itertuples(index=False, name=None)],
        "kind": [kind_label(k) for k in table["flag_kind"]],
        "lift": table["lift"].to_numpy(float),
        "low": table["lift_low"].to_numpy(float),
        "high": table["lift_high"].to_numpy(float),
        "verdict": [VERDICT_LABELS.get(v, str(v)) for v in table["verdict"]],
        "one": 1.0,
    })
    frame = frame.loc[np.isfinite(frame["lift"])]
    domain = [v for v in _VERDICT_COLORS if v in set(frame["verdict"])]
    color = alt.Color("verdict:N", title="Verdict", scale=alt.Scale(domain=domain,
                                                                    range=[_VERDICT_COLORS[v] for v in domain]))
    base = alt.Chart(frame)
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title="Lift (× the average account's event rate)"), x2="high:Q",
        y=alt.Y("kind:N", title=None), color=color)
    shape = alt.Shape("verdict:N", title="Verdict", scale=alt.Scale(domain=domain, range=[_VERDICT_SHAPES[v] for v in domain]))
    points = base.mark_point(filled=True, size=70).encode(x="lift:Q", y="kind:N", color=color, shape=shape)
    reference = base.mark_rule(strokeDash=[4, 3], color="#c44e52").encode(x="one:Q")
    layered = alt.layer(reference, bars, points).properties(width=250, height=28 * frame["kind"].nunique())
    return layered.facet(facet=alt.Facet("panel:N", title=None, sort=_panel_order(table)), columns=2).to_dict()


def lead_time_chart(table: pd.DataFrame | None) -> dict[str, Any] | None:
    """How long before each caught event the latest qualifying flag was raised, per flag kind.

    Drawn from the validation table's own quartiles (``lead_q1_days``,
    ``median_lead_days``, ``lead_q3_days``): the bar spans the middle half of
    the lead times, the tick is the median. The chart and the table then show
    the same three figures, and its size does not grow with the number of
    caught events (a large company has tens of thousands).
    """
    needed = ("lead_q1_days", "median_lead_days", "lead_q3_days")
    if table is None or table.empty or any(c not in table.columns for c in needed):
        return None
    frame = pd.DataFrame({
        "panel": [panel_label(o, h) for o, h in table[["outcome", "horizon_days"]].itertuples(index=False, name=None)],
        "kind": [kind_label(k) for k in table["flag_kind"]],
        "q1": table["lead_q1_days"].to_numpy(float),
        "median": table["median_lead_days"].to_numpy(float),
        "q3": table["lead_q3_days"].to_numpy(float),
    })
    frame = frame.loc[np.isfinite(frame["median"])]
    if frame.empty:
        return None
    base = alt.Chart(frame)
    box = base.mark_bar(size=14, color=PALETTE[0], opacity=0.75).encode(
        x=alt.X("q1:Q", title="Days from flag to event (bar: middle half; tick: median)"), x2="q3:Q",
        y=alt.Y("kind:N", title=None),
    )
    tick = base.mark_tick(color="#222222", thickness=2, size=18).encode(x="median:Q", y="kind:N")
    layered = alt.layer(box, tick).properties(width=250, height=28 * frame["kind"].nunique())
    return layered.facet(facet=alt.Facet("panel:N", title=None, sort=_panel_order(table)), columns=2).to_dict()


def flag_charts(report) -> dict[str, str | None]:
    """The report's three charts as SVG text (None where there is nothing to draw).

    Keys: ``lift``, ``lead_time``, ``reliability`` (from the report's
    Vega-Lite dicts ``lift_chart``, ``lead_time_chart``, ``reliability_chart``).
    """
    return {
        "lift": render_svg(report.lift_chart),
        "lead_time": render_svg(report.lead_time_chart),
        "reliability": render_svg(report.reliability_chart),
    }
