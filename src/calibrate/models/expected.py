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
* **Churn funnel** (risk-adjusted, Poisson-binomial). For a CSM with ``n``
  accounts and out-of-fold churn probabilities ``p_k``, the number of churns
  the book alone would produce is a sum of independent Bernoulli(``p_k``), so
  ``O`` (observed churns) is compared with ``E = Σ p_k`` and
  ``V = Σ p_k (1 − p_k)``. The plotted quantity is the rate difference
  ``(O − E) / n`` (= ``churn_diff``, percentage points) and its limits are
  ``± z √V / n`` for ``z`` = 1.96 (95%) and 3.09 (99.8%), the normal
  approximation. Whether a CSM is *outside* is decided by the exact
  Poisson-binomial tails ``P(O ≤ o)`` (``p_low``) and ``P(O ≥ o)``
  (``p_high``), computed by the standard recursion over accounts, against
  0.025 / 0.001 one-sided (``method="normal"`` uses the approximate limits
  instead). A CSM with no churn is "better than the book" only when
  ``Π (1 − p_k) < 0.025``, i.e. roughly when the book expected 3.7 or more
  churns: a book expecting one churn and seeing none is ordinary
  (``P ≈ e^−1``). The precision axis of the plot is
  ``churn_n_eff = v̄ n² / V`` with ``v̄`` the team's mean ``p_k (1 − p_k)`` per
  account: "effective accounts", equal to ``n`` for a book of average
  riskiness and larger for a predictable book. On that axis the limits are
  ``± z √(v̄ / churn_n_eff)`` for every CSM at once, so one drawn funnel
  carries each CSM's own limits. (The earlier version put
  ``team rate + (O − E)/n`` inside binomial limits around the team rate,
  whose lower limit is 0 in most books: every zero-churn CSM with a book
  riskier than the team's average fell outside.)
* **NRR funnel**: the risk-adjusted NRR ``team_nrr + (observed − expected)``
  is compared with ``team_nrr ± z · σ / √n_eff``, where ``σ`` is the standard
  deviation of the account-level residuals ``r_k − r̂_k`` across the team and
  ``n_eff = (Σ S_k)² / Σ S_k²`` (Kish) — equal to ``n`` for equal accounts and
  smaller for a book carried by one account, whose NRR is genuinely less
  certain. The residuals already carry the book's expectation, so the limits
  are centred on what the book explains (no floor effect as for churn).
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
    """Funnel limits for an *unadjusted* rate around ``p`` at sample sizes ``n``.

    ``exact``: ``Binom(n, p).ppf(α/2) / n`` and ``Binom(n, p).ppf(1 − α/2) / n``.
    ``normal``: ``p ± z_{1−α/2} √(p(1 − p)/n)`` clipped to [0, 1].
    ``book_adjusted`` does not use these: a book-adjusted comparison needs the
    Poisson-binomial of the accounts' own probabilities (``poisson_binomial_pmf``).
    """
    n = np.asarray(n, dtype=float)
    if method == "exact":
        return stats.binom.ppf(alpha / 2, n, p) / n, stats.binom.ppf(1 - alpha / 2, n, p) / n
    if method == "normal":
        half = stats.norm.ppf(1 - alpha / 2) * np.sqrt(p * (1 - p) / n)
        return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
    raise CalibrateError(f"The 'method' argument must be 'exact' or 'normal'. Got {method!r} instead.")


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


