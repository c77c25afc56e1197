"""NPS and CSAT by hand, credited to the owner at response time."""

from __future__ import annotations

import numpy as np
import pytest

from book_fixtures import typed
from calibrate.metrics.satisfaction import survey_metrics
from calibrate.periods import parse_period

Q3 = parse_period("2026-Q3")


def test_nps_and_csat_by_hand():
    own = typed("ownership", [
        {"account_id": "A", "csm_id": "c1", "start_date": "2025-01-01", "end_date": "2026-08-01"},
        {"account_id": "A", "csm_id": "c2", "start_date": "2026-08-01"},
    ])
    rows = [(10, "2026-07-01"), (9, "2026-07-02"), (8, "2026-07-03"), (6, "2026-07-04"), (0, "2026-07-05"), (10, "2026-06-30"), (3, "2026-08-02")]
    surveys = [{"response_id": f"n{i}", "account_id": "A", "responded_at": d, "kind": "nps", "score": s} for i, (s, d) in enumerate(rows)]
    surveys += [{"response_id": f"c{i}", "account_id": "A", "responded_at": "2026-07-10", "kind": "csat", "score": s} for i, s in enumerate([5, 4, 4])]
    got = survey_metrics(typed("surveys", surveys), own, Q3)
    c1 = got.loc["c1"]
    assert c1["nps"] == pytest.approx(100 * (2 - 2) / 5)
    assert (c1["promoters"], c1["detractors"], c1["nps_responses"]) == (2, 2, 5)
    assert c1["csat"] == pytest.approx(13 / 3)
    c2 = got.loc["c2"]
    assert c2["nps"] == -100 and np.isnan(c2["csat"])
