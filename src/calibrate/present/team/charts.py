"""Charts of the team calibration report, readable from 5 to 200+ CSMs.

SVG has no hover, so a chart never relies on tooltips: it labels only the
points a reader must find (outside the funnel limits, marked for discussion,
over capacity), at most ``MAX_LABELS`` of them, and the sorted tables beside
each chart name everyone else. Every function returns an Altair chart, or
``None`` when there is nothing to draw (the notebook then shows a "no data" note).
"""

from __future__ import annotations

from typing import Mapping

import altair as alt
import numpy as np
import pandas as pd

from ...models.funnel import Z95, Z998
from ..charts import PALETTE, render_svg
from ..theme import REFERENCE_GREY
from ..words import RATING_LABELS

__all__ = ["MAX_LABELS", "funnel_plot", "rank_interval_plot", "score_distribution_chart", "rating_share_chart",
           "nine_box_chart", "portfolio_chart", "team_charts"]

MAX_LABELS = 12
_WIDTH = 640
# Each at least 3:1 against the white background (WCAG 1.4.11), and each with its own shape.
_POSITION_COLORS = {"better than the book": PALETTE[2], "inside the limits": "#5b6875", "worse than the book": PALETTE[3],
                    "too few accounts to judge": "#848e9a"}
_POSITION_SHAPES = {"inside the limits": "circle", "better than the book": "triangle-up",
                    "worse than the book": "triangle-down", "too few accounts to judge": "square"}


def _name(frame: pd.DataFrame) -> pd.Series:
    return frame["name"].fillna(frame["csm_id"]).astype(str) if "name" in frame else frame["csm_id"].astype(str)


def _labels(frame: pd.DataFrame, mask: np.ndarray, priority: np.ndarray, *, limit: int = MAX_LABELS) -> pd.DataFrame:
    """The rows to label: ``mask`` rows, the ``limit`` with the largest ``priority``."""
    chosen = frame.loc[mask].assign(_p=priority[mask]).sort_values("_p", ascending=False).head(limit)
    return chosen.drop(columns="_p")


def funnel_plot(adjusted: pd.DataFrame | None, *, measure: str = "churn") -> alt.TopLevelMixin | None:
    """Book-adjusted churn (or NRR) per CSM as a standardised funnel: one band column decides everything.

    y = the CSM's standardised position against their own book (``churn_z`` /
    ``nrr_z`` from ``calibrate.models.funnel``: exact for churn, resampled for
    NRR, already widened for overdispersion); x = accounts at the quarter's
    start. The limits are the horizontal lines at the z thresholds the band
    uses (dashed 95%, solid 99.8%), so a dot is past a line exactly when its
    band (``churn_band`` / ``nrr_band``) says so, and its colour is that band
    with its side. Positions beyond ±5 are drawn at ±5 (their band is
    ``outside_998`` either way). Labelled: CSMs outside the 95% limits, at
    most 8 (beyond 99.8% first, then worse than the book before better).
    """
    if adjusted is None or adjusted.empty:
        return None
    if measure not in ("churn", "nrr"):
        raise ValueError(f"measure must be 'churn' or 'nrr'. Got {measure!r} instead.")
    churn = measure == "churn"
    band = adjusted[f"{measure}_band"].astype(str).to_numpy()
    side = adjusted[f"{measure}_position_95"].astype(str).to_numpy()
    good = "below" if churn else "above"
    beyond = np.isin(band, ("outside_95", "outside_998"))
    status = np.where(~beyond, "inside the limits", np.where(side == good, "better than the book", "worse than the book"))
    status = np.where(band == "too_few", "too few accounts to judge", status)
    data = pd.DataFrame({"csm": _name(adjusted).to_numpy(), "size": adjusted["n_accounts"].to_numpy(float),
                         "value": np.clip(adjusted[f"{measure}_z"].to_numpy(float), -5.0, 5.0), "status": status})
    x_min = max(0.8, float(data["size"].min()) * 0.8)
    x_max = max(x_min * 2, float(data["size"].max()) * 1.25)
    limits = pd.DataFrame(
        [{"size": x, "limit": sign * z, "line": f"{label} {sign}", "level": label}
         for label, z in (("95%", Z95), ("99.8%", Z998)) for sign in (-1, 1) for x in (x_min, x_max)]
    )
    x_scale = alt.Scale(type="log", domain=[x_min, x_max])
    y_scale = alt.Scale(domain=[-5.2, 5.2])
    y_title = ("Churn against the book (standardised; above 0 = more churn than expected)" if churn
               else "NRR against the book (standardised; above 0 = better than expected)")
    lines = alt.Chart(limits).mark_line(strokeWidth=1.2).encode(
        x=alt.X("size:Q", scale=x_scale, title="Accounts at the quarter's start"),
        y=alt.Y("limit:Q", scale=y_scale, title=y_title),
        detail="line:N",
        strokeDash=alt.StrokeDash("level:N", title="Control limits", scale=alt.Scale(domain=["95%", "99.8%"], range=[[5, 3], [1, 0]])),
        color=alt.value("#5b6875"),
    )
    rule = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#1d2733", strokeWidth=1).encode(y="y:Q")
    legend_title = "Against the 95% limits"
    domain = [k for k in _POSITION_COLORS if k != "too few accounts to judge" or (status == k).any()]
    # Status by colour and by shape, so it reads without colour (one legend: same field and title).
    points = alt.Chart(data).mark_point(size=52, opacity=0.9, filled=True, strokeWidth=1.4).encode(
        x=alt.X("size:Q", scale=x_scale),
        y=alt.Y("value:Q", scale=y_scale),
        color=alt.Color("status:N", title=legend_title, scale=alt.Scale(domain=domain, range=[_POSITION_COLORS[k] for k in domain]),
                        legend=alt.Legend(labelLimit=320)),
        shape=alt.Shape("status:N", title=legend_title, scale=alt.Scale(domain=domain, range=[_POSITION_SHAPES[k] for k in domain]),
                        legend=alt.Legend(labelLimit=320)),
    )
    worse = status == "worse than the book"
    priority = np.abs(data["value"].to_numpy()) + np.where(band == "outside_998", 1e6, 0.0) + np.where(worse, 1e3, 0.0)
    flagged = _labels(data, beyond, priority, limit=8)
    text = alt.Chart(flagged).mark_text(align="left", dx=6, dy=-4, fontSize=11, color="#1d2733").encode(
        x=alt.X("size:Q", scale=x_scale), y=alt.Y("value:Q", scale=y_scale), text="csm:N"
    )
    phi = float(adjusted[f"{measure}_phi"].iloc[0])
    subtitle = ["0 = what the book predicts; a dot past a line is outside that limit, in the table and the text alike."]
    if phi > 1:
        subtitle.append(f"Results vary {phi:.2f} times as much as chance allows (overdispersion φ): the limits are widened for it.")
    name = "Churn" if churn else "NRR"
    title = alt.TitleParams(f"{name} against the book: funnel plot", subtitle=subtitle)
    return alt.layer(lines, rule, points, text).properties(width=_WIDTH, height=340, title=title)


