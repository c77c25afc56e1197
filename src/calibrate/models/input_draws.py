"""Resampled category scores for the rank intervals: every input at the level it was measured.

``rank_intervals`` resamples each book's retention windows itself; this
module gives it, for every other category, ``n_boot`` resampled category
scores per CSM, built the way ``calibrate.scoring`` builds the reported ones
(metric score against its target, mean over the category's metrics, then the
same shrinkage toward the cohort with the CSM's own weight).

What is resampled, per CSM and resample (seeded, CSMs in ``csm_id`` order):

* **Accounts of the book at the close** (``PeriodResult.account_health``,
  drawn with replacement): ``avg_health``, ``health_change`` and
  ``red_recovery`` from the same drawn accounts.
* **Survey responses** (``responses_in_period``, drawn with replacement):
  NPS = 100 × (share of 9-10 − share of 0-6), CSAT = mean score.
* **Yes/no units counted in the metrics table** (accounts with a QBR or an AI
  touch among the book's accounts, CSM-initiated activities among
  activities, tickets within SLA, drafts overridden): a resample of ``n``
  such units is a binomial count. The rate behind it is drawn first from its
  Jeffreys posterior Beta(x + ½, n − x + ½), so a book of 5 with 5 of 5 (or 0
  of 5) still varies: drawing only from the observed rate would claim
  certainty a small book does not have.
* **Sums over units** (customer-facing hours over activities, median days to
  value over onboardings): a total of ``n`` units with exponential spread is
  ``value × Gamma(n, 1/n)`` (coefficient of variation 1/√n). The unit-level
  rows are not kept in the metrics table; this is the stated assumption.
* **Net retention per cost**: the CSM's net ARR movement over resampled
  attribution windows, scaled by the reported ratio (cost is fixed).

Reference for the resampling design: Davison, A. C. and Hinkley, D. V.
(1997), *Bootstrap Methods and their Application*, §3.8 (resampling at the
level of the independent units) and §2.4 (smoothed / posterior draws for
degenerate samples).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..metrics.satisfaction import responses_in_period
from ..params import Params
from ..scoring.categories import CATEGORY_METRICS, METRIC_SCALES, metric_score, override_band_distance
from ..scoring.cohorts import TEAM_COHORT, category_shrink_weights

__all__ = ["category_draws", "RESAMPLED_HERE"]

#: Categories whose draws come from this module (retention and expansion come from the windows).
RESAMPLED_HERE = ("health", "engagement", "satisfaction", "efficiency", "ai_productivity")


def _binomial(rng: np.random.Generator, n, rate, n_boot: int) -> np.ndarray:
    n = int(n) if pd.notna(n) else 0
    if n <= 0 or pd.isna(rate):
        return np.full(n_boot, np.nan)
    x = float(rate) * n
    p = rng.beta(x + 0.5, n - x + 0.5, size=n_boot)
    return rng.binomial(n, p) / n


def _gamma(rng: np.random.Generator, n, value, n_boot: int) -> np.ndarray:
    n = float(n) if pd.notna(n) else 0.0
    if pd.isna(value):
        return np.full(n_boot, np.nan)
    if n <= 0:
        return np.full(n_boot, float(value))
    return float(value) * rng.gamma(n, 1.0 / n, size=n_boot)


def _row_means(block: np.ndarray) -> np.ndarray:
    """Mean of each row over its non-NaN values; NaN for a row without one."""
    has = ~np.isnan(block)
    return np.where(has.any(axis=1), np.where(has, block, 0.0).sum(axis=1) / np.maximum(has.sum(axis=1), 1), np.nan)


def _resampled_means(rng: np.random.Generator, values: np.ndarray, n_boot: int) -> np.ndarray:
    """Mean of ``values`` (NaN ignored) over ``n_boot`` resamples of all rows; NaN when no value."""
    if len(values) == 0:
        return np.full(n_boot, np.nan)
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    return _row_means(values[idx])


def _metric_draws(csm: str, row: dict, health: dict[str, tuple[np.ndarray, ...]], responses: dict[str, tuple[np.ndarray, np.ndarray]],
                  movement: np.ndarray, params: Params, rng: np.random.Generator, n_boot: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    # Accounts of the book at the close: health, change and red recovery from the same drawn accounts.
    book = health.get(csm)
    if book is not None and len(book[0]):
        score_t1, score_t0, red_t0, recovered = book
        idx = rng.integers(0, len(score_t1), size=(n_boot, len(score_t1)))
        s1, s0, red0, rec = score_t1[idx], score_t0[idx], red_t0[idx], recovered[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            out["avg_health"] = _row_means(s1)
            out["health_change"] = _row_means(s1 - s0)
            out["red_recovery"] = np.where(red0.sum(axis=1) > 0, rec.sum(axis=1) / np.maximum(red0.sum(axis=1), 1), np.nan)
        n_book = len(score_t1)
    else:
        out["avg_health"] = out["health_change"] = out["red_recovery"] = np.full(n_boot, np.nan)
        n_book = 0
    # Survey responses.
    nps_scores, csat = responses.get(csm, (np.empty(0), np.empty(0)))
    nps_unit = np.where(nps_scores >= 9, 100.0, np.where(nps_scores <= 6, -100.0, 0.0))
    out["nps"] = _resampled_means(rng, nps_unit, n_boot)
    out["csat"] = _resampled_means(rng, csat, n_boot)
    # Yes/no units counted in the metrics table.
    out["qbr_coverage"] = _binomial(rng, n_book or row.get("n_accounts"), row.get("qbr_coverage"), n_boot)
    out["proactive_share"] = _binomial(rng, row.get("n_activities"), row.get("proactive_share"), n_boot)
    out["sla_adherence"] = _binomial(rng, row.get("n_tickets"), row.get("sla_adherence"), n_boot)
    out["ai_coverage"] = _binomial(rng, n_book or row.get("n_accounts"), row.get("ai_coverage"), n_boot)
    override = _binomial(rng, row.get("n_drafts"), row.get("override_rate"), n_boot)
    out["override_band_distance"] = override_band_distance(override, low=params.ai.override_band_low, high=params.ai.override_band_high)
    # Sums over units.
    out["customer_facing_hours_per_week"] = _gamma(rng, row.get("n_activities"), row.get("customer_facing_hours_per_week"), n_boot)
    out["time_to_value_days"] = _gamma(rng, row.get("onboardings"), row.get("time_to_value_days"), n_boot)
    # Net retention per cost: resampled net movement, cost held.
    nrpc, total = row.get("net_retention_per_cost"), float(movement.sum()) if len(movement) else 0.0
    if pd.notna(nrpc) and len(movement) and total != 0:
        idx = rng.integers(0, len(movement), size=(n_boot, len(movement)))
        out["net_retention_per_cost"] = float(nrpc) * movement[idx].sum(axis=1) / total
    else:
        out["net_retention_per_cost"] = np.full(n_boot, float(nrpc) if pd.notna(nrpc) else np.nan)
    return out


def category_draws(result, dataset: Dataset, params: Params, *, n_boot: int, seed: int) -> dict[str, dict[str, np.ndarray]]:
    """``csm_id -> {category -> n_boot resampled (shrunk) category scores}`` for ``RESAMPLED_HERE``.

    Parameters
    ----------
    result : PeriodResult
        The scored period (``metrics``, ``categories``, ``account_health``, ``windows``).
    dataset : Dataset
        For the survey responses and ownership.
    params : Params
        Targets and the override band.
    n_boot, seed : int
        Resamples per CSM and the seed (``default_rng([seed, 7])``).
    """
    targets = params.scoring.targets
    metrics = result.metrics.assign(csm_id=result.metrics["csm_id"].astype(str)).set_index("csm_id")
    rows = {k: {c: (None if pd.isna(v) else v) for c, v in r.items()} for k, r in metrics.to_dict("index").items()}
    cats = result.categories.assign(csm_id=result.categories["csm_id"].astype(str)).set_index("csm_id")
    ah = result.account_health
    t1 = ah.loc[ah["book"].eq("t1").to_numpy(bool)]
    band_t0 = t1["band_t0"].astype(object).to_numpy()
    band_t1 = t1["band_t1"].astype(object).to_numpy()
    arrays = pd.DataFrame({
        "csm_id": t1["csm_id"].astype(str).to_numpy(),
        "s1": pd.to_numeric(t1["score_t1"], errors="coerce").to_numpy(float),
        "s0": pd.to_numeric(t1["score_t0"], errors="coerce").to_numpy(float),
        "red0": band_t0 == "red",
        "rec": (band_t0 == "red") & np.isin(band_t1, ["yellow", "green"]),
    })
    health = {k: (v["s1"].to_numpy(), v["s0"].to_numpy(), v["red0"].to_numpy(), v["rec"].to_numpy())
              for k, v in arrays.groupby("csm_id", sort=True)}
    surveys = dataset.get("surveys")
    responses: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if surveys is not None and len(surveys):
        found = responses_in_period(surveys, dataset["ownership"], result.period).dropna(subset=["csm_id"])
        frame = pd.DataFrame({"csm_id": found["csm_id"].astype(str).to_numpy(), "kind": found["kind"].astype(object).to_numpy(),
                              "score": pd.to_numeric(found["score"], errors="coerce").to_numpy(float)})
        for k, v in frame.groupby("csm_id", sort=True):
            kind = v["kind"].to_numpy()
            responses[k] = (v["score"].to_numpy()[kind == "nps"], v["score"].to_numpy()[kind == "csat"])
    w = result.windows
    w = w.loc[w["attr_from"].notna().to_numpy(bool)]
    moves = (pd.to_numeric(w["e_arr"], errors="coerce").fillna(0) - pd.to_numeric(w["s_arr"], errors="coerce").fillna(0))
    movement = {k: v.to_numpy(float) for k, v in moves.groupby(w["csm_id"].astype(str).to_numpy(), sort=True)}
    cohort = cats["cohort"].astype(str)
    weights = {category: category_shrink_weights(cats, category) for category in RESAMPLED_HERE}
    # The cohort mean of each category's reported raw scores, as scoring shrinks toward it (the team's for pooled CSMs).
    means: dict[str, dict[str, float]] = {}
    for category in RESAMPLED_HERE:
        column = pd.to_numeric(cats[f"raw_score_{category}"], errors="coerce")
        by = column.groupby(cohort).mean().to_dict()
        by[TEAM_COHORT] = float(column.mean())
        means[category] = by
    rng = np.random.default_rng([seed, 7])
    out: dict[str, dict[str, np.ndarray]] = {}
    for csm in sorted(cats.index):
        drawn = _metric_draws(csm, rows.get(csm, {}), health, responses, movement.get(csm, np.empty(0)), params, rng, n_boot)
        per: dict[str, np.ndarray] = {}
        for category in RESAMPLED_HERE:
            parts = []
            for name in CATEGORY_METRICS[category]:
                target = 0.0 if name == "override_band_distance" else float(getattr(targets, name))
                parts.append(metric_score(drawn[name], METRIC_SCALES[name], target))
            block = np.vstack(parts)
            count = (~np.isnan(block)).sum(axis=0)
            raw = np.where(count > 0, np.nansum(block, axis=0) / np.maximum(count, 1), np.nan)
            mean = float(means[category].get(cohort[csm], np.nan))
            weight = float(weights[category][csm])
            per[category] = raw if np.isnan(mean) else mean + weight * (raw - mean)
        out[csm] = per
    return out
