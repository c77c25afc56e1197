"""The evidence one per-CSM review is written from: the seam between metrics and prose.

Everything the narrative may say comes from a :class:`ReviewEvidence`. It holds
one CSM's metrics row, that CSM's accounts with the window the CSM owned each,
the manager's evidence notes, the coaching triggers, and team AGGREGATES only
(cohort medians and the CSM's percentile per metric). It never holds another
CSM's name or row, so a review built from it cannot mention one.

The batch layer builds these objects from the metrics engine's tables; the
narrative code reads nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ...contract import EVIDENCE_CATEGORIES
from ...errors import ReportError

__all__ = [
    "MOVEMENTS",
    "RENEWAL_OUTCOMES",
    "POLARITIES",
    "NOTE_CATEGORIES",
    "AccountEvidence",
    "EvidenceNote",
    "TriggerEvidence",
    "ReviewEvidence",
]

MOVEMENTS = ("expanded", "contracted", "churned", "flat", "new")
RENEWAL_OUTCOMES = ("renewed", "churned", "pending")
POLARITIES = ("positive", "negative")
NOTE_CATEGORIES = EVIDENCE_CATEGORIES  # the evidence table's categories, from the data contract


def _fail(where: str, got: Any, expected: str) -> None:
    raise ReportError(
        f"Review evidence {where}: got {got!r}, expected {expected}. "
        "Fix the code that builds ReviewEvidence from the metrics tables."
    )


@dataclass(frozen=True)
class AccountEvidence:
    """One account in the CSM's book, as seen over the window the CSM owned it.

    ``start_arr`` is ARR at the start of the attribution window (S_w, 0 or None
    for a new logo), ``end_arr`` ARR at its end (E_w). ``window_start`` /
    ``window_end`` are the dates the CSM owned the account inside the period
    (``window_end`` None = still owned at T1). ``inherited`` marks an account
    whose current ownership began inside the period; ``previous_owner_credited``
    marks one whose early movement (inside the handover grace) counts toward
    the previous owner. ``saved`` = red at some time in the period and renewed.
    ``attributed`` = the account has an attribution window of this CSM, so its
    ``start_arr`` is part of the retention base (``metrics['start_arr']``).
    """

    account_id: str
    name: str
    segment: str
    start_arr: float | None
    end_arr: float | None
    movement: str
    health_t0: float | None
    health_t1: float | None
    renewal_outcome: str | None
    window_start: date
    window_end: date | None = None
    inherited: bool = False
    previous_owner_credited: bool = False
    saved: bool = False
    renewal_date: date | None = None
    qbr_in_period: bool | None = None
    attributed: bool = True

    def __post_init__(self) -> None:
        if not str(self.name).strip():
            _fail(f"account {self.account_id!r} name", self.name, "a non-empty account name")
        if self.movement not in MOVEMENTS:
            _fail(f"account {self.account_id!r} movement", self.movement, f"one of {MOVEMENTS}")
        if self.renewal_outcome is not None and self.renewal_outcome not in RENEWAL_OUTCOMES:
            _fail(
                f"account {self.account_id!r} renewal_outcome",
                self.renewal_outcome,
                f"None or one of {RENEWAL_OUTCOMES}",
            )
        for label in ("start_arr", "end_arr"):
            value = getattr(self, label)
            if value is not None and value < 0:
                _fail(f"account {self.account_id!r} {label}", value, "None or a number >= 0")


@dataclass(frozen=True)
class EvidenceNote:
    """A manager's evidence note (the ``evidence`` table): date, category, text, account."""

    date: date
    category: str
    text: str
    account_id: str | None = None

    def __post_init__(self) -> None:
        if self.category not in NOTE_CATEGORIES:
            _fail("note category", self.category, f"one of {NOTE_CATEGORIES}")


@dataclass(frozen=True)
class TriggerEvidence:
    """A coaching trigger raised by monitoring between reviews.

    ``kind`` is the trigger's machine name (``health_decline``, ``sla_breach``,
    ``proactive_drop``, ``nps_exceptional``, ``expansion``, ``save`` ...),
    ``polarity`` ``positive`` or ``negative``, ``evidence`` a short machine
    description that the narrative does not quote.
    """

    date: date
    account_id: str | None
    kind: str
    polarity: str
    evidence: str = ""

    def __post_init__(self) -> None:
        if self.polarity not in POLARITIES:
            _fail(f"trigger {self.kind!r} polarity", self.polarity, f"one of {POLARITIES}")


@dataclass(frozen=True)
class ReviewEvidence:
    """Everything one CSM's review may draw on.

    Parameters
    ----------
    csm_name : the CSM under review (the only person the review names).
    period_label : the quarter, e.g. ``2026-Q3``.
    tenure_months : months since hire at the end of the period, or None.
    metrics : the CSM's metrics row (the columns of ``scores.csv``); ratios are
        fractions, missing values are None or NaN.
    cohort_medians : median of each metric over the CSM's peer cohort.
    percentiles : the CSM's percentile (0..100) per metric within the cohort,
        on the raw value (share of the cohort at or below the CSM).
    accounts : the CSM's accounts with their owned windows.
    notes, triggers : manager evidence notes and coaching triggers.
    flags : the row's flags (``inherited_book``, ``concentrated_book`` ...).
    previous_scores : ``(period_label, overall_score)`` of earlier quarters,
        most recent first.
    rating_cuts : ``(exceeds, meets)`` overall-score cut points, used to read a
        category score as a level.
    period_start : the first day of the period (T0), used to tell accounts held
        all quarter from the rest; None = read it from ``period_label``.
    """

    csm_name: str
    period_label: str
    tenure_months: float | None
    metrics: Mapping[str, Any]
    cohort_medians: Mapping[str, float] = field(default_factory=dict)
    percentiles: Mapping[str, float] = field(default_factory=dict)
    accounts: tuple[AccountEvidence, ...] = ()
    notes: tuple[EvidenceNote, ...] = ()
    triggers: tuple[TriggerEvidence, ...] = ()
    flags: tuple[str, ...] = ()
    previous_scores: tuple[tuple[str, float], ...] = ()
    rating_cuts: tuple[float, float] = (75.0, 55.0)
    period_start: date | None = None

    def __post_init__(self) -> None:
        if not str(self.csm_name).strip():
            _fail("csm_name", self.csm_name, "the CSM's name")
        object.__setattr__(self, "accounts", tuple(self.accounts))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "triggers", tuple(self.triggers))
        object.__setattr__(self, "previous_scores", tuple(tuple(p) for p in self.previous_scores))
        flags = self.flags
        if isinstance(flags, str):
            flags = tuple(f for f in flags.split(";") if f)
        object.__setattr__(self, "flags", tuple(flags))
        ids = [a.account_id for a in self.accounts]
        if len(set(ids)) != len(ids):
            _fail("accounts", ids, "each account_id once")

    def account(self, account_id: str | None) -> AccountEvidence | None:
        """The account with this id in the CSM's book, or None."""
        for acc in self.accounts:
            if acc.account_id == account_id:
                return acc
        return None

    @property
    def account_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.accounts)
