"""Null-team simulations: does each statistical method keep its nominal rate?

Each function runs ``n_reps`` seeded replications of a team where nothing
distinguishes the CSMs (or a published data set) and returns a tidy frame:
the measured rate, its Monte-Carlo standard error (the standard deviation of
the per-replication rates over √reps, or the binomial SE for a pooled share),
and the nominal rate. ``benchmarks/bench_statistics.py`` runs them with at
least 500 replications and prints the figures; the tests run them with fewer
at a fixed seed and set their tolerances from the standard errors.

The null team (``null_team``): ``n_csms`` books whose sizes are spread evenly
over the bands 1-5, 6-20 and 21-80 accounts. Every account draws a churn
probability ``p ~ Beta(1.5, 15)`` (mean 9%: books differ in risk, CSMs do
not) and an ARR ``S ~ lognormal(10, 1)``; it churns with probability p, and
otherwise ends at ``S · exp(N(0.02, 0.15²))``. The expectation given to the
funnel is the truth (``expected_churn = p``, ``expected_ratio = (1 − p) ·
E[exp(N(0.02, 0.15²))]``), so every flag is a false flag.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..scoring.cohorts import beta_binomial_prior, normal_prior, score_prior_strength, shrink_normal, shrink_rate
from .bootstrap import BootstrapPlan, bootstrap_auc, percentile_interval
from .delong import auc_interval, delong, difference_interval
from .expected import book_adjusted
from .fairness import adverse_impact
from .funnel import band_of

__all__ = [
    "BANDS",
    "null_team",
    "funnel_false_flags",
    "rank_null",
    "auc_coverage",
    "four_fifths_at_exact",
    "efron_morris",
    "james_stein",
]

BANDS = ((1, 5), (6, 20), (21, 80))
_GROWTH_MU, _GROWTH_SD = 0.02, 0.15


def null_team(n_csms: int, rng: np.random.Generator) -> pd.DataFrame:
    """One quarter of a null team (module docstring), in ``book_adjusted``'s input format plus ``band``."""
    sizes = np.concatenate([rng.integers(lo, hi + 1, size=n) for (lo, hi), n in
                            zip(BANDS, np.diff(np.linspace(0, n_csms, len(BANDS) + 1).round().astype(int)))])
    csm = np.repeat([f"c{i:03d}" for i in range(n_csms)], sizes)
    band = np.repeat([next(f"{lo}-{hi}" for lo, hi in BANDS if lo <= n <= hi) for n in sizes], sizes)
    n = int(sizes.sum())
    p = rng.beta(1.5, 15.0, n)
    s = rng.lognormal(10.0, 1.0, n)
    churned = rng.random(n) < p
    ratio = np.where(churned, 0.0, np.exp(rng.normal(_GROWTH_MU, _GROWTH_SD, n)))
    mean_growth = math.exp(_GROWTH_MU + _GROWTH_SD**2 / 2)
    return pd.DataFrame({"csm_id": csm, "band": band, "start_arr": s, "end_arr": s * ratio, "churned": churned,
                         "arr_ratio": np.minimum(ratio, 3.0), "expected_churn": p, "expected_ratio": (1 - p) * mean_growth})


