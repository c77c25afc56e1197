"""Book-adjusted performance: each CSM's outcomes against what their book predicted.

Books differ (some books are simply harder than others): a CSM with many
low-health SMB accounts renewing this quarter will lose more than one with a
calm enterprise book, whatever either does. So a pooled, account-level model
*without CSM identity* predicts each account's outcome from its book facts
alone, and a CSM is judged on observed − expected.

* **Features** (as of the start of the account's attribution window):
  segment one-hot, ``log(start_arr)``, ``health_t0`` (missing → team median,
  plus a missing indicator), ``tenure_days`` (missing → team median),
  ``renewal_due`` (missing → False).
* **Targets**: churn ``y_k = [end_arr = 0]`` (logistic regression) and the ARR
  ratio ``r_k = min(end_arr / start_arr, ratio_cap)`` (ridge regression,
  predictions clipped to ``[0, ratio_cap]``).
* **Out-of-fold, grouped by CSM**: CSMs are shuffled (seeded) and dealt into
  ``n_splits`` folds; every account of a CSM is predicted by a model fitted on
  the other folds only, so no CSM's own results leak into their expectation.
* **Per CSM** (``book_adjusted``), over their accounts k with ``start_arr > 0``:
  observed churn rate ``Σ y_k / n``, expected ``Σ p_k / n``; observed NRR
  ``Σ E_k / Σ S_k``, expected NRR ``Σ r̂_k S_k / Σ S_k``; each difference is
  observed − expected (for churn, below 0 is good; for NRR, above 0 is good).
* **Funnels** (``calibrate.models.funnel`` holds the rule and its
  references). Churn: the observed count of churns ``O`` of a book against
  its exact distribution under the book's own churn odds (a sum of
  independent Bernoulli(``p_k``): Poisson-binomial, ``E = Σ p_k``), placed by
  its mid-p position. NRR: the ARR-weighted mean of the book's account
  residuals ``r_k − r̂_k`` against the same quantity for resampled books of
  the same ARR weights drawn from the team's residual pool, so a one-account
  book is judged against what one account does. Both widen by the
  overdispersion ``φ`` when it exceeds 1. Each CSM gets one band
  (``inside``, ``outside_95``, ``outside_998``) and limits that agree with it.
  (Earlier versions decided churn by exact tails while drawing normal
  limits, and used a normal NRR limit that a one-account book breaks: 4–12
  times the nominal false flags at 99.8%.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..errors import CalibrateError, InsufficientDataError
from .funnel import (LEVELS, attainable_size, band_of, judged_bands, binomial_limits, count_limits, count_positions, overdispersion, resampled_null,
                     sample_limits, sample_positions, z_from_positions)

__all__ = [
    "ACCOUNT_WINDOW_COLUMNS",
    "expected_outcomes",
    "book_adjusted",
    "funnel_limits_binomial",
    "poisson_binomial_pmf",
]

ACCOUNT_WINDOW_COLUMNS = (
    "csm_id",
    "account_id",
    "segment",
    "start_arr",
    "end_arr",
    "health_t0",
    "tenure_days",
    "renewal_due",
)


def _check_columns(frame: pd.DataFrame, required: tuple[str, ...], name: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InsufficientDataError(
            f"The {name} table lacks column(s) {', '.join(missing)}; expected {', '.join(required)}. "
            "Build it from the attribution windows (one row per account and CSM) before calling this function."
        )


def _design(frame: pd.DataFrame, segments: list[str]) -> np.ndarray:
    seg = frame["segment"].astype("string").fillna("(none)").to_numpy(dtype=object)
    onehot = np.column_stack([(seg == s).astype(float) for s in segments])
    log_arr = np.log(frame["start_arr"].to_numpy(dtype=float))
    health = pd.to_numeric(frame["health_t0"], errors="coerce").to_numpy(dtype=float)
    health_missing = np.isnan(health)
    health = np.where(health_missing, np.nanmedian(health) if (~health_missing).any() else 0.0, health)
    tenure = pd.to_numeric(frame["tenure_days"], errors="coerce").to_numpy(dtype=float)
    tenure_missing = np.isnan(tenure)
    tenure = np.where(tenure_missing, np.nanmedian(tenure) if (~tenure_missing).any() else 0.0, tenure)
    renewal = frame["renewal_due"].astype("boolean").fillna(False).to_numpy(dtype=float)
    return np.column_stack([onehot, log_arr, health, health_missing.astype(float), tenure, renewal])


def _assign_folds(csm_ids: pd.Series, n_splits: int, seed: int) -> np.ndarray:
    unique = np.array(sorted(csm_ids.astype(str).unique()), dtype=object)
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of = {csm: i % n_splits for i, csm in zip(range(len(unique)), unique[order])}
    return csm_ids.astype(str).map(fold_of).to_numpy(dtype=int)


def expected_outcomes(
    account_windows: pd.DataFrame,
    *,
    n_splits: int = 5,
    seed: int,
    ratio_cap: float = 3.0,
    min_csms: int = 3,
    min_accounts: int = 20,
) -> pd.DataFrame:
    """Predict each account's churn and ARR ratio out-of-fold, without CSM identity.

    Parameters
    ----------
    account_windows : DataFrame
        One row per (CSM, account) attribution window: ``csm_id``,
        ``account_id``, ``segment``, ``start_arr`` (S_k), ``end_arr`` (E_k),
        ``health_t0`` (0..100, may be missing), ``tenure_days`` (days as a
        customer at the window's start, may be missing), ``renewal_due``
        (bool: a renewal date falls in the period). Rows with
        ``start_arr <= 0`` or missing are outside the cohort and dropped.
    n_splits : int
        Folds of CSMs (capped at the number of CSMs).
    seed : int
        Seeds the shuffle of CSMs into folds.
    ratio_cap : float
        ``end_arr / start_arr`` above this is clipped before fitting, so one
        account that grew tenfold does not set every expectation.
    min_csms, min_accounts : int
        Fewer CSMs or accounts than this raise ``InsufficientDataError``.

    Returns
    -------
    DataFrame: the input cohort rows plus ``churned`` (bool), ``arr_ratio``
    (clipped r_k), ``expected_churn`` (p_k), ``expected_ratio`` (r̂_k),
    ``expected_end_arr`` (r̂_k · S_k) and ``fold``.
    """
    _check_columns(account_windows, ACCOUNT_WINDOW_COLUMNS, "account_windows")
    if n_splits < 2:
        raise CalibrateError(f"The 'n_splits' argument must be >= 2. Got {n_splits} instead.")
    start = pd.to_numeric(account_windows["start_arr"], errors="coerce")
    cohort = account_windows.loc[start.gt(0).fillna(False).to_numpy(bool)].reset_index(drop=True)
    n_csms = cohort["csm_id"].nunique()
    if n_csms < min_csms or len(cohort) < min_accounts:
        raise InsufficientDataError(
            f"Book-adjusted expectations need at least {min_csms} CSMs and {min_accounts} accounts with "
            f"start ARR > 0; got {n_csms} CSMs and {len(cohort)} accounts. With so few, an expectation fitted "
            "on the other CSMs says more about noise than about books; compare raw NRR and churn instead."
        )
    s = cohort["start_arr"].to_numpy(dtype=float)
    e = pd.to_numeric(cohort["end_arr"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    churned = e <= 0
    ratio = np.clip(e / s, 0.0, ratio_cap)
    segments = sorted(cohort["segment"].astype("string").fillna("(none)").unique())
    x = _design(cohort, segments)
    folds = _assign_folds(cohort["csm_id"], min(n_splits, n_csms), seed)

    p_churn = np.empty(len(cohort))
    r_hat = np.empty(len(cohort))
    for fold in np.unique(folds):
        test = folds == fold
        train = ~test
        y = churned[train]
        if y.all() or not y.any():
            # One class only in training: the honest prediction is its rate.
            p_churn[test] = float(y.mean())
        else:
            clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
            clf.fit(x[train], y)
            p_churn[test] = clf.predict_proba(x[test])[:, 1]
        reg = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
        reg.fit(x[train], ratio[train])
        r_hat[test] = np.clip(reg.predict(x[test]), 0.0, ratio_cap)

    return cohort.assign(
        churned=churned,
        arr_ratio=ratio,
        expected_churn=p_churn,
        expected_ratio=r_hat,
        expected_end_arr=r_hat * s,
        fold=folds,
    )


def funnel_limits_binomial(n: np.ndarray, p: float, *, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits for an *unadjusted* rate around ``p`` at sample sizes ``n`` (exact, interpolated).

    The exact binomial limits with Spiegelhalter's (2005) interpolation and a
    half-count correction (``calibrate.models.funnel.binomial_limits``);
    ``alpha`` is the two-sided miss rate (0.05, 0.002). ``book_adjusted``
    does not use these: a book-adjusted comparison needs the Poisson-binomial
    of the accounts' own probabilities (``poisson_binomial_pmf``).
    """
    return binomial_limits(n, p, level=1 - alpha)


def poisson_binomial_pmf(probs: np.ndarray) -> np.ndarray:
    """Distribution of the number of successes among independent Bernoulli(``p_k``).

    Parameters
    ----------
    probs : array, shape (m,) or (g, m)
        One book of ``m`` probabilities, or ``g`` books padded to ``m`` with
        zeros (a zero adds nothing: it is an account that cannot churn).

    Returns
    -------
    array, shape (m + 1,) or (g, m + 1): ``P(O = j)`` for ``j = 0..m``, by the
    recursion ``f_k(j) = f_{k−1}(j) (1 − p_k) + f_{k−1}(j − 1) p_k`` over
    accounts, vectorised across books (O(g · m²), exact, no normal approximation).
    """
    p = np.asarray(probs, dtype=float)
    single = p.ndim == 1
    p = np.atleast_2d(p)
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise CalibrateError("Churn probabilities must lie in [0, 1] with none missing; check the expected_churn column.")
    g, m = p.shape
    pmf = np.zeros((g, m + 1))
    pmf[:, 0] = 1.0
    for k in range(m):
        pk = p[:, k : k + 1]
        step = pmf[:, : k + 2] * (1 - pk)
        step[:, 1:] += pmf[:, : k + 1] * pk
        pmf[:, : k + 2] = step
    return pmf[0] if single else pmf


def _book_pmfs(csm_id: pd.Series, p: np.ndarray, books: pd.Index) -> np.ndarray:
    """Exact distribution of each book's churn count, rows padded with zero probability past the book's size."""
    codes = books.get_indexer(csm_id)
    keep = codes >= 0
    order = np.argsort(codes[keep], kind="stable")
    codes, p = codes[keep][order], p[keep][order]
    sizes = np.bincount(codes, minlength=len(books))
    slot = np.arange(len(codes)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    padded = np.zeros((len(books), int(sizes.max())))
    padded[codes, slot] = p
    return poisson_binomial_pmf(padded)


def _positions(band: np.ndarray, z: np.ndarray, up: str, down: str) -> dict[str, np.ndarray]:
    """The ``*_position_95`` / ``*_position_998`` words: where the dot is against the lines (from z), also for
    a book too small to judge (its band says ``too_few``; the position still says which side of a line it fell)."""
    band = band_of(z)
    side = np.where(z > 0, up, down)
    return {
        "95": np.where(np.isin(band, ("outside_95", "outside_998")), side, "inside"),
        "998": np.where(band == "outside_998", side, "inside"),
    }


def book_adjusted(
    expected: pd.DataFrame,
    *,
    small_book_accounts: int = 8,
    n_draws: int = 4000,
    seed: int = 0,
    overdispersion_check: bool = True,
) -> pd.DataFrame:
    """Per CSM: observed vs expected churn and NRR, with funnel limits (``calibrate.models.funnel``).

    Parameters
    ----------
    expected : DataFrame
        Output of ``expected_outcomes`` (needs ``csm_id``, ``start_arr``,
        ``end_arr``, ``churned``, ``arr_ratio``, ``expected_churn``,
        ``expected_ratio``). Each row is an account at the quarter's start
        (``start_arr > 0``), so every rate is a fraction of those accounts.
    small_book_accounts : int
        Books with fewer accounts get a ``note`` that the limits are wide.
    n_draws : int
        Resamples of each book's null for the NRR funnel.
    seed : int
        Seeds those resamples (books in ``csm_id`` order).
    overdispersion_check : bool
        Estimate ``φ`` and widen the limits when it exceeds 1 (default).

    Returns
    -------
    DataFrame, one row per CSM: ``n_accounts`` (accounts at the quarter's
    start), ``start_arr``, ``churns`` (O), ``e_churns`` (E = Σ p_k),
    ``var_churns`` (V), ``observed_churn_rate`` (O / n),
    ``expected_churn_rate`` (E / n), ``churn_diff`` ((O − E) / n),
    ``team_churn_rate``, ``p_low`` (P(O ≤ o)), ``p_high`` (P(O ≥ o)),
    ``churn_z`` (standardised position), ``churn_band`` (``inside`` /
    ``outside_95`` / ``outside_998``, or ``too_few`` when the book cannot be judged:
    ``churn_attainable`` below ``funnel.MIN_ATTAINABLE``), ``churn_low_95`` / ``churn_high_95`` /
    ``churn_low_998`` / ``churn_high_998`` (limits on ``churn_diff``: beyond
    one exactly when the band says so), ``churn_phi``,
    ``churn_position_95`` / ``_998`` (``above`` = more churn than the book
    explains, ``below`` = less, ``inside``; read from the band);
    ``observed_nrr``, ``expected_nrr``, ``nrr_diff``, ``adjusted_nrr``,
    ``team_nrr``, ``n_eff`` (Kish), ``nrr_residual`` (ARR-weighted mean of the
    account residuals with ratios capped as in the model: the funnel's
    value), ``nrr_centre``, ``nrr_z``, ``nrr_band``, ``nrr_low_*`` /
    ``nrr_high_*`` (limits on ``nrr_residual``), ``nrr_phi``,
    ``nrr_position_*`` (``above`` = better than the book explains); ``note``.
    Sorted by ``nrr_diff`` descending.
    """
    needed = ("csm_id", "start_arr", "end_arr", "churned", "arr_ratio", "expected_churn", "expected_ratio")
    _check_columns(expected, needed, "expected")
    if expected.empty:
        raise InsufficientDataError("The expected table is empty; run expected_outcomes on a non-empty cohort first.")
    s = expected["start_arr"].to_numpy(dtype=float)
    e = pd.to_numeric(expected["end_arr"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    p = expected["expected_churn"].to_numpy(dtype=float)
    residual = expected["arr_ratio"].to_numpy(dtype=float) - expected["expected_ratio"].to_numpy(dtype=float)
    work = pd.DataFrame(
        {
            "csm_id": expected["csm_id"].astype(str).to_numpy(),
            "s": s,
            "e": e,
            "s2": s**2,
            "churned": expected["churned"].to_numpy(dtype=float),
            "p": p,
            "v": p * (1 - p),
            "e_hat": expected["expected_ratio"].to_numpy(dtype=float) * s,
            "ws": residual * s,
        }
    )
    team_churn = float(work["churned"].mean())
    team_nrr = float(work["e"].sum() / work["s"].sum())

    g = work.groupby("csm_id", sort=True)
    out = pd.DataFrame(
        {
            "n_accounts": g.size(),
            "start_arr": g["s"].sum(),
            "churns": g["churned"].sum().astype(int),
            "e_churns": g["p"].sum(),
            "var_churns": g["v"].sum(),
            "observed_nrr": g["e"].sum() / g["s"].sum(),
            "expected_nrr": g["e_hat"].sum() / g["s"].sum(),
            "n_eff": g["s"].sum() ** 2 / g["s2"].sum(),
            "nrr_residual": g["ws"].sum() / g["s"].sum(),
        }
    )
    n = out["n_accounts"].to_numpy(dtype=float)
    o = out["churns"].to_numpy(dtype=float)
    e_churns = out["e_churns"].to_numpy(dtype=float)
    out["observed_churn_rate"] = o / n
    out["expected_churn_rate"] = e_churns / n
    out["churn_diff"] = out["observed_churn_rate"] - out["expected_churn_rate"]
    out["team_churn_rate"] = team_churn
    pmf = _book_pmfs(work["csm_id"], p, out.index)
    cdf = np.cumsum(pmf, axis=1)
    rows = np.arange(len(out))
    oi = o.astype(int)
    out["p_low"] = np.minimum(cdf[rows, oi], 1.0)
    out["p_high"] = np.clip(1.0 - np.where(oi > 0, cdf[rows, np.maximum(oi - 1, 0)], 0.0), 0.0, 1.0)

    # Churn funnel: exact mid-p positions, overdispersion from them, limits as their inverse.
    phi_churn = overdispersion(z_from_positions(count_positions(pmf, o, e_churns))) if overdispersion_check else np.nan
    phi_c = max(1.0, phi_churn) if np.isfinite(phi_churn) else 1.0
    churn_z = z_from_positions(count_positions(pmf, o, e_churns, phi=phi_c))
    out["churn_z"] = churn_z
    out["churn_attainable"] = attainable_size(pmf, e_churns, phi=phi_c)
    out["churn_band"] = judged_bands(churn_z, out["churn_attainable"].to_numpy())
    out["churn_phi"] = phi_c
    out["churn_phi_estimate"] = phi_churn

    # NRR funnel: each book's null from the team's pool of account residuals.
    books = [grp["s"].to_numpy(dtype=float) / grp["s"].sum() for _, grp in g]
    null = resampled_null(books, residual, n_draws=n_draws, seed=seed)
    centre = float(np.mean(residual))
    value = out["nrr_residual"].to_numpy(dtype=float)
    phi_nrr = overdispersion(z_from_positions(sample_positions(null, value, centre))) if overdispersion_check else np.nan
    phi_n = max(1.0, phi_nrr) if np.isfinite(phi_nrr) else 1.0
    nrr_z = z_from_positions(sample_positions(null, value, centre, phi=phi_n))
    out["nrr_z"] = nrr_z
    out["nrr_band"] = band_of(nrr_z)
    out["nrr_phi"] = phi_n
    out["nrr_phi_estimate"] = phi_nrr
    out["nrr_centre"] = centre
    out["nrr_diff"] = out["observed_nrr"] - out["expected_nrr"]
    out["adjusted_nrr"] = team_nrr + out["nrr_diff"]
    out["team_nrr"] = team_nrr

    for label, level, _z in LEVELS:
        tail = (1 - level) / 2
        out[f"churn_low_{label}"] = (count_limits(pmf, e_churns, tail, phi=phi_c) - e_churns) / n
        out[f"churn_high_{label}"] = (count_limits(pmf, e_churns, 1 - tail, phi=phi_c) - e_churns) / n
        out[f"nrr_low_{label}"] = sample_limits(null, np.full(len(out), centre), tail, phi=phi_n)
        out[f"nrr_high_{label}"] = sample_limits(null, np.full(len(out), centre), 1 - tail, phi=phi_n)
    for measure, up, down, z in (("churn", "above", "below", churn_z), ("nrr", "above", "below", nrr_z)):
        words = _positions(out[f"{measure}_band"].to_numpy(dtype=object), z, up, down)
        out[f"{measure}_position_95"] = words["95"]
        out[f"{measure}_position_998"] = words["998"]
    out["note"] = np.where(
        out["n_accounts"] < small_book_accounts,
        "small book: the limits are wide and only a large gap shows",
        "",
    )
    out = out.reset_index().sort_values(["nrr_diff", "csm_id"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)
