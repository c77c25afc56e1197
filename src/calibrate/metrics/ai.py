"""AI-augmented productivity (practitioner defaults, configurable).

* ``ai_coverage = #(T1-book accounts with a touch draft, outcome approved or
  edited, sent in [T1 - coverage_window_days, T1)) / #(T1-book accounts)``
  (a draft counts whoever wrote it: the measure is whether the account got
  the touch)
* over the CSM's drafts created in P: ``override_rate = (#edited +
  #rejected) / #drafts``, ``edit_rate = #edited / #drafts``,
  ``reject_rate = #rejected / #drafts``; ``override_out_of_band`` when the
  rate is outside ``[override_band_low, override_band_high]``
* ``median_minutes_<kind>``: median ``minutes_to_complete`` per draft kind
* ``net_retention_per_cost = (expansion_arr - contraction_arr - churn_arr) /
  (fully_loaded_cost * years(P))``: attributed movement per fully-loaded
  dollar spent on the CSM in the period; NaN without a cost above 0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..contract import TABLES
from ..periods import Period

__all__ = ["ai_metrics", "net_retention_per_cost", "DRAFT_KINDS"]

DRAFT_KINDS = TABLES["ai_drafts"].column("kind").values


def ai_metrics(
    ai_drafts: pd.DataFrame,
    ownership: pd.DataFrame,
    period: Period,
    *,
    coverage_window_days: int,
    override_band_low: float,
    override_band_high: float,
    close_book: pd.DataFrame,
) -> pd.DataFrame:
    """Per-CSM AI coverage, override/edit/reject rates and minutes per draft kind.

    ``ai_coverage`` is over ``close_book`` (the live book at quarter end:
    ``csm_id``, ``account_id``).
    """
    drafts = ai_drafts[["draft_id", "csm_id", "account_id", "created_at", "kind", "outcome", "minutes_to_complete", "sent_at"]]
    created = drafts.loc[((drafts["created_at"] >= period.start) & (drafts["created_at"] < period.end)).to_numpy(bool)]
    created = created.assign(
        _edited=created["outcome"].eq("edited").fillna(False).astype(int),
        _rejected=created["outcome"].eq("rejected").fillna(False).astype(int),
        csm_id=created["csm_id"].astype("string"),
    )
    per = created.groupby("csm_id", sort=True).agg(n_drafts=("draft_id", "size"), edited=("_edited", "sum"), rejected=("_rejected", "sum"))
    n = per["n_drafts"].where(per["n_drafts"] > 0)
    per["override_rate"] = (per["edited"] + per["rejected"]) / n
    per["edit_rate"] = per["edited"] / n
    per["reject_rate"] = per["rejected"] / n
    out_of_band = (per["override_rate"] < override_band_low) | (per["override_rate"] > override_band_high)
    per["override_out_of_band"] = out_of_band.fillna(False).astype(bool)
    minutes = created.pivot_table(index="csm_id", columns="kind", values="minutes_to_complete", aggfunc="median", observed=True)
    for kind in DRAFT_KINDS:
        per[f"median_minutes_{kind}"] = minutes[kind] if kind in minutes else np.nan

    window_start = period.end - pd.Timedelta(days=int(coverage_window_days))
    sent = ai_drafts.loc[
        ai_drafts["kind"].eq("touch").fillna(False).to_numpy(bool)
        & ai_drafts["outcome"].isin(["approved", "edited"]).fillna(False).to_numpy(bool)
        & ((ai_drafts["sent_at"] >= window_start) & (ai_drafts["sent_at"] < period.end)).fillna(False).to_numpy(bool)
    ]
    touched = pd.Index(sent["account_id"].dropna().astype("string").unique())
    book = close_book[["csm_id", "account_id"]].astype("string")
    book = book.assign(_touched=book["account_id"].isin(touched).astype(float))
    per = per.join(book.groupby("csm_id", sort=True)["_touched"].mean().rename("ai_coverage"), how="outer")
    per["n_drafts"] = per["n_drafts"].fillna(0)
    per["override_out_of_band"] = per["override_out_of_band"].fillna(False).astype(bool)
    per.index = per.index.astype("string")
    per.index.name = "csm_id"
    cols = ["ai_coverage", "n_drafts", "override_rate", "edit_rate", "reject_rate", "override_out_of_band"]
    out = per[cols + [f"median_minutes_{k}" for k in DRAFT_KINDS]].copy()
    for column in out.columns:
        if column != "override_out_of_band":
            out[column] = pd.to_numeric(out[column]).to_numpy(dtype=float, na_value=np.nan)
    return out


def net_retention_per_cost(net_arr_movement: pd.Series, fully_loaded_cost: pd.Series, period: Period) -> pd.Series:
    """``net_arr_movement / (fully_loaded_cost * period.years)``, NaN where the cost is missing or 0.

    Both inputs are indexed by ``csm_id``; the result is aligned on their union.
    """
    cost = fully_loaded_cost.where(fully_loaded_cost > 0) * period.years
    movement, cost = net_arr_movement.align(cost, join="outer")
    return (movement / cost).rename("net_retention_per_cost")