def funnel_false_flags(n_reps: int, *, n_csms: int = 200, seed: int = 0, n_draws: int = 2000,
                       baseline: bool = False) -> pd.DataFrame:
    """Share of CSMs outside the 95% and 99.8% funnel limits under the null, by book-size band and measure.

    ``baseline=True`` adds the measures ``churn_normal`` and ``nrr_normal``: the normal-approximation
    limits the project used before, measured on the same teams.

    The rate is among the books that are judged (a churn book the exact test cannot judge is
    ``too_few``; ``share_judged`` says how many were). Returns ``measure``, ``band``, ``level``,
    ``nominal``, ``rate``, ``mc_se``, ``n_csm_quarters`` (judged), ``share_judged``.
    """
    shares: dict[tuple[str, str, str], list[float]] = {}
    judged_share: dict[tuple[str, str, str], list[float]] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for rep in range(n_reps):
        rng = np.random.default_rng([seed, rep])
        team = null_team(n_csms, rng)
        adjusted = book_adjusted(team, n_draws=n_draws, seed=int(rng.integers(2**31)))
        bands = team.groupby("csm_id")["band"].first()
        adjusted["band"] = adjusted["csm_id"].map(bands)
        if baseline:
            # The earlier rule, for comparison: normal limits on (O − E)/√V and on the NRR residual / (σ / √n_eff).
            z_churn = (adjusted["churns"] - adjusted["e_churns"]) / np.sqrt(adjusted["var_churns"].where(adjusted["var_churns"] > 0))
            resid = team["arr_ratio"] - team["expected_ratio"]
            z_nrr = (adjusted["nrr_residual"] - resid.mean()) / (resid.std(ddof=1) / np.sqrt(adjusted["n_eff"]))
            adjusted["churn_normal_band"] = band_of(z_churn.fillna(0).to_numpy())
            adjusted["nrr_normal_band"] = band_of(z_nrr.to_numpy())
        for measure in ("churn", "nrr") + (("churn_normal", "nrr_normal") if baseline else ()):
            for level, outside in (("95", ("outside_95", "outside_998")), ("99.8", ("outside_998",))):
                for band, rows in adjusted.groupby("band"):
                    key = (measure, band, level)
                    judged = rows[rows[f"{measure}_band"] != "too_few"]  # books too small to judge are counted apart
                    judged_share.setdefault(key, []).append(len(judged) / len(rows) if len(rows) else float("nan"))
                    if len(judged):
                        shares.setdefault(key, []).append(float(judged[f"{measure}_band"].isin(outside).mean()))
                    counts[key] = counts.get(key, 0) + len(judged)
    out = []
    for (measure, band, level), values in shares.items():
        v = np.array(values)
        out.append({"measure": measure, "band": band, "level": level, "nominal": 0.05 if level == "95" else 0.002,
                    "rate": float(v.mean()), "mc_se": float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else float("nan"),
                    "n_csm_quarters": counts[(measure, band, level)],
                    "share_judged": float(np.nanmean(judged_share[(measure, band, level)]))})
    order = {f"{lo}-{hi}": i for i, (lo, hi) in enumerate(BANDS)}
    frame = pd.DataFrame(out)
    return frame.sort_values(["measure", "level", "band"], key=lambda c: c.map(order) if c.name == "band" else c).reset_index(drop=True)