def rank_interval_plot(ranks: pd.DataFrame | None, *, tier_cuts: Mapping[str, float]) -> alt.TopLevelMixin | None:
    """Each CSM's overall score with its 95% bootstrap range, best first, tier cuts as dashed lines.

    Up to 40 CSMs: one named row each. Larger teams: a caterpillar (x = position
    in the team order, no names) with the CSMs marked for discussion coloured;
    the table below the chart names them.
    """
    if ranks is None or ranks["overall_score"].notna().sum() == 0:
        return None
    data = ranks.loc[ranks["overall_score"].notna()].sort_values(["overall_score", "csm_id"], ascending=[False, True]).reset_index(drop=True)
    data = pd.DataFrame({"csm": _name(data).to_numpy(), "order": np.arange(1, len(data) + 1), "score": data["overall_score"].to_numpy(float),
                         "low": data["score_low"].to_numpy(float), "high": data["score_high"].to_numpy(float),
                         "mark": np.where(data["discuss"].to_numpy(bool), "range crosses a tier cut", "tier settled")})
    marks = ["range crosses a tier cut", "tier settled"]
    color = alt.Color("mark:N", title=None, scale=alt.Scale(domain=marks, range=[PALETTE[1], PALETTE[0]]))
    dash = alt.StrokeDash("mark:N", title=None, scale=alt.Scale(domain=marks, range=[[1, 0], [3, 2]]))  # not colour alone
    cuts = pd.DataFrame({"score": [float(v) for v in tier_cuts.values()], "tier": [f"{k} from {v:g}" for k, v in tier_cuts.items()]})
    score_scale = alt.Scale(domain=[0, 100])
    if len(data) <= 40:
        y = alt.Y("csm:N", sort=list(data["csm"]), title=None, axis=alt.Axis(labelLimit=200))
        base = alt.Chart(data)
        bars = base.mark_rule(strokeWidth=3, opacity=0.7).encode(x=alt.X("low:Q", scale=score_scale, title="Overall score (0 to 100), 95% range"), x2="high:Q", y=y, color=color, strokeDash=dash)
        dots = base.mark_point(filled=True, size=50, color="#1d2733").encode(x="score:Q", y=y)
        rules = alt.Chart(cuts).mark_rule(strokeDash=[4, 3], color="#5b6875").encode(x="score:Q")
        labels = alt.Chart(cuts).mark_text(align="left", dx=3, dy=-4, fontSize=10, color="#5b6875").encode(x="score:Q", y=alt.value(0), text="tier:N")
        height = max(120, 22 * len(data))
        return alt.layer(rules, labels, bars, dots).properties(width=_WIDTH - 180, height=height, title="Overall score with its 95% range")
    x = alt.X("order:Q", title=f"Position in the team order (1 = highest score, {len(data)} CSMs)", scale=alt.Scale(domain=[0, len(data) + 1], nice=False))
    base = alt.Chart(data)
    bars = base.mark_rule(strokeWidth=1.5, opacity=0.8).encode(x=x, y=alt.Y("low:Q", scale=score_scale, title="Overall score (0 to 100), 95% range"), y2="high:Q", color=color, strokeDash=dash)
    dots = base.mark_circle(size=10, color="#1d2733").encode(x=x, y="score:Q")
    rules = alt.Chart(cuts).mark_rule(strokeDash=[4, 3], color="#5b6875").encode(y="score:Q")
    labels = alt.Chart(cuts).mark_text(align="right", dx=-2, dy=-5, fontSize=10, color="#5b6875").encode(y="score:Q", x=alt.value(_WIDTH), text="tier:N")
    return alt.layer(rules, labels, bars, dots).properties(width=_WIDTH, height=320, title="Overall score with its 95% range, best first")


