"""Retention of a CSM's attribution windows: NRR, GRR and the ARR movements.

Over the retention windows ``w`` of one CSM (attribution window not empty,
account in the company cohort ``ARR(T0) > 0``, and ``S_w > 0``), with
``S_w = ARR(a)`` and ``E_w = ARR(b)`` (see ``calibrate.book``):

* ``start_arr = sum S_w``; ``end_arr = sum E_w``
* ``nrr = sum E_w / sum S_w``
* ``grr = sum min(E_w, S_w) / sum S_w`` (never above 1)
* ``expansion_arr = sum max(E_w - S_w, 0)``
* ``contraction_arr = sum over windows with E_w > 0 of max(S_w - E_w, 0)``
* ``churn_arr = sum S_w over windows with E_w = 0``
* ``logo_churn_rate = #{E_w = 0} / #windows``
* ``expansion_rate = expansion_arr / start_arr``
* ``net_arr_movement = expansion_arr - contraction_arr - churn_arr = end_arr - start_arr``
* ``time_weighted_base = sum f_w * S_w`` with ``f_w = (b - a) / |P|``: the
  book's size, because bases do not add up across owners (an account handed
  over counts in both books) while movements do.

Identity: ``nrr = grr + expansion_arr / start_arr``. Nothing is annualised and
quarterly cohorts are never chained. A CSM without retention windows gets NaN
ratios (never 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import owner_at

__all__ = ["window_movements", "retention_metrics", "renewal_metrics", "RETENTION_COLUMNS"]

RETENTION_COLUMNS = (
    "start_arr",
    "end_arr",
    "nrr",
    "grr",
    "expansion_arr",
    "contraction_arr",
    "churn_arr",
    "logo_churn_rate",
    "expansion_rate",
    "net_arr_movement",
    "time_weighted_base",
    "retention_windows",
    "churned_logos",
    "expanded_logos",
    "contracted_logos",
)


def window_movements(windows: pd.DataFrame) -> pd.DataFrame:
    """The retention windows with their movement columns (a new frame).

    Adds ``retained_arr = min(E_w, S_w)``, ``expansion_arr``,
    ``contraction_arr``, ``churn_arr``, ``churned`` (E_w = 0),
    ``movement = E_w - S_w`` and ``weighted_base = f_w * S_w``.
    """
    ret = windows.loc[windows["retention_window"].to_numpy(bool)].copy()
    s = ret["s_arr"].to_numpy(float)
    e = ret["e_arr"].to_numpy(float)
    churned = e == 0
    ret["retained_arr"] = np.minimum(e, s)
    ret["expansion_arr"] = np.maximum(e - s, 0.0)
    ret["contraction_arr"] = np.where(churned, 0.0, np.maximum(s - e, 0.0))
    ret["churn_arr"] = np.where(churned, s, 0.0)
    ret["churned"] = churned
    ret["movement"] = e - s
    ret["weighted_base"] = ret["f"].to_numpy(float) * s
    return ret.reset_index(drop=True)


def retention_metrics(windows: pd.DataFrame) -> pd.DataFrame:
    """Per-CSM retention over attribution windows (formulas in the module docstring).

    Parameters
    ----------
    windows : DataFrame
        From ``calibrate.book.attribution_windows``.

    Returns
    -------
    DataFrame indexed by ``csm_id`` with ``RETENTION_COLUMNS``; CSMs without
    retention windows are absent (the metrics table fills NaN for them).
    """
    ret = window_movements(windows)
    ret["_expanded"] = ret["expansion_arr"] > 0
    ret["_contracted"] = ret["contraction_arr"] > 0
    per = ret.groupby("csm_id", sort=True).agg(
        start_arr=("s_arr", "sum"),
        end_arr=("e_arr", "sum"),
        retained=("retained_arr", "sum"),
        expansion_arr=("expansion_arr", "sum"),
        contraction_arr=("contraction_arr", "sum"),
        churn_arr=("churn_arr", "sum"),
        time_weighted_base=("weighted_base", "sum"),
        retention_windows=("s_arr", "size"),
        churned_logos=("churned", "sum"),
        expanded_logos=("_expanded", "sum"),
        contracted_logos=("_contracted", "sum"),
    )
    base = per["start_arr"].where(per["start_arr"] > 0)
    per["nrr"] = per["end_arr"] / base
    per["grr"] = per["retained"] / base
    per["logo_churn_rate"] = per["churned_logos"] / per["retention_windows"]
    per["expansion_rate"] = per["expansion_arr"] / base
    per["net_arr_movement"] = per["expansion_arr"] - per["contraction_arr"] - per["churn_arr"]
    per.index = per.index.astype("string")
    return per.loc[:, list(RETENTION_COLUMNS)]


def renewal_metrics(renewals: pd.DataFrame, ownership: pd.DataFrame, period) -> pd.DataFrame:
    """Per-CSM renewals decided in P: ``renewals_won``, ``renewals_lost``, ``renewal_rate``.

    Renewals with ``renewal_date`` in P and outcome ``renewed`` or ``churned``
    (``pending`` is not decided), credited to the owner on the last day of the
    ending term (the day before ``renewal_date``): a churned account's ownership
    ends on its renewal date, so crediting the renewal date itself would lose
    every lost renewal. ``renewal_rate = renewals_won / (renewals_won + renewals_lost)``.
    """
    mask = ((renewals["renewal_date"] >= period.start) & (renewals["renewal_date"] < period.end)).to_numpy(bool)
    decided = renewals.loc[mask & renewals["outcome"].isin(["renewed", "churned"]).fillna(False).to_numpy(bool)]
    frame = pd.DataFrame(
        {
            "csm_id": owner_at(ownership, decided["account_id"], decided["renewal_date"] - pd.Timedelta(days=1)).to_numpy(),
            "won": decided["outcome"].eq("renewed").to_numpy(int),
            "lost": decided["outcome"].eq("churned").to_numpy(int),
        }
    )
    per = frame.groupby("csm_id", sort=True).agg(renewals_won=("won", "sum"), renewals_lost=("lost", "sum"))
    per["renewal_rate"] = per["renewals_won"] / (per["renewals_won"] + per["renewals_lost"])
    per.index = per.index.astype("string")
    return per
