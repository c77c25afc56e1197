"""One CSM's book as the review sees it, and the ``ReviewEvidence`` built from it.

:func:`book_frame` lists every account the CSM owned at some time in the
period, one row each, with the window the CSM actually owned it
(``owned_from`` .. ``owned_to``, no handover grace) and the attribution window
the retention figures use. ARR and health are read over the owned window:

* ``start_arr`` / ``end_arr``: S_w and E_w of the attribution window when the
  account has one; for an account whose whole owned window falls inside the
  handover grace (its movement counts for the previous owner), ARR at
  ``owned_from`` and at ``owned_to``.
* ``health_start`` / ``health_end``: the latest health score on or before
  ``owned_from`` (T0 at the earliest) and on or before the last owned day.
* ``movement``: ``new`` when ``start_arr`` is 0 or missing, ``churned`` when
  ``end_arr`` is 0, else ``expanded`` / ``contracted`` / ``flat``.
* ``inherited``: ownership began inside the period by a handover from another
  owner (``previous_csm_id`` set); ``previous_owner_credited``: inherited and
  the ARR moved inside the handover grace (before ``attr_from``), so that
  movement counts for the previous owner.
  An inherited account with no attribution window at all (its whole owned
  window lies inside the grace) is credited to the previous owner too.
* ``attributed``: the account has an attribution window of this CSM, so it
  counts in this CSM's retention figures.
* ``handed_on``: the CSM handed the account to a next owner inside the period.

Nothing in the frame identifies another CSM: previous and next owners appear
only as booleans.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from ...book import ArrSeries
from ...dataset import Dataset
from ...metrics.health import health_as_of
from ...periods import Period
from ..narrative import AccountEvidence, EvidenceNote, ReviewEvidence, TriggerEvidence
from ..narrative.evidence import NOTE_CATEGORIES

__all__ = ["ARR_BANDS", "arr_band", "redactor", "book_frame", "review_evidence", "notes_frame", "triggers_frame", "tenure_months"]

# Account tiers by ARR (docs/FORMULAS.md): strategic > $50k, growth $20-50k, core $10-20k, nurture < $10k.
ARR_BANDS = (("strategic", 50_000.0), ("growth", 20_000.0), ("core", 10_000.0), ("nurture", 0.0))


def arr_band(arr: float | None) -> str | None:
    """The tier of an ARR amount: strategic (> $50k), growth ($20k-50k), core ($10k-20k), nurture (< $10k)."""
    if arr is None or arr != arr:
        return None
    for name, floor in ARR_BANDS[:-1]:
        if arr > floor or (name != "strategic" and arr >= floor):
            return name
    return "nurture"


COLLEAGUE = "a colleague"


def redactor(other_names, own_name: str):
    """A function that replaces other people's names in free text with "a colleague".

    Full names first, then each first name and surname on its own (whole
    words), except words the CSM's own name shares (two CSMs may share a first
    name or a surname). Notes, survey comments and trigger texts pass through
    it, so a slice never carries a colleague's name.
    """
    own = set(str(own_name).split())
    words = set()
    for name in other_names:
        words.add(str(name))
        words.update(w for w in str(name).split() if w not in own and len(w) > 1)
    if not words:
        return lambda text: text
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")('s|’s)?(?![\w])")

    def swap(match: re.Match) -> str:
        return COLLEAGUE + (match.group(1) or "")

    return lambda text: text if text is None or pd.isna(text) else pattern.sub(swap, str(text))


class ColleagueRedactor:
    """:func:`redactor` for every CSM of a company, with one pattern compiled once per run.

    The pattern holds every CSM's full name and every word of two letters or
    more in those names; :meth:`for_csm` decides per match whether it is a
    colleague's: another CSM's full name, or a name word the CSM's own name
    does not have. A company of 1,000 CSMs compiles one pattern of about
    2,000 words once, instead of one per review.
    """

    def __init__(self, names) -> None:
        self._full = {str(n) for n in names}
        self._words = {w for n in self._full for w in n.split() if len(w) > 1}
        tokens = self._full | self._words
        self._pattern = (re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in sorted(tokens, key=len, reverse=True))
                                    + r")('s|’s)?(?![\w])") if tokens else None)

    def for_csm(self, own_name: str):
        """The redactor of one CSM's free texts (names of the others replaced by "a colleague")."""
        own_full, own_words = str(own_name), set(str(own_name).split())
        if self._pattern is None:
            return lambda text: text
        pattern, full, words = self._pattern, self._full, self._words

        def swap(match: re.Match) -> str:
            token = match.group(0)[: len(match.group(0)) - len(match.group(1) or "")]
            colleague = (token in full and token != own_full) or (token in words and token not in own_words)
            return COLLEAGUE + (match.group(1) or "") if colleague else match.group(0)

        return lambda text: text if text is None or pd.isna(text) else pattern.sub(swap, str(text))


