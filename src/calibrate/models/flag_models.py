"""Baseline M0 versus M0 + one flag kind (M1), on a time-ordered split.

* M0 features: ``health`` (median-imputed, with a missing indicator),
  ``log_arr``, ``tenure_years`` (median-imputed, with a missing indicator),
  ``renewal_due``, and ``segment`` one-hot.
* M1 for flag kind ``k`` adds ``flagged_<k>``, ``log(1 + n_<k>)`` and ``score_<k>``.
* Both are ``sklearn`` ``LogisticRegression`` in a ``Pipeline`` that scales the
  columns first (medians for missing values come from the training rows only).
* Out of time, never a random split: the question is whether flags raised
  before a quarter predict what happens in it. ``rolling_splits`` gives a
  rolling origin (expanding window): each of the last ``test_quarters``
  quarters is predicted by a model trained on every earlier row whose label
  window had closed by that quarter's start, ``t0' + H <= t0_test`` (a row at
  ``t0'`` with horizon ``H`` is labelled by events up to ``t0' + H``, so a
  training label never peeks into the test quarter). The test quarters'
  predictions are pooled. ``time_split`` (one origin) is kept for callers
  that want a single cut.
* On the (pooled) test rows: ROC AUC, average precision (AP), Brier score
  ``mean((p - y)^2)``, Brier skill over M0 ``1 - Brier_M1 / Brier_M0`` and a
  reliability curve (10 quantile bins, ``sklearn.calibration.calibration_curve``).
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

__all__ = [
    "BASELINE_FEATURES",
    "Split",
    "ModelFit",
    "time_split",
    "rolling_splits",
    "design_matrix",
    "flag_columns",
    "make_pipeline",
    "fit_matrix",
    "fit_and_predict",
    "holdout_metrics",
    "reliability_curve",
]

BASELINE_FEATURES = ("health", "log_arr", "tenure_years", "renewal_due", "segment")
_NUMERIC = ("health", "log_arr", "tenure_years", "renewal_due")


@dataclass(frozen=True)
class Split:
    """Row positions of the training (earlier) and test (later) quarters."""

    train: np.ndarray
    test: np.ndarray
    train_quarters: tuple[str, ...]
    test_quarters: tuple[str, ...]


@dataclass(frozen=True)
class ModelFit:
    """Test-set predicted probabilities of one model (``None`` when it could not be fitted)."""

    name: str
    probability: np.ndarray | None
    reason: str = ""
    pipeline: Pipeline | None = None


def time_split(quarter: pd.Series, *, test_quarters: int = 2) -> Split | None:
    """Train on all but the last ``test_quarters`` quarters present, test on those.

    With fewer quarters the test keeps ``n - 1`` of them so that one quarter
    remains to train on; ``None`` with fewer than two quarters.
    """
    present = sorted(quarter.dropna().unique())
    if len(present) < 2:
        return None
    n_test = min(test_quarters, len(present) - 1)
    test_q = tuple(present[-n_test:])
    is_test = quarter.isin(test_q).to_numpy(bool)
    return Split(
        train=np.flatnonzero(~is_test),
        test=np.flatnonzero(is_test),
        train_quarters=tuple(present[:-n_test]),
        test_quarters=test_q,
    )


def rolling_splits(
    quarter: pd.Series,
    t0: pd.Series,
    *,
    horizon_days: int,
    test_quarters: int = 4,
) -> list[Split]:
    """Rolling-origin (expanding window) splits, one per test quarter, oldest first.

    The test quarters are the last ``test_quarters`` quarters present. For
    test quarter ``q`` starting at ``T``: ``test`` = the rows of ``q``;
    ``train`` = every row with ``t0' + horizon_days <= T`` (its label window
    ``(t0', t0' + H]`` ends by ``T``). A test quarter with no such row is left
    out. Every row's quarter must have one ``t0``.

    Parameters
    ----------
    quarter : Series
        Quarter label of each row.
    t0 : Series
        Start of each row's quarter (datetime).
    horizon_days : int, keyword-only
        The label horizon ``H`` in days.
    test_quarters : int, keyword-only
        How many of the latest quarters are predicted (at most all but the first).
    """
    labels = quarter.astype(str).to_numpy()
    starts = pd.to_datetime(t0).to_numpy("datetime64[ns]")
    by_quarter = pd.DataFrame({"quarter": labels, "t0": starts}).drop_duplicates("quarter")
    by_quarter = by_quarter.sort_values("t0", kind="stable")
    if len(by_quarter) < 2:
        return []
    horizon = np.timedelta64(int(horizon_days), "D")
    label_end = starts + horizon
    n_test = min(int(test_quarters), len(by_quarter) - 1)
    out = []
    for q, start in by_quarter.iloc[-n_test:].itertuples(index=False, name=None):
        train = np.flatnonzero(label_end <= np.datetime64(start, "ns"))
        if len(train) == 0:
            continue
        out.append(Split(
            train=train,
            test=np.flatnonzero(labels == q),
            train_quarters=tuple(sorted(set(labels[train].tolist()))),
            test_quarters=(str(q),),
        ))
    return out


def design_matrix(frame: pd.DataFrame, *, train_rows: np.ndarray, kind: str | None = None) -> np.ndarray:
    """The numeric model input: M0's columns, plus kind ``kind``'s flag columns for M1.

    Missing ``health`` / ``tenure_years`` take the median of the training
    rows (never of the test rows) and get a 0/1 "was missing" column;
    ``segment`` is one-hot (one column per segment of the frame).
    """
    columns = []
    for name in _NUMERIC:
        values = frame[name].to_numpy(float)
        missing = np.isnan(values)
        if missing.any():
            train_values = values[train_rows]
            train_values = train_values[~np.isnan(train_values)]
            fill = float(np.median(train_values)) if len(train_values) else 0.0
            values = np.where(missing, fill, values)
            columns.append(missing.astype(float))
        columns.append(values)
    codes, _ = pd.factorize(frame["segment"].astype(str), sort=True)
    columns.extend((codes == level).astype(float) for level in range(codes.max() + 1 if len(codes) else 0))
    if kind is not None:
        columns.extend(flag_columns(frame, kind).T)
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def flag_columns(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """M1's extra columns for kind ``kind``: raised (0/1), log(1 + count), top score."""
    return np.column_stack([
        frame[f"flagged_{kind}"].to_numpy(float),
        np.log1p(frame[f"n_{kind}"].to_numpy(float)),
        frame[f"score_{kind}"].to_numpy(float),
    ])


