"""Funnel limits that keep their nominal rate for every book size, with overdispersion.

One rule decides where a CSM stands, and the limits drawn on the chart are
its exact inverse, so a dot, a table row and a sentence can never disagree:

* **Null distribution of the book.** Churn: the number of churns ``O`` of a
  book whose accounts churn independently with their expected probabilities
  ``p_k`` (Poisson-binomial, computed exactly by ``poisson_binomial_pmf``).
  NRR: the ARR-weighted mean residual ``D = Σ w_k ε_k`` (``w_k = S_k / ΣS``)
  with each ``ε_k`` drawn from the team's pool of account residuals
  ``r − r̂`` (a resampling, i.e. non-parametric bootstrap, null: a book of one
  account is compared with what one account does, not with a normal curve).
* **Position** ``G``: for churn the mid-p ``P(O < o) + ½ P(O = o)``, which is
  the piecewise-linear interpolation of the CDF through the points
  ``(r + ½, P(O ≤ r))`` — the interpolation of Spiegelhalter (2005), "Funnel
  plots for comparing institutional performance", Statistics in Medicine 24,
  1185-1202, Appendix A.1.1, with a continuity correction of half a count
  (without it the upper limit of a one-account book with p = 0.1 flags every
  churn: 10% false flags at 99.8%). For NRR the same interpolation of the
  resampled null's quantiles (Hazen positions ``(i − ½)/M``; tied draws
  share their mid-rank, so the interpolation has an exact inverse).
  ``z = Φ⁻¹(G)`` is the standardised position (Spiegelhalter 2005, §3.3).
* **Overdispersion**: ``φ̂ = mean(z_w²)`` over the books, with the z-scores
  winsorised at their 10% and 90% points (Spiegelhalter 2005, §3.3.3;
  Spiegelhalter, Sherlaw-Johnson et al. 2012, "Statistical methods for
  healthcare regulation", JRSS A 175, 1-47, §4.2). When ``φ̂ > 1`` the book's
  deviation from its centre is divided by ``√φ̂`` before ``G`` is taken
  (multiplicative overdispersion), i.e. every limit moves ``√φ̂`` times
  further from the centre. ``φ = 1`` otherwise.
* **Band**: ``outside_998`` when ``|z| > Φ⁻¹(0.999)``, else ``outside_95``
  when ``|z| > Φ⁻¹(0.975)``, else ``inside``. For churn, a book whose count
  can land outside the 95% limits less than :data:`MIN_ATTAINABLE` (3%) of
  the time under its own null is ``too_few`` (too few accounts to judge):
  a discrete count cannot reach the nominal rate there, and calling such
  books "inside" would promise a check they never had. The limits at level ``q`` are
  ``centre + √φ (G⁻¹(q) − centre)``: a value is beyond a limit exactly when
  its ``z`` is beyond the matching threshold.

The measured false-flag rates of this rule under a null team are printed by
``benchmarks/bench_statistics.py`` and recorded in docs/STATISTICS.md.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import CalibrateError

__all__ = [
    "Z95",
    "Z998",
    "LEVELS",
    "BANDS",
    "band_of",
    "overdispersion",
    "count_positions",
    "count_limits",
    "resampled_null",
    "sample_positions",
    "sample_limits",
    "binomial_limits",
    "z_from_positions",
    "MIN_ATTAINABLE",
    "TOO_FEW",
    "attainable_size",
    "judged_bands",
]

Z95 = float(stats.norm.ppf(0.975))
Z998 = float(stats.norm.ppf(0.999))
#: (label, two-sided level, z threshold)
LEVELS = (("95", 0.95, Z95), ("998", 0.998, Z998))
BANDS = ("inside", "outside_95", "outside_998")
_EPS = 1e-12


def band_of(z) -> np.ndarray:
    """``inside`` / ``outside_95`` / ``outside_998`` from the standardised position (NaN → ``""``)."""
    z = np.asarray(z, dtype=float)
    a = np.abs(z)
    out = np.where(a > Z998, "outside_998", np.where(a > Z95, "outside_95", "inside")).astype(object)
    out[np.isnan(z)] = ""
    return out


def overdispersion(z, *, winsor: float = 0.1) -> float:
    """Multiplicative overdispersion ``φ̂`` from winsorised z-scores (module docstring); NaN with < 5 scores."""
    z = np.asarray(z, dtype=float)
    z = z[np.isfinite(z)]
    if len(z) < 5:
        return float("nan")
    low, high = np.quantile(z, [winsor, 1 - winsor])
    return float(np.mean(np.clip(z, low, high) ** 2))


def _to_z(g) -> np.ndarray:
    return stats.norm.ppf(np.clip(np.asarray(g, dtype=float), _EPS, 1 - _EPS))


def _cdf_nodes(pmf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interpolation nodes of each book: x = r + ½ for r = −1..m, y = P(O ≤ r) (row per book)."""
    g, m1 = pmf.shape
    cdf = np.minimum(np.cumsum(pmf, axis=1), 1.0)
    x = np.arange(-1, m1) + 0.5
    y = np.column_stack([np.zeros(g), cdf])
    return np.broadcast_to(x, y.shape), y