def rank_null(n_reps: int, *, n_csms: int = 40, n_boot: int = 400, seed: int = 0) -> dict[str, float]:
    """Under a null team, how often is a CSM 'surely' top quartile, and is anyone at exactly 0 or 1?

    Each replication scores a null team on two categories measured at
    different levels: retention from its accounts (``null_team``'s books, the
    adapters' ``rescore`` with default targets) and engagement from its
    activities (ten per account, each CSM-initiated with probability 0.6,
    scored against the default target and resampled as ``input_draws`` does).
    Returns the share of CSM-quarters with ``p_top_quartile >= 0.95`` (and
    its binomial MC SE), the share of books under 20 accounts at exactly 0 or
    1, the share of CSMs 'too few accounts to rank' and the counts.
    """
    from ..params import Params
    from ..scoring.categories import METRIC_SCALES, metric_score
    from .adapters import rescore
    from .input_draws import _binomial
    from .ranks import rank_intervals

    params = Params()
    targets = params.scoring.targets
    weights = {"retention": 0.5, "engagement": 0.5}
    sure = edge_small = unrankable = total = small = 0
    for rep in range(n_reps):
        rng = np.random.default_rng([seed, rep, 1])
        team = null_team(n_csms, rng)
        g = team.assign(m=np.minimum(team["end_arr"], team["start_arr"]), x=np.maximum(team["end_arr"] - team["start_arr"], 0),
                        c=team["end_arr"].le(0)).groupby("csm_id", sort=True)
        s, e = g["start_arr"].sum(), g["end_arr"].sum()
        ret, _ = rescore((e / s).to_numpy(), (g["m"].sum() / s).to_numpy(), g["c"].mean().to_numpy(), (g["x"].sum() / s).to_numpy(),
                         targets=targets)
        n_acts = 10 * g.size().to_numpy()
        share = rng.binomial(n_acts, 0.6) / n_acts
        eng = metric_score(share, METRIC_SCALES["proactive_share"], targets.proactive_share)
        scores = pd.DataFrame({"csm_id": s.index, "score_retention": ret, "score_engagement": eng})
        draws = {c: {"engagement": metric_score(_binomial(rng, n, r, n_boot), METRIC_SCALES["proactive_share"], targets.proactive_share)}
                 for c, n, r in zip(s.index, n_acts, share)}
        prior = beta_binomial_prior(g["c"].sum(), g.size(), fallback_strength=8.0)

        def retention_only(nrr, grr, churn, expansion):
            return rescore(nrr, grr, churn, expansion, targets=targets)[0], np.full(len(nrr), np.nan)

        out = rank_intervals(team[["csm_id", "start_arr", "end_arr"]], scores, weights, rescore=retention_only, n_boot=n_boot,
                             seed=int(rng.integers(2**31)), tier_cuts=params.scoring.tier_cuts, category_draws=draws,
                             prior_accounts=prior.strength)
        p = out["p_top_quartile"].to_numpy(float)
        sure += int((p >= 0.95).sum())
        is_small = out["n_windows"].to_numpy() < 20
        small += int(is_small.sum())
        edge_small += int(((p[is_small] <= 0) | (p[is_small] >= 1)).sum())
        unrankable += int(out["rank_note"].eq("too few accounts to rank").sum())
        total += len(out)
    rate = sure / total
    return {"p_top_ge_95": rate, "mc_se": math.sqrt(max(rate, 1 / total) * (1 - rate) / total), "nominal_max": 0.01,
            "small_books_at_0_or_1": edge_small / max(small, 1), "too_few_to_rank": unrankable / total,
            "csm_quarters": total, "reps": n_reps}


