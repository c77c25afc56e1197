"""Hand-built review evidence for the narrative tests: six realistic books.

The retention metrics of each row are computed from the accounts with the
docs/FORMULAS.md formulas, so the fixtures are consistent with themselves; the rest
(health, engagement, survey scores, category scores) is written by hand.
"""

from __future__ import annotations

from datetime import date

from calibrate.present.narrative import AccountEvidence, EvidenceNote, ReviewEvidence, TriggerEvidence

Q3_START = date(2026, 7, 1)


def acct(
    account_id,
    name,
    start,
    end,
    h0,
    h1,
    *,
    segment="mid_market",
    renewal=None,
    renewal_date=None,
    window_start=date(2025, 4, 1),
    window_end=None,
    inherited=False,
    credited=False,
    saved=False,
    qbr=True,
):
    if start in (None, 0):
        movement = "new"
    elif end == 0:
        movement = "churned"
    elif end > start:
        movement = "expanded"
    elif end < start:
        movement = "contracted"
    else:
        movement = "flat"
    return AccountEvidence(
        account_id=account_id,
        name=name,
        segment=segment,
        start_arr=start,
        end_arr=end,
        movement=movement,
        health_t0=h0,
        health_t1=h1,
        renewal_outcome=renewal,
        window_start=window_start,
        window_end=window_end,
        inherited=inherited,
        previous_owner_credited=credited,
        saved=saved,
        renewal_date=renewal_date,
        qbr_in_period=qbr,
    )


def metrics_from(accounts, **row):
    """The retention columns of scores.csv computed from the accounts (docs/FORMULAS.md formulas)."""
    # Movement inside the handover grace is the previous owner's (docs/FORMULAS.md attribution windows).
    cohort = [a for a in accounts if (a.start_arr or 0) > 0 and not a.previous_owner_credited]
    s = sum(a.start_arr for a in cohort)
    e = sum(a.end_arr for a in cohort)
    out = {"n_accounts": len([a for a in accounts if (a.end_arr or 0) > 0])}
    if cohort:
        top = max(cohort, key=lambda a: a.start_arr)
        out.update(
            start_arr=s,
            nrr=e / s,
            grr=sum(min(a.end_arr, a.start_arr) for a in cohort) / s,
            expansion_arr=sum(max(a.end_arr - a.start_arr, 0) for a in cohort),
            contraction_arr=sum(max(a.start_arr - a.end_arr, 0) for a in cohort if a.end_arr > 0),
            churn_arr=sum(a.start_arr for a in cohort if a.end_arr == 0),
            logo_churn_rate=sum(1 for a in cohort if a.end_arr == 0) / len(cohort),
            top_account_share=top.start_arr / s,
            nrr_excl_top=(e - top.end_arr) / (s - top.start_arr) if len(cohort) > 1 else None,
        )
    h1 = [a.health_t1 for a in accounts if a.health_t1 is not None]
    h0 = [a.health_t0 for a in accounts if a.health_t0 is not None]
    if h1:
        out["avg_health"] = sum(h1) / len(h1)
    if h1 and h0:
        out["health_change"] = sum(h1) / len(h1) - sum(h0) / len(h0)
    out.update(row)
    return out


TEAM_MEDIANS = {
    "nrr": 1.04,
    "grr": 0.92,
    "expansion_arr": 42_000.0,
    "avg_health": 68.0,
    "qbr_coverage": 0.78,
    "proactive_share": 0.62,
    "escalations": 3.0,
    "nps": 38.0,
}


