"""Glue from a scored period (``PeriodResult``) to the team-calibration models' input frames.

The team models take plain frames (``expected_outcomes``: account windows;
``rank_intervals``: windows, scores and a ``rescore``; ``portfolio_balance``:
the book at T1). These functions build those frames from what
``calibrate.scoring.compute_period`` returns plus the validated dataset, so
every number the calibration report shows is derived from the same windows
as scores.csv.

* **Account windows** (``account_windows``): the period's *retention windows*
  (attribution window not empty, account in the company cohort, ``S_w > 0``),
  one row per (CSM, account): ``start_arr = S_w``, ``end_arr = E_w``,
  ``segment`` = the account's segment (the book fact; the CSM's when the
  account has none), ``health_t0`` = the latest health score on or before
  the window's start ``a``, ``tenure_days = a − customer_since`` (missing
  without ``customer_since``), ``renewal_due`` = a ``renewals.renewal_date``
  falls in ``(a, b]`` (missing without the renewals table). The end is
  included and the start is not because ARR at a date is the row of its
  month: a renewal (or churn) on ``b`` already shows in ``E_w = ARR(b)``, and
  one on ``a`` is already in ``S_w``.
* **Company retention** (``company_retention``): the company's cohort — every
  account with ``ARR(T0) > 0``, whoever owned it — with ``NRR = ΣE/ΣS``,
  ``GRR = Σ min(E, S)/ΣS``, logo churn ``#{E = 0}/#cohort``, expansion,
  contraction and churn ARR. This, not an average of CSMs, is the team's NRR.
* **Book at T1** (``balance_book``): accounts owned on the period's last day,
  ``arr = ARR(T1)``, ``health_t1`` on that day, ``next_renewal_date`` = the
  first ``renewal_date >= T1`` and ``at_risk`` its flag.
* **Rescore** (``rescore``, ``book_rescorers``): the retention and expansion
  category scores exactly as ``calibrate.scoring`` computes them —
  ``score_retention`` = mean of the metric scores of NRR, GRR and logo churn,
  ``score_expansion`` = the metric score of the expansion rate (see
  ``calibrate.scoring.categories``) — then, per CSM, the same shrinkage to
  the cohort, ``m_c + w (raw − m_c)``, with the cohort mean ``m_c`` of the
  reported raw scores and the CSM's own weight ``w = n / (n + k)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..book import arr_series, book_at, period_close
from ..book.arr import ArrSeries
from ..dataset import Dataset
from ..metrics.health import health_as_of
from ..params import Targets
from ..periods import Period
from ..scoring.categories import METRIC_SCALES, metric_score
from ..scoring.cohorts import TEAM_COHORT, category_shrink_weights
from .expected import ACCOUNT_WINDOW_COLUMNS
from .ranks import Rescore

__all__ = [
    "account_windows",
    "pooled_account_windows",
    "company_retention",
    "balance_book",
    "rescore",
    "book_rescorers",
]


def account_windows(windows: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The model frame for one period: ``ACCOUNT_WINDOW_COLUMNS`` plus ``attr_from`` and ``attr_to``.

    Parameters
    ----------
    windows : DataFrame
        ``PeriodResult.windows`` (attribution windows with ``s_arr``,
        ``e_arr``, ``attr_from``, ``attr_to``, ``retention_window``).
    dataset : Dataset
        For ``accounts`` (segment, customer_since), ``health``, ``renewals``
        and ``csms`` (the CSM's segment when an account has none).
    """
    ret = windows.loc[windows["retention_window"].to_numpy(bool)]
    ret = ret.loc[pd.to_numeric(ret["s_arr"], errors="coerce").gt(0).fillna(False).to_numpy(bool)]
    ids = ret["account_id"].astype("string").reset_index(drop=True)
    start = ret["attr_from"].reset_index(drop=True)
    end = ret["attr_to"].reset_index(drop=True)
    accounts = dataset["accounts"].assign(account_id=lambda f: f["account_id"].astype("string")).set_index("account_id")
    csm_segment = dataset["csms"].assign(csm_id=lambda f: f["csm_id"].astype("string")).set_index("csm_id")["segment"]
    csm_ids = ret["csm_id"].astype("string").reset_index(drop=True)
    segment = ids.map(accounts["segment"]).astype("string").fillna(csm_ids.map(csm_segment).astype("string"))
    health = health_as_of(dataset["health"], ids, start)
    if "customer_since" in accounts.columns:
        since = pd.to_datetime(ids.map(accounts["customer_since"]))
        tenure = (start - since).dt.days.astype("float64")
    else:
        tenure = pd.Series(np.nan, index=ids.index)
    renewals = dataset.get("renewals")
    if renewals is not None:
        due = _renewal_in(ids, start, end, renewals)
    else:
        due = pd.array([pd.NA] * len(ids), dtype="boolean")
    return pd.DataFrame(
        {
            "csm_id": csm_ids,
            "account_id": ids,
            "segment": segment,
            "start_arr": ret["s_arr"].to_numpy(dtype=float),
            "end_arr": ret["e_arr"].to_numpy(dtype=float),
            "health_t0": np.asarray(health, dtype=float),
            "tenure_days": tenure.to_numpy(dtype=float),
            "renewal_due": due,
            "attr_from": start,
            "attr_to": end,
        }
    )[[*ACCOUNT_WINDOW_COLUMNS, "attr_from", "attr_to"]]


