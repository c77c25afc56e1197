"""Ratings and tiers across the team against a target distribution.

For K categories with observed counts O_i (N = Σ O_i) and target shares
π_i (Σ π_i = 1): expected counts E_i = N π_i, Pearson's
χ² = Σ (O_i − E_i)² / E_i on K − 1 degrees of freedom (``scipy.stats.chisquare``).

The χ² approximation needs every E_i ≥ 5; a team of 10 with a 10% target
expects one "needs development". So when the enumeration is small enough the
exact multinomial test is reported too: p = Σ P(x) over every outcome x with
Σ x = N whose probability under the target is no larger than the observed
one's (P from ``scipy.stats.multinomial``). The plain-language note is driven
by the exact p when it exists, else by χ².
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import CalibrateError, InsufficientDataError

__all__ = [
    "DistributionCheck",
    "distribution_vs_target",
    "rating_distribution",
    "tier_distribution",
    "exact_multinomial_p",
    "RATING_ORDER",
    "TIER_LABELS",
]

RATING_ORDER = ("exceeds", "meets", "needs_development")
TIER_LABELS = ("top", "strong", "solid", "under")
_MAX_OUTCOMES = 400_000
_ALPHA = 0.05


@dataclass(frozen=True)
class DistributionCheck:
    """``table``: one row per category (``category``, ``count``, ``share``, ``target_share``,
    ``expected_count``, ``difference`` = count − expected). Test fields are None without a target."""

    table: pd.DataFrame
    n: int
    chi2: float | None
    chi2_p: float | None
    dof: int | None
    exact_p: float | None
    min_expected: float | None
    chi2_reliable: bool | None
    note: str


def exact_multinomial_p(observed: Sequence[int], probs: Sequence[float]) -> float | None:
    """Exact multinomial goodness-of-fit p, or None when there are too many outcomes to list.

    p = Σ_{x: P(x) <= P(observed)} P(x), over all x with Σ x = Σ observed.
    """
    observed = np.asarray(observed, dtype=int)
    probs = np.asarray(probs, dtype=float)
    n, k = int(observed.sum()), len(observed)
    if math.comb(n + k - 1, k - 1) > _MAX_OUTCOMES:
        return None
    bars = np.array(list(itertools.combinations(range(n + k - 1), k - 1)), dtype=int).reshape(-1, k - 1)
    edges = np.column_stack([np.full(len(bars), -1), bars, np.full(len(bars), n + k - 1)])
    outcomes = np.diff(edges, axis=1) - 1
    log_p = stats.multinomial.logpmf(outcomes, n, probs)
    log_obs = stats.multinomial.logpmf(observed, n, probs)
    # A relative tolerance keeps outcomes tied with the observed one in the tail.
    keep = log_p <= log_obs + 1e-7
    return float(min(1.0, np.exp(log_p[keep]).sum()))


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _note(n: int, counts: np.ndarray, target: np.ndarray, labels: Sequence[str], p: float | None,
          reliable: bool, min_expected: float, used_exact: bool) -> str:
    parts: list[str] = []
    if not reliable:
        parts.append(
            f"With {n} people the smallest expected count is {min_expected:.1f}, below 5, too few for the usual quick "
            f"test (chi-square), which is unreliable there" + ("; an exact test that counts every possible spread is used instead." if used_exact
                                    else "; read its p-value as a rough guide only.")
        )
    gap = counts / n - target
    widest = int(np.argmax(np.abs(gap)))
    direction = "more" if gap[widest] > 0 else "fewer"
    which = f"{direction} '{str(labels[widest]).replace('_', ' ')}' than the target ({counts[widest]} of {n}, {counts[widest] / n:.0%} vs {target[widest]:.0%})"
    if p is None:
        parts.append(f"The largest gap is {which}; no test was possible.")
    elif p >= _ALPHA:
        parts.append(
            f"The largest gap is {which}, but p = {p:.2f}: a spread this far from the target is common by chance "
            f"at a team of {n}, so it is not evidence of lenient or harsh rating."
        )
    else:
        parts.append(
            f"The largest gap is {which}, and {_p_text(p)}: chance alone rarely produces this, so ask whether the "
            "ratings or the target are out of line — the test cannot say which."
        )
    if n < 20 and (p is None or p >= _ALPHA):
        parts.append("At this size only a very lopsided spread could show anything; compare the evidence behind each rating instead.")
    return " ".join(parts)


def distribution_vs_target(
    labels: pd.Series | Sequence[str],
    *,
    categories: Sequence[str],
    target: Mapping[str, float] | None = None,
) -> DistributionCheck:
    """Counts and shares of ``labels`` over ``categories``; with ``target``, χ² and exact tests.

    Parameters
    ----------
    labels : Series or sequence of str
        One label per person (missing values are left out of N).
    categories : sequence of str
        Every category, in display order; a label outside it raises.
    target : mapping, optional
        Category -> target share (sums to 1). A category missing from it has target 0.
    """
    values = pd.Series(labels, dtype="string").dropna().str.strip().str.lower()
    unknown = sorted(set(values) - set(categories))
    if unknown:
        raise InsufficientDataError(
            f"Unknown label(s) {', '.join(map(repr, unknown))}; expected one of {', '.join(categories)}. "
            "Check the rating or tier column passed in."
        )
    n = int(len(values))
    if n == 0:
        raise InsufficientDataError("No labels to count: the rating or tier column is empty for every person.")
    counts = np.array([int((values == c).sum()) for c in categories])
    table = pd.DataFrame({"category": list(categories), "count": counts, "share": counts / n})
    if target is None:
        return DistributionCheck(table, n, None, None, None, None, None, None,
                                 "No target distribution is set for these labels; counts and shares only.")
    shares = np.array([float(target.get(c, 0.0)) for c in categories])
    if abs(shares.sum() - 1) > 1e-6 or (shares < 0).any():
        raise CalibrateError(f"The target shares must be >= 0 and add up to 1. Got {dict(zip(categories, shares))} instead.")
    expected = n * shares
    table = table.assign(target_share=shares, expected_count=expected, difference=counts - expected)
    in_test = expected > 0
    if (counts[~in_test] > 0).any():
        # A category the target rules out altogether but that was used: no chance model explains it.
        chi2, chi2_p, exact_p = math.inf, 0.0, 0.0
    else:
        res = stats.chisquare(counts[in_test], expected[in_test])
        chi2, chi2_p = float(res.statistic), float(res.pvalue)
        exact_p = exact_multinomial_p(counts[in_test], shares[in_test]) if in_test.sum() > 1 else 1.0
    dof = int(in_test.sum()) - 1
    min_expected = float(expected[in_test].min())
    reliable = min_expected >= 5
    p = exact_p if exact_p is not None else chi2_p
    note = _note(n, counts, shares, categories, p, reliable, min_expected, exact_p is not None)
    return DistributionCheck(table, n, chi2, chi2_p, dof, exact_p, min_expected, reliable, note)


def rating_distribution(
    ratings: pd.Series | Sequence[str],
    *,
    target_exceeds: float,
    target_meets: float,
    target_needs_development: float,
) -> DistributionCheck:
    """Ratings vs ``params.scoring.target_distribution_*`` (see ``distribution_vs_target``)."""
    target = {"exceeds": target_exceeds, "meets": target_meets, "needs_development": target_needs_development}
    return distribution_vs_target(ratings, categories=RATING_ORDER, target=target)


def tier_distribution(tiers: pd.Series | Sequence[str], *, target: Mapping[str, float] | None = None) -> DistributionCheck:
    """Tiers (top / strong / solid / under); tested only when a target is given."""
    return distribution_vs_target(tiers, categories=TIER_LABELS, target=target)
