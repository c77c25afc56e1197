"""The team statistics, computed once: book-adjusted funnels, shrunk rates, rank intervals.

``compute_team_statistics`` is the one place the team report and
``calibrate team`` (``team_statistics.csv``) take these numbers from, so the
page and the file cannot disagree. It runs:

1. ``expected_outcomes`` on the account windows of the review quarter and up
   to ``POOLED_QUARTERS`` earlier quarters (folds dealt by CSM), then
   ``book_adjusted`` on the review quarter's accounts: observed vs expected
   churn and NRR, the funnel z-scores and bands (``models.funnel``).
2. Empirical-Bayes shrinkage per cohort (``scoring.cohorts``): churn and
   renewal rates with a beta-binomial prior (``beta_binomial_prior``), NRR
   and GRR with a normal prior on each book's own sampling variance
   ``v_i = s² / n_eff,i`` (``s²`` the variance of the accounts' ARR ratios
   across the team, capped at 1 for GRR; ``n_eff`` the book's Kish effective
   accounts; ``normal_prior``). Cohorts are the
   scoring cohorts (a segment, or the whole team when the segment is too
   small); ``params.scoring.shrinkage_k`` is the fallback strength with too
   few books.
3. ``rank_intervals`` with every input resampled (``input_draws``) and the
   retention windows mixed with the team pool at the team's estimated churn
   prior strength.

Every rate is a fraction of the accounts at the quarter's start (accounts
with ARR above $0 on its first day, ``n_accounts``); ``accounts_at_close``
is the book on the quarter's last day as ``scores.csv`` counts it.
``team_statistics.csv`` columns are listed in ``TEAM_STATISTICS_COLUMNS`` and
documented in docs/OUTPUTS.md.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..errors import InsufficientDataError
from ..atomic import write_csv_atomic
from ..params import Params
from ..periods import Period, parse_period
from ..scoring.cohorts import TEAM_COHORT, Prior, beta_binomial_prior, normal_prior, shrink_normal, shrink_rate
from .adapters import account_windows, book_rescorers, pooled_account_windows
from .expected import book_adjusted, expected_outcomes
from .input_draws import category_draws
from .ranks import rank_intervals

__all__ = [
    "POOLED_QUARTERS",
    "N_BOOT",
    "TEAM_STATISTICS_COLUMNS",
    "TeamStatistics",
    "compute_team_statistics",
    "model_fit",
    "format_team_statistics",
    "write_team_statistics",
    "team_command",
]

POOLED_QUARTERS = 4
N_BOOT = 1000
TEAM_STATISTICS_COLUMNS = (
    "csm_id", "n_accounts",
    "churn_observed", "churn_expected", "churn_shrunk", "churn_prior_strength",
    "nrr_observed", "nrr_expected", "nrr_shrunk", "nrr_prior_strength",
    "funnel_churn_z", "funnel_churn_band", "funnel_nrr_z", "funnel_nrr_band",
    "rank_low", "rank_high", "p_top_quartile",
    # then what else the report shows
    "accounts_at_close", "cohort", "churns", "expected_churns", "churn_prior_mean", "churn_prior_source",
    "nrr_prior_mean", "nrr_prior_source", "n_eff", "funnel_churn_side", "funnel_nrr_side",
    "funnel_churn_phi", "funnel_nrr_phi", "renewal_observed", "renewal_shrunk", "renewal_prior_strength",
    "grr_observed", "grr_shrunk", "grr_prior_strength",
    "overall_score", "score_low", "score_high", "median_rank", "rank_note",
)
_INT = ("n_accounts", "churns", "accounts_at_close")
_TEXT = ("csm_id", "funnel_churn_band", "funnel_nrr_band", "cohort", "churn_prior_source", "nrr_prior_source",
         "funnel_churn_side", "funnel_nrr_side", "rank_note")


@dataclass(frozen=True)
class TeamStatistics:
    """``table`` (team_statistics.csv as a frame), the model frames behind it and the priors used."""

    period: str
    table: pd.DataFrame
    adjusted: pd.DataFrame | None
    ranks: pd.DataFrame | None
    priors: pd.DataFrame
    fit: dict[str, Any] = field(default_factory=dict)
    ranks_error: str | None = None


def model_fit(expected: pd.DataFrame) -> dict[str, float]:
    """Out-of-fold fit on the review quarter: ``n_accounts``, ``churn_events``, ``brier`` = mean((p − y)²),
    ``auc`` (NaN with one outcome only) and ``ratio_rmse`` = sqrt(mean((r − r̂)²))."""
    y = expected["churned"].to_numpy(dtype=float)
    p = expected["expected_churn"].to_numpy(dtype=float)
    auc = float("nan")
    if 0 < y.sum() < len(y):
        from .bootstrap import fast_auc

        auc = fast_auc(y, p)
    ratio_err = expected["arr_ratio"].to_numpy(dtype=float) - expected["expected_ratio"].to_numpy(dtype=float)
    return {
        "n_accounts": int(len(y)),
        "churn_events": int(y.sum()),
        "brier": float(np.mean((p - y) ** 2)) if len(y) else float("nan"),
        "auc": auc,
        "ratio_rmse": float(np.sqrt(np.mean(ratio_err**2))) if len(y) else float("nan"),
    }


def _expected(current, previous: Sequence, dataset: Dataset, params: Params) -> tuple[pd.DataFrame | None, pd.DataFrame | None, dict]:
    periods = [(current.period.label, current.windows)] + [(p.period.label, p.windows) for p in previous[:POOLED_QUARTERS]]
    pooled = pooled_account_windows(periods, dataset)
    info: dict[str, Any] = {"quarters": sorted(pooled["period"].dropna().unique().tolist()) if not pooled.empty else []}
    try:
        fitted = expected_outcomes(pooled, seed=params.batch.seed)
    except InsufficientDataError as exc:
        info["error"] = str(exc)
        return None, None, info
    now = fitted.loc[fitted["period"].eq(current.period.label).fillna(False).to_numpy(bool)]
    if now.empty:
        info["error"] = "No account of the review quarter is in the cohort, so there is nothing to compare."
        return None, None, info
    info.update(model_fit(now))
    adjusted = book_adjusted(now, small_book_accounts=params.scoring.small_book_accounts, seed=params.batch.seed)
    return adjusted, now, info


def _prior_row(name: str, label: str, prior: Prior) -> dict[str, Any]:
    return {"metric": name, "cohort": label, "mean": prior.mean, "strength": prior.strength, "source": prior.source,
            "n_books": prior.n_books, "n_accounts": prior.n_accounts}


def _priors(adjusted: pd.DataFrame, accounts: pd.DataFrame, scores: pd.DataFrame, fallback: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-CSM shrunk churn, renewal rate, NRR and GRR, and the priors used (one row per metric and cohort).

    Rates (beta-binomial): churn over the accounts at the quarter's start, renewal rate over the renewals
    decided in the quarter (``renewals_won`` / (won + lost) of ``scores``). Ratios (normal, each book's own
    variance ``s² / n_eff``): NRR with ``s²`` the variance of the accounts' ARR ratios, GRR with that of the
    ratios capped at 1.
    """
    cohorts = scores["cohort"].astype(str) if "cohort" in scores else pd.Series(dtype=str)
    frame = adjusted.assign(cohort=adjusted["csm_id"].map(cohorts).fillna(TEAM_COHORT).astype(str))
    ids = frame["csm_id"].astype(str)
    won = ids.map(pd.to_numeric(scores.get("renewals_won"), errors="coerce")).fillna(0).to_numpy(float) if "renewals_won" in scores else np.zeros(len(frame))
    lost = ids.map(pd.to_numeric(scores.get("renewals_lost"), errors="coerce")).fillna(0).to_numpy(float) if "renewals_lost" in scores else np.zeros(len(frame))
    s = accounts["start_arr"].to_numpy(float)
    grr_unit = np.minimum(accounts["arr_ratio"].to_numpy(float), 1.0)
    per_book = pd.DataFrame({"csm_id": accounts["csm_id"].astype(str), "kept": grr_unit * s, "s": s}).groupby("csm_id")
    frame["observed_grr"] = ids.map(per_book["kept"].sum() / per_book["s"].sum()).to_numpy(float)
    rates = {"churn": (frame["churns"].to_numpy(float), frame["n_accounts"].to_numpy(float)), "renewal": (won, won + lost)}
    units = {"nrr": (frame["observed_nrr"].to_numpy(float), float(np.var(accounts["arr_ratio"].to_numpy(float), ddof=1)) if len(accounts) > 1 else np.nan),
             "grr": (frame["observed_grr"].to_numpy(float), float(np.var(grr_unit, ddof=1)) if len(accounts) > 1 else np.nan)}
    n_eff = frame["n_eff"].to_numpy(float)
    out = pd.DataFrame(index=frame.index)
    out["observed_grr"] = frame["observed_grr"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["renewal_observed"] = np.where(won + lost > 0, won / (won + lost), np.nan)
    rows = []
    for label in sorted(frame["cohort"].unique()):
        members = frame["cohort"].eq(label).to_numpy(bool)
        basis = np.ones(len(frame), bool) if label == TEAM_COHORT else members
        for name, (x, n) in rates.items():
            prior = beta_binomial_prior(x[basis], n[basis], fallback_strength=fallback)
            out.loc[members, f"{name}_shrunk"] = shrink_rate(x[members], n[members], prior)
            out.loc[members, f"{name}_prior_strength"] = prior.strength
            out.loc[members, f"{name}_prior_mean"] = prior.mean
            out.loc[members, f"{name}_prior_source"] = prior.source
            rows.append(_prior_row(name, label, prior))
        for name, (y, unit) in units.items():
            prior = normal_prior(y[basis], unit / n_eff[basis], unit_variance=unit, fallback_strength=fallback)
            out.loc[members, f"{name}_shrunk"] = shrink_normal(y[members], unit / n_eff[members], prior, unit_variance=unit)
            out.loc[members, f"{name}_prior_strength"] = prior.strength
            out.loc[members, f"{name}_prior_mean"] = prior.mean
            out.loc[members, f"{name}_prior_source"] = prior.source
            rows.append(_prior_row(name, label, prior))
    out["cohort"] = frame["cohort"]
    return out, pd.DataFrame(rows)


def team_prior(adjusted: pd.DataFrame | None, fallback: float) -> Prior:
    """The whole team's churn prior: the pool-mixing strength of the rank resampling."""
    if adjusted is None or adjusted.empty:
        return Prior(float("nan"), float(fallback), "default", 0, 0.0)
    return beta_binomial_prior(adjusted["churns"], adjusted["n_accounts"], fallback_strength=fallback)


def _ranks(current, dataset: Dataset, params: Params, prior_accounts: float, n_boot: int) -> tuple[pd.DataFrame | None, str | None]:
    windows = account_windows(current.windows, dataset)
    sp = params.scoring
    try:
        draws = category_draws(current, dataset, params, n_boot=n_boot, seed=params.batch.seed)
        ranks = rank_intervals(windows, current.scores, sp.weights.as_dict(),
                               rescore=book_rescorers(current.categories, targets=sp.targets), n_boot=n_boot,
                               seed=params.batch.seed, tier_cuts=sp.tier_cuts, category_draws=draws,
                               prior_accounts=prior_accounts)
    except InsufficientDataError as exc:
        return None, str(exc)
    return ranks, None


def compute_team_statistics(current, previous: Sequence, dataset: Dataset, params: Params, *, n_boot: int = N_BOOT) -> TeamStatistics:
    """Every team statistic of ``current.period`` (module docstring); see ``TEAM_STATISTICS_COLUMNS``."""
    adjusted, accounts, fit = _expected(current, previous, dataset, params)
    fallback = float(params.scoring.shrinkage_k)
    prior = team_prior(adjusted, fallback)
    ranks, ranks_error = _ranks(current, dataset, params, prior.strength if math.isfinite(prior.strength) else fallback, n_boot)
    scores = current.scores.assign(csm_id=current.scores["csm_id"].astype(str)).set_index("csm_id")
    table = pd.DataFrame({"csm_id": sorted(scores.index)})
    priors = pd.DataFrame(columns=["metric", "cohort", "mean", "strength", "source", "n_books", "n_accounts"])
    if adjusted is not None:
        shrunk, priors = _priors(adjusted, accounts, scores, fallback)
        a = pd.concat([adjusted, shrunk], axis=1).set_index("csm_id")
        cols = {
            "n_accounts": a["n_accounts"], "churn_observed": a["observed_churn_rate"], "churn_expected": a["expected_churn_rate"],
            "churn_shrunk": a["churn_shrunk"], "churn_prior_strength": a["churn_prior_strength"],
            "nrr_observed": a["observed_nrr"], "nrr_expected": a["expected_nrr"], "nrr_shrunk": a["nrr_shrunk"],
            "nrr_prior_strength": a["nrr_prior_strength"], "funnel_churn_z": a["churn_z"], "funnel_churn_band": a["churn_band"],
            "funnel_nrr_z": a["nrr_z"], "funnel_nrr_band": a["nrr_band"], "cohort": a["cohort"], "churns": a["churns"],
            "expected_churns": a["e_churns"], "churn_prior_mean": a["churn_prior_mean"], "churn_prior_source": a["churn_prior_source"],
            "nrr_prior_mean": a["nrr_prior_mean"], "nrr_prior_source": a["nrr_prior_source"], "n_eff": a["n_eff"],
            "funnel_churn_side": a["churn_position_95"], "funnel_nrr_side": a["nrr_position_95"],
            "funnel_churn_phi": a["churn_phi"], "funnel_nrr_phi": a["nrr_phi"],
            "renewal_observed": a["renewal_observed"], "renewal_shrunk": a["renewal_shrunk"],
            "renewal_prior_strength": a["renewal_prior_strength"], "grr_observed": a["observed_grr"],
            "grr_shrunk": a["grr_shrunk"], "grr_prior_strength": a["grr_prior_strength"],
        }
        for name, series in cols.items():
            table[name] = table["csm_id"].map(series)
    if ranks is not None:
        r = ranks.assign(csm_id=ranks["csm_id"].astype(str)).set_index("csm_id")
        for name in ("rank_low", "rank_high", "p_top_quartile", "overall_score", "score_low", "score_high", "median_rank", "rank_note"):
            table[name] = table["csm_id"].map(r[name])
    table["accounts_at_close"] = table["csm_id"].map(pd.to_numeric(scores["n_accounts"], errors="coerce"))
    table = table.reindex(columns=list(TEAM_STATISTICS_COLUMNS))
    return TeamStatistics(current.period.label, table, adjusted, ranks, priors, fit, ranks_error)


def _cell(value: object, column: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in _TEXT:
        return str(value)
    if column in _INT:
        return str(int(value))
    text = f"{float(value) + 0.0:.6f}"
    return "0.000000" if text == "-0.000000" else text


def format_team_statistics(table: pd.DataFrame) -> pd.DataFrame:
    """The table as text cells: floats with 6 decimals, counts plain, missing empty."""
    ordered = table.reindex(columns=list(TEAM_STATISTICS_COLUMNS))
    return pd.DataFrame({c: [_cell(v, c) for v in ordered[c].tolist()] for c in ordered.columns}, dtype=object)


def write_team_statistics(table: pd.DataFrame, out: str | Path) -> Path:
    """Write ``team_statistics.csv`` atomically (temporary file in the same folder, then rename)."""
    path = Path(out)
    write_csv_atomic(format_team_statistics(table), path)  # the one writer: atomic, formula-safe, shareable
    return path


def team_command(params: Params, *, data_dir: str | Path | None = None, period: Period | str | None = None,
                 out: str | Path) -> Path:
    """Load and validate the data folder, compute the team statistics, write ``out``; no notebook is run."""
    from ..batch.period import compute_history
    from ..load import load_dataset

    folder = data_dir if data_dir is not None else params.data_path()  # a path or a database URL
    dataset = load_dataset(folder, **params.load_options())
    quarter = params.quarter if period is None else (period if isinstance(period, Period) else
                                                      parse_period(str(period), fiscal_year_start_month=params.fiscal_year_start_month))
    current, previous = compute_history(dataset, params, quarter)
    target = Path(out)
    if target.is_dir() or target.suffix.lower() != ".csv":
        target = target / "team_statistics.csv"
    return write_team_statistics(compute_team_statistics(current, previous, dataset, params).table, target)
