"""The book: who owned which account, when, and who is credited with its ARR.

Definitions (written out for users in ``docs/LIFECYCLE.md``):

* **Ownership window** ``[start_date, end_date)`` from the ``ownership`` table
  (an empty ``end_date`` means still owned). Back-to-back windows of the same
  account and the same CSM are merged into one first, so re-recording an
  assignment is not a handover.
* **Handover**: a window ends on the day the account's next window begins.
  The boundary between the two owners then moves ``handover_grace_days``
  later, capped at the later window's end: the first weeks of a new owner's
  tenure are credited to the previous owner. After a gap in ownership there is
  no shift.
* **Attribution window** ``[a, b)``: the shifted window clipped to the period
  ``P = [T0, T1)``; ``S_w = ARR(a)``, ``E_w = ARR(b)``, ``f_w = (b - a) / |P|``.
* **ARR at a date d** is the ``arr`` row of the month that contains ``d``. The
  end of a window that reaches the end of the period is ``b = T1``, so
  ``E_w = ARR(T1)`` is the row of the month *after* the quarter (the 2026-10
  row for 2026-Q3); a period whose ``arr`` table stops before that month
  raises ``InsufficientDataError`` (see ``require_arr_through``). An account
  with no row for a month before its first row has ARR 0 (not yet a customer);
  a month after its last row carries that last value forward (churn is an
  explicit 0 in the contract).
* **Cohort**: the company's accounts with ``ARR(T0) > 0``. Only their windows
  with ``S_w > 0`` count in NRR and GRR; new logos are in no one's retention.
* **Reconciliation**: for an account owned without a gap through the period,
  its windows' movements ``E_w - S_w`` telescope to ``E_k - S_k``, so the
  company's movement equals the sum of CSMs' movements. Movement in an
  ownership gap (nobody owned the account) and ARR won back after a churn to 0
  are reported as ``unattributed_movement`` by ``movement_reconciliation``.
* **Owned at a date**: ``start_date <= d < end_date``.
* **Lifecycle and the live book**: every (CSM, account) with a window in P
  gets exactly one state (retained, expanded, contracted, churned, new logo,
  reactivated, inherited, handed away, dormant) and the live book at quarter
  end is the accounts owned on P's last day with ARR above $0 in P's last
  month: ``calibrate.book.lifecycle``, written out in ``docs/LIFECYCLE.md``.
"""

from .arr import ArrSeries, arr_series, require_arr_through
from .asof import AsOfIndex, arrow_strings, asof_index, asof_positions, id_codes
from .attribution import attribution_windows, inherited_book, movement_reconciliation, owned_windows
from .lifecycle import (
    LIFECYCLE_COLUMNS,
    LIFECYCLE_STATES,
    RENEWALS_DUE_DAYS,
    account_lifecycle,
    dormant_assignments,
    dormant_warning,
    lifecycle_counts,
    live_book,
    upcoming_renewals,
)
from .ownership import book_at, normalize_ownership, owner_at, period_close

__all__ = [
    "LIFECYCLE_COLUMNS",
    "LIFECYCLE_STATES",
    "RENEWALS_DUE_DAYS",
    "account_lifecycle",
    "dormant_assignments",
    "dormant_warning",
    "lifecycle_counts",
    "live_book",
    "upcoming_renewals",
    "ArrSeries",
    "AsOfIndex",
    "arr_series",
    "arrow_strings",
    "asof_index",
    "asof_positions",
    "attribution_windows",
    "book_at",
    "id_codes",
    "inherited_book",
    "movement_reconciliation",
    "normalize_ownership",
    "owned_windows",
    "owner_at",
    "period_close",
    "require_arr_through",
]