def score_distribution_chart(overall: pd.DataFrame, *, tier_cuts: Mapping[str, float]) -> alt.TopLevelMixin | None:
    """Histogram of overall scores (5-point bins) coloured by tier, with the tier cuts."""
    scores = overall.loc[overall["overall_score"].notna()]
    if scores.empty:
        return None
    data = pd.DataFrame({"score": scores["overall_score"].to_numpy(float), "tier": scores["tier"].astype(str).to_numpy()})
    tiers = ["top", "strong", "solid", "under"]
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("score:Q", bin=alt.Bin(step=5, extent=[0, 100]), title="Overall score (0 to 100)"),
        y=alt.Y("count():Q", title="CSMs"),
        color=alt.Color("tier:N", title="Tier", scale=alt.Scale(domain=tiers, range=[PALETTE[2], PALETTE[0], PALETTE[6], PALETTE[3]])),
    )
    cuts = pd.DataFrame({"score": [float(v) for v in tier_cuts.values()]})
    rules = alt.Chart(cuts).mark_rule(strokeDash=[4, 3], color="#5b6875").encode(x="score:Q")
    return alt.layer(bars, rules).properties(width=_WIDTH, height=220, title="Overall scores by tier")


def rating_share_chart(check) -> alt.TopLevelMixin | None:
    """Share of each rating against its target share (``DistributionCheck.table``)."""
    if check is None or "target_share" not in check.table:
        return None
    table = check.table
    words = [RATING_LABELS.get(str(c), str(c)) for c in table["category"]]
    data = pd.concat(
        [
            pd.DataFrame({"rating": words, "share": table["share"], "series": "this quarter"}),
            pd.DataFrame({"rating": words, "share": table["target_share"], "series": "target"}),
        ],
        ignore_index=True,
    )
    order = list(words)
    series = ["this quarter", "target"]
    # This quarter filled, the target an outline: told apart by fill as well as colour.
    return alt.Chart(data).mark_bar(strokeWidth=1.5).encode(
        y=alt.Y("rating:N", sort=order, title=None),
        yOffset=alt.YOffset("series:N", sort=series),
        x=alt.X("share:Q", title="Share of CSMs", axis=alt.Axis(format=".0%")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=series, range=[PALETTE[0], "#ffffff"])),
        stroke=alt.Stroke("series:N", title=None, scale=alt.Scale(domain=series, range=[PALETTE[0], REFERENCE_GREY])),
    ).properties(width=_WIDTH - 120, height=150, title=f"Ratings against the target distribution ({check.n} CSMs)")


