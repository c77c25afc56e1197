"""Rank intervals: how sure is a CSM's place in the team order?

A book of eight accounts can move ten places on one renewal. Two steps:

1. **Resampling every input of the score at the level it was measured.**
   For each CSM c with n_c retention windows (``start_arr > 0``), ``n_boot``
   resampled books of n_c windows: each drawn window comes from c's own book
   with probability ``n_c / (n_c + M)`` and from the team's pool of windows
   with probability ``M / (n_c + M)``, where ``M = prior_accounts`` (the
   estimated prior strength; 0 = plain bootstrap). A six-account book whose
   ARR did not move is then not certain: it could have been any book of six.
   On each resample NRR = ΣE / ΣS, GRR = Σ min(E, S) / ΣS, logo churn =
   #{E = 0} / n_c and expansion rate = Σ max(E − S, 0) / ΣS give the retention
   and expansion scores through ``rescore`` (the scoring engine's own
   function). Every other category comes resampled from ``category_draws``
   (accounts, activities, survey responses, tickets, drafts:
   ``calibrate.models.input_draws``); a category without draws is held.
   Overall = Σ w_i s_i / Σ w_i over the categories with a score.
2. **Ranks from the empirical-Bayes posterior of the overall score**
   (Laird, N. M. and Louis, T. A. (1989), "Empirical Bayes ranking methods",
   Journal of Educational Statistics 14, 29-46). With y_c the reported overall
   score and v_c the variance of its resamples, the between-CSM variance τ²
   is estimated by DerSimonian-Laird (``calibrate.scoring.cohorts.normal_prior``)
   and each resample becomes ``θ = μ + B_c (y_c − μ) + √B_c (y*_c − ȳ*_c)``
   with ``B_c = τ² / (τ² + v_c)``: centred on the shrunk score with the
   posterior spread. Where the team's scores vary no more than their noise
   (τ² = 0), the CSMs cannot be told apart and their order is the resampling
   noise alone, so every rank interval spans the team.

Reported: ``score_low`` / ``score_high`` (2.5% / 97.5% of the resampled
overall score, step 1), median rank and the 2.5% / 97.5% rank quantiles
(rank 1 = highest θ; exact ties share the mid-rank), ``p_top_quartile`` =
``(#{rank ≤ K} + ½) / (n_boot + 1)`` with K = max(1, ⌊N/4⌋) and a tie
straddling K counted by the share of its positions inside K (so no CSM is
ever at exactly 0 or 1, and CSMs tied at the score cap share the top),
``rankable`` = False and ``rank_note`` = "too few accounts to rank" when the
95% rank interval covers more than half the team, the tiers of the score
interval's ends and ``discuss`` = those tiers differ.

A CSM with no overall score is not ranked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import CalibrateError, InsufficientDataError

__all__ = ["rank_intervals", "tier_of", "Rescore", "TIER_ORDER"]

#: ``rescore(nrr, grr, logo_churn, expansion_rate) -> (score_retention, score_expansion)``, arrays in, arrays out.
Rescore = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
TIER_ORDER = ("under", "solid", "strong", "top")
_RETENTION_CATEGORIES = ("retention", "expansion")


def _cuts(tier_cuts: Any) -> tuple[float, float, float]:
    if dataclasses.is_dataclass(tier_cuts):
        tier_cuts = dataclasses.asdict(tier_cuts)
    try:
        return float(tier_cuts["solid"]), float(tier_cuts["strong"]), float(tier_cuts["top"])
    except (KeyError, TypeError):
        raise CalibrateError(
            f"The 'tier_cuts' argument must give 'top', 'strong' and 'solid' (e.g. params.scoring.tier_cuts). Got {tier_cuts!r} instead."
        ) from None


def tier_of(scores: np.ndarray, *, tier_cuts: Any) -> np.ndarray:
    """Tier of each overall score: >= top -> top, >= strong -> strong, >= solid -> solid, else under (NaN -> None)."""
    solid, strong, top = _cuts(tier_cuts)
    scores = np.asarray(scores, dtype=float)
    index = (scores >= solid).astype(int) + (scores >= strong) + (scores >= top)
    out = np.array(TIER_ORDER, dtype=object)[index]
    out[np.isnan(scores)] = None
    return out


def _book_sums(s: np.ndarray, e: np.ndarray, pool_s: np.ndarray, pool_e: np.ndarray, prior_accounts: float,
               n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, 4) resampled NRR, GRR, logo churn, expansion rate of one book (pool-mixed, see module docstring)."""
    n = len(s)
    own = rng.integers(0, n, size=(n_boot, n))
    rs, re_ = s[own], e[own]
    if prior_accounts > 0 and len(pool_s):
        from_pool = rng.random((n_boot, n)) < prior_accounts / (n + prior_accounts)
        other = rng.integers(0, len(pool_s), size=(n_boot, n))
        rs = np.where(from_pool, pool_s[other], rs)
        re_ = np.where(from_pool, pool_e[other], re_)
    base = rs.sum(axis=1)
    return np.column_stack([re_.sum(axis=1) / base, np.minimum(re_, rs).sum(axis=1) / base,
                            (re_ <= 0).sum(axis=1) / n, np.maximum(re_ - rs, 0.0).sum(axis=1) / base])


