"""CohortStandings (every CSM's standing from one sort per cohort and metric) gives what the one-CSM
definition, ``cohort_standing``, gives: same medians, percentiles, cohort size and cohort, on random teams
with ties, missing values, pooled cohorts, small cohorts and metrics of each direction."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from calibrate.scoring.standing import CohortStandings, cohort_standing

METRICS = ("nrr", "logo_churn_rate", "top_account_share", "escalations")  # higher better, lower better, neither, lower


@st.composite
def teams(draw):
    n = draw(st.integers(min_value=1, max_value=30))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**31)))
    cohorts = rng.choice(["enterprise", "mid-market", None], size=n)
    frame = {"csm_id": [f"CSM-{i:03d}" for i in range(n)],
             "cohort": pd.array([c if c is not None else pd.NA for c in cohorts], dtype="string")}
    for metric in METRICS:
        values = rng.integers(0, 5, size=n).astype(float)  # few distinct values: many ties
        values[rng.random(n) < 0.25] = np.nan
        frame[metric] = values
    return pd.DataFrame(frame), draw(st.integers(min_value=1, max_value=6))


@settings(max_examples=150, deadline=None)
@given(teams())
def test_every_csm_as_the_one_csm_definition(team):
    scores, min_size = team
    standings = CohortStandings(scores, min_cohort_size=min_size)
    metrics = METRICS + ("not_a_column",)
    for csm_id in scores["csm_id"]:
        expected = cohort_standing(scores, csm_id, min_cohort_size=min_size, metrics=metrics)
        assert standings.of(csm_id, metrics) == expected


def test_a_known_cohort_by_hand():
    scores = pd.DataFrame({"csm_id": ["a", "b", "c", "d"], "cohort": pd.array(["x", "x", "x", "y"], dtype="string"),
                           "nrr": [1.0, 2.0, 2.0, 9.0], "logo_churn_rate": [0.1, 0.2, 0.3, 0.0]})
    medians, percentiles, size, cohort = CohortStandings(scores, min_cohort_size=3).of("b", ("nrr", "logo_churn_rate"))
    assert (cohort, size) == ("x", 3)
    assert medians == {"nrr": 2.0, "logo_churn_rate": 0.2}
    # nrr 2.0 is at least as good as 3 of 3 values; churn 0.2 is at least as good (<=) as 0.2 and 0.3: 2 of 3.
    assert percentiles == {"nrr": 100.0, "logo_churn_rate": 200.0 / 3}
    assert CohortStandings(scores, min_cohort_size=3).of("d", ("nrr",)) == ({}, {}, 1, "y")
