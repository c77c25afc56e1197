"""Weekly coaching triggers through the period, negative and positive.

Weeks: week ``k`` (1-based) of P is ``[T0 + 7(k-1), min(T0 + 7k, T1))``; the
last week may be short. Weeks before P (``k <= 0``) are computed only as
history for runs and trailing averages. A weekly value is taken on the
week's last day. Each trigger is credited to the account's owner on its date
(actual ownership). Triggers:

negative
  * ``health_decline``: an account's health (latest score on or before the
    week's last day) fell ``consecutive_declines`` weeks in a row; raised in
    the week the run reaches that length.
  * ``book_health_decline``: the same for the mean health of the accounts a
    CSM owns each week.
  * ``nps_decline``: the CSM's NPS over the trailing ``trailing_weeks`` weeks
    of responses fell ``consecutive_declines`` weeks in a row.
  * ``sla_breach``: the share of the week's tickets answered later than
    ``sla_hours`` (or not answered once the SLA has run out) is above
    ``sla_breach_share``.
  * ``proactive_drop``: the CSM's proactive activities in the week are more
    than ``proactive_drop_share`` below their own average over the previous
    ``trailing_weeks`` weeks (scaled to the week's length); raised in the
    week a drop starts, not again while it lasts.

positive
  * ``red_to_green``: an account is green this week, was not last week, and
    was red in one of the previous ``trailing_weeks`` weeks.
  * ``expansion``: the account's ARR row rose from one month to the next
    inside P (dated the last day of the month in which it rose).
  * ``promoter``: an NPS response of 9 or 10.
  * ``save``: a renewal in P of an account that was red in P (``health.saves``).

Output columns: ``csm_id``, ``week``, ``date``, ``account_id`` (NA for
book-level triggers), ``trigger``, ``polarity``, ``evidence`` (a short
factual string with the numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..book import ArrSeries, AsOfIndex, arr_series, normalize_ownership, owner_at
from ..dataset import Dataset
from ..periods import Period
from .activity import tickets_in_period
from .health import health_as_of, health_bands, saves

__all__ = ["coaching_triggers", "week_grid", "TRIGGER_COLUMNS"]

TRIGGER_COLUMNS = ("csm_id", "week", "date", "account_id", "trigger", "polarity", "evidence")


def week_grid(period: Period, *, history_weeks: int) -> pd.DataFrame:
    """The weeks of P plus ``history_weeks`` before it: ``week``, ``start``, ``end`` (exclusive), ``last_day``, ``days``."""
    n_weeks = math.ceil(period.days / 7)
    k = np.arange(1 - history_weeks, n_weeks + 1)
    start = period.start + pd.to_timedelta(7 * (k - 1), unit="D")
    end = pd.DatetimeIndex([min(s + pd.Timedelta(days=7), period.end) if w >= 1 else s + pd.Timedelta(days=7) for s, w in zip(start, k)])
    return pd.DataFrame({"week": k, "start": start, "end": end, "last_day": end - pd.Timedelta(days=1), "days": (end - start).days})


def _week_of(dates: pd.Series, period: Period) -> np.ndarray:
    return ((dates - period.start).dt.days // 7 + 1).to_numpy(dtype=np.int64)


def _runs(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True ending at each column (loop over weeks, not rows)."""
    runs = np.zeros(flags.shape, dtype=np.int64)
    for j in range(flags.shape[1]):
        runs[:, j] = np.where(flags[:, j], (runs[:, j - 1] if j else 0) + 1, 0)
    return runs


def _fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _trail(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray, n: int, digits: int) -> list[str]:
    return [" -> ".join(_fmt(v, digits) for v in matrix[r, c - n : c + 1]) for r, c in zip(rows, cols)]


