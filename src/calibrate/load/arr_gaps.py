"""Fill a missing ``arr`` month between two present months by carrying the earlier one forward.

The data contract: "A missing month between two present months is carried
forward with a warning." Months before an account's first row or after its
last are not invented: churn is an explicit ``0`` row.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .rules import key_codes, show_values

__all__ = ["carry_forward_arr"]

WARNING_CAP = 20


def carry_forward_arr(
    frame: pd.DataFrame,
    *,
    file: str = "arr.csv",
    rows: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Return ``frame`` with every in-between missing month added, and one warning per gap.

    For an account with rows for months m1 < m2 and none between them, the rows
    for m1+1 .. m2-1 copy the m1 row (same ``arr``). The result is sorted by
    (``account_id``, ``month``) when rows were added; otherwise ``frame`` itself is returned.
    """
    if frame.empty:
        return frame, []
    accounts = key_codes(frame, ("account_id",))
    months = frame["month"].to_numpy().astype("datetime64[M]").astype(np.int64)
    usable = np.flatnonzero((accounts >= 0) & ~np.isnat(frame["month"].to_numpy()))
    order = usable[np.lexsort((months[usable], accounts[usable]))]
    previous, following = order[:-1], order[1:]
    step = months[following] - months[previous]
    gap = (accounts[previous] == accounts[following]) & (step > 1)
    if not gap.any():
        return frame, []
    gap_start, gap_end = previous[gap], following[gap]
    missing_counts = step[gap] - 1
    source = np.repeat(gap_start, missing_counts)
    # 1, 2, ..., k for each gap, laid end to end.
    offsets = np.arange(missing_counts.sum()) - np.repeat(np.cumsum(missing_counts) - missing_counts, missing_counts) + 1
    added = frame.iloc[source].copy()
    added["month"] = (months[source] + offsets).astype("datetime64[M]").astype("datetime64[ns]")
    result = pd.concat([frame, added], ignore_index=True)
    result = result.sort_values(["account_id", "month"], kind="stable", ignore_index=True)

    row_of = rows or (lambda positions: np.asarray(positions) + 2)
    warnings = [
        f"{file}: {len(gap_start)} gap(s) in monthly ARR were filled by carrying the previous month forward "
        f"({int(missing_counts.sum())} row(s) added). Add the missing months to the export to silence this."
    ]
    shown = min(len(gap_start), WARNING_CAP)
    first_rows = row_of(gap_start[:shown])
    last_rows = row_of(gap_end[:shown])
    ids = show_values(frame["account_id"], gap_start[:shown])
    before = show_values(frame["month"], gap_start[:shown])
    after = show_values(frame["month"], gap_end[:shown])
    amounts = show_values(frame["arr"], gap_start[:shown])
    for i in range(shown):
        count = int(missing_counts[i])
        warnings.append(
            f"{file}: account {ids[i]} has no row for {count} month(s) between {before[i][:7]} (row {first_rows[i]}) "
            f"and {after[i][:7]} (row {last_rows[i]}); carried forward the ARR of {before[i][:7]} ({amounts[i]})"
        )
    if len(gap_start) > shown:
        warnings.append(f"{file}: ... and {len(gap_start) - shown} more gap(s) filled the same way")
    return result, warnings
