"""The small frames the review's charts draw (no Altair here; see :mod:`.charts`).

``waterfall_frame`` and ``health_frame`` cut one CSM's book into the steps and
weekly points its charts show; the builder stores them in ``CsmReview.chart_data``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["waterfall_frame", "health_frame", "TOP_MOVERS", "MAX_TRAJECTORIES"]

TOP_MOVERS = 12
MAX_TRAJECTORIES = 6


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
