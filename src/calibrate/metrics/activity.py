"""Engagement: QBR coverage, proactive outreach, tickets, onboarding, time with customers.

Definitions (P = [T0, T1); events are credited to the account's owner at the
event time, actual ownership without grace, ``calibrate.book.owner_at``):

* ``qbr_coverage = #(T1-book accounts with a qbr or ebr activity in P logged
  by the CSM) / #(T1-book accounts)``
* ``proactive_share = #(the CSM's activities in P with initiated_by = csm) /
  #(the CSM's activities in P)``
* ``customer_facing_hours_per_week = sum(customer_facing_minutes of the CSM's
  activities in P) / 60 / weeks(P)``
* ``first_response_hours``: median of ``first_response_at - opened_at`` (hours)
  over tickets opened in P in the CSM's accounts
* ``sla_adherence = #(first response within sla_hours) / #tickets counted``;
  a ticket without a first response counts as outside the SLA once
  ``sla_hours`` have passed before T1, and is not counted before that
* ``escalations = #tickets escalated in P`` (``escalated_at``, else
  ``opened_at``, in P) in accounts the CSM owned at that time
* ``time_to_value_days``: median of ``first_value_date - kickoff_date`` (days)
  over onboardings with ``kickoff_date`` in P in the CSM's accounts; an
  onboarding without a first-value date is counted in ``onboardings_open``
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import owner_at
from ..periods import Period

__all__ = ["activity_metrics", "ticket_metrics", "onboarding_metrics", "tickets_in_period"]


def _in_period(times: pd.Series, period: Period) -> np.ndarray:
    return ((times >= period.start) & (times < period.end)).fillna(False).to_numpy(bool)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}, index=pd.Index([], dtype="string", name="csm_id"))


def activity_metrics(activities: pd.DataFrame, ownership: pd.DataFrame, period: Period, *, close_book: pd.DataFrame) -> pd.DataFrame:
    """Per-CSM ``n_activities``, ``proactive_share``, ``customer_facing_hours_per_week``, ``qbr_coverage``.

    ``qbr_coverage`` = accounts of ``close_book`` (the live book at quarter
    end: ``csm_id``, ``account_id``) with a ``qbr`` or ``ebr`` activity of the
    CSM in P / accounts of ``close_book``.

    Returns a frame indexed by ``csm_id`` covering every CSM with activities
    in P or a book at the close; ``qbr_coverage`` is NaN without a book,
    ``proactive_share`` NaN without activities, and the hours NaN when no
    activity of the CSM carries ``customer_facing_minutes``.
    """
    wanted = [c for c in ("csm_id", "account_id", "occurred_at", "kind", "initiated_by", "customer_facing_minutes") if c in activities]
    acts = activities[wanted]
    acts = acts.loc[_in_period(acts["occurred_at"], period)]
    acts = acts.assign(
        _proactive=acts["initiated_by"].eq("csm").fillna(False).astype(int),
        _minutes=acts["customer_facing_minutes"] if "customer_facing_minutes" in acts else np.nan,
    )
    per = acts.groupby(acts["csm_id"].astype("string"), sort=True).agg(
        n_activities=("_proactive", "size"),
        proactive=("_proactive", "sum"),
        minutes=("_minutes", lambda m: m.sum(min_count=1)),
    )
    per["proactive_share"] = per["proactive"] / per["n_activities"].where(per["n_activities"] > 0)
    per["customer_facing_hours_per_week"] = per["minutes"] / 60.0 / period.weeks

    book = close_book[["csm_id", "account_id"]].astype("string")
    qbr = acts.loc[acts["kind"].isin(["qbr", "ebr"]).fillna(False), ["csm_id", "account_id"]].drop_duplicates()
    qbr = qbr.astype("string").assign(_covered=1)
    covered = book.merge(qbr, on=["csm_id", "account_id"], how="left")
    coverage = covered.assign(_covered=covered["_covered"].fillna(0)).groupby("csm_id", sort=True)["_covered"].mean()
    per = per.join(coverage.rename("qbr_coverage"), how="outer")
    per["n_activities"] = per["n_activities"].fillna(0)
    per.index = per.index.astype("string")
    per.index.name = "csm_id"
    return per[["n_activities", "proactive_share", "customer_facing_hours_per_week", "qbr_coverage"]]


def tickets_in_period(tickets: pd.DataFrame, ownership: pd.DataFrame, period: Period, *, sla_hours: float) -> pd.DataFrame:
    """Tickets opened in P with ``csm_id`` (owner when opened), ``response_hours`` and ``within_sla``.

    ``within_sla`` is True/False, or NA for an unanswered ticket whose SLA has
    not yet run out at T1.
    """
    opened = tickets.loc[_in_period(tickets["opened_at"], period), ["ticket_id", "account_id", "opened_at", "first_response_at"]].copy()
    opened["csm_id"] = owner_at(ownership, opened["account_id"], opened["opened_at"]).to_numpy()
    hours = (opened["first_response_at"] - opened["opened_at"]).dt.total_seconds() / 3600.0
    opened["response_hours"] = hours
    overdue = (period.end - opened["opened_at"]).dt.total_seconds() / 3600.0 > sla_hours
    within = pd.Series(pd.NA, index=opened.index, dtype="boolean")
    answered = hours.notna()
    within[answered] = (hours[answered] <= sla_hours).to_numpy()
    within[~answered & overdue] = False
    opened["within_sla"] = within
    return opened


def ticket_metrics(tickets: pd.DataFrame, ownership: pd.DataFrame, period: Period, *, sla_hours: float) -> pd.DataFrame:
    """Per-CSM ``n_tickets``, ``first_response_hours``, ``sla_adherence``, ``escalations``."""
    cols = ["n_tickets", "first_response_hours", "sla_adherence", "escalations"]
    if tickets.empty:
        return _empty(cols)
    opened = tickets_in_period(tickets, ownership, period, sla_hours=sla_hours)
    opened["_counted"] = opened["within_sla"].notna().astype(int)
    opened["_within"] = opened["within_sla"].fillna(False).astype(int)
    per = opened.groupby("csm_id", sort=True).agg(
        n_tickets=("ticket_id", "size"),
        first_response_hours=("response_hours", "median"),
        counted=("_counted", "sum"),
        within=("_within", "sum"),
    )
    per["sla_adherence"] = per["within"] / per["counted"].where(per["counted"] > 0)

    escalated = tickets.loc[tickets["escalated"].fillna(False).to_numpy(bool), ["account_id", "opened_at", "escalated_at"]]
    when = escalated["escalated_at"].fillna(escalated["opened_at"])
    mask = _in_period(when, period)
    owner = owner_at(ownership, escalated["account_id"][mask], when[mask])
    per = per.join(owner.value_counts().rename("escalations"), how="outer")
    per.index = per.index.astype("string")
    per.index.name = "csm_id"
    return per[cols]


def onboarding_metrics(onboarding: pd.DataFrame, ownership: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per-CSM ``onboardings``, ``onboardings_open`` and ``time_to_value_days`` (median)."""
    cols = ["onboardings", "onboardings_open", "time_to_value_days"]
    started = onboarding.loc[_in_period(onboarding["kickoff_date"], period)].copy()
    if started.empty:
        return _empty(cols)
    started["csm_id"] = owner_at(ownership, started["account_id"], started["kickoff_date"]).to_numpy()
    started["_days"] = (started["first_value_date"] - started["kickoff_date"]).dt.days.astype(float)
    started["_open"] = started["_days"].isna().astype(int)
    per = started.groupby("csm_id", sort=True).agg(
        onboardings=("account_id", "size"), onboardings_open=("_open", "sum"), time_to_value_days=("_days", "median")
    )
    per.index = per.index.astype("string")
    return per[cols]
