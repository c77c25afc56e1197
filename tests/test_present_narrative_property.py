"""Property: for any evidence, the draft, strengths and plan pass their own grounding check."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calibrate.present.narrative import (
    AccountEvidence,
    EvidenceNote,
    ReviewEvidence,
    TriggerEvidence,
    check_grounding,
    coaching_plan,
    draft_narrative,
    strengths_and_development,
)
from calibrate.present.narrative.grounding import MAX_WORDS, MIN_WORDS

FIRST = ["Acme", "Borealis", "Cobalt", "Dunmore", "Elmstead", "Fairhaven", "Granite", "Harbor", "Ironwood",
         "Juniper", "Kingsley", "Lumen", "Meridian", "Northgate", "Oakridge", "Route 66", "Health", "Red"]
SECOND = ["Labs", "Foods", "Health", "Logistics", "Group", "Partners", "Studios", "& Sons", "Inc.", "Diner"]
CSMS = ["Dana Whitfield", "Maria Lopez", "Sam Okoro", "Lee", "Anne-Marie O'Neill"]
NOTES = [
    "Ran a renewal workshop with the customer's finance team.",
    "Helped Jordan Blake at a partner agency with the rollout.",
    "Trusted advisor to the board.",
    "Cut onboarding time from 45 days to 20 for the new users.",
    "Shared the export gap with product twice and got it on the roadmap for next year, after collecting "
    "examples from several accounts and writing a one-page brief with screenshots, quotes and the revenue "
    "at stake, then presenting it at the monthly review.",
    "Mentored two new hires on QBR preparation.",
]
KINDS = ["health_decline", "sla_breach", "proactive_drop", "churn_risk", "save", "expansion", "nps_exceptional",
         "adoption_drop", "weird_kind_42"]
T0 = date(2026, 7, 1)

maybe_ratio = st.one_of(st.none(), st.floats(0, 2))
maybe_score = st.one_of(st.none(), st.floats(0, 100))
days = st.integers(-400, 91).map(lambda d: T0 + timedelta(days=d))


@st.composite
def accounts(draw):
    names = draw(st.lists(st.tuples(st.sampled_from(FIRST), st.sampled_from(SECOND)), unique=True, max_size=25))
    out = []
    for i, (a, b) in enumerate(names):
        start = draw(st.one_of(st.none(), st.just(0.0), st.floats(500, 2_000_000)))
        if not start:
            end, movement = draw(st.floats(500, 500_000)), "new"
        else:
            end = draw(st.one_of(st.just(0.0), st.just(start), st.floats(0, 3_000_000)))
            movement = "churned" if end == 0 else ("expanded" if end > start else "contracted" if end < start else "flat")
        inherited = draw(st.booleans())
        out.append(
            AccountEvidence(
                account_id=f"a{i}",
                name=f"{a} {b}",
                segment=draw(st.sampled_from(["smb", "mid_market", "enterprise"])),
                start_arr=start,
                end_arr=end,
                movement=movement,
                health_t0=draw(st.one_of(st.none(), st.floats(0, 100))),
                health_t1=draw(st.one_of(st.none(), st.floats(0, 100))),
                renewal_outcome=draw(st.one_of(st.none(), st.sampled_from(["renewed", "churned", "pending"]))),
                window_start=draw(days),
                window_end=draw(st.one_of(st.none(), days)),
                inherited=inherited,
                previous_owner_credited=inherited and draw(st.booleans()),
                saved=draw(st.booleans()),
                renewal_date=draw(st.one_of(st.none(), days)),
                qbr_in_period=draw(st.one_of(st.none(), st.booleans())),
            )
        )
    return out


@st.composite
def evidence(draw):
    accs = draw(accounts())
    metric_names = ["nrr", "grr", "nrr_excl_top", "logo_churn_rate", "top_account_share", "qbr_coverage",
                    "proactive_share", "ai_coverage", "override_rate"]
    metrics = {n: draw(maybe_ratio) for n in metric_names}
    metrics.update({n: draw(st.one_of(st.none(), st.floats(0, 3_000_000))) for n in
                    ["start_arr", "expansion_arr", "contraction_arr", "churn_arr"]})
    metrics.update({n: draw(maybe_score) for n in ["avg_health", "overall_score", "score_retention", "score_expansion",
                                                     "score_health", "score_engagement", "score_satisfaction"]})
    metrics["health_change"] = draw(st.one_of(st.none(), st.floats(-40, 40)))
    metrics["nps"] = draw(st.one_of(st.none(), st.floats(-100, 100)))
    metrics["csat"] = draw(st.one_of(st.none(), st.just(float("nan")), st.floats(1, 5)))
    metrics["escalations"] = draw(st.one_of(st.none(), st.integers(0, 30)))
    metrics["net_retention_per_cost"] = draw(st.one_of(st.none(), st.floats(-5, 5)))
    metrics["customer_facing_hours_per_week"] = draw(st.one_of(st.none(), st.floats(0, 40)))
    metrics["n_accounts"] = draw(st.one_of(st.none(), st.integers(0, 30)))
    metrics["rating"] = draw(st.sampled_from(["exceeds", "meets", "needs_development", None]))
    medians = {n: v for n in ["nrr", "grr", "qbr_coverage", "proactive_share", "avg_health", "nps", "escalations",
                              "expansion_arr"] if (v := draw(st.one_of(st.none(), st.floats(0, 100)))) is not None}
    percentiles = {n: v for n in ["nrr", "grr", "expansion_arr", "avg_health", "health_change", "qbr_coverage",
                                  "nps", "proactive_share"] if (v := draw(st.one_of(st.none(), st.floats(0, 100)))) is not None}
    ids = [None] + [a.account_id for a in accs]
    notes = [
        EvidenceNote(draw(days), draw(st.sampled_from(["customer_outcome", "voice_of_customer", "mentorship",
                                                       "playbook", "cross_team", "escalation", "other"])),
                     draw(st.sampled_from(NOTES)), draw(st.sampled_from(ids)))
        for _ in range(draw(st.integers(0, 4)))
    ]
    triggers = [
        TriggerEvidence(draw(days), draw(st.sampled_from(ids)), draw(st.sampled_from(KINDS)),
                        draw(st.sampled_from(["positive", "negative"])))
        for _ in range(draw(st.integers(0, 5)))
    ]
    prev = [(f"2026-Q{q}", draw(st.floats(0, 100))) for q in (2, 1)][: draw(st.integers(0, 2))]
    flags = draw(st.lists(st.sampled_from(["inherited_book", "concentrated_book", "small_book", "override_out_of_band"]),
                          unique=True))
    return ReviewEvidence(
        csm_name=draw(st.sampled_from(CSMS)),
        period_label="2026-Q3",
        tenure_months=draw(st.one_of(st.none(), st.floats(0, 120))),
        metrics=metrics,
        cohort_medians=medians,
        percentiles=percentiles,
        accounts=tuple(accs),
        notes=tuple(notes),
        triggers=tuple(triggers),
        flags=tuple(flags),
        previous_scores=tuple(prev),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidence(), st.integers(0, 50))
def test_draft_always_passes_its_own_grounding_check(ev, seed):
    narrative = draft_narrative(ev, seed=seed)
    problems = check_grounding(narrative.text, ev, too_short_reason=narrative.too_short_reason)
    assert problems == [], [str(p) for p in problems]
    assert narrative.word_count <= MAX_WORDS
    assert narrative.word_count >= MIN_WORDS or narrative.too_short_reason


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidence())
def test_strengths_development_and_plan_are_always_grounded(ev):
    strengths, development = strengths_and_development(ev)
    plan = coaching_plan(ev)
    texts = [p.text for p in strengths + development]
    texts += [t for item in plan for t in (item.action, item.trigger, item.expected_effect)]
    for text in texts:
        assert check_grounding(text, ev, check_length=False) == [], text
