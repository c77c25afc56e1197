"""The review's charts (Altair, drawn to inline SVG by ``present.show_chart``).

Each ``*_chart(review)`` reads the small frame the builder prepared in
``review.chart_data`` and returns a chart, or None when there is nothing to
draw (the notebook then shows the "no data" note). Axes carry units; long
books are cut to the largest movers plus one "other accounts" bar.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..charts import PALETTE, alt

__all__ = [
    "waterfall_frame",
    "health_frame",
    "arr_waterfall_chart",
    "health_trajectory_chart",
    "scores_vs_cohort_chart",
    "score_trend_chart",
    "TOP_MOVERS",
    "MAX_TRAJECTORIES",
]

TOP_MOVERS = 12
MAX_TRAJECTORIES = 6
_KIND_COLORS = {
    "Book total": "#5b6b7b",
    "Expansion": PALETTE[2],
    "Contraction": PALETTE[1],
    "Churn": PALETTE[3],
    "Other accounts (net)": "#9aa5b1",
}


def waterfall_frame(book: pd.DataFrame, *, top_n: int = TOP_MOVERS) -> pd.DataFrame:
    """Steps of the ARR bridge from starting ARR to ARR at the window ends, by account.

    Over the accounts counted in this CSM's retention (an attribution window,
    start ARR > 0, not credited to a previous owner); empty when none moved: one step per account that moved, largest
    |change| first up to ``top_n``, the rest netted into one "other" step.
    Columns: ``step`` (label), ``order``, ``kind``, ``begin``, ``end``, ``amount``.
    """
    if len(book) == 0:
        return pd.DataFrame()
    cohort = book[(book["start_arr"].fillna(0) > 0) & book["attributed"].astype(bool) & ~book["previous_owner_credited"].astype(bool)]
    if cohort.empty or not (cohort["arr_change"].fillna(0) != 0).any():
        return pd.DataFrame()
    start = float(cohort["start_arr"].sum())
    moved = cohort[cohort["arr_change"].fillna(0) != 0].copy()
    moved["size"] = moved["arr_change"].abs()
    moved = moved.sort_values("size", ascending=False, kind="stable")
    shown, rest = moved.head(top_n), moved.iloc[top_n:]
    kind = {"expanded": "Expansion", "contracted": "Contraction", "churned": "Churn"}
    shown = pd.concat(
        [shown[shown["arr_change"] > 0].sort_values("arr_change", ascending=False), shown[shown["arr_change"] < 0].sort_values("arr_change")]
    )
    steps = [("Starting ARR", "Book total", 0.0, start, start)]
    level = start
    for r in shown.itertuples(index=False):
        steps.append((str(r.name), kind.get(r.movement, "Expansion" if r.arr_change > 0 else "Contraction"), level, level + r.arr_change, r.arr_change))
        level += r.arr_change
    if len(rest):
        net = float(rest["arr_change"].sum())
        steps.append((f"{len(rest)} other accounts (net)", "Other accounts (net)", level, level + net, net))
        level += net
    steps.append(("ARR at window ends", "Book total", 0.0, level, level))
    frame = pd.DataFrame(steps, columns=["step", "kind", "begin", "end", "amount"])
    frame["order"] = np.arange(len(frame))
    frame["label"] = [
        (f"${a / 1000:,.0f}k" if k == "Book total" else f"{'+' if a > 0 else '-'}${abs(a) / 1000:,.1f}k") for a, k in zip(frame["amount"], frame["kind"])
    ]
    return frame


def health_frame(book: pd.DataFrame, health: pd.DataFrame, period, *, red_max: float, yellow_max: float, limit: int = MAX_TRAJECTORIES) -> pd.DataFrame:
    """Weekly health of the accounts that moved, inside the window this CSM owned each.

    "Moved": saved, changed band between window start and end, or moved 10
    points or more. Saves come first, then the largest moves, up to ``limit``.
    Columns: ``account``, ``date``, ``score``.
    """
    if len(book) == 0:
        return pd.DataFrame()

    def band(x):
        return None if pd.isna(x) else ("red" if x <= red_max else "yellow" if x <= yellow_max else "green")

    b = book.assign(
        move=(book["health_end"] - book["health_start"]).abs(),
        band_change=[band(s) != band(e) for s, e in zip(book["health_start"], book["health_end"])],
    )
    moved = b[b["saved"].astype(bool) | (b["band_change"] & b["health_end"].notna() & b["health_start"].notna()) | (b["move"] >= 10)]
    if moved.empty:
        return pd.DataFrame()
    moved = moved.sort_values(["saved", "move"], ascending=[False, False], kind="stable").head(limit)
    h = health[health["account_id"].isin(moved["account_id"])]
    h = h.merge(moved[["account_id", "name", "owned_from", "owned_to"]], on="account_id")
    lo = h["owned_from"].where(h["owned_from"] > period.start, period.start) - pd.Timedelta(days=7)
    hi = h["owned_to"].where(h["owned_to"] < period.end, period.end)
    h = h[(h["date"] >= lo) & (h["date"] < hi)]
    return pd.DataFrame({"account": h["name"].astype(str), "date": h["date"], "score": h["score"].astype(float)}).sort_values(["account", "date"])


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
            x=alt.X("lo:Q", scale=alt.Scale(domain=domain, zero=False, nice=False), title="ARR ($, axis does not start at zero)", axis=alt.Axis(format="$,.3~s")),
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
    color = alt.Color("who:N", title=None, scale=alt.Scale(domain=["This CSM", "Cohort median"], range=[PALETTE[0], "#9aa5b1"]))
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
