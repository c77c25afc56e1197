"""The review's charts (Altair, drawn to inline SVG by ``present.chart_to_svg``).

Each ``*_chart(review)`` reads the small frame the builder prepared in
``review.chart_data`` and returns a chart, or None when there is nothing to
draw (the notebook then shows the "no data" note). ``review_charts`` draws
all four to SVG once, in the batch's parent process; the notebook shows them
with ``present.show_svg``. Axes carry units; long books are cut to the
largest movers plus one "other accounts" bar (frames: :mod:`.chart_data`).
"""

from __future__ import annotations

import pandas as pd

from ..charts import PALETTE, alt, render_svg
from ..theme import REFERENCE_GREY
from .chart_data import MAX_TRAJECTORIES, TOP_MOVERS, health_frame, waterfall_frame

__all__ = [
    "waterfall_frame",
    "health_frame",
    "arr_waterfall_chart",
    "health_trajectory_chart",
    "scores_vs_cohort_chart",
    "score_trend_chart",
    "review_charts",
    "TOP_MOVERS",
    "MAX_TRAJECTORIES",
]

_KIND_COLORS = {
    "Book total": "#5b6b7b",
    "Expansion": PALETTE[2],
    "Contraction": PALETTE[1],
    "Churn": PALETTE[3],
    "Other accounts (net)": REFERENCE_GREY,
}


def arr_waterfall_chart(review) -> alt.TopLevelMixin | None:
    """ARR bridge by account: starting ARR, each mover, the rest netted, ARR at the window ends."""
    frame = review.chart_data.get("waterfall")
    if frame is None or frame.empty:
        return None
    levels = pd.concat([frame.loc[frame["kind"] != "Book total", "begin"], frame["end"]])
    lo, hi = float(levels.min()), float(levels.max())
    pad = max((hi - lo) * 0.08, hi * 0.01, 1.0)
    domain = [max(0.0, lo - pad), hi + pad * 1.6]
    data = frame.assign(lo=frame[["begin", "end"]].min(axis=1), hi=frame[["begin", "end"]].max(axis=1))
    order = list(data["step"])
    y = alt.Y("step:N", sort=order, title=None, axis=alt.Axis(labelLimit=240))
    bars = (
        alt.Chart(data)
        .mark_bar(clip=True, height=14)
        .encode(
            y=y,
            x=alt.X("lo:Q", scale=alt.Scale(domain=domain, zero=False, nice=False), title="ARR ($, axis does not start at zero)", axis=alt.Axis(format="$~s")),
            x2="hi:Q",
            color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=list(_KIND_COLORS), range=list(_KIND_COLORS.values()))),
        )
    )
    labels = alt.Chart(data).mark_text(align="left", dx=4, fontSize=10, color="#33414f", clip=True).encode(y=y, x="hi:Q", text="label:N")
    return alt.layer(bars, labels).properties(width=560, height=max(120, 22 * len(data)), title="Where the ARR moved, account by account")


def health_trajectory_chart(review) -> alt.TopLevelMixin | None:
    """Weekly health of the accounts that moved, with the red and yellow band limits dashed."""
    frame = review.chart_data.get("health")
    if frame is None or frame.empty:
        return None
    red_max, yellow_max = review.header["red_max"], review.header["yellow_max"]
    lines = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("date:T", title="Week", axis=alt.Axis(format="%d %b")),
            y=alt.Y("score:Q", title="Health score (points, 0 to 100)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("account:N", title="Account", legend=alt.Legend(columns=2, labelLimit=260)),
        )
    )
    bands = pd.DataFrame({"y": [red_max, yellow_max], "label": [f"red at {red_max:.0f} or less", f"green above {yellow_max:.0f}"]})
    rules = alt.Chart(bands).mark_rule(strokeDash=[4, 3], color="#c44e52").encode(y="y:Q")
    text = alt.Chart(bands).mark_text(align="right", dy=-6, fontSize=10, color="#c44e52").encode(y="y:Q", x=alt.value(556), text="label:N")
    return alt.layer(rules, lines, text).properties(width=560, height=260, title="Health of the accounts that moved (owned weeks only)")