def _renewal_in(ids: pd.Series, start: pd.Series, end: pd.Series, renewals: pd.DataFrame) -> pd.array:
    """True when a renewal date of the account falls in ``(start, end]``."""
    rows = pd.DataFrame({"row": np.arange(len(ids)), "account_id": ids, "start": start, "end": end})
    ren = renewals[["account_id", "renewal_date"]].assign(account_id=lambda f: f["account_id"].astype("string"))
    joined = rows.merge(ren, on="account_id", how="inner")
    hit = joined.loc[(joined["renewal_date"] > joined["start"]) & (joined["renewal_date"] <= joined["end"]), "row"]
    out = np.zeros(len(ids), dtype=bool)
    out[hit.to_numpy(dtype=int)] = True
    return pd.array(out, dtype="boolean")


def pooled_account_windows(periods: Sequence[tuple[str, pd.DataFrame]], dataset: Dataset) -> pd.DataFrame:
    """``account_windows`` of several periods stacked, with a ``period`` label column.

    ``periods`` is ``[(label, PeriodResult.windows), ...]``. Rows of one CSM
    in different quarters share the CSM's fold in ``expected_outcomes`` (folds
    are dealt by ``csm_id``), so pooling never lets a CSM's own past set their
    expectation.
    """
    frames = [account_windows(w, dataset).assign(period=label) for label, w in periods]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return account_windows(periods[0][1], dataset).assign(period=pd.Series(dtype="string")) if periods else pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out.assign(period=out["period"].astype("string"))


def company_retention(arr: pd.DataFrame | ArrSeries, period: Period) -> dict[str, float]:
    """The company's cohort retention for ``period`` (see the module docstring).

    Returns ``accounts`` (cohort size), ``start_arr`` (ΣS), ``end_arr`` (ΣE),
    ``nrr``, ``grr``, ``logo_churn_rate``, ``churned_logos``,
    ``expansion_arr``, ``contraction_arr``, ``churn_arr``, ``expansion_rate``
    (expansion / ΣS), ``revenue_churn_rate`` (``(churn + contraction) / ΣS =
    1 − GRR``) and ``arr_t1`` (every account's ARR at T1, new logos included).
    NaN ratios when the cohort is empty.
    """
    series = arr if isinstance(arr, ArrSeries) else arr_series(arr)
    ids = series.accounts
    s = series.at(ids, pd.Series(period.start, index=range(len(ids))))
    e = series.at(ids, pd.Series(period.end, index=range(len(ids))))
    arr_t1 = float(np.nansum(e))
    cohort = s > 0
    s, e = s[cohort], e[cohort]
    base = float(s.sum())
    churned = e <= 0
    expansion = float(np.maximum(e - s, 0).sum())
    contraction = float(np.where(churned, 0.0, np.maximum(s - e, 0)).sum())
    churn = float(s[churned].sum())
    nan = float("nan")
    return {
        "accounts": int(cohort.sum()),
        "start_arr": base,
        "end_arr": float(e.sum()),
        "nrr": float(e.sum()) / base if base > 0 else nan,
        "grr": float(np.minimum(e, s).sum()) / base if base > 0 else nan,
        "logo_churn_rate": float(churned.mean()) if len(s) else nan,
        "churned_logos": int(churned.sum()),
        "expansion_arr": expansion,
        "contraction_arr": contraction,
        "churn_arr": churn,
        "expansion_rate": expansion / base if base > 0 else nan,
        "revenue_churn_rate": (churn + contraction) / base if base > 0 else nan,
        "arr_t1": arr_t1,
    }