def nine_box_chart(grid: pd.DataFrame | None, *, names_per_box: int = 4) -> alt.TopLevelMixin | None:
    """Performance × potential grid with the count and up to ``names_per_box`` names in each box."""
    if grid is None or grid.empty:
        return None
    perf = [RATING_LABELS[r] for r in ("needs_development", "meets", "exceeds")]
    pot = ["low", "medium", "high"]
    rows = []
    for rec in grid.itertuples(index=False):
        names = list(rec.names)
        shown = names[:names_per_box] + ([f"and {len(names) - names_per_box} more"] if len(names) > names_per_box else [])
        head = f"{int(rec.count)} CSM" + ("" if rec.count == 1 else "s")
        rows.append({"performance": RATING_LABELS.get(str(rec.performance), str(rec.performance)), "potential": rec.potential,
                     "count": int(rec.count),
                     "label": "\n".join([head, *shown])})
    data = pd.DataFrame(rows)
    band = alt.Scale(type="band", paddingInner=0.04)
    x = alt.X("performance:N", sort=perf, scale=band, title="Performance (final rating)", axis=alt.Axis(labelAngle=0))
    y = alt.Y("potential:N", sort=list(reversed(pot)), scale=band, title="Potential (manager)")
    cells = alt.Chart(data).mark_rect().encode(
        x=x, y=y, color=alt.Color("count:Q", title="CSMs", scale=alt.Scale(domainMin=0, range=["#f4f6f8", "#8fb4d9"]), legend=None))
    labels = alt.Chart(data).mark_text(fontSize=11, lineBreak="\n", lineHeight=14, color="#1d2733").encode(x=x, y=y, text="label:N")
    return alt.layer(cells, labels).properties(width=_WIDTH, height=360, title="Nine-box: performance by potential")


def portfolio_chart(balance: pd.DataFrame | None) -> alt.TopLevelMixin | None:
    """Account load (accounts / target) against ARR load (ARR / ceiling) per CSM; 1.0 lines mark capacity.

    Labelled: over-capacity CSMs, most loaded first (at most ``MAX_LABELS``).
    """
    if balance is None or balance.empty:
        return None
    data = pd.DataFrame({"csm": _name(balance).to_numpy(), "accounts": balance["account_load"].to_numpy(float),
                         "arr": balance["arr_load"].to_numpy(float), "status": balance["status"].astype(str).to_numpy(),
                         "segment": balance["segment"].astype(str).to_numpy()})
    status_colors = alt.Scale(domain=["over", "within", "under"], range=[PALETTE[3], PALETTE[0], PALETTE[2]])
    points = alt.Chart(data).mark_point(filled=True, size=50, opacity=0.8).encode(
        x=alt.X("accounts:Q", title="Accounts ÷ segment target (1.0 = at target)", axis=alt.Axis(format=".1f")),
        y=alt.Y("arr:Q", title="ARR ÷ ARR ceiling per CSM", axis=alt.Axis(format=".0%")),
        color=alt.Color("status:N", title="Capacity", scale=status_colors),
        # Capacity by shape as well as colour (over: up, under: down); the segment is in the table below.
        shape=alt.Shape("status:N", title="Capacity", scale=alt.Scale(domain=["over", "within", "under"],
                                                                      range=["triangle-up", "circle", "triangle-down"])),
    )
    ones = pd.DataFrame({"v": [1.0]})
    vline = alt.Chart(ones).mark_rule(strokeDash=[4, 3], color="#5b6875").encode(x="v:Q")
    hline = alt.Chart(ones).mark_rule(strokeDash=[4, 3], color="#5b6875").encode(y="v:Q")
    over = data["status"].eq("over").to_numpy()
    flagged = _labels(data, over, data["accounts"].to_numpy() + data["arr"].to_numpy())
    text = alt.Chart(flagged).mark_text(align="left", dx=6, dy=-4, fontSize=11, color="#1d2733").encode(x="accounts:Q", y="arr:Q", text="csm:N")
    return alt.layer(vline, hline, points, text).properties(width=_WIDTH, height=320, title="Portfolio load per CSM")


def team_charts(report) -> dict[str, str | None]:
    """Every chart of the team report as SVG text (None where there is nothing to draw).

    Keys: ``score_distribution``, ``rating_share``, ``funnel_churn``,
    ``funnel_nrr``, ``rank_intervals``, ``nine_box``, ``portfolio``. Drawn once
    by ``build_team_report``; the notebook shows them with ``present.show_svg``.
    """
    return {
        "score_distribution": render_svg(score_distribution_chart(report.overall_scores, tier_cuts=report.tier_cuts)),
        "rating_share": render_svg(rating_share_chart(report.rating_check)),
        "funnel_churn": render_svg(funnel_plot(report.book_adjusted, measure="churn")),
        "funnel_nrr": render_svg(funnel_plot(report.book_adjusted, measure="nrr")),
        "rank_intervals": render_svg(rank_interval_plot(report.ranks, tier_cuts=report.tier_cuts)),
        "nine_box": render_svg(nine_box_chart(report.nine_box)),
        "portfolio": render_svg(portfolio_chart(report.balance)),
    }