def strong_book() -> ReviewEvidence:
    names = [
        ("a01", "Northwind Traders", 96_000, 118_000, 74, 82),
        ("a02", "Larkspur Health", 72_000, 90_000, 70, 79),
        ("a03", "Coppervale Mining", 64_000, 64_000, 80, 81),
        ("a04", "Ridgeline Outdoor", 48_000, 61_000, 66, 77),
        ("a05", "Bluefin Logistics", 41_000, 47_500, 72, 80),
        ("a06", "Saffron Kitchens", 30_000, 30_000, 78, 76),
        ("a07", "Orchard Lane Schools", 26_000, 31_000, 69, 74),
        ("a08", "Maplestone Insurance", 22_000, 26_000, 71, 79),
        ("a09", "Quarry Hill Labs", 19_000, 19_000, 82, 84),
        ("a10", "Tidewater Marine", 15_000, 18_500, 64, 72),
        ("a11", "Heronsgate Legal", 12_000, 12_000, 75, 77),
        ("a12", "Pebblebrook Dental", 9_000, 11_000, 70, 78),
        ("a13", "Foxglove Florists", 7_500, 8_500, 73, 80),
        ("a14", "Wrenfield Bakery", 6_000, 6_000, 77, 79),
    ]
    accounts = [
        acct(i, n, s, e, h0, h1, renewal=("renewed" if i in ("a02", "a06", "a09") else None),
             renewal_date=(date(2026, 8, 31) if i in ("a02", "a06", "a09") else None))
        for i, n, s, e, h0, h1 in names
    ]
    metrics = metrics_from(
        accounts,
        csm_id="c01",
        segment="mid_market",
        qbr_coverage=0.93,
        proactive_share=0.74,
        escalations=1,
        nps=52,
        csat=4.6,
        ai_coverage=0.88,
        override_rate=0.24,
        net_retention_per_cost=2.9,
        customer_facing_hours_per_week=17.5,
        score_retention=92,
        score_expansion=88,
        score_health=84,
        score_engagement=86,
        score_satisfaction=81,
        score_efficiency=78,
        score_ai_productivity=80,
        overall_score=87,
        rating="exceeds",
        tier="strong",
    )
    return ReviewEvidence(
        csm_name="Priya Raman",
        period_label="2026-Q3",
        tenure_months=31,
        metrics=metrics,
        cohort_medians=TEAM_MEDIANS,
        percentiles={"nrr": 94, "grr": 88, "expansion_arr": 90, "avg_health": 85, "qbr_coverage": 92, "nps": 80,
                     "health_change": 83, "proactive_share": 78},
        accounts=tuple(accounts),
        notes=(
            EvidenceNote(date(2026, 8, 12), "voice_of_customer", "Wrote up the reporting export gap raised by Larkspur Health and walked product through it.", "a02"),
            EvidenceNote(date(2026, 9, 3), "mentorship", "Paired with a newer colleague on renewal prep every Thursday for six weeks.", None),
            EvidenceNote(date(2026, 7, 21), "customer_outcome", "Northwind Traders cut month-end close from nine days to five after the workflow rollout.", "a01"),
        ),
        triggers=(TriggerEvidence(date(2026, 9, 10), "a01", "expansion", "positive", "seats +40"),),
        flags=(),
        previous_scores=(("2026-Q2", 82), ("2026-Q1", 76)),
    )


def concentrated_book() -> ReviewEvidence:
    accounts = [
        acct("b01", "Halvorsen Shipping", 600_000, 780_000, 71, 83, segment="enterprise"),
        acct("b02", "Pinecrest Dental Group", 18_000, 0, 44, 20, renewal="churned", renewal_date=date(2026, 8, 15)),
        acct("b03", "Brightwater Analytics", 24_000, 0, 48, 25, renewal="churned", renewal_date=date(2026, 9, 1)),
        acct("b04", "Kestrel Foods", 12_000, 0, 52, 30, renewal="churned", renewal_date=date(2026, 7, 30)),
        acct("b05", "Aldergrove Clinics", 55_000, 52_000, 63, 58),
        acct("b06", "Stonebridge Credit Union", 40_000, 40_000, 66, 64, qbr=False),
        acct("b07", "Glenmore Hotels", 35_000, 35_000, 61, 57, renewal="pending", renewal_date=date(2026, 11, 30), qbr=False),
        acct("b08", "Marlow Printing", 20_000, 20_000, 49, 45, renewal="pending", renewal_date=date(2026, 10, 20), qbr=False),
    ]
    metrics = metrics_from(
        accounts,
        csm_id="c02",
        segment="enterprise",
        qbr_coverage=0.5,
        proactive_share=0.48,
        escalations=6,
        nps=21,
        ai_coverage=0.6,
        override_rate=0.12,
        score_retention=70,
        score_expansion=80,
        score_health=48,
        score_engagement=42,
        score_satisfaction=50,
        overall_score=61,
        rating="meets",
        tier="solid",
    )
    return ReviewEvidence(
        csm_name="Tomas Becker",
        period_label="2026-Q3",
        tenure_months=19,
        metrics=metrics,
        cohort_medians=TEAM_MEDIANS,
        percentiles={"nrr": 82, "grr": 20, "expansion_arr": 97, "avg_health": 30, "qbr_coverage": 15, "nps": 25,
                     "health_change": 35, "proactive_share": 18},
        accounts=tuple(accounts),
        notes=(),
        triggers=(
            TriggerEvidence(date(2026, 8, 4), "b08", "health_decline", "negative", "3 weekly declines"),
            TriggerEvidence(date(2026, 9, 14), "b05", "sla_breach", "negative", "30% outside SLA"),
        ),
        flags=("concentrated_book", "override_out_of_band"),
        previous_scores=(("2026-Q2", 66),),
    )


