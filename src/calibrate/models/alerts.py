"""The alert view: how often a flag was right, how many events it caught, how early.

On the rows kept for a horizon H (see ``panel_for_horizon``), for flag kind
``k`` and outcome ``o`` (``y = 1`` when the event falls in ``(t0, t0 + H]``):

* ``n_flags``: flags of kind k raised in the rows' exposure windows
  ``[t0 - L, t0)``; ``n_flagged_rows``: account-quarters with at least one
* ``base_rate = #(y = 1) / #rows``
* ``precision = #(flagged and y = 1) / #flagged`` (positive predictive value)
* ``lift = precision / base_rate``
* ``recall = #(y = 1 with a flag k raised in [t0 - L, t0) and at least
  min_lead days before the event) / #(y = 1)``
* lead time of a caught event = event date - the latest such flag (days);
  reported as the median and the quartiles
* ``alerts_per_csm_week = n_flags / sum over quarters of (CSMs owning the
  quarter's rows x L / 7)``: the load the flags put on a CSM

The response view splits flagged rows by what the CSM did with the flags
(``actioned`` if any was actioned, else ``not_actioned``). It is descriptive,
not causal: a CSM who acts on a flag may save the account, so flags that were
acted on look less accurate than they were.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .panel import HorizonPanel

__all__ = ["OUTCOMES", "alert_table", "response_table", "caught_events", "RESPONSE_NOTE"]

OUTCOMES = ("churn", "escalation")
_DAY = pd.Timedelta(days=1)
RESPONSE_NOTE = (
    "Descriptive, not causal: accounts whose flags were actioned may have been saved by that action, "
    "so these rates understate how often the flags were right."
)


def caught_events(
    frame: pd.DataFrame,
    flags: pd.DataFrame,
    *,
    kind: str,
    outcome: str,
    lookback_days: int,
    min_lead_days: int,
) -> pd.DataFrame:
    """Event rows preceded by a flag of ``kind``: ``row`` (position), ``lead_days``.

    A flag counts when raised in ``[t0 - L, t0)`` and at least ``min_lead_days``
    before the event; the latest such flag gives the lead time. A flag raised
    on or after ``t0`` (for example after a churn notice) never counts.
    """
    y = frame[f"y_{outcome}"].to_numpy(bool)
    events = pd.DataFrame({
        "row": np.flatnonzero(y),
        "account_id": frame["account_id"].astype("string").to_numpy()[y],
        "t0": frame["t0"].to_numpy()[y],
        "event": frame[f"next_{outcome}"].to_numpy()[y],
    })
    empty = pd.DataFrame({"row": pd.Series(dtype=int), "lead_days": pd.Series(dtype=float)})
    of_kind = flags.loc[(flags["kind"].astype("string") == kind).fillna(False).to_numpy(bool)]
    if events.empty or of_kind.empty:
        return empty
    latest_allowed = np.minimum(events["event"] - min_lead_days * _DAY, events["t0"] - pd.Timedelta(1, "ns"))
    events["cutoff"] = latest_allowed.astype("datetime64[ns]")
    right = pd.DataFrame({"account_id": of_kind["account_id"].astype("string").to_numpy(),
                          "raised_at": of_kind["raised_at"].astype("datetime64[ns]").to_numpy()})
    merged = pd.merge_asof(
        events.sort_values("cutoff", kind="stable"),
        right.dropna().sort_values("raised_at", kind="stable"),
        left_on="cutoff", right_on="raised_at", by="account_id", direction="backward", allow_exact_matches=True,
    )
    ok = merged["raised_at"].notna() & (merged["raised_at"] >= merged["t0"] - lookback_days * _DAY)
    merged = merged.loc[ok.to_numpy(bool)]
    lead = (merged["event"] - merged["raised_at"]) / _DAY
    return pd.DataFrame({"row": merged["row"].to_numpy(int), "lead_days": lead.to_numpy(float)}).sort_values(
        "row", kind="stable").reset_index(drop=True)


def alert_table(
    panel: HorizonPanel,
    flags: pd.DataFrame,
    *,
    kinds: Sequence[str],
    lookback_days: int,
    min_lead_days: int = 14,
    outcomes: Sequence[str] = OUTCOMES,
) -> pd.DataFrame:
    """One row per flag kind × outcome for this horizon (formulas in the module docstring)."""
    frame = panel.frame
    n_rows = len(frame)
    csm_weeks = _csm_weeks(frame, lookback_days)
    records = []
    for outcome in outcomes:
        y = frame[f"y_{outcome}"].to_numpy(bool)
        n_events = int(y.sum())
        base_rate = n_events / n_rows if n_rows else np.nan
        for kind in kinds:
            flagged = frame[f"flagged_{kind}"].to_numpy(bool)
            n_flagged = int(flagged.sum())
            n_true = int((flagged & y).sum())
            precision = n_true / n_flagged if n_flagged else np.nan
            caught = caught_events(frame, flags, kind=kind, outcome=outcome, lookback_days=lookback_days,
                                   min_lead_days=min_lead_days)
            leads = caught["lead_days"].to_numpy(float)
            q1, median, q3 = np.percentile(leads, [25, 50, 75]) if len(leads) else (np.nan,) * 3
            n_flags = float(frame[f"n_{kind}"].sum())
            records.append({
                "flag_kind": kind,
                "outcome": outcome,
                "horizon_days": panel.horizon_days,
                "n_rows": n_rows,
                "n_events": n_events,
                "base_rate": base_rate,
                "n_flags": int(n_flags),
                "n_flagged_rows": n_flagged,
                "n_true_alerts": n_true,
                "n_caught_events": int(len(caught)),
                "precision": precision,
                "recall": len(caught) / n_events if n_events else np.nan,
                "lift": precision / base_rate if n_flagged and base_rate and base_rate > 0 else np.nan,
                "median_lead_days": median,
                "lead_q1_days": q1,
                "lead_q3_days": q3,
                "alerts_per_csm_week": n_flags / csm_weeks if csm_weeks > 0 else np.nan,
            })
    return pd.DataFrame.from_records(records)


def _csm_weeks(frame: pd.DataFrame, lookback_days: int) -> float:
    owners = frame[["quarter", "csm_id"]].dropna()
    if owners.empty:
        return 0.0
    per_quarter = owners.groupby("quarter", observed=True)["csm_id"].nunique()
    return float(per_quarter.sum() * lookback_days / 7.0)


def response_table(panel: HorizonPanel, *, kinds: Sequence[str], outcomes: Sequence[str] = OUTCOMES) -> pd.DataFrame:
    """Flagged rows by CSM response (``actioned`` / ``not_actioned``) and outcome.

    ``event_rate = n_events / n_rows`` within each group. Descriptive only
    (see ``RESPONSE_NOTE``).
    """
    frame = panel.frame
    records = []
    for outcome in outcomes:
        y = frame[f"y_{outcome}"].to_numpy(bool)
        for kind in kinds:
            flagged = frame[f"flagged_{kind}"].to_numpy(bool)
            actioned = frame[f"actioned_{kind}"].to_numpy(bool)
            for response, mask in (("actioned", flagged & actioned), ("not_actioned", flagged & ~actioned)):
                n = int(mask.sum())
                events = int((mask & y).sum())
                records.append({
                    "flag_kind": kind,
                    "outcome": outcome,
                    "horizon_days": panel.horizon_days,
                    "csm_response": response,
                    "n_rows": n,
                    "n_events": events,
                    "event_rate": events / n if n else np.nan,
                    "reading": "descriptive, not causal",
                })
    return pd.DataFrame.from_records(records)