def scores_vs_cohort_chart(review) -> alt.TopLevelMixin | None:
    """Overall and category scores as dots, the cohort median as a grey tick, on 0 to 100."""
    frame = review.chart_data.get("scores")
    if frame is None or frame.empty or frame["score"].isna().all():
        return None
    order = list(frame["measure"])
    y = alt.Y("measure:N", sort=order, title=None)
    x_scale = alt.Scale(domain=[0, 100])
    long = pd.concat(
        [
            pd.DataFrame({"measure": frame["measure"], "value": frame["score"], "who": "This CSM"}),
            pd.DataFrame({"measure": frame["measure"], "value": frame["median"], "who": "Cohort median"}),
        ]
    ).dropna(subset=["value"])
    color = alt.Color("who:N", title=None, scale=alt.Scale(domain=["This CSM", "Cohort median"], range=[PALETTE[0], REFERENCE_GREY]))
    ticks = alt.Chart(long[long["who"] == "Cohort median"]).mark_tick(thickness=3, size=16).encode(y=y, x=alt.X("value:Q", scale=x_scale), color=color)
    dots = alt.Chart(long[long["who"] == "This CSM"]).mark_point(filled=True, size=90).encode(
        y=y, x=alt.X("value:Q", scale=x_scale, title="Score (points, 0 to 100)"), color=color
    )
    labels = alt.Chart(long[long["who"] == "This CSM"]).mark_text(dy=-10, fontSize=10, color="#1d2733").encode(y=y, x="value:Q", text=alt.Text("value:Q", format=".0f"))
    return alt.layer(ticks, dots, labels).properties(width=520, height=28 * len(order), title="Scores against the cohort median")


def score_trend_chart(review) -> alt.TopLevelMixin | None:
    """Overall score over up to four quarters, with the rating cuts dashed; None with one quarter only."""
    frame = review.chart_data.get("trend")
    if frame is None or len(frame.dropna(subset=["overall_score"])) < 2:
        return None
    frame = frame.dropna(subset=["overall_score"])
    order = list(frame["quarter"])
    x = alt.X("quarter:N", sort=order, title="Quarter", axis=alt.Axis(labelAngle=0))
    y = alt.Y("overall_score:Q", title="Overall score (points)", scale=alt.Scale(domain=[0, 100]))
    line = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=60)).encode(x=x, y=y)
    text = alt.Chart(frame).mark_text(dy=-12, fontSize=11).encode(x=x, y=y, text=alt.Text("overall_score:Q", format=".0f"))
    cuts = pd.DataFrame({"y": list(review.header["rating_cuts"]), "label": ["exceeds", "meets"]})
    rules = alt.Chart(cuts).mark_rule(strokeDash=[4, 3], color="#9aa5b1").encode(y="y:Q")
    rule_text = alt.Chart(cuts).mark_text(align="left", x=2, dy=-6, fontSize=10, color="#5b6b7b").encode(y="y:Q", text="label:N")
    return alt.layer(rules, rule_text, line, text).properties(width=420, height=220, title="Overall score, quarter by quarter")


CHART_NAMES = ("scores_vs_cohort", "score_trend", "arr_waterfall", "health_trajectory")


def review_charts(review) -> dict[str, str | None]:
    """The review's four charts as SVG text (None where there is nothing to draw), keyed by ``CHART_NAMES``.

    Drawn from ``review.chart_data`` and ``review.header`` only, so a CSM's
    charts show that CSM's accounts and the cohort medians, nothing else.
    """
    return {
        "scores_vs_cohort": render_svg(scores_vs_cohort_chart(review)),
        "score_trend": render_svg(score_trend_chart(review)),
        "arr_waterfall": render_svg(arr_waterfall_chart(review)),
        "health_trajectory": render_svg(health_trajectory_chart(review)),
    }


def draw_slice_charts(bundle_dir, csm_key: str) -> bool:
    """Draw the charts of one review in a prepared bundle if it has none yet; True when drawn.

    The batch calls this in its worker process just before that CSM's
    notebook runs, so chart drawing is spread over the workers (each keeps one
    warm renderer) instead of running one after another in the parent; a
    notebook run on its own calls it too. The charts are stored beside the
    slice (``charts.json``), so the next run of the same bundle reuses them.
    """
    from ..bundle import charts_path, load_csm_slice, save_charts

    if charts_path(bundle_dir, csm_key).is_file():  # drawn when the bundle was prepared: nothing to read
        return False
    review = load_csm_slice(bundle_dir, csm_key)
    if not hasattr(review, "chart_data") or getattr(review, "charts", None):
        return False
    save_charts(bundle_dir, csm_key, review_charts(review))
    return True
