"""Rank intervals: how sure is a CSM's place in the team order?

A book of eight accounts can move ten places on one renewal. The bootstrap
here asks how far each CSM's overall score and rank would move if their book
had come out a little differently:

* For each CSM c with n_c retention windows (``start_arr > 0``), draw
  ``n_boot`` resamples of n_c windows *with replacement from c's own book*
  (seeded; CSMs drawn in ``csm_id`` order so results do not depend on row
  order).
* On each resample recompute NRR = ΣE / ΣS, GRR = Σ min(E, S) / ΣS, logo
  churn = #{E = 0} / n_c and expansion rate = Σ max(E − S, 0) / ΣS, and the
  retention-dependent category scores through ``rescore`` (the scoring
  engine's own function, so the bootstrap scores exactly as the report does).
  All other category scores are held at their reported values.
* Overall = Σ w_i s_i / Σ w_i over the categories with a score (a missing
  category's weight is shared out, as in scoring).
* Rank 1 = highest overall in a resample (ties share the average rank).
  Reported: median rank, the 2.5% and 97.5% rank quantiles, the probability
  of a top-quartile rank (rank ≤ max(1, ⌊N/4⌋) among the N ranked CSMs), the
  2.5% / 97.5% overall-score quantiles, the tiers of those two scores (the
  lowest and highest tier across the central 95% of resamples, since tier is
  monotone in the score), and ``discuss`` = those two tiers differ.

A CSM with no retention windows keeps fixed scores (zero-width interval); a
CSM with no overall score is not ranked.
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


def _book_sums(s: np.ndarray, e: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, 4) resampled NRR, GRR, logo churn, expansion rate of one book."""
    n = len(s)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
    parts = np.column_stack([s, e, np.minimum(e, s), (e <= 0).astype(float), np.maximum(e - s, 0.0)])
    sums = counts @ parts
    base = sums[:, 0]
    return np.column_stack([sums[:, 1] / base, sums[:, 2] / base, sums[:, 3] / n, sums[:, 4] / base])


def rank_intervals(
    account_windows: pd.DataFrame,
    category_scores: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    rescore: Rescore | Mapping[str, Rescore],
    n_boot: int = 1000,
    seed: int,
    tier_cuts: Any,
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

    Returns
    -------
    DataFrame, one row per CSM in ``category_scores``: ``n_windows``,
    ``overall_score`` (from the reported scores), ``score_low`` / ``score_high``
    (2.5% / 97.5%), ``median_rank``, ``rank_low`` / ``rank_high`` (2.5% /
    97.5%), ``p_top_quartile``, ``tier_low`` / ``tier_high``, ``discuss``.
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
    rng = np.random.default_rng(seed)
    n_windows = np.zeros(n_csm, dtype=int)
    slots = {c: categories.index(c) for c in _RETENTION_CATEGORIES if c in categories}
    for i, csm in enumerate(scores["csm_id"]):
        book = by_csm.get(csm)
        if book is None:
            continue
        s = book["start_arr"].to_numpy(dtype=float)
        e = pd.to_numeric(book["end_arr"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        n_windows[i] = len(s)
        metrics = _book_sums(s, e, n_boot, rng)
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
    ranks = np.full(overall.shape, np.nan)
    ranks[ranked] = stats.rankdata(-overall[ranked], axis=0, method="average")
    top_k = max(1, int(ranked.sum()) // 4)
    score_low = np.full(n_csm, np.nan)
    score_high = np.full(n_csm, np.nan)
    score_low[ranked], score_high[ranked] = np.percentile(overall[ranked], [2.5, 97.5], axis=1)
    rank_q = np.full((n_csm, 3), np.nan)
    rank_q[ranked] = np.percentile(ranks[ranked], [50, 2.5, 97.5], axis=1).T
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
            "p_top_quartile": np.where(ranked, (ranks <= top_k).mean(axis=1), np.nan),
            "tier_low": tier_low,
            "tier_high": tier_high,
        }
    )
    out["discuss"] = ranked & (tier_low != tier_high)
    return out.sort_values(["median_rank", "csm_id"], kind="stable", na_position="last").reset_index(drop=True)
