"""Book-adjusted performance: each CSM's outcomes against what their book predicted.

Books differ (the "book differences" trap of DOMAIN.md): a CSM with many
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
* **Funnel limits** (indirect standardisation): the risk-adjusted churn rate
  ``team_churn_rate + (observed − expected)`` is compared with exact binomial
  limits around the team rate at the CSM's ``n``:
  ``Binom(n, p̄).ppf(α/2) / n`` and ``Binom(n, p̄).ppf(1 − α/2) / n`` for
  ``α`` = 5% and 0.2% (``method="normal"`` uses ``p̄ ± z √(p̄(1 − p̄)/n)``
  clipped to [0, 1]). The risk-adjusted NRR ``team_nrr + (observed −
  expected)`` is compared with ``team_nrr ± z · σ / √n_eff``, where ``σ`` is
  the standard deviation of the account-level residuals ``r_k − r̂_k`` across
  the team and ``n_eff = (Σ S_k)² / Σ S_k²`` (Kish) — equal to ``n`` for equal
  accounts and smaller for a book carried by one account, whose NRR is
  genuinely less certain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..errors import CalibrateError, InsufficientDataError

__all__ = [
    "ACCOUNT_WINDOW_COLUMNS",
    "expected_outcomes",
    "book_adjusted",
    "funnel_limits_binomial",
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
_Z95 = float(stats.norm.ppf(0.975))
_Z998 = float(stats.norm.ppf(0.999))
_LIMITS = (("95", 0.05, _Z95), ("998", 0.002, _Z998))


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


def funnel_limits_binomial(n: np.ndarray, p: float, *, alpha: float, method: str = "exact") -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits for a rate around ``p`` at sample sizes ``n``.

    ``exact``: ``Binom(n, p).ppf(α/2) / n`` and ``Binom(n, p).ppf(1 − α/2) / n``.
    ``normal``: ``p ± z_{1−α/2} √(p(1 − p)/n)`` clipped to [0, 1].
    """
    n = np.asarray(n, dtype=float)
    if method == "exact":
        return stats.binom.ppf(alpha / 2, n, p) / n, stats.binom.ppf(1 - alpha / 2, n, p) / n
    if method == "normal":
        half = stats.norm.ppf(1 - alpha / 2) * np.sqrt(p * (1 - p) / n)
        return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
    raise CalibrateError(f"The 'method' argument must be 'exact' or 'normal'. Got {method!r} instead.")


def _position(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.where(value > high, "above", np.where(value < low, "below", "inside"))


def book_adjusted(expected: pd.DataFrame, *, method: str = "exact", small_book_accounts: int = 8) -> pd.DataFrame:
    """Per CSM: observed vs expected churn and NRR, with funnel limits.

    Parameters
    ----------
    expected : DataFrame
        Output of ``expected_outcomes`` (needs ``csm_id``, ``start_arr``,
        ``end_arr``, ``churned``, ``arr_ratio``, ``expected_churn``,
        ``expected_ratio``).
    method : {"exact", "normal"}
        Binomial funnel limits for churn (see the module docstring).
    small_book_accounts : int
        Books with fewer accounts get a ``note`` that the limits are wide.

    Returns
    -------
    DataFrame, one row per CSM: ``n_accounts``, ``start_arr``,
    ``observed_churn_rate``, ``expected_churn_rate``, ``churn_diff``,
    ``adjusted_churn_rate`` (team rate + diff), ``team_churn_rate``,
    ``churn_low_95`` / ``churn_high_95`` / ``churn_low_998`` /
    ``churn_high_998``, ``churn_position_95`` / ``churn_position_998``
    (``above`` = more churn than the book explains; ``inside``; ``below``);
    ``observed_nrr``, ``expected_nrr``, ``nrr_diff``, ``adjusted_nrr``,
    ``team_nrr``, ``n_eff``, ``nrr_se``, ``nrr_low_*`` / ``nrr_high_*``,
    ``nrr_position_*`` (``above`` = better than the book explains); ``note``.
    Sorted by ``nrr_diff`` descending.
    """
    needed = ("csm_id", "start_arr", "end_arr", "churned", "arr_ratio", "expected_churn", "expected_ratio")
    _check_columns(expected, needed, "expected")
    if expected.empty:
        raise InsufficientDataError("The expected table is empty; run expected_outcomes on a non-empty cohort first.")
    s = expected["start_arr"].to_numpy(dtype=float)
    e = pd.to_numeric(expected["end_arr"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    work = pd.DataFrame(
        {
            "csm_id": expected["csm_id"].to_numpy(),
            "s": s,
            "e": e,
            "s2": s**2,
            "churned": expected["churned"].to_numpy(dtype=float),
            "p": expected["expected_churn"].to_numpy(dtype=float),
            "e_hat": expected["expected_ratio"].to_numpy(dtype=float) * s,
        }
    )
    residual = expected["arr_ratio"].to_numpy(dtype=float) - expected["expected_ratio"].to_numpy(dtype=float)
    sigma = float(np.std(residual, ddof=1)) if len(residual) > 1 else np.nan
    team_churn = float(work["churned"].mean())
    team_nrr = float(work["e"].sum() / work["s"].sum())

    g = work.groupby("csm_id", sort=True)
    out = pd.DataFrame(
        {
            "n_accounts": g.size(),
            "start_arr": g["s"].sum(),
            "observed_churn_rate": g["churned"].mean(),
            "expected_churn_rate": g["p"].mean(),
            "observed_nrr": g["e"].sum() / g["s"].sum(),
            "expected_nrr": g["e_hat"].sum() / g["s"].sum(),
            "n_eff": g["s"].sum() ** 2 / g["s2"].sum(),
        }
    )
    out["churn_diff"] = out["observed_churn_rate"] - out["expected_churn_rate"]
    out["adjusted_churn_rate"] = team_churn + out["churn_diff"]
    out["team_churn_rate"] = team_churn
    out["nrr_diff"] = out["observed_nrr"] - out["expected_nrr"]
    out["adjusted_nrr"] = team_nrr + out["nrr_diff"]
    out["team_nrr"] = team_nrr
    out["nrr_se"] = sigma / np.sqrt(out["n_eff"])
    n = out["n_accounts"].to_numpy(dtype=float)
    for label, alpha, z in _LIMITS:
        low, high = funnel_limits_binomial(n, team_churn, alpha=alpha, method=method)
        out[f"churn_low_{label}"] = low
        out[f"churn_high_{label}"] = high
        out[f"churn_position_{label}"] = _position(out["adjusted_churn_rate"].to_numpy(), low, high)
        nrr_low = team_nrr - z * out["nrr_se"].to_numpy()
        nrr_high = team_nrr + z * out["nrr_se"].to_numpy()
        out[f"nrr_low_{label}"] = nrr_low
        out[f"nrr_high_{label}"] = nrr_high
        out[f"nrr_position_{label}"] = _position(out["adjusted_nrr"].to_numpy(), nrr_low, nrr_high)
    out["note"] = np.where(
        out["n_accounts"] < small_book_accounts,
        "small book: the limits are wide and only a large gap shows",
        "",
    )
    out = out.reset_index().sort_values(["nrr_diff", "csm_id"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)
