"""Managers' pre-session notes for the review quarter (the optional ``pre_session_notes`` table).

One note per CSM with a manager rating in the review quarter, by that CSM's
manager. The managers of the planted scenarios whose review-quarter rating
is set against the book's numbers (the concentrated book and the rescuer,
both rated exceeds by their manager) disagree with the model and say why;
every other manager agrees. No random stream is drawn, so adding this table
leaves every other table's bytes unchanged.
"""

from __future__ import annotations

import pandas as pd

from .world import Roles, World

__all__ = ["build_pre_session_notes"]

_DISAGREE = {
    Roles.CONCENTRATED: "The biggest account grew on this CSM's plan; judge the book with that account in it.",
    Roles.RESCUER: "Saved several red accounts to renewal; the quarter's NRR does not show that work.",
}
_AGREE = (
    "The score matches what I see week to week.",
    "No context to add; the model's rating reads right.",
    "Agree; the coaching focus on the card is the one we are working on.",
)


def build_pre_session_notes(world: World, ratings: pd.DataFrame) -> pd.DataFrame:
    """``csm_id`` (row index into ``world.csms``), ``manager_id``, ``agrees_with_model``, ``note``."""
    review = world.timeline.review.label
    csms, roles = world.csms, world.csms["role"].to_numpy()
    rated = ratings.loc[ratings["period"].eq(review), "csm_id"].to_numpy()
    rows = []
    for i, c in enumerate(rated):
        manager = csms["manager_id"].iloc[int(c)]
        if manager is None or pd.isna(manager) or str(manager).strip() == "":
            continue
        role = roles[int(c)]
        if role in _DISAGREE:
            rows.append((c, str(manager), "disagree", _DISAGREE[role]))
        else:
            rows.append((c, str(manager), "agree", _AGREE[i % len(_AGREE)]))
    return pd.DataFrame(rows, columns=["csm_id", "manager_id", "agrees_with_model", "note"])
