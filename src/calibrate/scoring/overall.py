"""The category table (computed once) and the fast re-weighting on top of it.

``category_table`` turns the metrics table into category scores: per-metric
scores against targets, category means, peer cohorts and shrinkage of small
books. It is the expensive part and does not depend on the weights.

``apply_weights`` is the cheap part the weight-tuning widgets call on every
change (numpy only; well under 50 ms for 1,000 CSMs):

* ``overall = sum_i w_i * score_i / sum_i w_i`` over the categories with a
  score. A missing category's weight is thereby shared out in proportion to
  the others; ``weight_shared_out`` reports the share of the total weight that
  was missing and ``missing_categories`` names the categories.
* ``rating``: ``exceeds`` when ``overall >= rating_cuts.exceeds``, ``meets``
  when ``>= rating_cuts.meets``, else ``needs_development``.
* ``tier``: ``top`` / ``strong`` / ``solid`` at or above those cuts, else ``under``.
* ``rank``: 1 for the highest overall score (ties share the better rank).

Scaling every weight by the same positive factor changes no score.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import ParamsError
from ..params import CATEGORIES, RatingCuts, Targets, TierCuts, Weights
from .categories import category_scores, metric_scores
from .cohorts import Prior, assign_cohorts, score_prior_strength, shrink_to_cohort, shrinkage_weight

__all__ = ["category_table", "apply_weights", "rate", "tier", "SCORE_COLUMNS"]

SCORE_COLUMNS = tuple(f"score_{c}" for c in CATEGORIES)


def category_table(
    metrics: pd.DataFrame,
    *,
    targets: Targets,
    override_band_low: float,
    override_band_high: float,
    min_cohort_size: int,
    small_book_accounts: int,
    shrinkage_k: float,
    shrinkage: str = "estimated",
) -> pd.DataFrame:
    """Category scores per CSM, shrunk toward the peer cohort (see ``cohorts``).

    Parameters
    ----------
    metrics : DataFrame
        The metrics table (``calibrate.metrics.metrics_table``): one row per
        CSM with ``csm_id``, ``segment``, ``n_accounts``, ``book_size`` and the
        scored metrics.

    Returns
    -------
    DataFrame, one row per CSM in the order of ``metrics``: ``csm_id``,
    ``segment``, ``cohort``, ``cohort_pooled``, ``cohort_size``,
    ``n_accounts``, ``book_size``, ``small_book`` (``n_accounts <
    small_book_accounts``), ``shrink_weight`` (the own-data weight ``n/(n+k)``
    averaged over the categories with a score), ``shrink_strength_<category>``
    (k in accounts: estimated from the team by ``score_prior_strength`` with
    ``shrinkage="estimated"``, else ``shrinkage_k``), ``shrink_source_<category>``
    (``estimated`` or ``default``), ``raw_score_<category>``,
    ``score_<category>`` (after shrinkage), ``missing_categories``
    (``;``-separated) and ``metric_score_<metric>`` for every scored metric.
    """
    frame = metrics.reset_index(drop=True)
    per_metric = metric_scores(frame, targets=targets, override_band_low=override_band_low, override_band_high=override_band_high)
    raw = category_scores(per_metric)
    cohorts = assign_cohorts(frame["segment"], min_cohort_size=min_cohort_size)
    book_size = frame["book_size"].to_numpy(float) if "book_size" in frame else frame["n_accounts"].to_numpy(float)
    if shrinkage not in ("estimated", "fixed"):
        raise ValueError(f"shrinkage must be 'estimated' or 'fixed', not {shrinkage!r}")
    priors = {
        category: (score_prior_strength(raw[category], book_size, cohorts["cohort"], default_k=shrinkage_k)
                   if shrinkage == "estimated" else Prior(float("nan"), float(shrinkage_k), "default", 0, 0.0))
        for category in CATEGORIES
    }
    strengths = {category: prior.strength for category, prior in priors.items()}
    shrunk = shrink_to_cohort(raw, cohorts, book_size, k=strengths)
    out = pd.DataFrame({"csm_id": frame["csm_id"].astype("string"), "segment": frame["segment"].astype("string")})
    out = out.join(cohorts)
    out["n_accounts"] = frame["n_accounts"].to_numpy()
    out["book_size"] = book_size
    out["small_book"] = (frame["n_accounts"].fillna(0) < small_book_accounts).to_numpy(bool)
    weights = np.column_stack([shrinkage_weight(book_size, k=strengths[c]) for c in CATEGORIES])
    scored = ~np.isnan(raw[list(CATEGORIES)].to_numpy(float))
    with np.errstate(invalid="ignore"):
        mean_weight = np.where(scored, weights, 0.0).sum(axis=1) / scored.sum(axis=1)
    out["shrink_weight"] = np.where(scored.any(axis=1), mean_weight, shrinkage_weight(book_size, k=shrinkage_k))
    for category in CATEGORIES:
        out[f"shrink_strength_{category}"] = strengths[category]
        out[f"shrink_source_{category}"] = priors[category].source
    for category in CATEGORIES:
        out[f"raw_score_{category}"] = raw[category].to_numpy()
    for category in CATEGORIES:
        out[f"score_{category}"] = shrunk[category].to_numpy()
    missing = np.isnan(shrunk[list(CATEGORIES)].to_numpy(float))
    names = np.array(CATEGORIES, dtype=object)
    out["missing_categories"] = pd.array([";".join(names[row]) for row in missing], dtype="string")
    for name in per_metric.columns:
        out[f"metric_score_{name}"] = per_metric[name].to_numpy()
    return out


def _weight_vector(weights: Weights | Mapping[str, float]) -> np.ndarray:
    mapping = weights.as_dict() if isinstance(weights, Weights) else dict(weights)
    unknown = sorted(set(mapping) - set(CATEGORIES))
    if unknown:
        raise ParamsError(f"Unknown weight '{unknown[0]}'. Weights are keyed by category: {', '.join(CATEGORIES)}.")
    vector = np.array([float(mapping.get(c, 0.0)) for c in CATEGORIES])
    for name, value in zip(CATEGORIES, vector):
        if not value >= 0:
            raise ParamsError(f"The 'weights.{name}' parameter must be >= 0. Got {value!r} instead.")
    if vector.sum() <= 0:
        raise ParamsError("At least one category weight must be above 0. Got all weights 0 instead.")
    return vector


def _cut(cuts, name: str) -> float:
    return float(cuts[name] if isinstance(cuts, Mapping) else getattr(cuts, name))


def rate(overall, *, exceeds: float, meets: float) -> np.ndarray:
    """``exceeds`` / ``meets`` / ``needs_development`` from the overall score; None for NaN."""
    x = np.asarray(overall, dtype=float)
    out = np.where(x >= exceeds, "exceeds", np.where(x >= meets, "meets", "needs_development")).astype(object)
    out[np.isnan(x)] = None
    return out


def tier(overall, *, top: float, strong: float, solid: float) -> np.ndarray:
    """``top`` / ``strong`` / ``solid`` / ``under`` from the overall score; None for NaN."""
    x = np.asarray(overall, dtype=float)
    out = np.where(x >= top, "top", np.where(x >= strong, "strong", np.where(x >= solid, "solid", "under"))).astype(object)
    out[np.isnan(x)] = None
    return out


def apply_weights(
    category_table: pd.DataFrame,
    weights: Weights | Mapping[str, float],
    *,
    rating_cuts: RatingCuts | Mapping[str, float],
    tier_cuts: TierCuts | Mapping[str, float],
) -> pd.DataFrame:
    """Overall score, rating, tier and rank for new weights, without recomputing metrics.

    Parameters
    ----------
    category_table : DataFrame
        From ``category_table`` (uses ``csm_id``, ``score_<category>``,
        ``missing_categories``).
    weights : Weights or mapping
        Category -> weight >= 0, any scale; a category left out weighs 0.
    rating_cuts, tier_cuts : RatingCuts / TierCuts or mappings

    Returns
    -------
    DataFrame with ``csm_id``, ``overall_score``, ``rating``, ``tier``,
    ``rank``, ``weight_shared_out``, ``missing_categories``.
    """
    w = _weight_vector(weights)
    scores = category_table[list(SCORE_COLUMNS)].to_numpy(dtype=float)
    present = ~np.isnan(scores)
    used = present * w
    total = used.sum(axis=1)
    # Row-wise sums (not a matrix product) so identical rows give identical results.
    weighted = (np.where(present, scores, 0.0) * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(total > 0, weighted / total, np.nan)
    # Rank on scores rounded to 1e-9 so rounding noise never splits a tie.
    order = np.where(np.isnan(overall), -np.inf, np.round(overall, 9))
    # Rank 1 = best; ties share the better rank; CSMs without a score rank last.
    sorted_desc = np.sort(order)[::-1]
    rank = np.searchsorted(-sorted_desc, -order, side="left") + 1
    return pd.DataFrame(
        {
            "csm_id": category_table["csm_id"].to_numpy(),
            "overall_score": overall,
            "rating": pd.array(rate(overall, exceeds=_cut(rating_cuts, "exceeds"), meets=_cut(rating_cuts, "meets")), dtype="string"),
            "tier": pd.array(
                tier(overall, top=_cut(tier_cuts, "top"), strong=_cut(tier_cuts, "strong"), solid=_cut(tier_cuts, "solid")), dtype="string"
            ),
            "rank": rank.astype(np.int64),
            "weight_shared_out": 1.0 - total / w.sum(),
            "missing_categories": category_table["missing_categories"].to_numpy(),
        }
    )
