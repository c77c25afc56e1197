"""Score validity: did last quarter's scores predict this quarter's results?

For each CSM and each pair of consecutive quarters (p, p + 1), pair the
scores of p (``overall_score``, every ``score_<category>``, and ``rating`` as
an ordinal needs_development = 0 < meets = 1 < exceeds = 2) with the
outcomes of p + 1 in the CSM's book (e.g. ``nrr``, ``grr``,
``escalations``). Report Spearman's rank correlation over all pairs, the
number of pairs ``n`` and of CSMs, and a 95% interval from a bootstrap
that resamples CSMs (a CSM's quarters move together).

Spearman on a resample is computed exactly from weights: with CSM counts
``c`` each pair gets weight ``w``; mid-ranks of a run of tied values with
total weight ``W_g`` are ``(weight below) + (W_g + 1) / 2``, and the
correlation is the weighted Pearson correlation of the ranks.

Descriptive only: scores and outcomes share causes (the book, the market),
and a handful of CSMs cannot separate them.

For sliders, ``prepare_score_validity`` does the pairing and the draws
once; ``score_validity(..., category_table=table, weights=w)`` then only
recombines the category scores ``overall = sum w_i s_i / sum w_i`` (over the
categories a pair has) and recomputes the correlations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..periods import parse_period

__all__ = [
    "RATING_ORDER",
    "OUTCOME_DIRECTION",
    "ValidityTable",
    "prepare_score_validity",
    "score_validity",
    "weighted_spearman_rows",
]

RATING_ORDER = {"needs_development": 0.0, "meets": 1.0, "exceeds": 2.0}
# +1: a good score should come before a higher value; -1: before a lower one.
OUTCOME_DIRECTION = {"nrr": 1, "grr": 1, "expansion_rate": 1, "logo_churn_rate": -1, "churn_arr": -1,
                     "escalations": -1, "escalations_per_account": -1}
_DEFAULT_OUTCOMES = ("nrr", "grr", "logo_churn_rate", "escalations", "escalations_per_account")


@dataclass(frozen=True)
class ValidityTable:
    """Scores of quarter p paired with outcomes of p + 1, and the CSM resamples.

    ``category_scores`` has one column per name in ``categories`` (NaN where a
    category had no data); ``counts`` has shape ``(n_boot, n_csms)``.
    """

    csm_id: np.ndarray
    period: np.ndarray
    categories: tuple[str, ...]
    category_scores: np.ndarray
    overall: np.ndarray
    rating: np.ndarray
    outcomes: Mapping[str, np.ndarray]
    pair_csm: np.ndarray
    counts: np.ndarray
    # outcome ranks per resample, keyed by (outcome, rows used): they do not move with the weights
    rank_cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_pairs(self) -> int:
        return len(self.csm_id)


def _next_label(label: str, fiscal_year_start_month: int) -> str:
    return parse_period(label, fiscal_year_start_month=fiscal_year_start_month).shift(1).label


def prepare_score_validity(
    scores_by_period: pd.DataFrame,
    outcomes_by_csm_period: pd.DataFrame,
    *,
    outcome_columns: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    fiscal_year_start_month: int = 1,
) -> ValidityTable:
    """Pair each CSM's scores of quarter p with the outcomes of p + 1; draw CSM resamples.

    Parameters
    ----------
    scores_by_period : DataFrame
        ``csm_id``, ``period`` and any of ``overall_score``, ``score_<category>``, ``rating``.
    outcomes_by_csm_period : DataFrame
        ``csm_id``, ``period`` and outcome columns (default: those of
        ``nrr, grr, logo_churn_rate, escalations, escalations_per_account`` present).
    """
    scores = scores_by_period.copy()
    scores["next_period"] = [_next_label(str(p), fiscal_year_start_month) for p in scores["period"]]
    if outcome_columns is None:
        outcome_columns = [c for c in _DEFAULT_OUTCOMES if c in outcomes_by_csm_period.columns]
    later = outcomes_by_csm_period[["csm_id", "period", *outcome_columns]].rename(columns={"period": "next_period"})
    scores["csm_id"] = scores["csm_id"].astype(str)
    later = later.assign(csm_id=later["csm_id"].astype(str), next_period=later["next_period"].astype(str))
    pairs = scores.merge(later, on=["csm_id", "next_period"], how="inner", suffixes=("", "_next"))
    pairs = pairs.sort_values(["period", "csm_id"], kind="stable").reset_index(drop=True)
    categories = tuple(sorted(c[len("score_"):] for c in scores_by_period.columns if c.startswith("score_")))
    cat = np.column_stack([pd.to_numeric(pairs[f"score_{c}"], errors="coerce").to_numpy(float) for c in categories]) \
        if categories else np.empty((len(pairs), 0))
    overall = pd.to_numeric(pairs["overall_score"], errors="coerce").to_numpy(float) \
        if "overall_score" in pairs else np.full(len(pairs), np.nan)
    rating = pairs["rating"].astype(str).map(RATING_ORDER).to_numpy(float) if "rating" in pairs \
        else np.full(len(pairs), np.nan)
    outcome_name = {c: (f"{c}_next" if f"{c}_next" in pairs else c) for c in outcome_columns}
    outcomes = {c: pd.to_numeric(pairs[outcome_name[c]], errors="coerce").to_numpy(float) for c in outcome_columns}
    pair_csm, csms = pd.factorize(pairs["csm_id"], sort=True)
    n_csms = max(len(csms), 1)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_csms, size=(n_boot, n_csms))
    flat = (draws + (np.arange(n_boot) * n_csms)[:, None]).ravel()
    counts = np.bincount(flat, minlength=n_boot * n_csms).reshape(n_boot, n_csms).astype(float)
    return ValidityTable(
        csm_id=pairs["csm_id"].to_numpy(str), period=pairs["period"].astype(str).to_numpy(),
        categories=categories, category_scores=cat, overall=overall, rating=rating, outcomes=outcomes,
        pair_csm=np.asarray(pair_csm, dtype=np.intp), counts=counts,
    )


def weighted_spearman_rows(x: np.ndarray, y: np.ndarray, weights: np.ndarray,
                           *, y_ranks: np.ndarray | None = None) -> np.ndarray:
    """Spearman's rho of (x, y) replicated by each row of ``weights`` (shape ``(b, n)``).

    With all weights 1 this equals ``scipy.stats.spearmanr(x, y)`` (mid-ranks for ties).
    ``y_ranks`` may pass ``y``'s weighted mid-ranks when already known.
    """
    rx = _weighted_midranks(x, weights)
    ry = _weighted_midranks(y, weights) if y_ranks is None else y_ranks
    total = weights.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = (weights * rx).sum(axis=1, keepdims=True) / total
        my = (weights * ry).sum(axis=1, keepdims=True) / total
        dx, dy = rx - mx, ry - my
        cov = (weights * dx * dy).sum(axis=1)
        rho = cov / np.sqrt((weights * dx * dx).sum(axis=1) * (weights * dy * dy).sum(axis=1))
    return rho


def _weighted_midranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values) != 0) + 1]
    group_weight = np.add.reduceat(weights[:, order], starts, axis=1)
    group_rank = np.cumsum(group_weight, axis=1) - group_weight + (group_weight + 1) / 2
    sizes = np.diff(np.r_[starts, len(values)])
    ranks_sorted = np.repeat(group_rank, sizes, axis=1)
    ranks = np.empty_like(ranks_sorted)
    ranks[:, order] = ranks_sorted
    return ranks


def _overall(table: ValidityTable, weights: Mapping[str, float] | None) -> np.ndarray:
    if weights is None:
        return table.overall
    w = np.array([float(weights.get(c, 0.0)) for c in table.categories])
    present = np.isfinite(table.category_scores)
    used = present * w
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(present, table.category_scores, 0.0) @ w / used.sum(axis=1)


def score_validity(
    scores_by_period: pd.DataFrame | None,
    outcomes_by_csm_period: pd.DataFrame | None,
    *,
    weights: Mapping[str, float] | None = None,
    category_table: ValidityTable | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    predictors: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Spearman of each score of quarter p with each outcome of quarter p + 1.

    Returns one row per predictor × outcome: ``predictor`` (``overall_score``,
    ``score_<category>``, ``rating``), ``outcome``, ``n`` (pairs), ``n_csms``,
    ``spearman``, ``spearman_low``, ``spearman_high`` (95% CSM bootstrap),
    ``expected_sign`` (+1 when a better score should come before a higher
    outcome, -1 for churn and escalations), ``reading`` ("descriptive").

    ``weights`` (category -> weight) recombines the overall score from the
    category scores; ``category_table`` (from ``prepare_score_validity``)
    skips the pairing and the draws, so slider updates only redo the ranks.
    ``predictors`` limits the rows (e.g. ``["overall_score"]`` for a slider).
    """
    table = category_table
    if table is None:
        table = prepare_score_validity(scores_by_period, outcomes_by_csm_period, n_boot=n_boot, seed=seed)
    columns = {"overall_score": _overall(table, weights)}
    for i, name in enumerate(table.categories):
        columns[f"score_{name}"] = table.category_scores[:, i]
    columns["rating"] = table.rating
    wanted = list(columns) if predictors is None else [p for p in predictors if p in columns]
    records = []
    for predictor in wanted:
        x_all = columns[predictor]
        for outcome, y_all in table.outcomes.items():
            valid = np.isfinite(x_all) & np.isfinite(y_all)
            n = int(valid.sum())
            rho = low = high = float("nan")
            n_csms = int(len(np.unique(table.pair_csm[valid])))
            if n >= 3:
                x, y = x_all[valid], y_all[valid]
                rho = float(weighted_spearman_rows(x, y, np.ones((1, n)))[0])
                if len(table.counts) >= 10 and n_csms >= 3:
                    key = (outcome, valid.tobytes())
                    if key not in table.rank_cache:
                        weights = table.counts[:, table.pair_csm[valid]]
                        table.rank_cache[key] = (weights, _weighted_midranks(y, weights))
                    weights, y_ranks = table.rank_cache[key]
                    boot = weighted_spearman_rows(x, y, weights, y_ranks=y_ranks)
                    boot = boot[np.isfinite(boot)]
                    if len(boot) >= 10:
                        low, high = (float(v) for v in np.percentile(boot, [2.5, 97.5]))
            records.append({
                "predictor": predictor, "outcome": outcome, "n": n, "n_csms": n_csms, "spearman": rho,
                "spearman_low": low, "spearman_high": high,
                "expected_sign": OUTCOME_DIRECTION.get(outcome, 1), "reading": "descriptive",
            })
    return pd.DataFrame.from_records(records, columns=["predictor", "outcome", "n", "n_csms", "spearman",
                                                       "spearman_low", "spearman_high", "expected_sign",
                                                       "reading"])