def _to_date(value) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _movement(start: float, end: float) -> str:
    if not start or start != start or start <= 0:
        return "new"
    if end == 0:
        return "churned"
    if end > start:
        return "expanded"
    if end < start:
        return "contracted"
    return "flat"


def book_frame(
    current,
    dataset: Dataset,
    csm_id: str,
    *,
    arr: ArrSeries,
    health_index=None,
) -> pd.DataFrame:
    """Every account ``csm_id`` owned in the period, one row each (see the module docstring).

    ``current`` is the period's ``PeriodResult``; ``arr`` its ARR lookup.
    """
    period: Period = current.period
    owned = current.owned[current.owned["csm_id"] == csm_id]
    columns = [
        "account_id", "name", "segment", "owned_from", "owned_to", "attr_from", "attr_to", "full_quarter",
        "inherited", "handed_on", "previous_owner_credited", "attributed", "start_arr", "end_arr", "arr_change", "movement",
        "arr_band", "since", "health_start", "health_end", "renewal_date", "renewal_outcome", "saved", "qbr_in_period",
        "in_live_book",
    ]
    if owned.empty:
        return pd.DataFrame(columns=columns)
    # One row per account: a CSM who owned an account twice in the quarter gets its span.
    rows = (
        owned.sort_values("owned_from")
        .assign(has_previous=lambda f: f["previous_csm_id"].notna(), has_next=lambda f: f["next_csm_id"].notna())
        .groupby("account_id", sort=False)
        .agg(
            owned_from=("owned_from", "min"),
            owned_to=("owned_to", "max"),
            attr_from=("attr_from", "min"),
            attr_to=("attr_to", "max"),
            previous=("has_previous", "first"),  # of the earliest span
            nxt=("has_next", "last"),  # of the latest span
        )
        .reset_index()
    )
    ids = rows["account_id"].astype("string")
    info = dataset["accounts"].set_index("account_id")
    rows["name"] = info["name"].reindex(ids).astype("string").to_numpy()
    rows["segment"] = info["segment"].reindex(ids).astype("string").to_numpy()

    windows = current.windows
    mine = windows[(windows["csm_id"] == csm_id) & windows["attr_from"].notna()]
    attributed = mine.groupby("account_id").agg(s_arr=("s_arr", "first"), e_arr=("e_arr", "last"))
    s_attr = attributed["s_arr"].reindex(ids).to_numpy(dtype=float)
    e_attr = attributed["e_arr"].reindex(ids).to_numpy(dtype=float)
    arr_from = arr.at(ids, rows["owned_from"])
    arr_to = arr.at(ids, rows["owned_to"])
    has_attr = ~np.isnan(s_attr)
    rows["start_arr"] = np.where(has_attr, s_attr, arr_from)
    rows["end_arr"] = np.where(has_attr, e_attr, arr_to)
    rows["arr_change"] = rows["end_arr"] - rows["start_arr"]
    rows["movement"] = [_movement(s, e) for s, e in zip(rows["start_arr"], rows["end_arr"])]
    rows["arr_band"] = [arr_band(max(s or 0.0, e or 0.0)) for s, e in zip(rows["start_arr"], rows["end_arr"])]

    spans = windows[windows["csm_id"] == csm_id].groupby("account_id")["start_date"].min()
    rows["since"] = spans.reindex(ids).to_numpy()
    rows["full_quarter"] = (rows["owned_from"] <= period.start) & (rows["owned_to"] >= period.end)
    rows["inherited"] = rows["previous"] & (rows["owned_from"] > period.start)
    rows["handed_on"] = rows["nxt"] & (rows["owned_to"] < period.end)
    grace_end = rows["attr_from"].fillna(rows["owned_to"])
    arr_at_grace_end = arr.at(ids, grace_end)
    moved_in_grace = np.abs(arr_at_grace_end - arr_from) > 0.5
    # Wholly inside the grace (no attribution window): everything this quarter is the previous owner's.
    rows["previous_owner_credited"] = rows["inherited"].to_numpy(bool) & (moved_in_grace | ~has_attr)
    rows["attributed"] = has_attr

    health = dataset["health"]
    first_day = rows["owned_from"].where(rows["owned_from"] > period.start, period.start)
    last_day = rows["owned_to"].where(rows["owned_to"] < period.end, period.end) - pd.Timedelta(days=1)
    rows["health_start"] = health_as_of(health, ids, first_day, index=health_index)
    rows["health_end"] = health_as_of(health, ids, last_day, index=health_index)

    rows["renewal_date"] = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
    rows["renewal_outcome"] = pd.Series(pd.NA, index=rows.index, dtype="string")
    renewals = dataset.get("renewals")
    if renewals is not None:
        due = renewals[renewals["account_id"].isin(ids) & (renewals["renewal_date"] >= period.start) & (renewals["renewal_date"] < period.end)]
        due = due.merge(rows[["account_id", "owned_from", "owned_to"]], on="account_id")
        due = due[(due["renewal_date"] >= due["owned_from"]) & (due["renewal_date"] <= due["owned_to"])]
        due = due[due["outcome"].isin(["renewed", "churned"])].sort_values("renewal_date").drop_duplicates("account_id", keep="last")
        by_id = due.set_index("account_id")
        rows["renewal_date"] = by_id["renewal_date"].reindex(ids).to_numpy()
        rows["renewal_outcome"] = by_id["outcome"].reindex(ids).astype("string").to_numpy()
    saves = current.saves
    rows["saved"] = ids.isin(saves.loc[saves["csm_id"] == csm_id, "account_id"]).to_numpy(bool)

    acts = dataset["activities"]
    acts = acts[(acts["csm_id"] == csm_id) & acts["kind"].isin(["qbr", "ebr"])]
    acts = acts[(acts["occurred_at"] >= period.start) & (acts["occurred_at"] < period.end)]
    rows["qbr_in_period"] = ids.isin(acts["account_id"]).to_numpy(bool)
    # The live book at quarter end is the lifecycle's (book stage), never recomputed here.
    life = getattr(current, "lifecycle", None)
    if life is not None and len(life):
        mine_life = life[life["csm_id"] == csm_id]
        live_ids = set(mine_life.loc[mine_life["in_live_book"].astype(bool), "account_id"].astype(str))
    else:
        live_ids = set()
    rows["in_live_book"] = ids.astype(str).isin(live_ids).to_numpy(bool)
    order = (-rows[["start_arr", "end_arr"]].max(axis=1)).argsort(kind="stable")
    return rows.iloc[order][columns].reset_index(drop=True)