def inherited_book() -> ReviewEvidence:
    handover = date(2026, 7, 15)
    accounts = [
        acct("c01", "Vantage Dairy Co-op", 80_000, 84_000, 70, 74, window_start=handover, inherited=True, credited=True,
             renewal="renewed", renewal_date=date(2026, 8, 10)),
        acct("c02", "Tallis Engineering", 45_000, 0, 38, 10, window_start=handover, inherited=True, credited=True,
             renewal="churned", renewal_date=date(2026, 7, 31)),
        acct("c03", "Moorfield Estates", 38_000, 38_000, 62, 66, window_start=handover, inherited=True),
        acct("c04", "Ashcombe Retail", 30_000, 33_000, 68, 71, window_start=handover, inherited=True),
        acct("c05", "Cresswell Freight", 26_000, 26_000, 57, 63),
        acct("c06", "Juniper Row Clinics", 21_000, 19_000, 60, 59),
        acct("c07", "Everly Pet Care", 14_000, 14_000, 72, 75),
        acct("c08", "Oakhurst Tutors", 9_000, 9_000, 66, 70),
    ]
    metrics = metrics_from(
        accounts,
        csm_id="c03",
        segment="mid_market",
        qbr_coverage=0.75,
        proactive_share=0.66,
        escalations=2,
        nps=35,
        score_retention=52,
        score_expansion=55,
        score_health=66,
        score_engagement=64,
        score_satisfaction=60,
        overall_score=60,
        rating="meets",
        tier="solid",
    )
    return ReviewEvidence(
        csm_name="Amara Okafor",
        period_label="2026-Q3",
        tenure_months=14,
        metrics=metrics,
        cohort_medians=TEAM_MEDIANS,
        percentiles={"nrr": 30, "grr": 22, "avg_health": 45, "qbr_coverage": 48, "nps": 45, "health_change": 70,
                     "proactive_share": 58},
        accounts=tuple(accounts),
        notes=(
            EvidenceNote(date(2026, 9, 18), "playbook", "Drafted the handover checklist the team now uses for account transfers.", None),
        ),
        triggers=(TriggerEvidence(date(2026, 9, 22), "c06", "proactive_drop", "negative", "touches down 40%"),),
        flags=("inherited_book",),
        previous_scores=(("2026-Q2", 63),),
    )


def rescuer_book() -> ReviewEvidence:
    accounts = [
        acct("d01", "Hollins Manufacturing", 120_000, 108_000, 35, 68, saved=True, renewal="renewed", renewal_date=date(2026, 9, 12)),
        acct("d02", "Castleton Media", 60_000, 60_000, 40, 71, saved=True, renewal="renewed", renewal_date=date(2026, 8, 28)),
        acct("d03", "Redwater Energy", 48_000, 44_000, 42, 63, saved=True, renewal="renewed", renewal_date=date(2026, 9, 25)),
        acct("d04", "Kinross Software", 36_000, 36_000, 58, 72),
        acct("d05", "Bellamy Architects", 22_000, 22_000, 61, 70),
        acct("d06", "Ferncliff Hospice", 18_000, 0, 30, 15, renewal="churned", renewal_date=date(2026, 7, 20)),
        acct("d07", "Linden Grove Farms", 15_000, 16_000, 55, 66),
        acct("d08", "Sorrel Design", 10_000, 10_000, 64, 73),
        acct("d09", "Ironbridge Partners", 8_000, 8_000, 49, 62),
    ]
    metrics = metrics_from(
        accounts,
        csm_id="c04",
        segment="mid_market",
        qbr_coverage=0.89,
        proactive_share=0.81,
        escalations=2,
        nps=41,
        score_retention=45,
        score_expansion=38,
        score_health=88,
        score_engagement=84,
        score_satisfaction=66,
        overall_score=63,
        rating="meets",
        tier="solid",
    )
    return ReviewEvidence(
        csm_name="Luis Ortega",
        period_label="2026-Q3",
        tenure_months=26,
        metrics=metrics,
        cohort_medians=TEAM_MEDIANS,
        percentiles={"nrr": 25, "grr": 28, "avg_health": 70, "qbr_coverage": 84, "nps": 58, "health_change": 98,
                     "proactive_share": 91},
        accounts=tuple(accounts),
        notes=(
            EvidenceNote(date(2026, 9, 12), "customer_outcome", "Rebuilt the rollout plan with Hollins Manufacturing after two failed launches.", "d01"),
            EvidenceNote(date(2026, 8, 20), "cross_team", "Ran a weekly risk review with support for the three red accounts.", None),
        ),
        triggers=(
            TriggerEvidence(date(2026, 9, 12), "d01", "save", "positive", "red to green, renewed"),
            TriggerEvidence(date(2026, 8, 28), "d02", "save", "positive", "red to green, renewed"),
        ),
        flags=(),
        previous_scores=(("2026-Q2", 58), ("2026-Q1", 55)),
    )