def _frame(csm, week, date, account, trigger, polarity, evidence) -> pd.DataFrame:
    n = len(evidence)
    return pd.DataFrame(
        {
            "csm_id": pd.array(csm, dtype="string"),
            "week": np.asarray(week, dtype=np.int64),
            "date": pd.to_datetime(pd.Series(date, dtype="datetime64[ns]")).to_numpy() if n else np.array([], dtype="datetime64[ns]"),
            "account_id": pd.array(account if account is not None else [pd.NA] * n, dtype="string"),
            "trigger": pd.array([trigger] * n, dtype="string"),
            "polarity": pd.array([polarity] * n, dtype="string"),
            "evidence": pd.array(evidence, dtype="string"),
        }
    )


def _health_triggers(ownership, health, weeks, period, *, red_max, yellow_max, consecutive_declines, trailing_weeks, index):
    own = normalize_ownership(ownership)
    first = weeks["start"].iloc[0]
    touching = own.loc[(own["start_date"] < period.end) & (own["end_date"].isna() | (own["end_date"] > first))]
    accounts = pd.unique(touching["account_id"])
    n_acc, n_wk = len(accounts), len(weeks)
    if n_acc == 0:
        return []
    ids = np.repeat(accounts, n_wk)
    dates = np.tile(weeks["last_day"].to_numpy(), n_acc)
    scores = health_as_of(health, ids, dates, index=index).reshape(n_acc, n_wk)
    owners = owner_at(own, ids, dates).to_numpy(dtype=object).reshape(n_acc, n_wk)
    week_no = weeks["week"].to_numpy()
    in_p = week_no >= 1
    out = []

    with np.errstate(invalid="ignore"):
        decline = np.zeros_like(scores, dtype=bool)
        decline[:, 1:] = scores[:, 1:] < scores[:, :-1]
    runs = _runs(decline)
    fire = (runs == consecutive_declines) & in_p[None, :] & pd.notna(owners)
    r, c = np.nonzero(fire)
    if len(r):
        trail = _trail(scores, r, c, consecutive_declines, 0)
        ev = [f"health {t} over {consecutive_declines} weeks to {d:%Y-%m-%d}" for t, d in zip(trail, weeks["last_day"].iloc[c])]
        out.append(_frame(owners[r, c], week_no[c], weeks["last_day"].iloc[c], accounts[r], "health_decline", "negative", ev))

    # Book level: the mean health of the accounts each CSM owns that week.
    flat = pd.DataFrame({"csm_id": owners.ravel(), "col": np.tile(np.arange(n_wk), n_acc), "score": scores.ravel()})
    flat = flat.loc[flat["csm_id"].notna()]
    book = flat.groupby(["csm_id", "col"], sort=True)["score"].agg(["mean", "count"]).reset_index()
    csms = pd.unique(book["csm_id"])
    matrix = np.full((len(csms), n_wk), np.nan)
    counts = np.zeros((len(csms), n_wk), dtype=np.int64)
    row = pd.Index(csms).get_indexer(book["csm_id"])
    matrix[row, book["col"].to_numpy()] = book["mean"].to_numpy()
    counts[row, book["col"].to_numpy()] = book["count"].to_numpy()
    with np.errstate(invalid="ignore"):
        book_decline = np.zeros_like(matrix, dtype=bool)
        book_decline[:, 1:] = matrix[:, 1:] < matrix[:, :-1]
    fire = (_runs(book_decline) == consecutive_declines) & in_p[None, :]
    r, c = np.nonzero(fire)
    if len(r):
        trail = _trail(matrix, r, c, consecutive_declines, 1)
        ev = [f"book mean health {t} over {consecutive_declines} weeks ({n} scored accounts)" for t, n in zip(trail, counts[r, c])]
        out.append(_frame(csms[r], week_no[c], weeks["last_day"].iloc[c], None, "book_health_decline", "negative", ev))

    # Red back to green: green now, not green last week, red within the trailing weeks.
    bands = health_bands(scores.ravel(), red_max=red_max, yellow_max=yellow_max).reshape(n_acc, n_wk)
    green = bands == "green"
    red = bands == "red"
    red_recent = np.zeros_like(red)
    for j in range(1, n_wk):
        red_recent[:, j] = red[:, max(0, j - trailing_weeks) : j].any(axis=1)
    back = np.zeros_like(green)
    back[:, 1:] = green[:, 1:] & ~green[:, :-1] & red_recent[:, 1:]
    fire = back & in_p[None, :] & pd.notna(owners)
    r, c = np.nonzero(fire)
    if len(r):
        lows = [np.nanmin(scores[i, max(0, j - trailing_weeks) : j]) for i, j in zip(r, c)]
        ev = [f"health {_fmt(lo)} (red) -> {_fmt(s)} (green)" for lo, s in zip(lows, scores[r, c])]
        out.append(_frame(owners[r, c], week_no[c], weeks["last_day"].iloc[c], accounts[r], "red_to_green", "positive", ev))
    return out


