"""The fact file of one CSM: every figure the review shows, with its unit, from the tables computed once.

``reports/<period>/facts/<csm_id>.json`` is written by the batch for every
CSM. It is what analysts and downstream tools read, and what the report-wide
consistency check (``calibrate.batch.factcheck``) compares each rendered page
with. It is built here from the scoring, book and models stages' own tables
(the scores row, the account lifecycle, the renewals due, the merged ratings,
the cohort standing), never from the text a report composed.

Layout (``format`` 1; ``docs/FACTS.md`` explains every key)::

    {
      "format": 1, "csm_id": "...", "name": "...", "period": "2026-Q3",
      "period_start": "2026-07-01", "period_end": "2026-10-01",
      "figures": {metric: {"label", "unit", "value", "counts"?}},
      "cohort": {"name", "size", "medians": {metric: value}, "percentiles": {metric: value}},
      "ratings": {"model", "manager", "final", "final_source", "tier"},
      "accounts": {"book": [...], "churned": [...], "new_logo": [...], "reactivated": [...],
                   "inherited": [...], "handed_away": [...], "dormant": [...], "renewals_due": [...]}
    }

Money is in dollars, ``percent`` figures are fractions (0.995 is 99.5%),
points are 0..100, dates ISO. A figure that cannot be computed is ``null``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import pandas as pd

from .measures import MEASURES, label_of

__all__ = ["FACTS_FORMAT", "HEADER_FIGURES", "csm_facts", "plain"]

FACTS_FORMAT = 1

# Figures of the review header that are not in MEASURES: (label, unit, what they count).
HEADER_FIGURES: dict[str, tuple[str, str, str]] = {
    "n_accounts": ("Accounts at quarter end", "count",
                   "accounts owned on the quarter's last day with ARR above $0 in its last month (the live book)"),
    "end_book_arr": ("Book ARR at quarter end", "money", "ARR of the live book at quarter end"),
}

_LISTS = ("churned", "new_logo", "reactivated", "inherited", "handed_away", "dormant")


def plain(value: Any) -> Any:
    """A JSON-ready value: numbers as float/int, missing as None, dates as ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, (bool, int, float, str)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _account_rows(frame: pd.DataFrame, names: Mapping[str, str], columns: Mapping[str, str]) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        entry = {"account_id": str(row["account_id"]), "name": names.get(str(row["account_id"]))}
        entry.update({key: plain(row.get(col)) for key, col in columns.items()})
        out.append(entry)
    return out


def csm_facts(
    csm_id: str,
    *,
    period,
    scores_row: Mapping[str, Any],
    lifecycle: pd.DataFrame,
    renewals_due: pd.DataFrame,
    account_names: Mapping[str, str],
    ratings: Mapping[str, Any] | None = None,
    standing: tuple[Mapping[str, float], Mapping[str, float], int, str] | None = None,
    name: str = "",
) -> dict[str, Any]:
    """The fact file of ``csm_id`` (see the module docstring).

    ``lifecycle`` and ``renewals_due`` may hold other CSMs' rows (only this
    CSM's are used); ``standing`` is ``scoring.standing.cohort_standing``'s result.
    """
    figures: dict[str, dict[str, Any]] = {}
    for metric, (label, unit, counts) in HEADER_FIGURES.items():
        figures[metric] = {"label": label, "unit": unit, "value": plain(scores_row.get(metric)), "counts": counts}
    for metric, (label, unit) in MEASURES.items():
        if metric in scores_row and metric not in figures:
            figures[metric] = {"label": label, "unit": unit, "value": plain(scores_row.get(metric))}

    life = lifecycle[lifecycle["csm_id"].astype(str) == str(csm_id)]
    money = {"arr_start": "arr_start", "arr_end": "arr_end"}
    accounts: dict[str, list[dict[str, Any]]] = {
        "book": _account_rows(life[life["in_live_book"].astype(bool)], account_names, {"arr": "arr_t1"}),
    }
    for state in _LISTS:
        if state == "inherited":
            rows = life[life["inherited"].astype(bool)]
        elif state == "handed_away":
            rows = life[life["handed_away"].astype(bool) | (life["state"] == "handed_away")]
        else:
            rows = life[life["state"] == state]
        accounts[state] = _account_rows(rows.drop_duplicates("account_id"), account_names, money)
    due = renewals_due[renewals_due["csm_id"].astype(str) == str(csm_id)].sort_values(["renewal_date", "account_id"])
    accounts["renewals_due"] = _account_rows(
        due, account_names,
        {"renewal_date": "renewal_date", "arr": "arr", "notice_date": "notice_date", "arr_at_risk": "arr_at_risk"},
    )

    cohort: dict[str, Any] = {}
    if standing is not None:
        medians, percentiles, size, cohort_name = standing
        cohort = {"name": cohort_name, "size": int(size),
                  "medians": {k: plain(v) for k, v in medians.items()},
                  "percentiles": {k: plain(v) for k, v in percentiles.items()}}
    rating = {"model": plain(scores_row.get("rating")), "manager": None, "final": plain(scores_row.get("rating")),
              "final_source": "model"}
    if ratings:
        rating = {"model": plain(ratings.get("model_rating")), "manager": plain(ratings.get("manager_rating")),
                  "final": plain(ratings.get("final_rating")), "final_source": plain(ratings.get("final_source"))}
    rating["tier"] = plain(scores_row.get("tier"))
    return {
        "format": FACTS_FORMAT,
        "csm_id": str(csm_id),
        "name": name or str(scores_row.get("name") or csm_id),
        "period": period.label,
        "period_start": period.start.date().isoformat(),
        "period_end": period.end.date().isoformat(),
        "figures": figures,
        "cohort": cohort,
        "ratings": rating,
        "accounts": accounts,
    }


def figure_label(metric: str) -> str:
    """The label a report shows beside ``metric`` (header figures included)."""
    return HEADER_FIGURES[metric][0] if metric in HEADER_FIGURES else label_of(metric)
