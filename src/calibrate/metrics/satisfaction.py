"""Customer satisfaction: NPS and CSAT from survey responses in the period.

Responses are credited to the account's owner at ``responded_at``.

* ``nps = 100 * (#promoters - #detractors) / #nps responses`` with promoters
  scoring 9-10 and detractors 0-6; a score from -100 to 100 (not a fraction).
* ``csat = mean(score)`` over ``csat`` responses (1..5).
"""

from __future__ import annotations

import pandas as pd

from ..book import owner_at
from ..periods import Period

__all__ = ["survey_metrics", "responses_in_period", "SATISFACTION_COLUMNS"]

SATISFACTION_COLUMNS = ("nps", "nps_responses", "promoters", "detractors", "csat", "csat_responses")


def responses_in_period(surveys: pd.DataFrame, ownership: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Survey responses dated in P with ``csm_id`` (owner when answered)."""
    mask = ((surveys["responded_at"] >= period.start) & (surveys["responded_at"] < period.end)).to_numpy(bool)
    rows = surveys.loc[mask, ["response_id", "account_id", "responded_at", "kind", "score"]].copy()
    rows["csm_id"] = owner_at(ownership, rows["account_id"], rows["responded_at"]).to_numpy()
    return rows


def survey_metrics(surveys: pd.DataFrame, ownership: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per-CSM NPS and CSAT (formulas in the module docstring)."""
    rows = responses_in_period(surveys, ownership, period)
    nps = rows.loc[rows["kind"].eq("nps").fillna(False)]
    nps = nps.assign(_promoter=(nps["score"] >= 9).astype(int), _detractor=(nps["score"] <= 6).astype(int))
    per = nps.groupby("csm_id", sort=True).agg(
        nps_responses=("score", "size"), promoters=("_promoter", "sum"), detractors=("_detractor", "sum")
    )
    per["nps"] = 100.0 * (per["promoters"] - per["detractors"]) / per["nps_responses"]
    csat = rows.loc[rows["kind"].eq("csat").fillna(False)]
    per = per.join(
        csat.groupby("csm_id", sort=True)["score"].agg(["mean", "size"]).rename(columns={"mean": "csat", "size": "csat_responses"}),
        how="outer",
    )
    per.index = per.index.astype("string")
    per.index.name = "csm_id"
    return per.reindex(columns=list(SATISFACTION_COLUMNS))