def _book_tails(csm_id: pd.Series, p: np.ndarray, books: pd.Index, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``P(O ≤ o)`` and ``P(O ≥ o)`` for each book in ``books`` (accounts' ``csm_id`` and ``p``)."""
    codes = books.get_indexer(csm_id)
    keep = codes >= 0
    order = np.argsort(codes[keep], kind="stable")
    codes, p = codes[keep][order], p[keep][order]
    sizes = np.bincount(codes, minlength=len(books))
    slot = np.arange(len(codes)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    padded = np.zeros((len(books), int(sizes.max())))
    padded[codes, slot] = p
    cdf = np.cumsum(poisson_binomial_pmf(padded), axis=1)
    o = observed.astype(int)
    rows = np.arange(len(books))
    p_low = np.minimum(cdf[rows, o], 1.0)
    p_high = np.clip(1.0 - np.where(o > 0, cdf[rows, np.maximum(o - 1, 0)], 0.0), 0.0, 1.0)
    return p_low, p_high


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
        How a CSM is placed against the churn funnel: the exact
        Poisson-binomial tails (default) or the normal limits ``± z √V / n``
        (see the module docstring).
    small_book_accounts : int
        Books with fewer accounts get a ``note`` that the limits are wide.

    Returns
    -------
    DataFrame, one row per CSM: ``n_accounts``, ``start_arr``,
    ``churns`` (O), ``e_churns`` (E = Σ p_k), ``var_churns`` (V = Σ p_k(1 − p_k)),
    ``observed_churn_rate`` (O / n), ``expected_churn_rate`` (E / n),
    ``churn_diff`` ((O − E) / n, the plotted value), ``churn_n_eff``
    (v̄ n² / V, the plot's precision axis), ``team_churn_var`` (v̄, the team's
    mean p_k(1 − p_k) per account), ``adjusted_churn_rate`` (team rate
    + diff, kept for reference), ``team_churn_rate``, ``p_low`` (P(O ≤ o)),
    ``p_high`` (P(O ≥ o)), ``churn_low_95`` / ``churn_high_95`` /
    ``churn_low_998`` / ``churn_high_998`` (limits on ``churn_diff``:
    ``± z √V / n``), ``churn_position_95`` / ``churn_position_998``
    (``above`` = more churn than the book explains, ``p_high`` < 0.025 /
    0.001; ``below`` = less, ``p_low`` < 0.025 / 0.001; else ``inside``);
    ``observed_nrr``, ``expected_nrr``, ``nrr_diff``, ``adjusted_nrr``,
    ``team_nrr``, ``n_eff``, ``nrr_se``, ``nrr_low_*`` / ``nrr_high_*``,
    ``nrr_position_*`` (``above`` = better than the book explains); ``note``.
    Sorted by ``nrr_diff`` descending.
    """
    needed = ("csm_id", "start_arr", "end_arr", "churned", "arr_ratio", "expected_churn", "expected_ratio")
    _check_columns(expected, needed, "expected")
    if method not in ("exact", "normal"):
        raise CalibrateError(f"The 'method' argument must be 'exact' or 'normal'. Got {method!r} instead.")
    if expected.empty:
        raise InsufficientDataError("The expected table is empty; run expected_outcomes on a non-empty cohort first.")
    s = expected["start_arr"].to_numpy(dtype=float)
    e = pd.to_numeric(expected["end_arr"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    p = expected["expected_churn"].to_numpy(dtype=float)
    work = pd.DataFrame(
        {
            "csm_id": expected["csm_id"].to_numpy(),
            "s": s,
            "e": e,
            "s2": s**2,
            "churned": expected["churned"].to_numpy(dtype=float),
            "p": p,
            "v": p * (1 - p),
            "e_hat": expected["expected_ratio"].to_numpy(dtype=float) * s,
        }
    )
    residual = expected["arr_ratio"].to_numpy(dtype=float) - expected["expected_ratio"].to_numpy(dtype=float)
    sigma = float(np.std(residual, ddof=1)) if len(residual) > 1 else np.nan
    team_churn = float(work["churned"].mean())
    team_nrr = float(work["e"].sum() / work["s"].sum())
    v_bar = float(work["v"].mean())

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
        }
    )
    n = out["n_accounts"].to_numpy(dtype=float)
    var = out["var_churns"].to_numpy(dtype=float)
    out["observed_churn_rate"] = out["churns"] / n
    out["expected_churn_rate"] = out["e_churns"] / n
    out["churn_diff"] = out["observed_churn_rate"] - out["expected_churn_rate"]
    # A book with V = 0 (every p_k is 0 or 1) has no spread: its precision is unbounded; show it at n.
    out["churn_n_eff"] = np.where((var > 0) & (v_bar > 0), v_bar * n**2 / np.where(var > 0, var, 1.0), n)
    out["adjusted_churn_rate"] = team_churn + out["churn_diff"]
    out["team_churn_rate"] = team_churn
    out["team_churn_var"] = v_bar
    p_low, p_high = _book_tails(work["csm_id"], p, out.index, out["churns"].to_numpy())
    out["p_low"] = p_low
    out["p_high"] = p_high
    out["nrr_diff"] = out["observed_nrr"] - out["expected_nrr"]
    out["adjusted_nrr"] = team_nrr + out["nrr_diff"]
    out["team_nrr"] = team_nrr
    out["nrr_se"] = sigma / np.sqrt(out["n_eff"])
    churn_se = np.sqrt(var) / n
    diff = out["churn_diff"].to_numpy(dtype=float)
    for label, alpha, z in _LIMITS:
        low, high = -z * churn_se, z * churn_se
        out[f"churn_low_{label}"] = low
        out[f"churn_high_{label}"] = high
        if method == "exact":
            tail = alpha / 2
            out[f"churn_position_{label}"] = np.where(p_high < tail, "above", np.where(p_low < tail, "below", "inside"))
        else:
            # Strictly beyond a limit; V = 0 makes both limits 0, so any difference is outside.
            out[f"churn_position_{label}"] = _position(diff, low, high)
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