def _nps_triggers(responses, weeks, *, consecutive_declines, trailing_weeks):
    nps = responses.loc[responses["kind"].eq("nps").fillna(False) & responses["csm_id"].notna()]
    if nps.empty:
        return []
    week_no = weeks["week"].to_numpy()
    col = np.searchsorted(weeks["end"].to_numpy(), nps["responded_at"].to_numpy(), side="right")
    keep = col < len(weeks)
    nps = nps.loc[keep]
    col = col[keep]
    csms = pd.unique(nps["csm_id"])
    row = pd.Index(csms).get_indexer(nps["csm_id"])
    shape = (len(csms), len(weeks))
    promoters, detractors, total = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    np.add.at(promoters, (row, col), (nps["score"] >= 9).to_numpy(float))
    np.add.at(detractors, (row, col), (nps["score"] <= 6).to_numpy(float))
    np.add.at(total, (row, col), 1.0)

    def rolling(m):
        c = np.cumsum(m, axis=1)
        shifted = np.zeros_like(c)
        shifted[:, trailing_weeks:] = c[:, :-trailing_weeks]
        return c - shifted

    n = rolling(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(n > 0, 100.0 * (rolling(promoters) - rolling(detractors)) / n, np.nan)
        decline = np.zeros(shape, dtype=bool)
        decline[:, 1:] = score[:, 1:] < score[:, :-1]
    fire = (_runs(decline) == consecutive_declines) & (week_no >= 1)[None, :]
    r, c = np.nonzero(fire)
    if not len(r):
        return []
    trail = _trail(score, r, c, consecutive_declines, 0)
    ev = [f"NPS over the trailing {trailing_weeks} weeks {t} ({int(k)} responses)" for t, k in zip(trail, n[r, c])]
    return [_frame(csms[r], week_no[c], weeks["last_day"].iloc[c], None, "nps_decline", "negative", ev)]


def _sla_triggers(tickets, weeks, period, *, sla_breach_share, sla_hours):
    counted = tickets.loc[tickets["within_sla"].notna() & tickets["csm_id"].notna()]
    if counted.empty:
        return []
    frame = pd.DataFrame(
        {"csm_id": counted["csm_id"], "week": _week_of(counted["opened_at"], period), "late": (~counted["within_sla"].astype(bool)).astype(int)}
    )
    per = frame.groupby(["csm_id", "week"], sort=True)["late"].agg(["sum", "size"]).reset_index()
    per = per.loc[per["sum"] / per["size"] > sla_breach_share]
    last_day = weeks.set_index("week")["last_day"]
    ev = [
        f"{int(s)} of {int(n)} tickets opened this week answered later than {_fmt(sla_hours, 0)} h ({100 * s / n:.0f}%)"
        for s, n in zip(per["sum"], per["size"])
    ]
    return [_frame(per["csm_id"], per["week"], last_day.reindex(per["week"]).to_numpy(), None, "sla_breach", "negative", ev)]


def _proactive_triggers(activities, weeks, *, proactive_drop_share, trailing_weeks):
    acts = activities[["csm_id", "occurred_at", "initiated_by"]]
    acts = acts.loc[acts["initiated_by"].eq("csm").fillna(False).to_numpy(bool) & (acts["occurred_at"] < weeks["end"].iloc[-1]).to_numpy(bool)]
    col = np.searchsorted(weeks["end"].to_numpy(), acts["occurred_at"].to_numpy(), side="right")
    valid = (acts["occurred_at"] >= weeks["start"].iloc[0]).to_numpy(bool) & (col < len(weeks))
    acts, col = acts.loc[valid], col[valid]
    if acts.empty:
        return []
    csms = pd.unique(acts["csm_id"].astype("string"))
    row = pd.Index(csms).get_indexer(acts["csm_id"].astype("string"))
    counts = np.zeros((len(csms), len(weeks)))
    np.add.at(counts, (row, col), 1.0)
    # Per-day rate over the previous weeks, scaled to this week's length (the last week may be short).
    days = weeks["days"].to_numpy(float)
    cum_c = np.cumsum(counts, axis=1)
    cum_d = np.cumsum(days)
    week_no = weeks["week"].to_numpy()
    out_r, out_c, ev = [], [], []
    dropped = np.zeros(counts.shape, dtype=bool)
    for j in np.nonzero(week_no >= 1)[0]:
        lo = max(0, j - trailing_weeks)
        if j - lo < 1:
            continue
        prev_c = cum_c[:, j - 1] - (cum_c[:, lo - 1] if lo else 0)
        prev_d = cum_d[j - 1] - (cum_d[lo - 1] if lo else 0)
        expected = prev_c / prev_d * days[j]
        dropped[:, j] = (expected > 0) & (counts[:, j] < (1 - proactive_drop_share) * expected)
        # Raise a drop once, in the week it starts, not every week it lasts.
        hit = dropped[:, j] & ~(dropped[:, j - 1] if j else False)
        for i in np.nonzero(hit)[0]:
            out_r.append(i)
            out_c.append(j)
            ev.append(
                f"{int(counts[i, j])} proactive touches this week vs {expected[i]:.1f} expected from the previous {j - lo} weeks"
            )
    if not out_r:
        return []
    r, c = np.array(out_r), np.array(out_c)
    return [_frame(csms[r], week_no[c], weeks["last_day"].iloc[c], None, "proactive_drop", "negative", ev)]


def _expansion_triggers(arr: ArrSeries, ownership, period):
    if arr.values.size == 0:
        return []
    months = pd.date_range(period.start, period.end, freq="MS")
    accounts = arr.accounts
    n = len(accounts)
    values = np.stack([arr.at(accounts, np.full(n, np.datetime64(m, "ns"))) for m in months], axis=1)
    rose = values[:, 1:] > values[:, :-1]
    r, c = np.nonzero(rose)
    if not len(r):
        return []
    dates = months[c + 1] - pd.Timedelta(days=1)
    ids = accounts.to_numpy()[r]
    owners = owner_at(ownership, ids, dates).to_numpy(dtype=object)
    keep = pd.notna(owners)
    before, after = values[r, c], values[r, c + 1]
    ev = [
        f"ARR {_fmt(b)} -> {_fmt(a)} (+{_fmt(a - b)}) between {m0:%Y-%m} and {m1:%Y-%m}"
        for b, a, m0, m1 in zip(before, after, months[c], months[c + 1])
    ]
    frame = _frame(owners, _week_of(pd.Series(dates), period), dates, ids, "expansion", "positive", ev)
    return [frame.loc[keep]]


def coaching_triggers(
    dataset: Dataset,
    period: Period,
    *,
    red_max: float,
    yellow_max: float,
    sla_hours: float,
    consecutive_declines: int,
    sla_breach_share: float,
    proactive_drop_share: float,
    trailing_weeks: int,
    arr: ArrSeries | None = None,
    health_lookup: AsOfIndex | None = None,
    saved: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All coaching triggers of the period as one tidy table (see the module docstring).

    Parameters
    ----------
    dataset : Dataset
        Validated tables; absent optional tables (tickets, surveys, renewals)
        simply raise no trigger of their kind.
    period : Period
        The review period.
    arr : ArrSeries, optional
        Reuse a prebuilt ARR lookup (``calibrate.book.arr_series``).
    health_lookup : AsOfIndex, optional
        Reuse ``health.health_index(dataset["health"])``.
    saved : DataFrame, optional
        Reuse the period's ``health.saves`` table.

    Returns
    -------
    DataFrame with ``TRIGGER_COLUMNS``, sorted by CSM, date and trigger.
    """
    ownership = dataset["ownership"]
    history = max(trailing_weeks, consecutive_declines)
    weeks = week_grid(period, history_weeks=history)
    parts: list[pd.DataFrame] = []
    parts += _health_triggers(
        ownership, dataset["health"], weeks, period, red_max=red_max, yellow_max=yellow_max,
        consecutive_declines=consecutive_declines, trailing_weeks=trailing_weeks, index=health_lookup,
    )
    parts += _proactive_triggers(dataset["activities"], weeks, proactive_drop_share=proactive_drop_share, trailing_weeks=trailing_weeks)
    parts += _expansion_triggers(arr if arr is not None else arr_series(dataset["arr"]), ownership, period)
    surveys = dataset.get("surveys")
    if surveys is not None and not surveys.empty:
        history_start = weeks["start"].iloc[0]
        window = surveys.loc[(surveys["responded_at"] >= history_start).to_numpy(bool)]
        responses = _responses_between(window, ownership, history_start, period.end)
        parts += _nps_triggers(responses, weeks, consecutive_declines=consecutive_declines, trailing_weeks=trailing_weeks)
        promoters = responses.loc[
            responses["kind"].eq("nps").fillna(False).to_numpy(bool)
            & (responses["score"] >= 9).to_numpy(bool)
            & (responses["responded_at"] >= period.start).to_numpy(bool)
            & responses["csm_id"].notna().to_numpy(bool)
        ]
        ev = [f"NPS response {int(s)} on {d:%Y-%m-%d}" for s, d in zip(promoters["score"], promoters["responded_at"])]
        parts.append(
            _frame(promoters["csm_id"], _week_of(promoters["responded_at"], period), promoters["responded_at"].dt.normalize(),
                   promoters["account_id"], "promoter", "positive", ev)
        )
    tickets = dataset.get("tickets")
    if tickets is not None and not tickets.empty:
        opened = tickets_in_period(tickets, ownership, period, sla_hours=sla_hours)
        parts += _sla_triggers(opened, weeks, period, sla_breach_share=sla_breach_share, sla_hours=sla_hours)
    if saved is None:
        saved = saves(ownership, dataset["health"], dataset.get("renewals"), period, red_max=red_max, index=health_lookup)
    saved = saved.loc[saved["csm_id"].notna()]
    if not saved.empty:
        ev = [f"renewed on {d:%Y-%m-%d} after a low of {_fmt(s)}" for d, s in zip(saved["renewal_date"], saved["lowest_score"])]
        parts.append(_frame(saved["csm_id"], _week_of(saved["renewal_date"], period), saved["renewal_date"], saved["account_id"], "save", "positive", ev))
    parts = [p for p in parts if len(p)]
    if not parts:
        return _frame([], [], [], [], "", "", []).iloc[0:0]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["csm_id", "date", "trigger", "account_id"], kind="stable", na_position="first").reset_index(drop=True)


def _responses_between(surveys: pd.DataFrame, ownership: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    rows = surveys.loc[((surveys["responded_at"] >= start) & (surveys["responded_at"] < end)).to_numpy(bool)].copy()
    rows["csm_id"] = owner_at(ownership, rows["account_id"], rows["responded_at"]).to_numpy()
    return rows