def _two_scores(rng: np.random.Generator, n_events: int, *, base_rate: float = 0.1, shift: float = 1.0):
    """Rows in accounts of two; two scores with equal true AUC Φ(shift / √2 / σ) sharing an account effect."""
    n_rows = int(round(n_events / base_rate))
    n_rows += n_rows % 2
    account = np.repeat(np.arange(n_rows // 2), 2)
    y = np.zeros(n_rows, dtype=bool)
    y[rng.choice(n_rows, n_events, replace=False)] = True
    u = rng.normal(0, math.sqrt(0.5), n_rows // 2)[account]
    common = rng.normal(0, math.sqrt(0.5), n_rows)
    s0 = shift * y + u + common * 0.0 + rng.normal(0, math.sqrt(0.5), n_rows)
    s1 = shift * y + u + rng.normal(0, math.sqrt(0.5), n_rows)
    return y, np.vstack([s0, s1]), account


def auc_coverage(n_reps: int, *, events=(20, 50, 200), seed: int = 0, bootstrap_reps: int = 0, n_boot: int = 400) -> pd.DataFrame:
    """Coverage of the 95% intervals of one AUC and of a paired AUC difference (true difference 0).

    Two scores of equal true AUC ``Φ(1 / √2)`` (each: the event shifts it by 1, noise variance 1 of
    which 0.5 is shared by the two rows of an account, so rows cluster). DeLong (clustered by account,
    logit scale for one AUC) for every replication; the account percentile bootstrap for the first
    ``bootstrap_reps`` replications, to show where it under-covers. Returns ``method``, ``events``,
    ``target`` (``auc`` / ``difference``), ``coverage``, ``mc_se``, ``nominal``, ``reps``.
    """
    truth = float(stats.norm.cdf(1.0 / math.sqrt(2.0)))
    rows = []
    for n_events in events:
        hit = {("delong", "auc"): [], ("delong", "difference"): [], ("bootstrap", "auc"): [], ("bootstrap", "difference"): []}
        for rep in range(n_reps):
            rng = np.random.default_rng([seed, n_events, rep])
            y, scores, account = _two_scores(rng, n_events)
            result = delong(y, scores, clusters=account)
            lo, hi = auc_interval(result, 0)
            hit[("delong", "auc")].append(lo <= truth <= hi)
            lo, hi = difference_interval(result, 1, 0)
            hit[("delong", "difference")].append(lo <= 0.0 <= hi)
            if rep < bootstrap_reps:
                plan = BootstrapPlan(n_accounts=int(account.max()) + 1, n_boot=n_boot, seed=int(rng.integers(2**31)))
                boot = bootstrap_auc(y, {"a": scores[0], "b": scores[1]}, account, plan)
                lo, hi = percentile_interval(boot["a"])
                hit[("bootstrap", "auc")].append(lo <= truth <= hi)
                lo, hi = percentile_interval(boot["b"] - boot["a"])
                hit[("bootstrap", "difference")].append(lo <= 0.0 <= hi)
        for (method, target), values in hit.items():
            if values:
                c = float(np.mean(values))
                rows.append({"method": method, "events": n_events, "target": target, "coverage": c,
                             "mc_se": math.sqrt(max(c * (1 - c), 1 / len(values)) / len(values)), "nominal": 0.95,
                             "reps": len(values)})
    return pd.DataFrame(rows)


def four_fifths_at_exact(max_group: int = 30) -> dict[str, int]:
    """Every pair of group sizes up to ``max_group`` whose impact ratio is exactly 4/5 in whole numbers.

    Counts how many the project's rule flags (should be 0) and how many a plain ``ratio < 0.8`` flags.
    """
    cases = flagged = naive = 0
    for n in range(4, max_group + 1):
        for m in range(4, max_group + 1):
            for b in range(1, m + 1):
                if (4 * b * n) % (5 * m):
                    continue
                a = 4 * b * n // (5 * m)
                if not 1 <= a <= n:
                    continue
                frame = pd.DataFrame({"csm_id": range(n + m),
                                      "rating": ["meets"] * a + ["needs_development"] * (n - a) + ["meets"] * b + ["needs_development"] * (m - b),
                                      "group_x": ["g"] * n + ["ref"] * m})
                _, impact, _, _ = adverse_impact(frame, "group_x", min_group_size=1)
                row = impact.loc[(impact["group"] == "g") & (impact["outcome"] == "meets_or_better")].iloc[0]
                cases += 1
                flagged += bool(row["below_threshold"])
                naive += bool((a / n) / (b / m) < 0.8)
    return {"cases": cases, "flagged": flagged, "flagged_by_plain_comparison": naive}


def james_stein(y: np.ndarray, sigma2: float) -> np.ndarray:
    """James-Stein toward the grand mean: ``ȳ + (1 − (k − 3) σ² / Σ(y − ȳ)²)⁺ (y − ȳ)`` (Efron & Morris 1975, eq. 1.4)."""
    ybar = float(np.mean(y))
    factor = max(0.0, 1 - (len(y) - 3) * sigma2 / float(np.sum((y - ybar) ** 2)))
    return ybar + factor * (y - ybar)


def efron_morris(path: str | Path) -> dict[str, float]:
    """Squared error against the rest-of-season averages: raw, James-Stein, and the project's two EB estimators.

    ``reduction_*`` = raw SSE / method SSE; ``share_of_js_*`` = (1 − SSE/raw) / (1 − SSE_JS/raw), the share of
    James-Stein's error reduction the method reaches.
    """
    data = pd.read_csv(path)
    hits, n = data["hits"].to_numpy(float), data["at_bats"].to_numpy(float)
    truth = data["rest_of_season_average"].to_numpy(float)
    y = hits / n
    pooled = float(hits.sum() / n.sum())
    raw = float(np.sum((y - truth) ** 2))
    js = float(np.sum((james_stein(y, pooled * (1 - pooled) / n[0]) - truth) ** 2))
    bb_prior = beta_binomial_prior(hits, n, fallback_strength=8.0)
    bb = float(np.sum((shrink_rate(hits, n, bb_prior) - truth) ** 2))
    unit = pooled * (1 - pooled)
    nn_prior = normal_prior(y, unit / n, unit_variance=unit, fallback_strength=8.0)
    nn = float(np.sum((shrink_normal(y, unit / n, nn_prior, unit_variance=unit) - truth) ** 2))
    fixed = float(np.sum((pooled + n / (n + 8.0) * (y - pooled) - truth) ** 2))
    return {"sse_raw": raw, "sse_james_stein": js, "sse_beta_binomial": bb, "sse_normal": nn, "sse_fixed_8": fixed,
            "reduction_james_stein": raw / js, "reduction_beta_binomial": raw / bb, "reduction_normal": raw / nn,
            "reduction_fixed_8": raw / fixed, "share_of_js_beta_binomial": (1 - bb / raw) / (1 - js / raw),
            "share_of_js_normal": (1 - nn / raw) / (1 - js / raw), "beta_binomial_strength": bb_prior.strength}


def score_shrinkage(n_reps: int, *, team_sizes=(10, 40, 200), true_k=(2.0, 8.0, 30.0, 100.0), default_k: float = 8.0,
                    seed: int = 0) -> pd.DataFrame:
    """Squared error of category scores shrunk with the estimated k against the fixed default and the true k.

    Each replication draws a team whose true scores are ``N(60, 10²)`` and
    whose books hold 3 to 80 accounts; a CSM's raw score adds noise of
    variance ``k_true · 10² / n``. Returns one row per (team size, true k)
    with the mean squared error per CSM of the raw scores, of shrinkage with
    ``k = default_k``, with the estimated k (``score_prior_strength``) and with
    the true k (the best any k can do), their ratios and Monte-Carlo standard
    errors, and the median estimated k.
    """
    rng = np.random.default_rng([seed, 11])
    rows = []
    for n_csms in team_sizes:
        for k_true in true_k:
            raw_e, fixed_e, est_e, oracle_e, ks = [], [], [], [], []
            for _ in range(n_reps):
                n = rng.integers(3, 81, n_csms).astype(float)
                theta = rng.normal(60.0, 10.0, n_csms)
                y = theta + rng.normal(0.0, np.sqrt(k_true * 100.0 / n))
                mean = float(y.mean())

                def error(k: float) -> float:
                    return float(np.mean((mean + n / (n + k) * (y - mean) - theta) ** 2))

                k_hat = score_prior_strength(y, n, np.zeros(n_csms), default_k=default_k).strength
                raw_e.append(float(np.mean((y - theta) ** 2)))
                fixed_e.append(error(default_k))
                est_e.append(error(k_hat))
                oracle_e.append(error(k_true))
                ks.append(k_hat)
            ratio = np.asarray(est_e) / np.asarray(fixed_e)
            rows.append({"n_csms": n_csms, "k_true": k_true, "mse_raw": np.mean(raw_e), "mse_fixed": np.mean(fixed_e),
                         "mse_estimated": np.mean(est_e), "mse_true_k": np.mean(oracle_e),
                         "estimated_over_fixed": float(np.mean(est_e) / np.mean(fixed_e)),
                         "ratio_mc_se": float(np.std(ratio, ddof=1) / np.sqrt(n_reps)), "median_k": float(np.median(ks))})
    return pd.DataFrame(rows)
