"""Peer cohorts and empirical-Bayes shrinkage of small books.

* **Cohort**: the CSM's ``segment``. A segment with fewer than
  ``min_cohort_size`` CSMs is pooled with the whole team: its CSMs are
  compared with everyone, ``cohort = "team"`` and ``cohort_pooled = True``.
* **Shrinkage**: each category score moves toward its cohort's mean,
  ``shrunk = m_c + w * (raw - m_c)`` with ``w = n / (n + k)``, ``n`` the
  number of accounts behind the CSM's numbers (``book_size``: accounts owned
  or attributed in P) and ``k`` the category's prior strength in accounts (a
  book of k accounts keeps half its distance from the mean). The cohort mean
  ``m_c`` is the plain mean of raw scores in the cohort. This is the
  normal-normal empirical-Bayes posterior mean when one account's noise
  variance is ``k`` times the between-CSM variance. ``k`` is estimated per
  category from the team's scores by ``score_prior_strength`` (penalised
  REML centred on ``shrinkage_k``, params, default 8); with
  ``scoring.shrinkage: fixed`` it is ``shrinkage_k`` for every category.
* **Per-metric empirical Bayes** (``beta_binomial_prior`` / ``shrink_rate``
  for rates such as churn, ``normal_prior`` / ``shrink_normal`` for ratios
  such as NRR): the prior is estimated from the team's books, so its
  strength ("a book needs about M accounts before its own rate counts for
  half") comes from the data. These feed the team statistics
  (``calibrate.models.team_stats``); the estimators, their references and
  their fallback with few books are in docs/STATISTICS.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "TEAM_COHORT",
    "MIN_BOOKS_FOR_PRIOR",
    "Prior",
    "assign_cohorts",
    "shrink_to_cohort",
    "cohort_means",
    "score_prior_strength",
    "category_shrink_weights",
    "SCORE_PRIOR_LOG_SD",
    "shrinkage_weight",
    "beta_binomial_prior",
    "shrink_rate",
    "normal_prior",
    "shrink_normal",
]

TEAM_COHORT = "team"


def assign_cohorts(segments: pd.Series, *, min_cohort_size: int) -> pd.DataFrame:
    """Cohort per CSM: ``cohort``, ``cohort_pooled``, ``cohort_size`` (CSMs compared), index as ``segments``."""
    seg = segments.astype("string").fillna("(none)")
    sizes = seg.map(seg.value_counts())
    pooled = (sizes < min_cohort_size).to_numpy(bool)
    cohort = seg.where(~pooled, TEAM_COHORT)
    size = np.where(pooled, len(seg), sizes.to_numpy())
    return pd.DataFrame({"cohort": cohort.astype("string"), "cohort_pooled": pooled, "cohort_size": size.astype(int)}, index=segments.index)


def shrinkage_weight(n, *, k: float) -> np.ndarray:
    """``w = n / (n + k)``; ``k = 0`` means no shrinkage (w = 1), ``n = 0`` means w = 0."""
    n = np.asarray(n, dtype=float)
    if k <= 0:
        return np.ones_like(n)
    return n / (n + k)


def cohort_means(raw: pd.DataFrame, cohorts: pd.DataFrame) -> np.ndarray:
    """Each row's cohort mean of every column of ``raw`` (plain mean of non-NaN values; the team's for pooled rows)."""
    values = raw.to_numpy(dtype=float)
    means = np.tile(_column_means(values), (len(values), 1))
    labels = cohorts["cohort"].to_numpy(dtype=object)
    for label in pd.unique(labels):
        if label != TEAM_COHORT:
            rows = labels == label
            means[rows] = _column_means(values[rows])
    return means


def shrink_to_cohort(raw: pd.DataFrame, cohorts: pd.DataFrame, book_size, *, k) -> pd.DataFrame:
    """Shrink every column of ``raw`` toward its cohort mean (module docstring).

    ``k`` is one prior strength for every column or a mapping ``column ->
    strength``. ``raw`` and ``cohorts`` share an index; NaN scores stay NaN
    and do not count in the cohort mean. Pooled CSMs' mean is the whole team's.
    """
    values = raw.to_numpy(dtype=float)
    strengths = [float(k[c]) if isinstance(k, Mapping) else float(k) for c in raw.columns]
    weight = np.column_stack([shrinkage_weight(book_size, k=s) for s in strengths]) if strengths else np.ones_like(values)
    means = cohort_means(raw, cohorts)
    shrunk = np.where(np.isnan(means), values, means + weight * (values - means))
    return pd.DataFrame(shrunk, index=raw.index, columns=raw.columns)


def _column_means(block: np.ndarray) -> np.ndarray:
    """Mean of each column over its non-NaN values; NaN for an all-NaN column."""
    has = ~np.isnan(block)
    counts = has.sum(axis=0)
    totals = np.where(has, block, 0.0).sum(axis=0)
    return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


# ---------------------------------------------------------------------------
# Empirical-Bayes shrinkage of one metric with the prior estimated from the team
# ---------------------------------------------------------------------------

#: Fewer books with data than this and the prior is not estimated (see ``beta_binomial_prior``).
MIN_BOOKS_FOR_PRIOR = 5


@dataclass(frozen=True)
class Prior:
    """An estimated prior for one metric in one cohort.

    ``mean`` is the prior centre; ``strength`` is in accounts: a book with
    that many accounts (effective accounts for a ratio) counts for half, the
    prior for the other half. ``source`` is ``"estimated"``, ``"no_spread"``
    (the books vary no more than chance would make them: the strength is
    capped at the accounts the estimate came from) or ``"default"`` (too few
    books to estimate; the fallback strength was used). ``n_books`` and
    ``n_accounts`` are what the estimate was made from.
    """

    mean: float
    strength: float
    source: str
    n_books: int
    n_accounts: float


def beta_binomial_prior(events, trials, *, fallback_strength: float, min_books: int = MIN_BOOKS_FOR_PRIOR) -> Prior:
    """Method-of-moments Beta(a, b) prior for rates ``events / trials`` across books.

    Reference: Kleinman, J. C. (1973), "Proportions with extraneous variance:
    single and independent samples", JASA 68, 46-54 (moment estimator of the
    intra-class correlation ρ of the beta-binomial with unequal book sizes).
    With ``p̂ = Σx / Σn`` (N = Σn accounts, k books) and
    ``S = Σ n_i (x_i/n_i − p̂)²``, the expectation ``E[S] = p(1−p) [(k − 1) +
    ρ (N − Σn_i²/N)]`` gives ``ρ̂ = (S / (p̂(1−p̂)) − (k − 1)) / (N − Σn_i²/N)``
    and the prior strength ``M = a + b = (1 − ρ̂) / ρ̂``. The posterior mean of
    a book is ``(x_i + M p̂) / (n_i + M)``.

    Fallbacks, stated in ``source``: fewer than ``min_books`` books with an
    account, or a pooled rate of exactly 0 or 1 → ``fallback_strength``
    (``default``); ``ρ̂ ≤ 0`` or ``M > N`` → ``M = N`` (``no_spread``: the
    prior cannot carry more accounts than the team has).
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(trials, dtype=float)
    keep = np.isfinite(x) & np.isfinite(n) & (n > 0)
    x, n = x[keep], n[keep]
    k, total = len(n), float(n.sum())
    if k == 0:
        return Prior(float("nan"), float(fallback_strength), "default", 0, 0.0)
    p = float(x.sum() / total)
    if k < min_books or p <= 0.0 or p >= 1.0:
        return Prior(p, float(fallback_strength), "default", k, total)
    spread = float(np.sum(n * (x / n - p) ** 2))
    denominator = total - float(np.sum(n**2)) / total
    rho = (spread / (p * (1 - p)) - (k - 1)) / denominator if denominator > 0 else 0.0
    if rho <= 0 or (1 - rho) / rho > total:
        return Prior(p, total, "no_spread", k, total)
    return Prior(p, float((1 - rho) / rho), "estimated", k, total)