def count_positions(pmf: np.ndarray, observed, expected, *, phi: float = 1.0) -> np.ndarray:
    """Mid-p position ``G`` of each book's count (rows of ``pmf``), after stretching by ``φ`` around ``expected``."""
    pmf = np.atleast_2d(np.asarray(pmf, dtype=float))
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    x = e + (o - e) / np.sqrt(max(phi, 1.0))
    nodes_x, nodes_y = _cdf_nodes(pmf)
    return np.array([np.interp(x[i], nodes_x[i], nodes_y[i], left=0.0, right=1.0) for i in range(len(x))])


#: A churn count of a small book can only take a few values, so its exact test cannot reach every level:
#: a book of 3 accounts with 3% churn each is flagged at 95% only with 2 churns, which happens 0.3% of the
#: time under the null. A book whose attainable false-flag rate at 95% is below this share is "too few to
#: judge" for churn instead of forever "inside" (the simulation prints the rate among books that are judged).
MIN_ATTAINABLE = 0.03
TOO_FEW = "too_few"


def attainable_size(pmf: np.ndarray, expected, *, phi: float = 1.0, z: float = Z95) -> np.ndarray:
    """Per book, the null probability that its churn count lands outside the two-sided limits at ``z``."""
    pmf = np.atleast_2d(np.asarray(pmf, dtype=float))
    e = np.asarray(expected, dtype=float)
    nodes_x, nodes_y = _cdf_nodes(pmf)
    counts = np.arange(pmf.shape[1], dtype=float)
    out = np.empty(len(e))
    for i in range(len(e)):
        x = e[i] + (counts - e[i]) / np.sqrt(max(phi, 1.0))
        g = np.interp(x, nodes_x[i], nodes_y[i], left=0.0, right=1.0)
        flagged = np.abs(_to_z(g)) > z
        out[i] = float(pmf[i][flagged].sum())
    return out


def judged_bands(z, attainable) -> np.ndarray:
    """``band_of(z)``, or ``too_few`` where the book's attainable rate is below :data:`MIN_ATTAINABLE`."""
    return np.where(np.asarray(attainable, dtype=float) >= MIN_ATTAINABLE, band_of(z), TOO_FEW)


def count_limits(pmf: np.ndarray, expected, q: float, *, phi: float = 1.0) -> np.ndarray:
    """Count at which ``G`` equals ``q`` for each book (the inverse of ``count_positions``), stretched by ``φ``."""
    pmf = np.atleast_2d(np.asarray(pmf, dtype=float))
    e = np.asarray(expected, dtype=float)
    nodes_x, nodes_y = _cdf_nodes(pmf)
    out = np.empty(len(e))
    for i in range(len(e)):
        y, x = nodes_y[i], nodes_x[i]
        # a flat stretch of the CDF (an impossible count) has no inverse: keep its first point
        keep = np.r_[True, np.diff(y) > 0]
        out[i] = np.interp(q, y[keep], x[keep])
    return e + np.sqrt(max(phi, 1.0)) * (out - e)