def tenure_months(hire_date, until: pd.Timestamp) -> float | None:
    """Whole and partial months from ``hire_date`` to ``until`` (days / 30.44); None without a hire date."""
    if hire_date is None or pd.isna(hire_date):
        return None
    return max(0.0, (pd.Timestamp(until) - pd.Timestamp(hire_date)).days / 30.44)


def notes_frame(dataset: Dataset, csm_id: str, period: Period, *, redact=None) -> pd.DataFrame:
    """The manager's evidence notes about ``csm_id`` dated in the period: date, category, text, account_id.

    ``redact`` (see :func:`redactor`) is applied to the text.
    """
    notes = dataset.get("evidence")
    if notes is None:
        return pd.DataFrame(columns=["date", "category", "text", "account_id"])
    notes = notes[(notes["csm_id"] == csm_id) & (notes["date"] >= period.start) & (notes["date"] < period.end)]
    notes = notes[["date", "category", "text", "account_id"]].sort_values("date", kind="stable").reset_index(drop=True)
    category = notes["category"].astype("string")
    notes = notes.assign(category=category.where(category.isin(NOTE_CATEGORIES), "other"))
    if redact is not None:
        notes = notes.assign(text=notes["text"].map(redact).astype("string"))
    return notes


def triggers_frame(current, csm_id: str, *, redact=None) -> pd.DataFrame:
    """Coaching triggers raised for ``csm_id`` in the period (from ``current.triggers``), texts redacted."""
    trig = current.triggers
    if trig is None or trig.empty or "csm_id" not in trig:
        return pd.DataFrame(columns=["date", "account_id", "trigger", "polarity", "evidence"])
    trig = trig[trig["csm_id"] == csm_id]
    trig = trig[["date", "account_id", "trigger", "polarity", "evidence"]].sort_values("date", kind="stable").reset_index(drop=True)
    if redact is not None:
        trig = trig.assign(evidence=trig["evidence"].map(redact).astype("string"))
    return trig