def shrink_rate(events, trials, prior: Prior) -> np.ndarray:
    """Posterior mean ``(x + M p̂) / (n + M)`` of each book's rate; the prior mean where ``n = 0``."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(trials, dtype=float)
    return (x + prior.strength * prior.mean) / (n + prior.strength)


def normal_prior(values, variances, *, unit_variance: float, fallback_strength: float,
                 min_books: int = MIN_BOOKS_FOR_PRIOR) -> Prior:
    """Normal prior N(μ, τ²) for book values ``y_i`` observed with their own sampling variances ``v_i``.

    Reference: DerSimonian, R. and Laird, N. (1986), "Meta-analysis in
    clinical trials", Controlled Clinical Trials 7, 177-188, eq. (8): with
    ``w_i = 1/v_i``, ``ȳ = Σw y / Σw`` and ``Q = Σ w_i (y_i − ȳ)²``,
    ``τ̂² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw))``; the prior mean is the
    precision-weighted mean ``μ̂ = Σ y_i/(v_i + τ̂²) / Σ 1/(v_i + τ̂²)``
    (the normal model of Efron & Morris 1975, JASA 70, 311-319, with unequal
    variances). ``unit_variance`` is the sampling variance of one average
    account, so the strength in accounts is ``unit_variance / τ̂²``: a book of
    that many effective accounts has ``v_i = τ̂²`` and counts for half.

    Fallbacks as ``beta_binomial_prior``: too few books → ``fallback_strength``
    (``default``); ``τ̂² = 0`` or a strength above the accounts behind the
    estimate → that number of accounts (``no_spread``).
    """
    y = np.asarray(values, dtype=float)
    v = np.asarray(variances, dtype=float)
    keep = np.isfinite(y) & np.isfinite(v) & (v > 0)
    y, v = y[keep], v[keep]
    k = len(y)
    accounts = float(np.sum(unit_variance / v)) if k and unit_variance > 0 else 0.0
    if k == 0 or not np.isfinite(unit_variance) or unit_variance <= 0:
        return Prior(float("nan"), float(fallback_strength), "default", k, accounts)
    w = 1.0 / v
    if k < min_books:
        return Prior(float(np.sum(w * y) / np.sum(w)), float(fallback_strength), "default", k, accounts)
    mean_w = float(np.sum(w * y) / np.sum(w))
    q = float(np.sum(w * (y - mean_w) ** 2))
    tau2 = max(0.0, (q - (k - 1)) / (float(np.sum(w)) - float(np.sum(w**2)) / float(np.sum(w))))
    if tau2 <= 0 or unit_variance / tau2 > accounts:
        return Prior(mean_w, accounts, "no_spread", k, accounts)
    wt = 1.0 / (v + tau2)
    return Prior(float(np.sum(wt * y) / np.sum(wt)), float(unit_variance / tau2), "estimated", k, accounts)


def shrink_normal(values, variances, prior: Prior, *, unit_variance: float) -> np.ndarray:
    """Posterior mean ``μ + τ²/(τ² + v_i) (y_i − μ)`` with ``τ² = unit_variance / strength``; μ where y is NaN."""
    y = np.asarray(values, dtype=float)
    v = np.asarray(variances, dtype=float)
    tau2 = unit_variance / prior.strength if prior.strength > 0 else np.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(np.isfinite(v) & (v >= 0), tau2 / (tau2 + v), 0.0)
    return np.where(np.isnan(y), prior.mean, prior.mean + weight * (y - prior.mean))


#: Spread of the hyperprior on log k in ``score_prior_strength``: one log unit (a factor of e either way).
SCORE_PRIOR_LOG_SD = 1.0
_K_GRID = np.geomspace(0.25, 5000.0, 161)


def score_prior_strength(values, book_size, cohort_labels, *, default_k: float,
                         min_books: int = MIN_BOOKS_FOR_PRIOR, log_sd: float = SCORE_PRIOR_LOG_SD) -> Prior:
    """Prior strength ``k`` (accounts) of one category score, estimated from the team's books.

    Model: a CSM's raw score is ``y_i = θ_i + e_i`` with ``θ_i ~ N(μ_c, τ²)``
    around the cohort's centre and ``Var(e_i) = σ²/n_i`` for a book of ``n_i``
    accounts, so ``Var(y_i) = τ² (1 + k/n_i)`` with ``k = σ²/τ²``. For each
    ``k`` on a log grid the REML profile likelihood is maximised over τ² and
    the cohort centres in closed form (weights ``1/(1 + k/n_i)``), and ``k`` is
    the maximiser of that likelihood times a log-normal hyperprior centred on
    ``default_k`` with ``log_sd`` (a penalised likelihood that keeps the
    estimate off the τ² = 0 boundary, as in Chung, Rabe-Hesketh, Dorie, Gelman
    and Liu (2013), "A nondegenerate penalized likelihood estimator for
    variance parameters in multilevel models", Psychometrika 78, 685-709).
    Books separate σ² from τ² only through their different sizes, so a small
    team stays near ``default_k`` and a large one moves to what its books show
    (``benchmarks/bench_statistics.py`` prints the squared-error gain).

    ``source``: ``"estimated"``; ``"default"`` with fewer than ``min_books``
    books with a score and an account, or ``default_k <= 0`` (shrinkage off).
    """
    y = np.asarray(values, dtype=float)
    n = np.asarray(book_size, dtype=float)
    labels = np.asarray(cohort_labels, dtype=object)
    keep = np.isfinite(y) & np.isfinite(n) & (n > 0)
    y, n, labels = y[keep], n[keep], labels[keep]
    books, accounts = len(y), float(n.sum())
    groups = [labels == g for g in pd.unique(labels)]
    dof = books - len(groups)
    if default_k <= 0 or books < min_books or dof < 2:
        return Prior(float(np.mean(y)) if books else float("nan"), float(max(default_k, 0.0)), "default", books, accounts)
    best_k, best = float(default_k), -np.inf
    for k in _K_GRID:
        w = 1.0 / (1.0 + k / n)
        resid = np.empty_like(y)
        log_info = 0.0
        for rows in groups:
            centre = np.sum(w[rows] * y[rows]) / np.sum(w[rows])
            resid[rows] = y[rows] - centre
            log_info += np.log(np.sum(w[rows]))
        tau2 = float(np.sum(w * resid**2)) / dof
        if not tau2 > 0:
            continue
        loglik = -0.5 * (np.sum(np.log(tau2 / w)) + dof) - 0.5 * (log_info - len(groups) * np.log(tau2))
        penalised = loglik - 0.5 * ((np.log(k) - np.log(default_k)) / log_sd) ** 2
        if penalised > best:
            best_k, best = float(k), penalised
    if not np.isfinite(best):
        return Prior(float(np.mean(y)), float(default_k), "default", books, accounts)
    return Prior(float(np.mean(y)), best_k, "estimated", books, accounts)


def category_shrink_weights(categories: pd.DataFrame, category: str) -> pd.Series:
    """The own-data weight ``n/(n + k)`` scoring gave each CSM's ``category`` score (index as ``categories``).

    Read from ``shrink_strength_<category>`` and ``book_size``; a table
    without per-category strengths falls back to its ``shrink_weight``; 1
    (no shrinkage) where neither is known.
    """
    column = f"shrink_strength_{category}"
    if column in categories and "book_size" in categories:
        k = pd.to_numeric(categories[column], errors="coerce").to_numpy(float)
        n = pd.to_numeric(categories["book_size"], errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(k > 0, n / (n + k), 1.0)
        return pd.Series(w, index=categories.index).fillna(1.0)
    return pd.to_numeric(categories["shrink_weight"], errors="coerce").fillna(1.0)