def balance_book(dataset: Dataset, period: Period, *, arr: ArrSeries | None = None) -> pd.DataFrame:
    """The book at the period's close for ``portfolio_balance`` and ``rebalancing_moves``.

    Returns ``csm_id``, ``account_id``, ``arr`` (ARR at T1), ``health_t1``,
    ``next_renewal_date`` (first renewal on or after T1; NaT when none is
    known) and ``at_risk`` (that renewal's flag; missing when unknown).
    """
    close = period_close(period)
    book = book_at(dataset["ownership"], close)[["csm_id", "account_id"]]
    book = book.assign(csm_id=book["csm_id"].astype("string"), account_id=book["account_id"].astype("string"))
    series = arr if arr is not None else arr_series(dataset["arr"])
    when = pd.Series(period.end, index=book.index)
    book = book.assign(
        arr=series.at(book["account_id"], when),
        health_t1=health_as_of(dataset["health"], book["account_id"], pd.Series(close, index=book.index)),
    )
    renewals = dataset.get("renewals")
    if renewals is None:
        return book.assign(next_renewal_date=pd.NaT, at_risk=pd.array([pd.NA] * len(book), dtype="boolean"))
    upcoming = renewals.loc[renewals["renewal_date"] >= period.end]
    upcoming = upcoming.assign(account_id=upcoming["account_id"].astype("string")).sort_values(["account_id", "renewal_date"])
    first = upcoming.drop_duplicates("account_id").set_index("account_id")
    at_risk = first["at_risk"] if "at_risk" in first.columns else pd.Series(pd.NA, index=first.index, dtype="boolean")
    return book.assign(
        next_renewal_date=book["account_id"].map(first["renewal_date"]),
        at_risk=book["account_id"].map(at_risk).astype("boolean"),
    )


def rescore(nrr, grr, logo_churn, expansion_rate, *, targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """Raw (unshrunk) ``score_retention`` and ``score_expansion`` from the four retention metrics.

    ``retention = mean(score(nrr), score(grr), score(logo_churn))`` over the
    metrics with a value, ``expansion = score(expansion_rate)``, each score
    from ``calibrate.scoring.categories.metric_score`` with the report's targets.
    """
    parts = np.vstack(
        [
            metric_score(nrr, METRIC_SCALES["nrr"], targets.nrr),
            metric_score(grr, METRIC_SCALES["grr"], targets.grr),
            metric_score(logo_churn, METRIC_SCALES["logo_churn_rate"], targets.logo_churn_rate),
        ]
    )
    count = (~np.isnan(parts)).sum(axis=0)
    with np.errstate(invalid="ignore"):
        retention = np.where(count > 0, np.nansum(parts, axis=0) / np.maximum(count, 1), np.nan)
    expansion = metric_score(expansion_rate, METRIC_SCALES["expansion_rate"], targets.expansion_rate)
    return retention, np.asarray(expansion, dtype=float)


def _cohort_means(categories: pd.DataFrame, column: str) -> pd.Series:
    raw = pd.to_numeric(categories[column], errors="coerce")
    cohort = categories["cohort"].astype("string")
    means = raw.groupby(cohort).transform("mean")
    return means.where(cohort.ne(TEAM_COHORT), raw.mean())


def book_rescorers(categories: pd.DataFrame, *, targets: Targets) -> dict[str, Rescore]:
    """One ``rescore`` per CSM that scores a resampled book as the report scores the real one.

    Parameters
    ----------
    categories : DataFrame
        ``PeriodResult.categories`` (``csm_id``, ``cohort``,
        ``shrink_weight``, ``raw_score_retention``, ``raw_score_expansion``).
    targets : Targets
        ``params.scoring.targets``.

    Returns
    -------
    dict ``csm_id -> rescore(nrr, grr, logo_churn, expansion_rate)`` giving
    ``(m_ret + w (raw_ret − m_ret), m_exp + w (raw_exp − m_exp))``; the
    cohort means are held at the reported ones.
    """
    m_ret = _cohort_means(categories, "raw_score_retention").to_numpy(dtype=float)
    m_exp = _cohort_means(categories, "raw_score_expansion").to_numpy(dtype=float)
    w_ret = category_shrink_weights(categories, "retention").to_numpy(dtype=float)
    w_exp = category_shrink_weights(categories, "expansion").to_numpy(dtype=float)
    out: dict[str, Rescore] = {}
    for csm, wr, we, mr, me in zip(categories["csm_id"].astype(str), w_ret, w_exp, m_ret, m_exp):
        out[csm] = _shrunk_rescore(targets, float(wr), float(we), float(mr), float(me))
    return out


def _shrunk_rescore(targets: Targets, w_ret: float, w_exp: float, m_ret: float, m_exp: float) -> Rescore:
    def shrunk(nrr, grr, logo_churn, expansion_rate):
        ret, exp = rescore(nrr, grr, logo_churn, expansion_rate, targets=targets)
        ret = ret if np.isnan(m_ret) else m_ret + w_ret * (ret - m_ret)
        exp = exp if np.isnan(m_exp) else m_exp + w_exp * (exp - m_exp)
        return ret, exp

    return shrunk
