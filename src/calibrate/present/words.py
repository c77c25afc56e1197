"""Words a reader sees in place of code names: one home for each, used by every page and chart."""

from __future__ import annotations

__all__ = ["RATING_LABELS"]

# Rating codes (scores.csv, calibration_decisions.csv) as people say them.
RATING_LABELS = {"exceeds": "exceeds", "meets": "meets", "needs_development": "needs development"}