def new_hire_book() -> ReviewEvidence:
    start = date(2026, 8, 3)
    accounts = [
        acct("e01", "Quillon Studios", None, 8_000, None, 72, segment="smb", window_start=start),
        acct("e02", "Harbour Lights Cafe", 6_000, 6_000, 65, 61, segment="smb", window_start=start, inherited=True),
        acct("e03", "Bramble & Birch", 4_500, 5_000, 70, 74, segment="smb", window_start=start, inherited=True),
    ]
    metrics = metrics_from(accounts, csm_id="c05", segment="smb", qbr_coverage=0.33, proactive_share=0.7,
                           escalations=0, overall_score=64, rating="meets", tier="solid")
    return ReviewEvidence(
        csm_name="Jess Whitlock",
        period_label="2026-Q3",
        tenure_months=2,
        metrics=metrics,
        cohort_medians=TEAM_MEDIANS,
        percentiles={},
        accounts=tuple(accounts),
        flags=("small_book", "inherited_book"),
    )


def missing_surveys_book() -> ReviewEvidence:
    base = [
        ("f01", "Greyhawk Security", 70_000, 74_000, 68, 70),
        ("f02", "Millbrook Farms", 44_000, 44_000, 66, 69),
        ("f03", "Sable Creek Wineries", 38_000, 35_000, 59, 55),
        ("f04", "Thornbury Council", 33_000, 33_000, 72, 73),
        ("f05", "Wexford Biotech", 29_000, 31_000, 63, 68),
        ("f06", "Clearspring Water", 25_000, 25_000, 70, 71),
        ("f07", "Hatherley Books", 21_000, 0, 45, 12),
        ("f08", "Lowther Fitness", 18_000, 18_000, 67, 66),
        ("f09", "Penrose Optics", 16_000, 17_000, 69, 72),
        ("f10", "Carrick Vets", 12_000, 12_000, 74, 75),
        ("f11", "Dunmore Tiles", 11_000, 11_000, 60, 62),
        ("f12", "Eastleigh Travel", 9_000, 9_000, 55, 48),
    ]
    accounts = [
        acct(i, n, s, e, h0, h1,
             renewal={"f07": "churned", "f02": "renewed", "f12": "pending"}.get(i),
             renewal_date={"f07": date(2026, 8, 1), "f02": date(2026, 9, 1), "f12": date(2026, 10, 15)}.get(i))
        for i, n, s, e, h0, h1 in base
    ]
    metrics = metrics_from(
        accounts,
        csm_id="c06",
        segment="mid_market",
        qbr_coverage=0.8,
        proactive_share=0.6,
        escalations=3,
        nps=None,
        csat=float("nan"),
        score_retention=62,
        score_expansion=50,
        score_health=60,
        score_engagement=63,
        overall_score=59,
        rating="meets",
        tier="under",
    )
    return ReviewEvidence(
        csm_name="Sam Delgado",
        period_label="2026-Q3",
        tenure_months=11,
        metrics=metrics,
        cohort_medians=TEAM_MEDIANS,
        percentiles={"nrr": 50, "grr": 55, "avg_health": 48, "qbr_coverage": 55, "health_change": 50, "proactive_share": 45},
        accounts=tuple(accounts),
        triggers=(TriggerEvidence(date(2026, 9, 20), "f12", "health_decline", "negative", "3 weekly declines"),),
        previous_scores=(("2026-Q2", 61),),
    )


ALL = {
    "strong": strong_book,
    "concentrated": concentrated_book,
    "inherited": inherited_book,
    "rescuer": rescuer_book,
    "new_hire": new_hire_book,
    "missing_surveys": missing_surveys_book,
}
