"""One horizon, end to end: alert view, models, paired bootstrap, verdicts.

Models are judged out of time with a rolling origin (``rolling_splits``):
each of the last ``test_quarters`` quarters is predicted by M0 and M1 fitted
on the rows whose label windows closed before it; an origin is used for an
outcome only when its training rows hold at least ``min_events`` events.
The used origins' test predictions are pooled; an outcome with fewer than
``min_events`` events in the pooled test rows is ``insufficient_data``.

Predictions are computed once per model and origin. AUC intervals, and the
paired interval of ``auc_gain = AUC(M1) - AUC(M0)``, come from DeLong's
method clustered by account (``models.delong``): the account-level
percentile bootstrap covered only 90-93% at 20 events where 95% is claimed.
The bootstrap (by account) is kept for lift and the Brier score; all its
resamples of a horizon come from one ``BootstrapPlan``, so those intervals
are paired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .alerts import OUTCOMES, alert_table, caught_events, response_table
from .bootstrap import BootstrapPlan, bootstrap_sums, percentile_interval
from .delong import DeLongResult, auc_interval, delong, difference_interval
from .flag_models import (Split, design_matrix, fit_matrix, flag_columns, holdout_metrics, reliability_curve,
                          rolling_splits)
from .panel import HorizonPanel
from .verdicts import decide_verdict, verdict_sentence

__all__ = ["HorizonResult", "evaluate_horizon", "lift_intervals", "lead_time_table", "brier_replicates"]

_NAN = float("nan")


@dataclass(frozen=True)
class HorizonResult:
    """Every table of one horizon (one row per flag kind × outcome in ``flags``)."""

    flags: pd.DataFrame
    alerts: pd.DataFrame
    models: pd.DataFrame
    reliability: pd.DataFrame
    response: pd.DataFrame
    lead_times: pd.DataFrame | None = None


def lift_intervals(
    frame: pd.DataFrame,
    row_account: np.ndarray,
    plan: BootstrapPlan,
    *,
    kinds: Sequence[str],
    outcomes: Sequence[str],
) -> dict[tuple[str, str], tuple[float, float]]:
    """95% account-bootstrap interval of lift for every (kind, outcome).

    Per account a: rows n_a, events e_a, flagged rows f_a, flagged events
    fe_a; per resample ``lift_b = (sum c fe / sum c f) / (sum c e / sum c n)``.
    """
    columns = [np.ones(len(frame))]
    index: dict[tuple[str, str], tuple[int, int, int]] = {}
    events = {o: frame[f"y_{o}"].to_numpy(float) for o in outcomes}
    for o in outcomes:
        columns.append(events[o])
    for kind in kinds:
        flagged = frame[f"flagged_{kind}"].to_numpy(float)
        columns.append(flagged)
        f_col = len(columns) - 1
        for k, o in enumerate(outcomes):
            columns.append(flagged * events[o])
            index[(kind, o)] = (1 + k, f_col, len(columns) - 1)
    per_row = np.column_stack(columns)
    per_account = np.zeros((plan.n_accounts, per_row.shape[1]))
    np.add.at(per_account, row_account, per_row)
    totals = bootstrap_sums(per_account, plan)
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for key, (e_col, f_col, fe_col) in index.items():
            lift = (totals[:, fe_col] / totals[:, f_col]) / (totals[:, e_col] / totals[:, 0])
            out[key] = percentile_interval(lift)
    return out


def brier_replicates(y_test: np.ndarray, scores: dict[str, np.ndarray], row_account: np.ndarray,
                     plan: BootstrapPlan) -> dict[str, np.ndarray]:
    """Brier score of every model on each of ``plan``'s resamples (paired, like ``bootstrap_auc``).

    Per account a: squared errors ``sum (p - y)^2`` and rows; a resample's
    Brier is ``sum c_a se_a / sum c_a n_a``.
    """
    y = np.asarray(y_test, dtype=float)
    names = list(scores)
    per_row = np.column_stack([np.ones(len(y))] + [(np.asarray(scores[n], float) - y) ** 2 for n in names])
    per_account = np.zeros((plan.n_accounts, per_row.shape[1]))
    np.add.at(per_account, row_account, per_row)
    totals = bootstrap_sums(per_account, plan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {n: totals[:, i + 1] / totals[:, 0] for i, n in enumerate(names)}


def lead_time_table(
    panel: HorizonPanel,
    flags: pd.DataFrame,
    *,
    kinds: Sequence[str],
    lookback_days: int,
    min_lead_days: int,
    outcomes: Sequence[str] = OUTCOMES,
) -> pd.DataFrame:
    """Every caught event's lead time: ``flag_kind``, ``outcome``, ``horizon_days``, ``lead_days``.

    The rows behind the alert view's median and quartiles (``caught_events``:
    the latest flag in ``[t0 - L, t0)`` at least ``min_lead_days`` before the event).
    """
    parts = []
    for outcome in outcomes:
        for kind in kinds:
            caught = caught_events(panel.frame, flags, kind=kind, outcome=outcome, lookback_days=lookback_days,
                                   min_lead_days=min_lead_days)
            parts.append(pd.DataFrame({"flag_kind": kind, "outcome": outcome, "horizon_days": panel.horizon_days,
                                       "lead_days": caught["lead_days"].to_numpy(float)}))
    if not parts:
        return pd.DataFrame({"flag_kind": pd.Series(dtype=object), "outcome": pd.Series(dtype=object),
                             "horizon_days": pd.Series(dtype=int), "lead_days": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True)


def evaluate_horizon(
    panel: HorizonPanel,
    flags: pd.DataFrame,
    *,
    kinds: Sequence[str],
    lookback_days: int,
    min_lead_days: int,
    min_events: int,
    test_quarters: int,
    n_boot: int,
    seed: int,
    outcomes: Sequence[str] = OUTCOMES,
) -> HorizonResult:
    """Alert view, M0/M1 models, paired bootstrap and verdicts for one horizon."""
    frame = panel.frame
    alerts = alert_table(panel, flags, kinds=kinds, lookback_days=lookback_days, min_lead_days=min_lead_days,
                         outcomes=outcomes)
    response = response_table(panel, kinds=kinds, outcomes=outcomes)
    row_account, accounts = pd.factorize(frame["account_id"], sort=True)
    plan = BootstrapPlan(n_accounts=max(len(accounts), 1), n_boot=n_boot, seed=seed)
    lifts = lift_intervals(frame, row_account, plan, kinds=kinds, outcomes=outcomes) if len(frame) else {}
    splits = rolling_splits(frame["quarter"], frame["t0"], horizon_days=panel.horizon_days,
                            test_quarters=test_quarters) if len(frame) else []
    candidate_quarters = ";".join(q for s in splits for q in s.test_quarters)
    flag_x = {kind: flag_columns(frame, kind) for kind in kinds} if splits else {}
    base_x: dict[int, np.ndarray] = {}  # M0's design matrix per origin: the same for both outcomes

    model_rows, curves, flag_rows = [], [], []
    for outcome in outcomes:
        y = frame[f"y_{outcome}"].to_numpy(np.int8)
        n_events = int(y.sum())
        origin = _origins(y, splits, min_events=min_events)
        fits: dict[str, np.ndarray] = {}
        if origin.enough:
            fits = _pooled_predictions(frame, y, splits, origin.used, kinds=kinds, base_x=base_x, flag_x=flag_x)
        fitted = origin.enough and fits is not None and len(fits) == 1 + len(kinds)
        metrics: dict[str, dict[str, float]] = {}
        if fitted:
            y_test = y[origin.test_rows]
            for name, probability in fits.items():
                metrics[name] = holdout_metrics(y_test, probability)
                curve = reliability_curve(y_test, probability)
                curves.append(curve.assign(outcome=outcome, horizon_days=panel.horizon_days,
                                           model="M0" if name == "M0" else f"M1[{name}]"))
            briers = brier_replicates(y_test, fits, row_account[origin.test_rows], plan)
            last = splits[origin.used[-1]]
            names = list(fits)
            auc_cov = delong(y_test, np.vstack([fits[n] for n in names]), clusters=row_account[origin.test_rows])
            for i, name in enumerate(names):
                low, high = auc_interval(auc_cov, i)
                extra = {"brier_low": percentile_interval(briers[name])[0],
                         "brier_high": percentile_interval(briers[name])[1]}
                if name != "M0":
                    m1, m0 = metrics[name], metrics["M0"]
                    gain_low, gain_high = difference_interval(auc_cov, i, names.index("M0"))
                    with np.errstate(invalid="ignore", divide="ignore"):
                        skill_low, skill_high = percentile_interval(1 - briers[name] / briers["M0"])
                    extra |= {"auc_gain": m1["auc"] - m0["auc"], "auc_gain_low": gain_low, "auc_gain_high": gain_high,
                              "brier_skill": 1 - m1["brier"] / m0["brier"] if m0["brier"] > 0 else _NAN,
                              "brier_skill_low": skill_low, "brier_skill_high": skill_high}
                model_rows.append({
                    "outcome": outcome, "horizon_days": panel.horizon_days,
                    "model": "M0" if name == "M0" else f"M1[{name}]",
                    "n_train": len(last.train), "n_test": len(origin.test_rows),
                    "n_train_events": origin.n_train_events, "n_test_events": origin.n_test_events,
                    "n_origins": len(origin.used),
                    **metrics[name], "auc_low": low, "auc_high": high, **extra,
                    "train_quarters": ";".join(last.train_quarters), "test_quarters": origin.test_quarters,
                })
        for kind in kinds:
            alert = alerts.loc[(alerts["flag_kind"] == kind) & (alerts["outcome"] == outcome)].iloc[0].to_dict()
            row = {**alert, "n_train_events": origin.n_train_events, "n_test_events": origin.n_test_events,
                   "n_dropped_churned": panel.n_dropped_churned, "n_dropped_censored": panel.n_dropped_censored,
                   "test_quarters": origin.test_quarters or candidate_quarters, "min_events": min_events,
                   "min_lead_days": min_lead_days}
            row.update(_model_columns(kind, metrics, auc_cov if fitted else None, list(fits) if fitted else [],
                                      lifts.get((kind, outcome), (_NAN, _NAN)), fitted))
            row["verdict"] = decide_verdict(n_events=n_events, n_train_events=origin.n_train_events,
                                            n_test_events=origin.n_test_events, lift_low=row["lift_low"],
                                            auc_gain_low=row["auc_gain_low"], min_events=min_events, fitted=fitted)
            if row["verdict"] == "insufficient_data":
                for col in ("lift_low", "lift_high"):
                    row[col] = _NAN
            row["sentence"] = verdict_sentence(row)
            flag_rows.append(row)
    return HorizonResult(
        flags=pd.DataFrame.from_records(flag_rows),
        alerts=alerts,
        models=pd.DataFrame.from_records(model_rows),
        reliability=pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
            columns=["bin", "mean_predicted", "observed_rate", "outcome", "horizon_days", "model"]),
        response=response,
        lead_times=lead_time_table(panel, flags, kinds=kinds, lookback_days=lookback_days,
                                   min_lead_days=min_lead_days, outcomes=outcomes),
    )


@dataclass(frozen=True)
class _Origins:
    """Which rolling origins an outcome can use, and the event counts the verdict rule reads."""

    used: tuple[int, ...]
    test_rows: np.ndarray
    test_quarters: str
    n_train_events: int
    n_test_events: int
    enough: bool


def _origins(y: np.ndarray, splits: Sequence[Split], *, min_events: int) -> _Origins:
    """Origins whose training rows hold at least ``min_events`` events (and some non-events).

    ``n_train_events`` is the smallest training-event count among the origins
    used (when none qualifies: the largest available, to say how far short it
    is); ``n_test_events`` counts the events of the pooled test rows.
    """
    train_events = [int(y[s.train].sum()) for s in splits]
    used = tuple(i for i, s in enumerate(splits) if min_events <= train_events[i] < len(s.train))
    test_rows = np.concatenate([splits[i].test for i in used]) if used else np.empty(0, dtype=np.intp)
    n_train = min(train_events[i] for i in used) if used else max(train_events, default=0)
    n_test = int(y[test_rows].sum())
    return _Origins(
        used=used, test_rows=test_rows, test_quarters=";".join(splits[i].test_quarters[0] for i in used),
        n_train_events=n_train, n_test_events=n_test,
        enough=bool(used) and min(int(y.sum()), n_test) >= min_events,
    )


def _pooled_predictions(frame: pd.DataFrame, y: np.ndarray, splits: Sequence[Split], used: Sequence[int], *,
                        kinds: Sequence[str], base_x: dict[int, np.ndarray],
                        flag_x: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """M0 and every M1 fitted once per origin; test probabilities concatenated in origin order."""
    parts: dict[str, list[np.ndarray]] = {"M0": [], **{kind: [] for kind in kinds}}
    warm: dict[str, object] = {}  # each model starts from its fit on the previous (nested) origin
    for i in used:
        split = splits[i]
        if i not in base_x:
            base_x[i] = design_matrix(frame, train_rows=split.train)
        x0 = base_x[i]
        fits = {"M0": fit_matrix(x0, y, split, name="M0", warm=warm.get("M0"))}
        for kind in kinds:
            fits[kind] = fit_matrix(np.hstack([x0, flag_x[kind]]), y, split, name=f"M1[{kind}]",
                                    warm=warm.get(kind))
        if any(fit.probability is None for fit in fits.values()):
            return None
        for name, fit in fits.items():
            parts[name].append(fit.probability)
            warm[name] = fit.pipeline
    return {name: np.concatenate(p) for name, p in parts.items()}


def _model_columns(kind: str, metrics: dict, auc_cov: DeLongResult | None, names: list[str],
                   lift_ci: tuple[float, float], fitted: bool) -> dict:
    if not fitted:
        return {name: _NAN for name in ("auc", "auc_low", "auc_high", "auc_m0", "auc_gain", "auc_gain_low",
                                         "auc_gain_high", "average_precision", "brier", "brier_m0",
                                         "brier_skill")} | {"lift_low": lift_ci[0], "lift_high": lift_ci[1]}
    m1, m0 = metrics[kind], metrics["M0"]
    auc_low, auc_high = auc_interval(auc_cov, names.index(kind))
    gain_low, gain_high = difference_interval(auc_cov, names.index(kind), names.index("M0"))
    return {
        "auc": m1["auc"], "auc_low": auc_low, "auc_high": auc_high, "auc_m0": m0["auc"],
        "auc_gain": m1["auc"] - m0["auc"], "auc_gain_low": gain_low, "auc_gain_high": gain_high,
        "average_precision": m1["average_precision"], "brier": m1["brier"], "brier_m0": m0["brier"],
        "brier_skill": 1 - m1["brier"] / m0["brier"] if m0["brier"] > 0 else _NAN,
        "lift_low": lift_ci[0], "lift_high": lift_ci[1],
    }