def _posterior(overall: np.ndarray, point: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Laird-Louis posterior draws of each CSM's overall score (module docstring, step 2); also τ² and μ."""
    from ..scoring.cohorts import normal_prior

    v = np.var(overall, axis=1, ddof=1)
    floor = 1e-9 * float(np.median(v[v > 0])) if (v > 0).any() else 1e-9
    v = np.maximum(v, floor)
    prior = normal_prior(point, v, unit_variance=1.0, fallback_strength=np.inf, min_books=3)
    tau2 = 1.0 / prior.strength if prior.source == "estimated" else 0.0
    tau2 = max(tau2, floor)
    mu = float(np.sum(point / (v + tau2)) / np.sum(1 / (v + tau2)))
    b = tau2 / (tau2 + v)
    centre = overall.mean(axis=1)
    theta = mu + (b * (point - mu))[:, None] + np.sqrt(b)[:, None] * (overall - centre[:, None])
    return theta, tau2, mu


def _top_share(theta: np.ndarray, top_k: int) -> np.ndarray:
    """Per CSM, the share of resamples with rank ≤ top_k; a tie straddling top_k counts by its share inside."""
    low = stats.rankdata(-theta, axis=0, method="min")
    high = stats.rankdata(-theta, axis=0, method="max")
    inside = np.clip(top_k - low + 1, 0, None) / (high - low + 1)
    return np.minimum(inside, 1.0).sum(axis=1)


def rank_intervals(
    account_windows: pd.DataFrame,
    category_scores: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    rescore: Rescore | Mapping[str, Rescore],
    n_boot: int = 1000,
    seed: int,
    tier_cuts: Any,
    category_draws: Mapping[str, Mapping[str, np.ndarray]] | None = None,
    prior_accounts: float = 0.0,
) -> pd.DataFrame:
    """Bootstrap rank and tier intervals per CSM by resampling accounts within each book.

    Parameters
    ----------
    account_windows : DataFrame
        ``csm_id``, ``start_arr`` (S_w), ``end_arr`` (E_w), one row per
        attribution window (``account_id`` optional: it fixes the order of a
        book's windows, so results do not depend on row order even when two
        windows have the same ARR); rows with ``start_arr <= 0`` are ignored.
    category_scores : DataFrame
        One row per CSM: ``csm_id`` and ``score_<category>`` for each category
        in ``weights`` (NaN = no data). Typically the scores table.
    weights : mapping
        Category -> weight (``params.scoring.weights.as_dict()``).
    rescore : callable
        ``rescore(nrr, grr, logo_churn, expansion_rate) -> (score_retention,
        score_expansion)`` on 1-D float arrays; the scoring engine's function.
        A mapping ``csm_id -> rescore`` gives each CSM its own (the scoring
        engine shrinks each book toward its cohort with its own weight); a CSM
        missing from the mapping keeps its reported scores.
    n_boot : int
        Resamples per book (>= 100).
    seed : int
        Seeds every resample.
    tier_cuts : TierCuts or mapping
        ``top``, ``strong``, ``solid``.
    category_draws : mapping, optional
        ``csm_id -> {category -> array of n_boot scores}`` for the categories
        other than retention and expansion (``input_draws.category_draws``).
    prior_accounts : float
        ``M`` of the pool mixing (module docstring); 0 = plain bootstrap.

    Returns
    -------
    DataFrame, one row per CSM in ``category_scores``: ``n_windows``,
    ``overall_score`` (from the reported scores), ``score_low`` / ``score_high``
    (2.5% / 97.5%), ``median_rank``, ``rank_low`` / ``rank_high`` (2.5% /
    97.5%), ``p_top_quartile``, ``rankable``, ``rank_note``, ``tier_low`` /
    ``tier_high``, ``discuss``; ``rank_tau2`` (τ², the same on every row).
    Sorted by median rank.
    """
    if n_boot < 100:
        raise CalibrateError(f"The 'n_boot' argument must be >= 100 for a 95% interval. Got {n_boot} instead.")
    categories = [c for c, w in weights.items() if float(w) > 0]
    missing = [f"score_{c}" for c in categories if f"score_{c}" not in category_scores.columns]
    if missing or "csm_id" not in category_scores.columns:
        raise InsufficientDataError(
            f"The category_scores table lacks {', '.join(missing or ['csm_id'])}; pass one row per CSM with csm_id "
            "and a score_<category> column for every weighted category."
        )
    scores = category_scores.drop_duplicates("csm_id").assign(csm_id=lambda f: f["csm_id"].astype(str))
    scores = scores.sort_values("csm_id", kind="stable").reset_index(drop=True)
    n_csm = len(scores)
    fixed = scores[[f"score_{c}" for c in categories]].to_numpy(dtype=float)
    w = np.array([float(weights[c]) for c in categories])

    # (n_csm, n_boot, n_categories): every resample starts from the reported scores.
    sample = np.repeat(fixed[:, None, :], n_boot, axis=1)
    windows = account_windows.assign(csm_id=account_windows["csm_id"].astype(str))
    start = pd.to_numeric(windows["start_arr"], errors="coerce")
    windows = windows.loc[start.gt(0).fillna(False).to_numpy(bool)]
    # A fixed order within each book, so the same seed gives the same resamples whatever the row order.
    order = [c for c in ("account_id", "start_arr", "end_arr") if c in windows.columns]
    windows = windows.sort_values(order, kind="stable")
    by_csm = {k: v for k, v in windows.groupby("csm_id", sort=True)}
    pool_s = windows["start_arr"].to_numpy(dtype=float)
    pool_e = pd.to_numeric(windows["end_arr"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    drawn = category_draws or {}
    for i, csm in enumerate(scores["csm_id"]):
        for category, values in drawn.get(csm, {}).items():
            if category in categories and not np.isnan(fixed[i, categories.index(category)]):
                values = np.asarray(values, dtype=float)
                if len(values) != n_boot:
                    raise CalibrateError(f"category_draws for CSM {csm}, {category}, hold {len(values)} values; expected n_boot = {n_boot}.")
                sample[i, :, categories.index(category)] = values
    n_windows = np.zeros(n_csm, dtype=int)
    slots = {c: categories.index(c) for c in _RETENTION_CATEGORIES if c in categories}
    for i, csm in enumerate(scores["csm_id"]):
        book = by_csm.get(csm)
        if book is None:
            continue
        s = book["start_arr"].to_numpy(dtype=float)
        e = pd.to_numeric(book["end_arr"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        n_windows[i] = len(s)
        metrics = _book_sums(s, e, pool_s, pool_e, float(prior_accounts), n_boot, rng)
        book_rescore = rescore.get(csm) if isinstance(rescore, Mapping) else rescore
        if book_rescore is None:
            continue
        new_retention, new_expansion = book_rescore(metrics[:, 0], metrics[:, 1], metrics[:, 2], metrics[:, 3])
        for name, values in (("retention", new_retention), ("expansion", new_expansion)):
            if name in slots:
                sample[i, :, slots[name]] = np.asarray(values, dtype=float)

    has = ~np.isnan(sample)
    weight_sum = (has * w).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(weight_sum > 0, (np.nan_to_num(sample) * w).sum(axis=2) / weight_sum, np.nan)
        fixed_has = ~np.isnan(fixed)
        fixed_ws = (fixed_has * w).sum(axis=1)
        point = np.where(fixed_ws > 0, (np.nan_to_num(fixed) * w).sum(axis=1) / fixed_ws, np.nan)

    ranked = ~np.isnan(overall).any(axis=1)
    if ranked.sum() < 2:
        raise InsufficientDataError(
            f"Rank intervals need at least 2 CSMs with an overall score; got {int(ranked.sum())}. "
            "Check that the scores table has category scores for the team."
        )
    # Rows of a CSM whose resampled overall lost every category (all NaN) keep the reported score.
    n_ranked = int(ranked.sum())
    theta, tau2, _mu = _posterior(overall[ranked], point[ranked])
    ranks = np.full(overall.shape, np.nan)
    ranks[ranked] = stats.rankdata(-theta, axis=0, method="average")
    top_k = max(1, n_ranked // 4)
    score_low = np.full(n_csm, np.nan)
    score_high = np.full(n_csm, np.nan)
    score_low[ranked], score_high[ranked] = np.percentile(overall[ranked], [2.5, 97.5], axis=1)
    rank_q = np.full((n_csm, 3), np.nan)
    rank_q[ranked] = np.percentile(ranks[ranked], [50, 2.5, 97.5], axis=1).T
    p_top = np.full(n_csm, np.nan)
    p_top[ranked] = (_top_share(theta, top_k) + 0.5) / (n_boot + 1)
    rankable = np.where(ranked, (rank_q[:, 2] - rank_q[:, 1]) <= 0.5 * n_ranked, False)
    tier_low = tier_of(score_low, tier_cuts=tier_cuts)
    tier_high = tier_of(score_high, tier_cuts=tier_cuts)
    out = pd.DataFrame(
        {
            "csm_id": scores["csm_id"].to_numpy(),
            "n_windows": n_windows,
            "overall_score": point,
            "score_low": score_low,
            "score_high": score_high,
            "median_rank": rank_q[:, 0],
            "rank_low": rank_q[:, 1],
            "rank_high": rank_q[:, 2],
            "p_top_quartile": p_top,
            "rankable": rankable,
            "rank_note": np.where(ranked & ~rankable, "too few accounts to rank", np.where(ranked, "", "not ranked")),
            "tier_low": tier_low,
            "tier_high": tier_high,
        }
    )
    out["discuss"] = ranked & (tier_low != tier_high)
    out["rank_tau2"] = tau2
    return out.sort_values(["median_rank", "csm_id"], kind="stable", na_position="last").reset_index(drop=True)
