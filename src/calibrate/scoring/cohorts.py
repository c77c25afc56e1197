"""Peer cohorts and empirical-Bayes shrinkage of small books.

* **Cohort**: the CSM's ``segment``. A segment with fewer than
  ``min_cohort_size`` CSMs is pooled with the whole team: its CSMs are
  compared with everyone, ``cohort = "team"`` and ``cohort_pooled = True``.
* **Shrinkage**: each category score moves toward its cohort's mean,
  ``shrunk = m_c + w * (raw - m_c)`` with ``w = n / (n + k)``, ``n`` the
  number of accounts behind the CSM's numbers (``book_size``: accounts owned
  or attributed in P) and ``k = shrinkage_k`` (params, default 8: a book of 8
  accounts keeps half its distance from the mean, 40 accounts keep 83%). The
  cohort mean ``m_c`` is the plain mean of raw scores in the cohort. This is
  the normal-normal empirical-Bayes posterior mean when an account's noise
  variance is ``k`` times the between-CSM variance; k is a documented default,
  not estimated, so the same book gets the same weight every quarter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TEAM_COHORT", "assign_cohorts", "shrink_to_cohort", "shrinkage_weight"]

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


def shrink_to_cohort(raw: pd.DataFrame, cohorts: pd.DataFrame, book_size, *, k: float) -> pd.DataFrame:
    """Shrink every column of ``raw`` toward its cohort mean (module docstring).

    ``raw`` and ``cohorts`` share an index; NaN scores stay NaN and do not
    count in the cohort mean. Pooled CSMs' mean is the whole team's.
    """
    values = raw.to_numpy(dtype=float)
    weight = shrinkage_weight(book_size, k=k)[:, None]
    means = np.tile(_column_means(values), (len(values), 1))
    labels = cohorts["cohort"].to_numpy(dtype=object)
    for label in pd.unique(labels):
        if label != TEAM_COHORT:
            rows = labels == label
            means[rows] = _column_means(values[rows])
    shrunk = np.where(np.isnan(means), values, means + weight * (values - means))
    return pd.DataFrame(shrunk, index=raw.index, columns=raw.columns)


def _column_means(block: np.ndarray) -> np.ndarray:
    """Mean of each column over its non-NaN values; NaN for an all-NaN column."""
    has = ~np.isnan(block)
    counts = has.sum(axis=0)
    totals = np.where(has, block, 0.0).sum(axis=0)
    return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)
