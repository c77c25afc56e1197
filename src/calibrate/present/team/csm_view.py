"""CSM by CSM: one row each, and the team's training needs.

* **Strongest / weakest category**: the highest and lowest of the CSM's
  category scores (0..100, after shrinkage), ties broken by the order of
  ``calibrate.params.CATEGORIES``.
* **Flags**: the scoring flags (inherited book, concentrated book, small book,
  AI override rate outside its band) plus "rank spans tiers" when the rank
  interval's central 95% crosses a tier cut (``rank_intervals``' ``discuss``).
* **Coaching focus**: the negative coaching trigger (``PeriodResult.triggers``)
  on which the CSM is furthest above the team's average, ``excess = rate /
  team mean rate`` with rate = count (per account of the book for the
  account-level ``health_decline``) and the team mean taken over every CSM
  (zeros included); only an excess above 1 on at least 2 triggers counts. Then the weakest category
  when it scores below the meets cut; "no focus flagged" otherwise.
* **Training needs**: per area (a focus trigger, or a weakest category below
  the meets cut), how many CSMs share it and who they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...params import CATEGORIES
from ..narrative.formatting import fmt_pct

__all__ = ["CATEGORY_LABELS", "TRIGGER_LABELS", "FLAG_LABELS", "csm_rows", "training_needs"]

CATEGORY_LABELS = {
    "retention": "retention",
    "expansion": "expansion",
    "health": "account health",
    "engagement": "engagement",
    "satisfaction": "customer satisfaction",
    "efficiency": "efficiency",
    "ai_productivity": "AI productivity",
}
TRIGGER_LABELS = {
    "health_decline": ("account health declines", "accounts owned in the quarter had health falling week after week"),
    "book_health_decline": ("book health trend", "weeks the book's average health kept falling"),
    "nps_decline": ("customer sentiment", "weeks NPS kept falling"),
    "sla_breach": ("ticket response times", "weeks with too many replies outside SLA"),
    "proactive_drop": ("proactive outreach", "drops in proactive touches"),
}
FLAG_LABELS = {
    "inherited_book": "inherited book",
    "concentrated_book": "concentrated book",
    "small_book": "small book",
    "override_out_of_band": "AI override rate out of band",
}


def _extremes(scores: pd.DataFrame) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    cols = [f"score_{c}" for c in CATEGORIES]
    block = scores[cols].to_numpy(dtype=float)
    has = ~np.isnan(block).all(axis=1)
    hi = np.where(has, np.nanargmax(np.where(np.isnan(block), -np.inf, block), axis=1), 0)
    lo = np.where(has, np.nanargmin(np.where(np.isnan(block), np.inf, block), axis=1), 0)
    rows = np.arange(len(block))
    hi_val = np.where(has, block[rows, hi], np.nan)
    lo_val = np.where(has, block[rows, lo], np.nan)
    strongest = [CATEGORIES[i] if ok else None for i, ok in zip(hi, has)]
    weakest = [CATEGORIES[i] if ok else None for i, ok in zip(lo, has)]
    return strongest, weakest, hi_val, lo_val


_PER_ACCOUNT = {"health_decline"}


def _trigger_counts(triggers: pd.DataFrame | None, scores: pd.DataFrame) -> pd.DataFrame:
    """``csm_id``, ``trigger``, ``n``, ``team_mean`` (of n, zeros included) and ``excess`` for negative
    triggers; the CSM's largest excess first."""
    columns = ["csm_id", "trigger", "n", "book_size", "rate", "team_mean", "excess"]
    if triggers is None or triggers.empty or "polarity" not in triggers:
        return pd.DataFrame(columns=columns)
    neg = triggers.loc[triggers["polarity"].astype("string").eq("negative").fillna(False).to_numpy(bool)]
    counts = neg.groupby([neg["csm_id"].astype(str), neg["trigger"].astype(str)]).size().rename("n").reset_index()
    ids = scores["csm_id"].astype(str)
    size = pd.Series(pd.to_numeric(scores["book_size"], errors="coerce").to_numpy(dtype=float), index=ids).clip(lower=1)
    counts = counts.loc[counts["csm_id"].isin(ids)]
    per_account = counts["trigger"].isin(_PER_ACCOUNT).to_numpy()
    rate = np.where(per_account, counts["n"] / counts["csm_id"].map(size).fillna(1).to_numpy(), counts["n"])
    counts = counts.assign(rate=rate, book_size=counts["csm_id"].map(size).to_numpy())
    # The team mean of the same quantity the excess compares: a share of the book for per-account
    # triggers, a count for the others (every CSM counted, zeros included).
    mean = counts.groupby("trigger")["rate"].sum() / max(len(ids), 1)
    counts = counts.assign(team_mean=counts["trigger"].map(mean), excess=counts["rate"] / counts["trigger"].map(mean))
    counts = counts.sort_values(["csm_id", "excess", "trigger"], ascending=[True, False, True], kind="stable")
    return counts[columns].reset_index(drop=True)


def _flags_text(row: pd.Series, discuss: bool) -> str:
    names = [FLAG_LABELS.get(f, f) for f in str(row.get("flags") or "").split(";") if f and f != "<NA>"]
    if discuss:
        names.append("rank spans tiers")
    return "; ".join(names) if names else "none"


