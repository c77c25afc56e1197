"""A small, hand-made session (no data folder): eight CSMs whose figures the tests can check by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibrate.params import CATEGORIES, params_from_mapping
from calibrate.present.session.inputs import SessionInputs

# csm, name, model rating, manager rating, overall, score_low, score_high, gender
ROWS = [
    ("C1", "Ada", "meets", "exceeds", 70.0, 66.0, 74.0, "f"),         # disagreement, gap 1
    ("C2", "Ben", "needs_development", "exceeds", 50.0, 45.0, 54.0, "m"),  # disagreement, gap 2
    ("C3", "Cy", "meets", "meets", 60.0, 50.0, 70.0, "m"),            # range crosses the meets line (55)
    ("C4", "Di", "exceeds", "exceeds", 80.0, 77.0, 84.0, "m"),
    ("C5", "Ed", "meets", "meets", 65.0, 60.0, 70.0, "f"),
    ("C6", "Flo", "needs_development", "needs_development", 40.0, 35.0, 45.0, "f"),
    ("C7", "Gus", "meets", None, 62.0, 58.0, 66.0, "f"),
    ("C8", "Hal", "meets", "meets", 64.0, 60.0, 68.0, "m"),
]


def make_inputs(folder: Path, *, notes: pd.DataFrame | None = None, review_pages: dict | None = None) -> SessionInputs:
    """Inputs over ``ROWS``; the decisions file is ``folder / calibration_decisions.csv``."""
    params = params_from_mapping({}, source=str(folder / "params.yaml"))
    rng = np.random.default_rng(1)
    scores = pd.DataFrame({
        "csm_id": [r[0] for r in ROWS], "name": [r[1] for r in ROWS], "segment": "smb",
        "overall_score": [r[4] for r in ROWS], "tier": "solid", "rating": [r[2] for r in ROWS],
    })
    for i, c in enumerate(CATEGORIES):
        scores[f"score_{c}"] = np.round(rng.uniform(30, 90, len(ROWS)), 1)
    # C4's retention is far above everyone else's, so it is C4's strongest piece of evidence.
    scores.loc[scores["csm_id"].eq("C4"), "score_retention"] = 100.0
    scores.loc[~scores["csm_id"].eq("C4"), "score_retention"] = 50.0
    manager = pd.DataFrame({
        "csm_id": [r[0] for r in ROWS if r[3]], "period": "2026-Q3", "rating": [r[3] for r in ROWS if r[3]],
        "potential": "medium", "rationale": "steady",
    })
    ranks = pd.DataFrame({
        "csm_id": [r[0] for r in ROWS], "score_low": [r[5] for r in ROWS], "score_high": [r[6] for r in ROWS],
        "median_rank": np.arange(1, len(ROWS) + 1, dtype=float), "rank_low": 1.0, "rank_high": float(len(ROWS)),
    })
    ratings = scores[["csm_id", "name"]].assign(flags="none", evidence="")
    groups = pd.DataFrame({"csm_id": [r[0] for r in ROWS], "group_gender": [r[7] for r in ROWS]})
    return SessionInputs(
        params=params, period="2026-Q3", ratings=ratings, scores=scores, ranks=ranks, groups=groups, difficulty=None,
        notes=notes, manager_ratings=manager, review_pages=dict(review_pages or {}),
        decisions_path=folder / "calibration_decisions.csv", known_csms=tuple(r[0] for r in ROWS),
    )
