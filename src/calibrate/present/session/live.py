"""What the room sees change after every decision, from the models' own functions.

``live_view(inputs, decisions)`` merges the decisions with the model and
manager ratings (``models.decisions.merge_ratings``), checks the final
ratings against the target distribution (``models.distribution.rating_distribution``)
and reruns the fairness checks on them (``models.fairness.fairness_checks``).
Nothing is re-implemented here; this module only arranges their outputs:

* **Moves to the guide**: the target counts are the expected counts
  ``N × share`` rounded to whole people by the largest-remainder method (so
  they add up to N); ``k = Σ max(0, count − target)`` over the ratings is
  the smallest number of people whose rating would have to change for the
  final counts to equal the guide's.
* **Open disagreements**: CSMs whose manager's rating differs from the
  model's (``merge_ratings``' ``disagreement``) and who have no session
  decision yet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from ...errors import InsufficientDataError
from ...models.decisions import merge_ratings
from ...models.distribution import RATING_ORDER, DistributionCheck, rating_distribution
from ...models.fairness import FairnessReport, fairness_checks
from ..words import RATING_LABELS  # one home for the words; re-exported here
from .inputs import SessionInputs
from .store import Decision

__all__ = ["LiveView", "live_view", "guide_counts", "guide_sentence", "RATING_LABELS"]



@dataclass(frozen=True)
class LiveView:
    """The session after the decisions so far.

    ``merged``: ``merge_ratings`` output plus ``name``. ``distribution``: the
    final ratings against the target (None when no CSM is rated).
    ``guide``: per rating ``count``, ``target`` (whole people), ``change``
    (target − count). ``moves``: k. ``fairness``: None without ``group_*``
    columns. ``open_disagreements``, ``decided``: counts.
    """

    merged: pd.DataFrame
    distribution: DistributionCheck | None
    guide: pd.DataFrame
    moves: int
    guide_text: str
    fairness: FairnessReport | None
    open_disagreements: int
    decided: int


def _decisions_frame(decisions: Mapping[str, Decision]) -> pd.DataFrame | None:
    if not decisions:
        return None
    rows = [{"csm_id": d.csm_id, "final_rating": d.final_rating, "reason": d.reason or d.reason_code,
             "decided_by": d.decided_by} for d in decisions.values()]
    return pd.DataFrame(rows)


def guide_counts(counts: Mapping[str, int], shares: Mapping[str, float]) -> pd.DataFrame:
    """Target counts in whole people (largest remainder) beside the counts: ``rating``, ``count``, ``target``, ``change``."""
    n = int(sum(counts.values()))
    exact = {r: n * float(shares[r]) for r in RATING_ORDER}
    target = {r: math.floor(exact[r]) for r in RATING_ORDER}
    left = n - sum(target.values())
    # Ties broken by RATING_ORDER so the result never depends on dict order.
    by_remainder = sorted(RATING_ORDER, key=lambda r: (-(exact[r] - target[r]), RATING_ORDER.index(r)))
    for r in by_remainder[:left]:
        target[r] += 1
    rows = [{"rating": r, "count": int(counts.get(r, 0)), "target": target[r]} for r in RATING_ORDER]
    frame = pd.DataFrame(rows)
    return frame.assign(change=frame["target"] - frame["count"])


def guide_sentence(guide: pd.DataFrame) -> tuple[int, str]:
    """``(k, sentence)``: how many people to move, and from which rating to which, in plain words."""
    over = [(r, int(-c)) for r, c in zip(guide["rating"], guide["change"]) if c < 0]
    under = [(r, int(c)) for r, c in zip(guide["rating"], guide["change"]) if c > 0]
    k = sum(n for _, n in over)
    if k == 0:
        return 0, "The final ratings match the guide: no one needs to move."
    people = lambda n: "1 person" if n == 1 else f"{n} people"  # noqa: E731
    out = " and ".join(f"{people(n)} out of {RATING_LABELS[r]}" for r, n in over)
    into = " and ".join(f"{people(n)} into {RATING_LABELS[r]}" for r, n in under)
    return k, f"Move {people(k)} to reach the guide: {out}; {into}. The guide is a reference, not a quota."


def _fairness(inputs: SessionInputs, merged: pd.DataFrame) -> FairnessReport | None:
    columns = [c for c in inputs.groups.columns if c != "csm_id"]
    if not columns:
        return None
    rated = merged[["csm_id", "final_rating"]].rename(columns={"final_rating": "rating"}).merge(inputs.groups, on="csm_id", how="left")
    try:
        # Hard-book spread does not depend on the ratings, so the live view leaves it to the team report.
        return fairness_checks(rated, group_columns=columns)
    except InsufficientDataError:
        return None


def live_view(inputs: SessionInputs, decisions: Mapping[str, Decision]) -> LiveView:
    """Recompute the distribution, fairness and disagreement count for ``decisions`` (see module docstring)."""
    merged = merge_ratings(inputs.rating_scores, inputs.period_manager_ratings, _decisions_frame(decisions),
                           period=inputs.period)
    merged = merged.assign(csm_id=merged["csm_id"].astype(str))
    merged["name"] = [inputs.name(c) for c in merged["csm_id"]]
    sp = inputs.params.scoring
    shares = {"exceeds": sp.target_distribution_exceeds, "meets": sp.target_distribution_meets,
              "needs_development": sp.target_distribution_needs_development}
    try:
        check = rating_distribution(merged["final_rating"], target_exceeds=shares["exceeds"], target_meets=shares["meets"],
                                    target_needs_development=shares["needs_development"])
    except InsufficientDataError:
        check = None
    counts = merged["final_rating"].value_counts().to_dict()
    guide = guide_counts({r: int(counts.get(r, 0)) for r in RATING_ORDER}, shares)
    k, sentence = guide_sentence(guide)
    decided = merged["final_source"].eq("decision").to_numpy(bool)
    open_disagreements = int((merged["disagreement"].to_numpy(bool) & ~decided).sum())
    return LiveView(merged, check, guide, k, sentence, _fairness(inputs, merged), open_disagreements, int(decided.sum()))


def impact_rows(view: LiveView) -> pd.DataFrame:
    """The fairness impact ratios as one small frame (empty without groups)."""
    if view.fairness is None or view.fairness.impact.empty:
        return pd.DataFrame(columns=["column", "group", "outcome", "n", "rate", "impact_ratio", "below_threshold", "fisher_p"])
    impact = view.fairness.impact
    return impact[["column", "group", "outcome", "n", "rate", "impact_ratio", "below_threshold", "fisher_p"]].reset_index(drop=True)


def flagged_groups(view: LiveView) -> list[tuple[str, str, str, float]]:
    """``(column, group, outcome, impact_ratio)`` for every group below the four-fifths line."""
    rows = impact_rows(view)
    low = rows.loc[rows["below_threshold"].to_numpy(bool)]
    return [(str(r.column), str(r.group), str(r.outcome), float(r.impact_ratio)) for r in low.itertuples(index=False)
            if not np.isnan(r.impact_ratio)]