def csm_rows(
    scores: pd.DataFrame,
    *,
    triggers: pd.DataFrame | None,
    ranks: pd.DataFrame | None,
    ratings: pd.DataFrame,
    previous_scores: pd.DataFrame | None,
    meets_cut: float,
) -> pd.DataFrame:
    """One row per CSM (module docstring), best overall score first.

    Returns ``csm_id``, ``name``, ``segment``, ``n_accounts``,
    ``overall_score``, ``overall_change`` (vs the previous quarter),
    ``tier``, ``model_rating``, ``final_rating``, ``strongest``,
    ``strongest_score``, ``weakest``, ``weakest_score``, ``flags`` (text),
    ``discuss`` (bool), ``coaching_focus`` (text), ``focus_area``.
    """
    strongest, weakest, hi, lo = _extremes(scores)
    ids = scores["csm_id"].astype(str).to_numpy()
    discuss = set()
    if ranks is not None and not ranks.empty:
        discuss = set(ranks.loc[ranks["discuss"].to_numpy(bool), "csm_id"].astype(str))
    counts = _trigger_counts(triggers, scores)
    top_trigger = counts.loc[(counts["excess"] > 1) & (counts["n"] >= 2)].drop_duplicates("csm_id").set_index("csm_id")
    final = ratings.assign(csm_id=ratings["csm_id"].astype(str)).set_index("csm_id")
    prev = None
    if previous_scores is not None and not previous_scores.empty:
        prev = previous_scores.assign(csm_id=previous_scores["csm_id"].astype(str)).set_index("csm_id")["overall_score"]
    rows = []
    for i, (_, row) in enumerate(scores.iterrows()):
        csm = ids[i]
        focus, area = [], None
        if csm in top_trigger.index:
            trig, n = top_trigger.loc[csm, "trigger"], int(top_trigger.loc[csm, "n"])
            label, unit = TRIGGER_LABELS.get(trig, (trig.replace("_", " "), "times raised"))
            mean = float(top_trigger.loc[csm, "team_mean"])
            if trig in _PER_ACCOUNT:
                size = int(top_trigger.loc[csm, "book_size"])
                share = float(top_trigger.loc[csm, "rate"])
                focus.append(f"{label} ({n} of {size} {unit}, {fmt_pct(share)}; team average {fmt_pct(mean)})")
            else:
                focus.append(f"{label} ({n} {unit}; team average {mean:.1f})")
            area = label
        if weakest[i] is not None and lo[i] < meets_cut:
            focus.append(f"{CATEGORY_LABELS[weakest[i]]} (score {lo[i]:.0f} / 100)")
            area = area or CATEGORY_LABELS[weakest[i]]
        overall = float(row["overall_score"]) if pd.notna(row["overall_score"]) else np.nan
        change = overall - float(prev[csm]) if prev is not None and csm in prev.index and pd.notna(prev[csm]) else np.nan
        rows.append(
            {
                "csm_id": csm,
                "name": row.get("name"),
                "segment": row.get("segment"),
                "n_accounts": row.get("n_accounts"),
                "overall_score": overall,
                "overall_change": change,
                "tier": row.get("tier"),
                "model_rating": row.get("rating"),
                "final_rating": final["final_rating"].get(csm) if "final_rating" in final else None,
                "strongest": CATEGORY_LABELS.get(strongest[i]) if strongest[i] else None,
                "strongest_score": hi[i],
                "weakest": CATEGORY_LABELS.get(weakest[i]) if weakest[i] else None,
                "weakest_score": lo[i],
                "flags": _flags_text(row, csm in discuss),
                "discuss": csm in discuss,
                "coaching_focus": "; then ".join(focus) if focus else "no focus flagged",
                "focus_area": area,
                "focus_trigger": top_trigger.loc[csm, "trigger"] if csm in top_trigger.index else None,
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values(["overall_score", "csm_id"], ascending=[False, True], kind="stable", na_position="last").reset_index(drop=True)


def _names(frame: pd.DataFrame, limit: int = 6) -> str:
    names = frame["name"].fillna(frame["csm_id"]).astype(str).tolist()
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def training_needs(csm_table: pd.DataFrame, *, meets_cut: float) -> pd.DataFrame:
    """Areas shared by several CSMs: ``area``, ``source``, ``csms``, ``share_of_team``, ``who``; most shared first.

    An area is a coaching-focus trigger (the CSM is above the team's average on it) or a weakest
    category below the meets cut; a CSM may count under one of each.
    """
    n = max(len(csm_table), 1)
    rows = []
    focus = csm_table.loc[csm_table["focus_trigger"].notna()]
    for trig, group in focus.groupby("focus_trigger", sort=True):
        label = TRIGGER_LABELS.get(trig, (str(trig).replace("_", " "), ""))[0]
        rows.append({"area": label, "source": "coaching trigger, above the team's average", "csms": len(group),
                     "share_of_team": len(group) / n, "who": _names(group)})
    weak = csm_table.loc[csm_table["weakest_score"].lt(meets_cut).fillna(False).to_numpy(bool)]
    for area, group in weak.groupby("weakest", sort=True):
        rows.append({"area": area, "source": "weakest category, below the meets cut", "csms": len(group),
                     "share_of_team": len(group) / n, "who": _names(group)})
    out = pd.DataFrame(rows, columns=["area", "source", "csms", "share_of_team", "who"])
    return out.sort_values(["csms", "area"], ascending=[False, True], kind="stable").reset_index(drop=True)
