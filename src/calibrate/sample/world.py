"""The generator's working state: one object the stages fill in, in order.

The stages are: roster (CSMs and their books) -> accounts and ownership plan
-> weekly health -> monthly ARR -> planted scenarios and guards -> derived
tables (ownership, renewals) -> events -> AI -> people (ratings, evidence).
Each stage reads what earlier ones left here and adds its own arrays; nothing
is written to disk until every table is final.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .timeline import Timeline

__all__ = ["World", "Roles", "random_streams"]

_STREAMS = (
    "roster", "groups", "accounts", "names", "health", "arr", "ownership", "activities",
    "tickets", "surveys", "onboarding", "flags", "drafts", "ratings", "evidence", "planted",
)


def random_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per stage, so changing one stage leaves the others' draws alone."""
    children = np.random.SeedSequence(int(seed)).spawn(len(_STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(_STREAMS, children)}


class Roles:
    """What each CSM is in the sample: a planted scenario or an ordinary book."""

    INHERITED = "inherited"
    CONCENTRATED = "concentrated"
    RESCUER = "rescuer"
    NEW_HIRE = "new_hire"
    OVERRIDE_LOW = "override_low"
    OVERRIDE_HIGH = "override_high"
    SOURCE = "handover_source"
    STEADY = "steady"
    LEFT = "left"

    PLANTED = (INHERITED, CONCENTRATED, RESCUER, NEW_HIRE, OVERRIDE_LOW, OVERRIDE_HIGH, SOURCE, STEADY, STEADY, LEFT)


@dataclass
class World:
    """Everything generated so far. Arrays are indexed by CSM row or account row."""

    seed: int
    timeline: Timeline
    rng: dict[str, np.random.Generator]
    csms: pd.DataFrame = field(default_factory=pd.DataFrame)
    accounts: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Ownership plan before churn: one row per (account, csm, start_day), sorted by account, start.
    plan: pd.DataFrame = field(default_factory=pd.DataFrame)
    health: np.ndarray | None = None  # float32 (accounts x weeks), latent score
    arr: np.ndarray | None = None  # float64 (accounts x months); NaN before the first row
    churn_month: np.ndarray | None = None  # month index of the explicit 0 row, -1 if none
    notice_day: np.ndarray | None = None  # day the churning customer gave notice, -1 if none
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # Planted facts the scenarios record for the summary and the evidence notes.
    facts: dict[str, dict] = field(default_factory=dict)

    def role_index(self, role: str) -> int:
        """Row of the (first) CSM with ``role``."""
        return int(np.flatnonzero(self.csms["role"].to_numpy() == role)[0])

    def csm_id(self, role: str) -> str:
        return str(self.csms["csm_id"].iat[self.role_index(role)])
