"""Text banks: survey comments, rating rationales and manager evidence notes.

Placeholders in the evidence templates: ``{account}`` / ``{account2}`` (names
from the CSM's book that quarter), ``{date}`` (e.g. "14 May"), ``{n}`` (a small
count), ``{pct}`` (a percentage), ``{peer}`` (a colleague's first name),
``{weeks}``, ``{first}`` (the CSM's first name) and ``{team}``.
"""

from __future__ import annotations

__all__ = ["COMMENTS", "RATIONALES", "EVIDENCE_TEMPLATES", "TEAMS"]

COMMENTS = {
    "promoter": (
        "Our CSM knows our rollout plan better than half of our own team.",
        "Quarterly reviews are worth the hour; we leave with three concrete actions.",
        "Fast answers and no runaround. Would recommend to peers.",
        "The reporting templates saved our ops lead a day every month.",
        "Support closed our SSO issue the same afternoon.",
        "Renewal was painless and the pricing was explained up front.",
    ),
    "passive": (
        "Product does the job; onboarding of new staff could be smoother.",
        "Good overall, but the mobile app still lags behind the web version.",
        "We would like more notice before UI changes ship.",
        "Fine for now. We are waiting to see the new API limits.",
        "Support is polite but we sometimes wait two days for a fix.",
    ),
    "detractor": (
        "Three outages this quarter and no clear root cause shared with us.",
        "We lost our main contact on your side twice this year.",
        "Too expensive for the share of features we actually use.",
        "Data export is still manual; our finance team is frustrated.",
        "Escalations take too long to reach someone who can decide.",
        "We are evaluating alternatives before the renewal.",
    ),
    "satisfied": (
        "Issue fixed, thanks for the quick turnaround.",
        "Clear explanation of the workaround.",
        "Resolved on the first reply.",
        "Helpful agent, follow-up was on time.",
    ),
    "unsatisfied": (
        "Took four replies to get a real answer.",
        "The fix broke our nightly import again.",
        "Ticket was closed before we confirmed it worked.",
        "Nobody called back as promised.",
    ),
}

RATIONALES = {
    "exceeds": (
        "Renewed every account due this quarter and grew the book; runs the QBR calendar without reminders.",
        "Saved at-risk accounts through early outreach and documented the playbook for the team.",
        "Expansion pipeline is the strongest in the segment and customers volunteer as references.",
        "Handles escalations calmly, keeps product informed, and coaches the newer CSMs.",
    ),
    "meets": (
        "Renewals on plan with no surprises; QBR coverage is adequate but uneven across the book.",
        "Solid relationships in the larger accounts; smaller accounts get mostly reactive attention.",
        "Book is stable; expansion is occasional rather than planned.",
        "Delivers what is asked; next step is earlier risk calls on yellow accounts.",
        "Still building relationships in a new book; early signs are good.",
    ),
    "needs_development": (
        "Two churns this quarter were visible in health data weeks earlier and were not escalated.",
        "QBRs slipped in most accounts and customer sentiment fell.",
        "Works tickets well but rarely starts conversations about value or expansion.",
        "Follow-ups after escalations are late and not documented.",
    ),
}

TEAMS = ("product", "support", "solutions engineering", "finance", "marketing", "sales")

# (category, template). Manager voice: specific, dated, named.
EVIDENCE_TEMPLATES = (
    ("customer_outcome", "On {date} {first} ran the QBR with {account}; the customer agreed to move two more "
     "departments onto the platform next quarter. Usage in the pilot team is up {pct}% since the spring."),
    ("customer_outcome", "{account} hit its first-value milestone on {date}, {n} days ahead of the onboarding "
     "plan. {first} set the success plan with their operations lead and checked it every two weeks."),
    ("customer_outcome", "{first} rebuilt the reporting setup for {account} after their admin left; by {date} "
     "the weekly dashboard was back in use by {n} managers on the customer side."),
    ("customer_outcome", "Renewal with {account} closed on {date} at a {pct}% uplift. The business case came "
     "from {first}'s usage review, not from a discount."),
    ("voice_of_customer", "{first} wrote up the export limits that {account} and {account2} keep hitting and "
     "brought it to the {team} review on {date}; it is now on the roadmap for next quarter."),
    ("voice_of_customer", "After {account}'s detractor score on {date}, {first} called their sponsor within "
     "two days and logged the three root causes in the feedback board. Two are fixed."),
    ("voice_of_customer", "Shared a summary of {n} customer interviews on onboarding friction with {team} on "
     "{date}; {account} was quoted in the design review."),
    ("mentorship", "{first} shadowed-then-led onboarding calls with {peer} for {weeks} weeks; {peer} ran the "
     "{account} kickoff alone on {date}."),
    ("mentorship", "Paired with {peer} on renewal prep for {account}; walked through the risk checklist and "
     "the pricing conversation before the call on {date}."),
    ("playbook", "{first} drafted the red-account recovery checklist after the {account} save; the team has used "
     "it on {n} accounts since {date}."),
    ("playbook", "Updated the QBR deck template on {date} so it opens with the customer's own goals. {n} CSMs "
     "have used it, including for {account}."),
    ("cross_team", "Worked with {team} on {account}'s data migration; {first} kept a shared plan and the cutover "
     "on {date} went through with no downtime."),
    ("cross_team", "Coordinated with {team} on a pricing exception for {account} and documented the approval "
     "trail; signed on {date}."),
    ("escalation", "{account} escalated a billing error on {date}. {first} had finance on a call the same day "
     "and the credit note out within {n} days; the customer's CSAT on the follow-up was 5."),
    ("escalation", "Outage on {date} hit {account} during their month-end close. {first} sent hourly updates, "
     "then a written timeline two days later. The sponsor thanked us in the renewal meeting."),
    ("escalation", "Escalation from {account} on {date} sat for {n} days before {first} looped in engineering. "
     "Resolved, but we discussed escalating earlier next time."),
    ("other", "{first} covered {peer}'s book for {weeks} weeks during leave, including the {account} renewal "
     "call on {date}."),
    ("other", "Presented the segment's health trends at the all-hands on {date}, using {account} as the worked "
     "example."),
)
