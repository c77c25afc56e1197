"""Account-level bootstrap, done on index arrays so 1,000 resamples stay fast.

Resampling is by account (rows of one account move together) because an
account's quarters are not independent. One replicate ``b`` draws ``A``
accounts with replacement; ``c_ba`` is how often account ``a`` was drawn, and
every row of account ``a`` gets weight ``c_ba``. A statistic on the replicate
is the same statistic with those row weights, so predictions are computed
once and only the metric is recomputed.

Replicates are generated chunk by chunk from ``(seed, chunk number)``, so
every consumer that asks for them sees the same draws: two models scored on
the same plan are PAIRED (the same resampled accounts), which is what an
interval on their difference needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

__all__ = [
    "BootstrapPlan",
    "fast_auc",
    "weighted_auc_rows",
    "bootstrap_auc",
    "bootstrap_sums",
    "percentile_interval",
]


@dataclass(frozen=True)
class BootstrapPlan:
    """``n_boot`` account-level resamples of ``n_accounts`` accounts, seeded.

    ``chunks()`` yields ``(start, counts)`` with ``counts`` a float32 array of
    shape ``(chunk, n_accounts)`` holding ``c_ba``. Chunk ``k`` is drawn from
    ``default_rng([seed, k])`` and kept (as small integers) after its first
    use, so every consumer sees the same draws and none pays for them twice.
    """

    n_accounts: int
    n_boot: int
    seed: int
    chunk_size: int = 50
    _drawn: dict = field(default_factory=dict, compare=False, repr=False)

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        for number, start in enumerate(range(0, self.n_boot, self.chunk_size)):
            if number not in self._drawn:
                self._drawn[number] = self._draw(number, min(self.chunk_size, self.n_boot - start))
            yield start, self._drawn[number].astype(np.float32)

    def _draw(self, number: int, size: int) -> np.ndarray:
        a = self.n_accounts
        rng = np.random.default_rng([self.seed, number])
        draws = rng.integers(0, a, size=(size, a), dtype=np.int64)
        flat = (draws + (np.arange(size, dtype=np.int64) * a)[:, None]).ravel()
        counts = np.bincount(flat, minlength=size * a).reshape(size, a)
        return counts.astype(np.uint8 if counts.max(initial=0) < 256 else np.uint16)


def fast_auc(y_true: np.ndarray, score: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """ROC AUC by ranks; equals ``sklearn.metrics.roc_auc_score`` (ties count 1/2).

    ``AUC = sum_{i pos} w_i (W_neg(s < s_i) + W_neg(s = s_i) / 2) / (W_pos W_neg)``.
    NaN when either class has no weight.
    """
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(score, dtype=float)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    order = np.argsort(s, kind="mergesort")
    starts = _tie_starts(s[order])
    return float(weighted_auc_rows(w[order][None, :], y[order], starts)[0])


def _tie_starts(sorted_scores: np.ndarray) -> np.ndarray:
    if len(sorted_scores) == 0:
        return np.zeros(0, dtype=np.intp)
    change = np.flatnonzero(np.diff(sorted_scores) != 0) + 1
    return np.r_[0, change].astype(np.intp)


def weighted_auc_rows(weights: np.ndarray, y_sorted: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """AUC for each row of ``weights`` (shape ``(b, n)``, columns in score order).

    ``starts`` are the first positions of each run of tied scores.
    """
    if weights.shape[1] == 0:
        return np.full(weights.shape[0], np.nan)
    pos = weights * y_sorted
    neg = weights - pos
    group_pos = np.add.reduceat(pos, starts, axis=1)
    group_neg = np.add.reduceat(neg, starts, axis=1)
    below = np.cumsum(group_neg, axis=1) - group_neg
    has_pos = np.flatnonzero(group_pos.any(axis=0))
    numerator = np.einsum("bg,bg->b", group_pos[:, has_pos], below[:, has_pos] + 0.5 * group_neg[:, has_pos])
    total_pos = group_pos.sum(axis=1)
    total_neg = group_neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = numerator / (total_pos * total_neg)
    auc[(total_pos == 0) | (total_neg == 0)] = np.nan
    return auc


def bootstrap_auc(
    y_true: np.ndarray,
    scores: dict[str, np.ndarray],
    row_account: np.ndarray,
    plan: BootstrapPlan,
) -> dict[str, np.ndarray]:
    """AUC of every score on each of ``plan``'s resamples (arrays of length ``n_boot``).

    ``row_account[i]`` is the account number (0..n_accounts-1) of row ``i``.
    All scores see the same resamples, so their differences are paired.

    The pairs are counted per account: with ``g`` the distinct scores of the
    positive rows (ascending), ``Pos[a, g]`` counts account ``a``'s positive
    rows scoring ``g``, ``Below[a, g]`` its negative rows scoring between
    positive score ``g-1`` and ``g`` and ``Tie[a, g]`` those scoring exactly
    ``g``. For resample counts ``c`` (one row per replicate):
    ``AUC = sum_g (c Pos)_g (cumsum_g (c Below) + (c Tie)_g / 2) / ((c n_pos)(c n_neg))``.
    Only sparse products of size (accounts x distinct positive scores) are needed,
    never the full rows x replicates matrix.
    """
    y = np.asarray(y_true).astype(bool)
    accounts = np.asarray(row_account, dtype=np.intp)
    n_acc = plan.n_accounts
    totals = np.column_stack([
        np.bincount(accounts[y], minlength=n_acc),
        np.bincount(accounts[~y], minlength=n_acc),
    ]).astype(float)
    prepared = {name: _pair_matrices(np.asarray(score, dtype=float), y, accounts, n_acc)
                for name, score in scores.items()}
    out = {name: np.empty(plan.n_boot) for name in scores}
    for start, counts in plan.chunks():
        stop = start + len(counts)
        both = counts.astype(np.float64) @ totals
        denominator = both[:, 0] * both[:, 1]
        counts_t = np.ascontiguousarray(counts.T)
        for name, (pos_t, below_t, tie_t) in prepared.items():
            # float32 products are exact here (integer counts far below 2**24); sums in float64
            pos = (pos_t @ counts_t).T.astype(np.float64)
            below = np.cumsum((below_t @ counts_t).T, axis=1, dtype=np.float64)
            tie = (tie_t @ counts_t).T.astype(np.float64)
            numerator = np.einsum("bg,bg->b", pos, below + 0.5 * tie)
            with np.errstate(invalid="ignore", divide="ignore"):
                auc = numerator / denominator
            auc[denominator == 0] = np.nan
            out[name][start:stop] = auc
    return out


def _pair_matrices(score: np.ndarray, y: np.ndarray, accounts: np.ndarray, n_acc: int):
    """Sparse (distinct positive scores x accounts) counts: positives, negatives below, ties."""
    from scipy import sparse

    positive_scores = np.unique(score[y])
    n_groups = len(positive_scores)
    shape = (n_groups, n_acc)
    pos_group = np.searchsorted(positive_scores, score[y])
    neg_scores, neg_accounts = score[~y], accounts[~y]
    above = np.searchsorted(positive_scores, neg_scores, side="right")
    tied_at = np.searchsorted(positive_scores, neg_scores, side="left")
    is_tie = tied_at < above
    below_ok = above < n_groups

    def matrix(rows: np.ndarray, cols: np.ndarray):
        data = np.ones(len(rows), dtype=np.float32)
        return sparse.csr_matrix((data, (rows, cols)), shape=shape, dtype=np.float32)

    return (
        matrix(pos_group, accounts[y]),
        matrix(above[below_ok], neg_accounts[below_ok]),
        matrix(tied_at[is_tie], neg_accounts[is_tie]),
    )


def bootstrap_sums(per_account: np.ndarray, plan: BootstrapPlan) -> np.ndarray:
    """Resampled column totals: ``counts @ per_account`` for every replicate, shape ``(n_boot, k)``.

    ``per_account`` has one row per account (in the plan's numbering) and one
    column per additive quantity (rows, events, flagged rows, ...); ratios of
    these totals give the bootstrap distribution of precision, base rate and lift.
    """
    totals = np.empty((plan.n_boot, per_account.shape[1]))
    for start, counts in plan.chunks():
        totals[start:start + len(counts)] = counts.astype(np.float64) @ per_account
    return totals


def percentile_interval(values: np.ndarray, *, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the finite replicates; (NaN, NaN) when fewer than 10."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 10:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)