def resampled_null(weights_by_book: list[np.ndarray], pool: np.ndarray, *, n_draws: int, seed: int) -> list[np.ndarray]:
    """Sorted draws of ``D = Σ w_k ε_k`` per book, ``ε_k`` drawn with replacement from ``pool``.

    Books are drawn in the order given from ``default_rng(seed)``; each list
    entry holds ``n_draws`` values, ascending.
    """
    pool = np.asarray(pool, dtype=float)
    if len(pool) == 0:
        raise CalibrateError("The residual pool is empty; the NRR funnel needs the team's account residuals.")
    rng = np.random.default_rng(seed)
    out = []
    for w in weights_by_book:
        w = np.asarray(w, dtype=float)
        draws = pool[rng.integers(0, len(pool), size=(n_draws, len(w)))] @ w
        out.append(np.sort(draws))
    return out


def _nodes(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct sorted draws and their Hazen positions ``(i − ½)/M`` (tied draws share their mid-rank)."""
    values, inverse, counts = np.unique(draws, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    mid = ends - (counts - 1) / 2.0  # mid-rank of each tie group, 1-based
    return values, (mid - 0.5) / len(draws)


def sample_positions(null_sorted: list[np.ndarray], observed, centre, *, phi: float = 1.0) -> np.ndarray:
    """Position ``G`` of each observed value in its book's resampled null (Hazen interpolation), stretched by ``φ``."""
    o = np.asarray(observed, dtype=float)
    c = np.asarray(centre, dtype=float)
    x = c + (o - c) / np.sqrt(max(phi, 1.0))
    out = np.full(len(x), np.nan)
    for i, d in enumerate(null_sorted):
        if np.isfinite(x[i]):
            values, hazen = _nodes(d)
            out[i] = np.interp(x[i], values, hazen)
    return out


def sample_limits(null_sorted: list[np.ndarray], centre, q: float, *, phi: float = 1.0) -> np.ndarray:
    """Value at which ``G`` equals ``q`` in each book's resampled null, stretched by ``φ`` (the exact inverse)."""
    c = np.asarray(centre, dtype=float)
    raw = np.empty(len(null_sorted))
    for i, d in enumerate(null_sorted):
        values, hazen = _nodes(d)
        raw[i] = np.interp(q, hazen, values)
    return c + np.sqrt(max(phi, 1.0)) * (raw - c)


def binomial_limits(n, p: float, *, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial funnel limits for an unadjusted rate around ``p``, as rates, for books of ``n``.

    The count limits are the interpolated inverse of ``Binomial(n, p)``
    described in the module docstring (Spiegelhalter 2005, Appendix A.1.1,
    with the half-count correction), divided by ``n``; ``level`` is the
    two-sided coverage (0.95, 0.998).
    """
    n = np.atleast_1d(np.asarray(n, dtype=int))
    if not 0 < p < 1:
        raise CalibrateError(f"The 'p' argument must lie strictly between 0 and 1. Got {p!r} instead.")
    tail = (1 - level) / 2
    low, high = np.empty(len(n)), np.empty(len(n))
    for i, size in enumerate(n):
        pmf = stats.binom.pmf(np.arange(size + 1), size, p)[None, :]
        low[i] = count_limits(pmf, [size * p], tail)[0] / size
        high[i] = count_limits(pmf, [size * p], 1 - tail)[0] / size
    # A limit below 0 (above 1) means no count can cross it; clipping changes no comparison.
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def z_from_positions(g) -> np.ndarray:
    """``Φ⁻¹(G)``, clipped so a position of exactly 0 or 1 gives a finite z."""
    return _to_z(g)
