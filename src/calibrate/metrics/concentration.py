"""Concentration of a CSM's book: does one account carry the numbers?

Over one CSM's retention windows (``calibrate.metrics.retention``), with
``s_w = S_w / sum S``:

* ``top_account_share = max s_w`` (the top window: largest ``S_w``, ties by
  account id), ``top_account_id`` its account
* ``hhi = sum s_w**2``; ``n_eff = 1 / hhi``
* ``nrr_excl_top = (sum E - E_top) / (sum S - S_top)``; NaN with one window
* ``top_nrr_move = nrr - nrr_excl_top`` (positive when the top account lifts NRR)
* leave-one-out influence of each window: ``influence_w = nrr - (sum E - E_w) / (sum S - S_w)``
* ``concentrated_book`` when ``nrr >= 1 and nrr_excl_top < 1``, or
  ``|top_nrr_move| >= top_nrr_move_threshold``, or
  ``top_account_share >= top_share_threshold``.
"""

from __future__ import annotations

import pandas as pd

from .retention import window_movements

__all__ = ["window_influence", "concentration_metrics", "CONCENTRATION_COLUMNS"]

CONCENTRATION_COLUMNS = (
    "top_account_id",
    "top_account_share",
    "hhi",
    "n_eff",
    "nrr_excl_top",
    "top_nrr_move",
    "concentrated_book",
)


def window_influence(windows: pd.DataFrame) -> pd.DataFrame:
    """Each retention window with its share of the CSM's base and its NRR influence.

    Returns the ``window_movements`` frame plus ``share = S_w / sum S``,
    ``nrr_without = (sum E - E_w) / (sum S - S_w)`` (NaN when it is the only
    window) and ``nrr_influence = nrr - nrr_without``.
    """
    ret = window_movements(windows)
    by = ret.groupby("csm_id", sort=False)
    total_s = by["s_arr"].transform("sum")
    total_e = by["e_arr"].transform("sum")
    rest_s = total_s - ret["s_arr"]
    ret["share"] = ret["s_arr"] / total_s
    ret["nrr_without"] = (total_e - ret["e_arr"]) / rest_s.where(rest_s > 0)
    ret["nrr_influence"] = total_e / total_s - ret["nrr_without"]
    return ret


def concentration_metrics(
    windows: pd.DataFrame,
    *,
    top_share_threshold: float,
    top_nrr_move: float,
) -> pd.DataFrame:
    """Per-CSM concentration (formulas in the module docstring).

    Parameters
    ----------
    windows : DataFrame
        From ``calibrate.book.attribution_windows``.
    top_share_threshold : float
        ``concentrated_book`` when the top share is at or above this fraction.
    top_nrr_move : float
        ``concentrated_book`` when removing the top account moves NRR by at
        least this much (0.05 = 5 points).

    Returns
    -------
    DataFrame indexed by ``csm_id`` with ``CONCENTRATION_COLUMNS``.
    """
    ret = window_influence(windows)
    if ret.empty:
        return pd.DataFrame(columns=list(CONCENTRATION_COLUMNS), index=pd.Index([], dtype="string", name="csm_id"))
    ret["_share_sq"] = ret["share"] ** 2
    per = ret.groupby("csm_id", sort=True).agg(hhi=("_share_sq", "sum"), start=("s_arr", "sum"), end=("e_arr", "sum"))
    ordered = ret.sort_values(["csm_id", "s_arr", "account_id"], ascending=[True, False, True], kind="stable")
    top = ordered.groupby("csm_id", sort=True).first()
    per["top_account_id"] = top["account_id"].astype("string")
    per["top_account_share"] = top["share"]
    per["nrr_excl_top"] = top["nrr_without"]
    nrr = per["end"] / per["start"]
    per["top_nrr_move"] = nrr - per["nrr_excl_top"]
    per["n_eff"] = 1.0 / per["hhi"].where(per["hhi"] > 0)
    camouflage = (nrr >= 1) & (per["nrr_excl_top"] < 1)
    moves = per["top_nrr_move"].abs() >= top_nrr_move - 1e-12
    big = per["top_account_share"] >= top_share_threshold - 1e-12
    per["concentrated_book"] = (camouflage.fillna(False) | moves.fillna(False) | big.fillna(False)).astype(bool)
    per.index = per.index.astype("string")
    return per.loc[:, list(CONCENTRATION_COLUMNS)]
