"""Weight tuning without recomputing metrics: re-score, compare, backtest.

``TuningSession.from_history(current, previous, params)`` keeps what the
sliders need and nothing heavier:

* the review quarter's category table (``PeriodResult.categories``), so
  ``rescore`` is one ``apply_weights`` call (numpy only);
* the scores under the params' weights (the *baseline* every change is
  measured against);
* the score-validity pairing and bootstrap draws
  (``models.prepare_score_validity``), so ``validity`` only recombines the
  stored category scores and redoes the ranks.

Definitions
-----------
* ``share_i = w_i / sum_j w_j``: a weight's normalised share. Weights are
  relative, so multiplying them all by one factor changes nothing.
* ``rank_change = baseline_rank - rank``: positive when the CSM moved up.
* ``tier_change`` / ``rating_change``: steps on the ordinal scales
  under < solid < strong < top and needs_development < meets < exceeds,
  positive when the CSM moved up; NA when either side has no score.
* Backtested validity: for every CSM and every pair of consecutive quarters
  (p, p + 1) in the history, the overall score of p *recomputed with the
  tried weights* from p's category scores, ranked against p + 1's NRR, GRR
  and escalations per account (Spearman's rho, 95% interval from resampling
  CSMs, ``n`` pairs). Descriptive: a score and next quarter's results share
  causes, and a team of this size cannot separate them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ...errors import ParamsError
from ...models import prepare_score_validity, score_validity
from ...models.validity import ValidityTable
from ...params import CATEGORIES, Params, RatingCuts, TierCuts
from ...scoring import apply_weights
from ..flags.builder import VALIDITY_OUTCOMES, outcomes_by_period, scores_by_period

__all__ = [
    "TuningSession",
    "TuningComparison",
    "TIER_ORDER",
    "RATING_ORDER",
    "CATEGORY_LABELS",
    "OUTCOME_LABELS",
    "RESCORE_COLUMNS",
    "VALIDITY_COLUMNS",
    "check_weights",
    "weight_shares",
]

TIER_ORDER = {"under": 0, "solid": 1, "strong": 2, "top": 3}
RATING_ORDER = {"needs_development": 0, "meets": 1, "exceeds": 2}
CATEGORY_LABELS = {
    "retention": "Retention",
    "expansion": "Expansion",
    "health": "Health",
    "engagement": "Engagement",
    "satisfaction": "Satisfaction",
    "efficiency": "Efficiency",
    "ai_productivity": "AI productivity",
}
OUTCOME_LABELS = {
    "nrr": "NRR next quarter",
    "grr": "GRR next quarter",
    "escalations_per_account": "Escalations per account next quarter",
}
RESCORE_COLUMNS = (
    "csm_id", "name", "segment", "overall_score", "rating", "tier", "rank",
    "baseline_score", "baseline_rating", "baseline_tier", "baseline_rank",
    "rank_change", "tier_change", "rating_change", "weight_shared_out", "missing_categories",
)
VALIDITY_COLUMNS = (
    "outcome", "outcome_label", "n", "n_csms", "spearman", "spearman_low", "spearman_high",
    "baseline_spearman", "baseline_low", "baseline_high", "expected_sign", "reading",
)


def check_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """The weights as ``{category: float}`` in category order, or ``ParamsError``.

    A category left out weighs 0 (as in ``apply_weights``). Every weight must
    be a finite number >= 0 and at least one must be above 0.
    """
    if not isinstance(weights, Mapping):
        raise ParamsError(f"Weights must be a mapping of category to number. Got {type(weights).__name__} instead.")
    unknown = sorted(str(k) for k in weights if k not in CATEGORIES)
    if unknown:
        raise ParamsError(f"Unknown weight '{unknown[0]}'. Weights are keyed by category: {', '.join(CATEGORIES)}.")
    out = {}
    for name in CATEGORIES:
        value = weights.get(name, 0.0)
        try:
            if isinstance(value, bool):
                raise TypeError
            number = float(value)
        except (TypeError, ValueError):
            raise ParamsError(f"The '{name}' weight must be a number >= 0. Got {value!r} instead.") from None
        if not math.isfinite(number) or number < 0:
            raise ParamsError(f"The '{name}' weight must be a finite number >= 0. Got {value!r} instead; "
                              "set it to 0 to leave the category out.")
        out[name] = number
    if sum(out.values()) <= 0:
        raise ParamsError("At least one category weight must be above 0. Got all weights 0 instead; "
                          "raise the slider of the category that should count.")
    return out


def weight_shares(weights: Mapping[str, Any]) -> dict[str, float]:
    """Normalised shares ``w_i / sum_j w_j`` (they add up to 1)."""
    checked = check_weights(weights)
    total = sum(checked.values())
    return {name: value / total for name, value in checked.items()}


def _ordinal(values: pd.Series, order: Mapping[str, int]) -> np.ndarray:
    return np.array([float(order[v]) if isinstance(v, str) and v in order else np.nan for v in values], dtype=float)


def _steps(new: pd.Series, old: pd.Series, order: Mapping[str, int]) -> pd.Series:
    diff = _ordinal(new, order) - _ordinal(old, order)
    return pd.Series(pd.array(np.where(np.isnan(diff), None, diff), dtype="Int64"))


@dataclass(frozen=True)
class TuningComparison:
    """What moved between the params' weights and the tried ones.

    ``table`` is the full ``rescore`` frame; ``tier_moves`` / ``rating_moves``
    the CSMs whose tier / rating changed; ``biggest_moves`` up to three CSMs
    with the largest ``|rank_change|`` (> 0); ``shares`` and
    ``baseline_shares`` the normalised weights; ``summary`` one sentence.
    """

    table: pd.DataFrame
    tier_moves: pd.DataFrame
    rating_moves: pd.DataFrame
    biggest_moves: pd.DataFrame
    shares: dict[str, float]
    baseline_shares: dict[str, float]
    summary: str

    @property
    def n_tier_changes(self) -> int:
        return len(self.tier_moves)

    @property
    def n_rating_changes(self) -> int:
        return len(self.rating_moves)


@dataclass(frozen=True)
class TuningSession:
    """The precomputed state behind the weight sliders (see module docstring).

    Build with ``TuningSession.from_history``. Every method is pure with
    respect to the inputs; the only state kept between calls is a cache of
    bootstrap ranks that do not depend on the weights.
    """

    period_label: str
    categories: pd.DataFrame
    roster: pd.DataFrame
    baseline_weights: dict[str, float]
    rating_cuts: RatingCuts
    tier_cuts: TierCuts
    baseline: pd.DataFrame
    validity_table: ValidityTable | None
    validity_quarters: tuple[str, ...]
    max_boot: int
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_history(
        cls,
        current: Any,
        previous: Sequence[Any],
        params: Params,
        *,
        outcomes: Sequence[str] = VALIDITY_OUTCOMES,
        max_boot: int | None = None,
        seed: int | None = None,
    ) -> "TuningSession":
        """Precompute the category table, the baseline and the validity pairing once.

        Parameters
        ----------
        current : PeriodResult
            The review quarter (``compute_period``).
        previous : sequence of PeriodResult
            Earlier quarters (any order), e.g. from ``batch.period.compute_history``.
        params : Params
            Gives the baseline weights and the rating and tier cuts.
        outcomes : sequence of str
            Next-quarter outcomes to backtest against (default NRR, GRR,
            escalations per account).
        max_boot : int, optional
            Bootstrap draws prepared (default ``max(params.flags.n_boot, 200)``);
            ``validity(n_boot=...)`` uses the first ``n_boot`` of them.
        seed : int, optional
            Seed of the draws (default ``params.batch.seed``).
        """
        sp = params.scoring
        baseline_weights = check_weights(sp.weights.as_dict())
        categories = current.categories.reset_index(drop=True)
        roster = _roster(current.scores, categories)
        baseline = apply_weights(categories, baseline_weights, rating_cuts=sp.rating_cuts, tier_cuts=sp.tier_cuts)
        draws = int(max_boot if max_boot is not None else max(params.flags.n_boot, 200))
        results = sorted([current, *previous], key=lambda r: r.period.start)
        table = None
        if len(results) >= 2:
            table = prepare_score_validity(
                scores_by_period(results), outcomes_by_period(results),
                outcome_columns=[o for o in outcomes], n_boot=draws,
                seed=int(params.batch.seed if seed is None else seed),
                fiscal_year_start_month=params.fiscal_year_start_month,
            )
            if table.n_pairs == 0:
                table = None
        return cls(
            period_label=current.period.label,
            categories=categories,
            roster=roster,
            baseline_weights=baseline_weights,
            rating_cuts=sp.rating_cuts,
            tier_cuts=sp.tier_cuts,
            baseline=baseline,
            validity_table=table,
            validity_quarters=tuple(r.period.label for r in results),
            max_boot=draws,
        )

    # ------------------------------------------------------------------ re-scoring

    def rescore(self, weights: Mapping[str, float]) -> pd.DataFrame:
        """Overall score, rating, tier and rank under ``weights``, beside the baseline.

        Returns one row per CSM sorted by rank (then ``csm_id``), columns
        ``RESCORE_COLUMNS``. Calls ``apply_weights`` on the stored category
        table; no metric is recomputed.
        """
        checked = check_weights(weights)
        got = apply_weights(self.categories, checked, rating_cuts=self.rating_cuts, tier_cuts=self.tier_cuts)
        base = self.baseline
        out = pd.DataFrame({
            "csm_id": got["csm_id"].astype("string"),
            "name": self.roster["name"].to_numpy(),
            "segment": self.roster["segment"].to_numpy(),
            "overall_score": got["overall_score"].to_numpy(float),
            "rating": got["rating"].to_numpy(),
            "tier": got["tier"].to_numpy(),
            "rank": got["rank"].to_numpy(np.int64),
            "baseline_score": base["overall_score"].to_numpy(float),
            "baseline_rating": base["rating"].to_numpy(),
            "baseline_tier": base["tier"].to_numpy(),
            "baseline_rank": base["rank"].to_numpy(np.int64),
        })
        out["rank_change"] = (out["baseline_rank"] - out["rank"]).astype(np.int64)
        out["tier_change"] = _steps(out["tier"], out["baseline_tier"], TIER_ORDER).array
        out["rating_change"] = _steps(out["rating"], out["baseline_rating"], RATING_ORDER).array
        out["weight_shared_out"] = got["weight_shared_out"].to_numpy(float)
        out["missing_categories"] = got["missing_categories"].to_numpy()
        for column in ("name", "segment", "rating", "tier", "baseline_rating", "baseline_tier", "missing_categories"):
            out[column] = out[column].astype("string")
        return out.sort_values(["rank", "csm_id"], kind="stable").reset_index(drop=True)[list(RESCORE_COLUMNS)]

    # ------------------------------------------------------------------ backtest

    def _table(self, n_boot: int) -> ValidityTable:
        if n_boot < 0 or n_boot > self.max_boot:
            raise ParamsError(f"n_boot must be between 0 and {self.max_boot} (the draws prepared). Got {n_boot} "
                              "instead; pass max_boot to TuningSession.from_history for more.")
        table = self._cache.get(("table", n_boot))
        if table is None:
            # The first n_boot seeded draws are themselves a seeded bootstrap; each size keeps its own rank cache.
            table = dataclasses.replace(self.validity_table, counts=self.validity_table.counts[:n_boot], rank_cache={})
            self._cache[("table", n_boot)] = table
        return table

    def validity(self, weights: Mapping[str, float], *, n_boot: int = 200) -> pd.DataFrame:
        """Backtested validity of the overall score under ``weights`` (descriptive).

        One row per outcome, columns ``VALIDITY_COLUMNS``: ``n`` pairs
        (CSM-quarters), ``n_csms``, Spearman's rho with its 95% CSM-bootstrap
        interval under ``weights`` and under the params' weights
        (``baseline_*``), ``expected_sign`` (+1: a better score should come
        before a higher outcome; -1 for escalations) and ``reading`` =
        ``"descriptive"``. Empty (with those columns) when the history holds
        no pair of consecutive scored quarters.
        """
        checked = check_weights(weights)
        if self.validity_table is None:
            return pd.DataFrame(columns=list(VALIDITY_COLUMNS))
        table = self._table(int(n_boot))
        got = score_validity(None, None, weights=checked, category_table=table, predictors=["overall_score"])
        key = ("baseline", int(n_boot))
        if key not in self._cache:
            self._cache[key] = score_validity(None, None, weights=self.baseline_weights, category_table=table,
                                              predictors=["overall_score"])
        base = self._cache[key]
        out = pd.DataFrame({
            "outcome": got["outcome"].astype("string"),
            "outcome_label": pd.array([OUTCOME_LABELS.get(o, o) for o in got["outcome"]], dtype="string"),
            "n": got["n"].astype(np.int64),
            "n_csms": got["n_csms"].astype(np.int64),
            "spearman": got["spearman"].astype(float),
            "spearman_low": got["spearman_low"].astype(float),
            "spearman_high": got["spearman_high"].astype(float),
            "baseline_spearman": base["spearman"].to_numpy(float),
            "baseline_low": base["spearman_low"].to_numpy(float),
            "baseline_high": base["spearman_high"].to_numpy(float),
            "expected_sign": got["expected_sign"].astype(np.int64),
            "reading": got["reading"].astype("string"),
        })
        return out[list(VALIDITY_COLUMNS)]

    # ------------------------------------------------------------------ what moved

    def compare(self, weights: Mapping[str, float], *, table: pd.DataFrame | None = None) -> TuningComparison:
        """Who changes tier or rating, the biggest rank moves, and a one-line summary.

        ``table`` may pass an already computed ``rescore(weights)`` frame.
        """
        shares = weight_shares(weights)
        frame = self.rescore(weights) if table is None else table
        tier_moves = frame.loc[frame["tier_change"].fillna(0) != 0].reset_index(drop=True)
        rating_moves = frame.loc[frame["rating_change"].fillna(0) != 0].reset_index(drop=True)
        moved = frame.loc[frame["rank_change"] != 0].copy()
        moved["_size"] = moved["rank_change"].abs()
        biggest = (moved.sort_values(["_size", "rank", "csm_id"], ascending=[False, True, True], kind="stable")
                   .head(3).drop(columns="_size").reset_index(drop=True))
        base_shares = weight_shares(self.baseline_weights)
        return TuningComparison(
            table=frame, tier_moves=tier_moves, rating_moves=rating_moves, biggest_moves=biggest,
            shares=shares, baseline_shares=base_shares,
            summary=_summary(len(tier_moves), len(rating_moves), biggest, shares, base_shares),
        )


# ---------------------------------------------------------------------- helpers


def _roster(scores: pd.DataFrame, categories: pd.DataFrame) -> pd.DataFrame:
    ids = categories["csm_id"].astype(str)
    info = scores.assign(csm_id=scores["csm_id"].astype(str)).drop_duplicates("csm_id").set_index("csm_id")
    names = info["name"].reindex(ids) if "name" in info else pd.Series(pd.NA, index=ids)
    names = names.astype("string").fillna(pd.Series(ids.to_numpy(), index=names.index, dtype="string"))
    return pd.DataFrame({"csm_id": ids.to_numpy(), "name": names.to_numpy(),
                         "segment": categories["segment"].astype("string").to_numpy()})


def _inline(category: str) -> str:
    label = CATEGORY_LABELS.get(category, category)
    return label if label.startswith("AI") else label.lower()


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _summary(n_tier: int, n_rating: int, biggest: pd.DataFrame, shares: Mapping[str, float],
             base_shares: Mapping[str, float]) -> str:
    parts = [f"{_plural(n_tier, 'CSM changes', 'CSMs change')} tier", f"{_plural(n_rating, 'CSM changes', 'CSMs change')} rating"]
    if not biggest.empty:
        row = biggest.iloc[0]
        way = "up" if row["rank_change"] > 0 else "down"
        places = _plural(abs(int(row["rank_change"])), "place", "places")
        parts.append(f"biggest move: {row['name']} {way} {places} (rank {int(row['baseline_rank'])} to {int(row['rank'])})")
    else:
        parts.append("no rank changes")
    deltas = {c: shares[c] - base_shares[c] for c in CATEGORIES}
    focus = max(CATEGORIES, key=lambda c: (abs(round(deltas[c], 9)), shares[c]))
    if abs(deltas[focus]) < 1e-9:
        focus = max(CATEGORIES, key=lambda c: shares[c])
        share_text = f"{_inline(focus)} weight share {shares[focus]:.0%} (unchanged)"
    else:
        share_text = f"{_inline(focus)} weight share {shares[focus]:.0%} (was {base_shares[focus]:.0%})"
    return "; ".join(parts) + "; " + share_text + "."