def _plain(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def review_evidence(
    *,
    name: str,
    period: Period,
    tenure: float | None,
    metrics: dict,
    cohort_medians: dict,
    percentiles: dict,
    book: pd.DataFrame,
    notes: pd.DataFrame,
    triggers: pd.DataFrame,
    previous_scores: tuple[tuple[str, float], ...],
    rating_cuts: tuple[float, float],
) -> ReviewEvidence:
    """The narrative's ``ReviewEvidence`` from one CSM's frames (all already this CSM's only)."""
    accounts = []
    for row in book.itertuples(index=False):
        # A credited churn is the previous owner's renewal loss; the credit sentence names it instead.
        outcome = None if row.previous_owner_credited and row.movement == "churned" else _plain(row.renewal_outcome)
        since = row.since if not pd.isna(row.since) and row.owned_from <= period.start else row.owned_from
        end = None if row.owned_to is None or pd.isna(row.owned_to) or row.owned_to >= period.end else _to_date(row.owned_to)
        accounts.append(
            AccountEvidence(
                account_id=str(row.account_id),
                name=str(row.name),
                segment=str(row.segment),
                start_arr=_plain(row.start_arr),
                end_arr=_plain(row.end_arr),
                movement=row.movement,
                health_t0=_plain(row.health_start),
                health_t1=_plain(row.health_end),
                renewal_outcome=outcome,
                window_start=_to_date(since),
                window_end=end,
                inherited=bool(row.inherited),
                previous_owner_credited=bool(row.previous_owner_credited),
                saved=bool(row.saved),
                renewal_date=_to_date(row.renewal_date),
                qbr_in_period=bool(row.qbr_in_period),
                attributed=bool(row.attributed),
            )
        )
    known = set(book["account_id"].astype(str))
    evidence_notes = tuple(
        EvidenceNote(
            date=_to_date(n.date),
            category=str(n.category),
            text=str(n.text),
            account_id=str(n.account_id) if _plain(n.account_id) is not None and str(n.account_id) in known else None,
        )
        for n in notes.itertuples(index=False)
    )
    evidence_triggers = tuple(
        TriggerEvidence(
            date=_to_date(t.date),
            account_id=str(t.account_id) if _plain(t.account_id) is not None else None,
            kind=str(t.trigger),
            polarity=str(t.polarity),
            evidence=str(t.evidence) if _plain(t.evidence) is not None else "",
        )
        for t in triggers.itertuples(index=False)
    )
    flags = metrics.get("flags") or ""
    return ReviewEvidence(
        csm_name=name,
        period_label=period.label,
        tenure_months=tenure,
        metrics={k: _plain(v) for k, v in metrics.items()},
        cohort_medians=cohort_medians,
        percentiles=percentiles,
        accounts=tuple(accounts),
        notes=evidence_notes,
        triggers=evidence_triggers,
        flags=tuple(f for f in str(flags).split(";") if f),
        previous_scores=previous_scores,
        rating_cuts=rating_cuts,
        period_start=period.start.date(),
    )
