"""Category scores 0..100 from metrics against targets.

Each metric x with target t (``params.scoring.targets``) is scored by a clipped
piecewise-linear map that gives 75 at the target:

* higher is better, ``d = x - t``; lower is better, ``d = t - x``
* ``d >= 0``: ``score = 75 + 25 * min(d / above, 1)`` (100 at ``above`` past the target)
* ``d <  0``: ``score = 75 * max(1 + d / below, 0)`` (0 at ``below`` short of it)

``above`` and ``below`` are fixed per metric (``METRIC_SCALES``), in the
metric's own unit, so moving a target moves the whole curve. The one metric
without a target is the distance of the override rate from its band,
``override_band_distance = max(low - rate, rate - high, 0)``, scored
``100 * max(1 - distance / 0.25, 0)`` (100 inside the band).

A category score is the plain mean of the scores of its metrics that have a
value (``CATEGORY_METRICS``); NaN when none has. Every map is non-decreasing
in "better", so raising a higher-is-better metric never lowers its category.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import CATEGORIES, Targets

__all__ = [
    "MetricScale",
    "METRIC_SCALES",
    "CATEGORY_METRICS",
    "metric_score",
    "metric_scores",
    "category_scores",
    "override_band_distance",
]

TARGET_SCORE = 75.0


@dataclass(frozen=True)
class MetricScale:
    """How one metric maps to 0..100: direction and the spans around its target."""

    higher_is_better: bool
    below: float
    above: float
    target_score: float = TARGET_SCORE


METRIC_SCALES: dict[str, MetricScale] = {
    # Retention spans are per quarter, like the targets (see docs/SCORING.md).
    "nrr": MetricScale(True, below=0.15, above=0.075),
    "grr": MetricScale(True, below=0.12, above=0.018),
    "logo_churn_rate": MetricScale(False, below=0.10, above=0.015),
    "expansion_rate": MetricScale(True, below=0.03, above=0.05),
    "avg_health": MetricScale(True, below=35.0, above=15.0),
    "health_change": MetricScale(True, below=15.0, above=10.0),
    "red_recovery": MetricScale(True, below=0.5, above=0.5),
    "qbr_coverage": MetricScale(True, below=0.6, above=0.1),
    "proactive_share": MetricScale(True, below=0.4, above=0.2),
    "sla_adherence": MetricScale(True, below=0.4, above=0.1),
    "time_to_value_days": MetricScale(False, below=60.0, above=20.0),
    "nps": MetricScale(True, below=60.0, above=30.0),
    "csat": MetricScale(True, below=1.5, above=0.5),
    "net_retention_per_cost": MetricScale(True, below=3.2, above=1.6),
    "customer_facing_hours_per_week": MetricScale(True, below=13.0, above=7.0),
    "ai_coverage": MetricScale(True, below=0.65, above=0.15),
    # Target 0 (inside the band) scores 100; 0.25 outside the band scores 0.
    "override_band_distance": MetricScale(False, below=0.25, above=1.0, target_score=100.0),
}

CATEGORY_METRICS: dict[str, tuple[str, ...]] = {
    "retention": ("nrr", "grr", "logo_churn_rate"),
    "expansion": ("expansion_rate",),
    "health": ("avg_health", "health_change", "red_recovery"),
    "engagement": ("qbr_coverage", "proactive_share", "sla_adherence", "time_to_value_days"),
    "satisfaction": ("nps", "csat"),
    "efficiency": ("net_retention_per_cost", "customer_facing_hours_per_week"),
    "ai_productivity": ("ai_coverage", "override_band_distance"),
}
assert tuple(CATEGORY_METRICS) == CATEGORIES


def metric_score(values, scale: MetricScale, target: float) -> np.ndarray:
    """Score each value 0..100 against ``target`` (formula in the module docstring); NaN stays NaN."""
    x = np.asarray(values, dtype=float)
    d = x - target if scale.higher_is_better else target - x
    top = scale.target_score
    up = top + (100.0 - top) * np.minimum(np.maximum(d, 0.0) / scale.above, 1.0)
    down = top * np.maximum(1.0 + np.minimum(d, 0.0) / scale.below, 0.0)
    return np.where(d >= 0, up, down)


def override_band_distance(override_rate, *, low: float, high: float) -> np.ndarray:
    """``max(low - rate, rate - high, 0)``: how far the override rate is outside its band."""
    rate = np.asarray(override_rate, dtype=float)
    return np.maximum(np.maximum(low - rate, rate - high), 0.0)


def metric_scores(metrics: pd.DataFrame, *, targets: Targets, override_band_low: float, override_band_high: float) -> pd.DataFrame:
    """One ``0..100`` column per scored metric (named like the metric), same index as ``metrics``."""
    values = metrics.reindex(columns=[m for m in METRIC_SCALES if m != "override_band_distance"]).astype(float)
    values["override_band_distance"] = override_band_distance(
        metrics["override_rate"] if "override_rate" in metrics else np.nan, low=override_band_low, high=override_band_high
    )
    out = {}
    for name, scale in METRIC_SCALES.items():
        target = 0.0 if name == "override_band_distance" else float(getattr(targets, name))
        out[name] = metric_score(values[name].to_numpy(), scale, target)
    return pd.DataFrame(out, index=metrics.index)


def category_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of the available metric scores per category (``CATEGORY_METRICS``); NaN when none."""
    out = {}
    for category, names in CATEGORY_METRICS.items():
        block = scores[list(names)].to_numpy(dtype=float)
        count = np.sum(~np.isnan(block), axis=1)
        total = np.nansum(block, axis=1)
        out[category] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return pd.DataFrame(out, index=scores.index)
