"""Each planted truth of the review quarter, re-computed from the written files with pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibrate.sample import generate_sample, parse_expected_flags

from sample_truths import Sample

T0, T1 = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-10-01")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("planted") / "data"
    summary = generate_sample(out, seed=7)
    return summary, Sample(out), out


def _role(summary, name):
    return next(s for s in summary.scenarios if s.name == name).csm_id


def test_flags_from_files_match_expected_and_readme(generated):
    summary, sample, out = generated
    assert sample.flags() == summary.expected_flags
    assert parse_expected_flags((out / "README.md").read_text()) == summary.expected_flags
    flagged = {f for flags in summary.expected_flags.values() for f in flags}
    assert flagged == {"inherited_book", "concentrated_book", "small_book", "override_out_of_band"}


def test_other_csms_stay_clear_of_thresholds(generated):
    summary, sample, _ = generated
    q = sample.csm_quantities()
    clean = [c for c, flags in summary.expected_flags.items() if not flags]
    assert len(clean) >= 3
    rows = q.loc[clean]
    assert (rows["top_share"] < 0.22).all()
    assert ((rows["nrr"] - rows["nrr_excl_top"]).abs() < 0.04).all()
    assert (rows["n_accounts"] >= 10).all()
    assert (rows["inherited_share"] < 0.1).all()
    assert rows["override_rate"].between(0.2, 0.3).all()


def test_inherited_book_with_early_churn(generated):
    summary, sample, _ = generated
    csm = _role(summary, "inherited_book")
    own = sample["ownership"].sort_values(["account_id", "start_date"])
    prev_end = own.groupby("account_id")["end_date"].shift(1)
    prev_csm = own.groupby("account_id")["csm_id"].shift(1)
    taken = own.loc[(own["csm_id"] == csm) & own["start_date"].between(T0, T1 - pd.Timedelta(days=1))
                    & (prev_end == own["start_date"]) & prev_csm.notna() & (prev_csm != csm)]
    assert len(taken) >= 3
    book = sample.book_at_close()
    mine = book.loc[book["csm_id"] == csm]
    share = mine.loc[mine["account_id"].isin(taken["account_id"]), "arr_t1"].sum() / mine["arr_t1"].sum()
    assert share > 1 / 3
    arr = sample["arr"]
    zeros = arr.loc[(arr["arr"] == 0) & arr["account_id"].isin(taken["account_id"])].merge(taken, on="account_id")
    assert len(zeros) >= 1
    weeks = (zeros["month"] - zeros["start_date"]).dt.days / 7
    assert ((weeks > 0) & (weeks <= 6)).any()


def test_concentrated_book_hides_small_churns(generated):
    summary, sample, _ = generated
    csm = _role(summary, "concentrated_book")
    win = sample.attribution_windows()
    g = win.loc[win["csm_id"] == csm].sort_values("s", ascending=False)
    nrr = g["e"].sum() / g["s"].sum()
    excl = (g["e"].sum() - g["e"].iat[0]) / (g["s"].sum() - g["s"].iat[0])
    assert nrr > 1 > excl
    assert g["e"].iat[0] > 1.2 * g["s"].iat[0]
    churned = g.loc[g["e"] == 0]
    assert len(churned) >= 3
    assert (churned["s"] < g["s"].median()).all()


def _last_score(health, ids, before):
    h = health.loc[health["account_id"].isin(ids) & (health["date"] < before)].sort_values("date")
    return h.groupby("account_id")["score"].last()


def test_rescuer_saved_red_accounts_with_middling_nrr(generated):
    summary, sample, _ = generated
    csm = _role(summary, "rescued_red_accounts")
    own = sample["ownership"]
    accounts = own.loc[(own["csm_id"] == csm) & (own["start_date"] < T0), "account_id"]
    health = sample["health"]
    at_t0 = _last_score(health, accounts, T0 + pd.Timedelta(days=1))
    at_t1 = _last_score(health, accounts, T1)
    ren = sample["renewals"]
    renewed = ren.loc[ren["account_id"].isin(accounts) & ren["renewal_date"].between(T0, T1 - pd.Timedelta(days=1))
                      & (ren["outcome"] == "renewed"), "account_id"]
    saved = [a for a in renewed if at_t0.get(a, 100) <= 50 and at_t1.get(a, 0) > 50]
    assert len(saved) >= 3
    q = sample.csm_quantities().loc[csm]
    assert 0.95 <= q["nrr"] <= 1.05
    assert summary.expected_flags[csm] == ()


def test_new_hire_small_book(generated):
    summary, sample, _ = generated
    csm = _role(summary, "new_hire_small_book")
    csms = sample["csms"].set_index("csm_id")
    assert T0 - pd.Timedelta(days=60) <= csms.loc[csm, "hire_date"] < T1
    assert sample.csm_quantities().loc[csm, "n_accounts"] < 8


def test_override_rates_low_high_and_band(generated):
    summary, sample, _ = generated
    rates = sample.csm_quantities()["override_rate"]
    low, high = _role(summary, "override_low"), _role(summary, "override_high")
    assert rates[low] < 0.08 and rates[high] > 0.5
    assert rates.drop([low, high]).between(0.2, 0.3).all()


def _lift(sample, kind, outcome_dates: pd.DataFrame) -> tuple[float, int]:
    """Account-quarter lift: P(event in (t0, t0+90] | flag of kind in [t0-90, t0)) / P(event)."""
    arr = sample["arr"]
    flags = sample["ai_flags"]
    flags = flags.loc[flags["kind"] == kind]
    rows = []
    for t0 in pd.date_range("2025-01-01", "2026-07-01", freq="QS"):
        alive = arr.loc[arr["month"] == t0]
        alive = alive.loc[alive["arr"] > 0, "account_id"]
        f = flags.loc[(flags["raised_at"] >= t0 - pd.Timedelta(days=90)) & (flags["raised_at"] < t0), "account_id"]
        e = outcome_dates.loc[(outcome_dates["date"] > t0) & (outcome_dates["date"] <= t0 + pd.Timedelta(days=90)), "account_id"]
        rows.append(pd.DataFrame({"flag": alive.isin(set(f)).to_numpy(), "event": alive.isin(set(e)).to_numpy()}))
    units = pd.concat(rows)
    return units.loc[units["flag"], "event"].mean() / units["event"].mean(), int(units["event"].sum())


def test_ai_flags_predict_churn_and_escalation_but_not_sentiment(generated):
    _, sample, _ = generated
    ren = sample["renewals"]
    churn = ren.loc[ren["outcome"] == "churned", ["account_id", "notice_date"]].rename(columns={"notice_date": "date"})
    tickets = sample["tickets"]
    esc = tickets.loc[tickets["escalated"], ["account_id", "escalated_at"]].rename(columns={"escalated_at": "date"})
    assert len(churn) >= 20 and len(esc) >= 20
    churn_lift, _ = _lift(sample, "churn_risk", churn)
    esc_lift, _ = _lift(sample, "escalation_risk", esc)
    noise_lift, _ = _lift(sample, "sentiment_decline", churn)
    assert churn_lift >= 2.0
    assert esc_lift >= 1.5
    assert 0.3 <= noise_lift <= 1.8
    assert set(sample["ai_flags"]["kind"]) >= {"adoption_drop", "expansion_signal"}
    assert set(sample["ai_flags"]["csm_response"]) == {"actioned", "dismissed", "none"}


def test_churn_risk_flags_precede_notice_by_14_to_90_days(generated):
    _, sample, _ = generated
    ren = sample["renewals"]
    churn = ren.loc[ren["outcome"] == "churned", ["account_id", "notice_date"]]
    flags = sample["ai_flags"]
    cr = flags.loc[flags["kind"] == "churn_risk", ["account_id", "raised_at"]].merge(churn, on="account_id")
    lead = (cr["notice_date"] - cr["raised_at"].dt.normalize()).dt.days
    preceded = cr.loc[lead.between(14, 90), "account_id"].nunique()
    assert preceded >= 0.5 * churn["account_id"].nunique()


def test_group_columns_are_spread_across_planted_roles(generated):
    summary, sample, _ = generated
    csms = sample["csms"].set_index("csm_id")
    flagged = [c for c, flags in summary.expected_flags.items() if flags]
    assert csms.loc[flagged, "group_location"].nunique() >= 2
    assert csms.loc[flagged, "group_gender"].nunique() >= 2


def test_evidence_reads_like_a_manager_wrote_it(generated):
    _, sample, _ = generated
    ev = sample["evidence"]
    names = set(sample["accounts"]["name"])
    assert ev["text"].str.len().max() <= 1000
    assert ev["text"].nunique() >= 0.9 * len(ev)
    named = ev["text"].apply(lambda t: any(n in t for n in names))
    assert named.mean() > 0.9
    ratings = sample["manager_ratings"]
    employed = sample["csms"]["left_date"].isna().sum()
    assert (ratings["period"] == "2026-Q3").sum() == employed