def make_pipeline() -> Pipeline:
    """Scaling then logistic regression, as one scikit-learn ``Pipeline``."""
    return Pipeline([("scale", StandardScaler()),
                     ("model", LogisticRegression(solver="newton-cholesky", max_iter=200))])


def _rows(x: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``x[positions]``, as a view when the positions are one contiguous run (the usual expanding window)."""
    if len(positions) and positions[-1] - positions[0] + 1 == len(positions):
        return x[positions[0]:positions[-1] + 1]
    return x[positions]


def fit_matrix(x: np.ndarray, y: np.ndarray, split: Split, *, name: str, warm: Pipeline | None = None) -> ModelFit:
    """Fit ``make_pipeline()`` on the training rows of ``x``; probabilities on the test rows.

    ``warm`` (the same model fitted on an earlier, smaller origin) starts the
    solver from that fit's coefficients; the optimum is the same, reached in
    fewer Newton steps. The fitted pipeline is returned in ``ModelFit.pipeline``.
    """
    y_train = _rows(np.asarray(y), split.train)
    if len(np.unique(y_train)) < 2:
        return ModelFit(name, None, "the training quarters have no event (or only events)")
    pipeline = warm if warm is not None else make_pipeline()
    if warm is not None:
        pipeline.set_params(model__warm_start=True)
    pipeline.fit(_rows(x, split.train), y_train)
    return ModelFit(name, pipeline.predict_proba(_rows(x, split.test))[:, 1], pipeline=pipeline)


def fit_and_predict(frame: pd.DataFrame, y: np.ndarray, split: Split, *, kind: str | None) -> ModelFit:
    """Fit M0 (``kind=None``) or M1 for ``kind`` on ``split.train``; probabilities on ``split.test``."""
    name = "M0" if kind is None else f"M1[{kind}]"
    return fit_matrix(design_matrix(frame, train_rows=split.train, kind=kind), y, split, name=name)


def holdout_metrics(y_test: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """ROC AUC, average precision and Brier score on the test rows (NaN if one class only)."""
    y = np.asarray(y_test)
    if len(np.unique(y)) < 2:
        return {"auc": float("nan"), "average_precision": float("nan"),
                "brier": float(brier_score_loss(y, probability)) if len(y) else float("nan")}
    return {
        "auc": float(roc_auc_score(y, probability)),
        "average_precision": float(average_precision_score(y, probability)),
        "brier": float(brier_score_loss(y, probability)),
    }


def reliability_curve(y_test: np.ndarray, probability: np.ndarray, *, n_bins: int = 10) -> pd.DataFrame:
    """Observed event rate against mean predicted probability in quantile bins.

    Columns ``bin`` (1..), ``mean_predicted``, ``observed_rate``. Bins that
    collapse on tied predictions are merged by scikit-learn.
    """
    y = np.asarray(y_test)
    if len(y) == 0 or len(np.unique(y)) < 2:
        return pd.DataFrame({"bin": pd.Series(dtype=int), "mean_predicted": pd.Series(dtype=float),
                             "observed_rate": pd.Series(dtype=float)})
    observed, predicted = calibration_curve(y, probability, n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"bin": np.arange(1, len(observed) + 1), "mean_predicted": predicted,
                         "observed_rate": observed})
