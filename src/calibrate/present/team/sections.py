"""Frames the report's sections show, assembled from the models' outputs (no new figures).

* ``rating_evidence``: model, manager and final rating per CSM beside the
  evidence a calibration room asks for (score and its 95% range, strongest
  and weakest category, book-adjusted churn and NRR, flags).
* ``decision_rows``, ``moves_with_names``: the decisions and rebalancing
  moves with names beside ids.
* ``book_adjusted_view``, ``ranks_view``, ``csm_display``: display frames that
  stay readable at 200 CSMs (merged text columns; past ``FULL_TABLE_MAX``
  CSMs the funnel and rank tables list only the CSMs to discuss).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["rating_evidence", "decision_rows", "moves_with_names", "book_adjusted_view", "ranks_view", "csm_display", "FULL_TABLE_MAX"]


def _pts(value: float) -> str:
    return "—" if pd.isna(value) else f"{value * 100:+.1f} pts"


def rating_evidence(
    merged: pd.DataFrame,
    csm_table: pd.DataFrame,
    adjusted: pd.DataFrame | None,
    ranks: pd.DataFrame | None,
) -> pd.DataFrame:
    """``merge_ratings`` output (disagreements first) plus ``name``, ``flags`` and an ``evidence`` sentence."""
    out = merged.assign(csm_id=merged["csm_id"].astype(str))
    view = csm_table.set_index("csm_id")
    out["name"] = out["csm_id"].map(view["name"])
    out["flags"] = out["csm_id"].map(view["flags"])
    adj = adjusted.set_index("csm_id") if adjusted is not None else None
    rk = ranks.set_index("csm_id") if ranks is not None else None
    sentences = []
    for csm in out["csm_id"]:
        row = view.loc[csm] if csm in view.index else None
        parts = []
        if row is not None and pd.notna(row["overall_score"]):
            score = f"overall {row['overall_score']:.1f} / 100 ({row['tier']}"
            if rk is not None and csm in rk.index and pd.notna(rk.loc[csm, "score_low"]):
                score += f"; 95% range {rk.loc[csm, 'score_low']:.0f} to {rk.loc[csm, 'score_high']:.0f}"
            parts.append(score + ")")
            if row["strongest"]:
                parts.append(f"strongest {row['strongest']} {row['strongest_score']:.0f}, weakest {row['weakest']} {row['weakest_score']:.0f}")
        if adj is not None and csm in adj.index:
            parts.append(f"churn vs book {_pts(adj.loc[csm, 'churn_diff'])}, NRR vs book {_pts(adj.loc[csm, 'nrr_diff'])}")
        if row is not None and row["flags"] != "none":
            parts.append(f"flags: {row['flags']}")
        sentences.append("; ".join(parts) if parts else "no scores this quarter")
    out["evidence"] = sentences
    return out


def decision_rows(decisions: pd.DataFrame, merged: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Each decision beside the model's and the manager's rating: ``csm_id``, ``name``, ``model_rating``,
    ``manager_rating``, ``final_rating``, ``is_override``, ``reason``, ``decided_by``; overrides first."""
    names = scores.assign(csm_id=scores["csm_id"].astype(str)).set_index("csm_id")["name"]
    manager = merged.assign(csm_id=merged["csm_id"].astype(str)).set_index("csm_id")["manager_rating"]
    out = decisions.assign(csm_id=decisions["csm_id"].astype(str))
    out = out.assign(name=out["csm_id"].map(names), manager_rating=out["csm_id"].map(manager))
    columns = ["csm_id", "name", "model_rating", "manager_rating", "final_rating", "is_override", "reason", "decided_by"]
    out = out[columns].assign(is_override=out["is_override"].map({True: "yes", False: "no"}))
    return out.sort_values(["is_override", "csm_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def moves_with_names(moves: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """``rebalancing_moves`` output with ``from_name`` and ``to_name``."""
    names = scores.assign(csm_id=scores["csm_id"].astype(str)).set_index("csm_id")["name"]
    return moves.assign(from_name=moves["from_csm_id"].astype(str).map(names), to_name=moves["to_csm_id"].astype(str).map(names))


FULL_TABLE_MAX = 40


def _limit_text(row: pd.Series) -> str:
    """Words for the one band column of each funnel (``churn_band``, ``nrr_band``) and its side."""
    parts = []
    for measure, label, worse in (("churn", "churn", "above"), ("nrr", "NRR", "below")):
        band = str(row[f"{measure}_band"])
        if band == "too_few":
            parts.append(f"{label}: too few accounts to judge")
        if band in ("outside_95", "outside_998"):
            side = "worse" if str(row[f"{measure}_position_95"]) == worse else "better"
            parts.append(f"{label} {side} than the book ({'beyond 99.8%' if band == 'outside_998' else 'beyond 95%'})")
    if row.get("note"):
        parts.append("small book")
    return "; ".join(parts) if parts else "inside both limits"


def book_adjusted_view(adjusted: pd.DataFrame | None, statistics: pd.DataFrame | None = None, *,
                       full_up_to: int = FULL_TABLE_MAX) -> pd.DataFrame | None:
    """The funnel table: everyone up to ``full_up_to`` CSMs, else only those outside a 95% limit;
    ``limits`` says which limit each crossed; ``churn_shrunk`` / ``nrr_shrunk`` come from the team
    statistics table (``team_statistics.csv``)."""
    if adjusted is None:
        return None
    out = adjusted.assign(limits=[_limit_text(r) for _, r in adjusted.iterrows()])
    if statistics is not None:
        stats = statistics.assign(csm_id=statistics["csm_id"].astype(str)).set_index("csm_id")
        ids = out["csm_id"].astype(str)
        for column in ("churn_shrunk", "nrr_shrunk"):
            out[column] = ids.map(stats[column]).to_numpy()
    if len(out) > full_up_to:
        out = out.loc[out["limits"].str.contains("than the book")]
    return out.reset_index(drop=True)


def ranks_view(ranks: pd.DataFrame | None, *, full_up_to: int = FULL_TABLE_MAX) -> pd.DataFrame | None:
    """Rank intervals as text columns (``score_range``, ``rank_range``, ``tier_range``); past ``full_up_to``
    CSMs only those marked for discussion."""
    if ranks is None:
        return None
    ranked = ranks.loc[ranks["median_rank"].notna()]
    n = len(ranked)
    out = ranks.assign(
        score_range=[f"{lo:.0f} to {hi:.0f}" if pd.notna(lo) else "—" for lo, hi in zip(ranks["score_low"], ranks["score_high"])],
        rank_range=[("not ranked" if pd.isna(m) else
                     f"too few accounts to rank ({lo:.0f} to {hi:.0f} of {n})" if note == "too few accounts to rank" else
                     f"{m:.0f} ({lo:.0f} to {hi:.0f} of {n})")
                    for m, lo, hi, note in zip(ranks["median_rank"], ranks["rank_low"], ranks["rank_high"],
                                               ranks["rank_note"] if "rank_note" in ranks else [""] * len(ranks))],
        tier_range=[("—" if lo is None or pd.isna(lo) else (lo if lo == hi else f"{lo} to {hi}"))
                    for lo, hi in zip(ranks["tier_low"], ranks["tier_high"])],
    )
    if len(out) > full_up_to:
        out = out.loc[out["discuss"].to_numpy(bool)]
    return out.reset_index(drop=True)


def csm_display(csm_table: pd.DataFrame) -> pd.DataFrame:
    """The CSM-by-CSM table with merged text columns so it fits a page: ``book``, ``score``,
    ``strong_weak`` beside ``name``, ``tier``, ``final_rating``, ``flags`` and ``coaching_focus``."""
    def score(value, change):
        if pd.isna(value):
            return "no score"
        return f"{value:.1f}" + (f" ({change:+.1f})" if pd.notna(change) else "")

    return csm_table.assign(
        book=[f"{str(s).replace('_', ' ')}, {int(n) if pd.notna(n) else 0} accounts at quarter end"
              for s, n in zip(csm_table["segment"], csm_table["n_accounts"])],
        score=[score(v, c) for v, c in zip(csm_table["overall_score"], csm_table["overall_change"])],
        strong_weak=[f"{s} {hs:.0f} / {w} {ws:.0f}" if s else "—" for s, hs, w, ws in
                     zip(csm_table["strongest"], csm_table["strongest_score"], csm_table["weakest"], csm_table["weakest_score"])],
    )
