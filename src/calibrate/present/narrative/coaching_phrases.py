"""Phrase templates for strengths, development areas and the 30-day plan.

Same rules as :mod:`phrases`: no digits in the text, every value from a slot.
A ``plan_<family>`` action goes with its ``plan_<family>_effect``.
"""

from __future__ import annotations

__all__ = ["COACHING_GROUPS"]

COACHING_GROUPS: dict[str, tuple[str, ...]] = {
    # --- strengths and development areas
    "s_retention": ("Retention: GRR of {grr} and NRR of {nrr}, {vs_med_nrr}.", "Retention: GRR of {grr} with {lost_phrase}."),
    "s_save": (
        "Saved {account}: red during the quarter and renewed on {renewal_date}; its health {health_moved} over the quarter.",
        "Saved {account}: red during the quarter and renewed; its health {health_moved} over the quarter.",
        "Saved {account}: red during the quarter and renewed.",
    ),
    "s_expansion": ("Expansion at {account}: from {arr_start} to {arr_end}.",),
    "s_qbr": ("Business reviews: QBR or EBR coverage of {qbr_coverage}, at the {pct_qbr_coverage} percentile of the cohort.", "Business reviews: QBR or EBR coverage of {qbr_coverage}."),
    "s_health": ("Health movement: the book's average {health_move_phrase}.",),
    "s_nps": ("Customer voice: NPS of {nps}, {vs_med_nps}.", "Customer voice: NPS of {nps}."),
    "s_trigger": ("Positive alert on {trigger_date}: {kind_text} at {account}.", "Positive alert on {trigger_date}: {kind_text}."),
    "s_note": ("{work_text}: the manager's note of {note_date} about {account}.", "{work_text}: the manager's note of {note_date}."),
    "d_churn": ("Churn at {account}: {arr_start} of ARR lost in the quarter.",),
    "d_red_pending": ("{account} is red at {health_t1} with a renewal due on {renewal_date}.",),
    "d_red": ("{account} ends the quarter red at {health_t1}.",),
    "d_trigger": ("Warning on {trigger_date}: {kind_text} at {account}.", "Warning on {trigger_date}: {kind_text}."),
    "d_qbr": ("Business reviews: QBR or EBR coverage of {qbr_coverage}, {vs_med_qbr_coverage}.", "Business reviews: QBR or EBR coverage of {qbr_coverage}."),
    "d_proactive": ("Proactive outreach: {proactive_share} of touches started by {first_name}, {vs_med_proactive_share}.", "Proactive outreach: {proactive_share} of touches started by {first_name}."),
    "d_health": ("Health: the book's average {health_move_phrase}, with {n_red_t1} red at quarter end.",),
    "d_nps": ("Customer voice: NPS of {nps}, {vs_med_nps}.", "Customer voice: NPS of {nps}."),
    "d_no_surveys": ("Customer voice: no survey responses from the book in {period}.",),
    "d_override": ("AI drafts: an override rate of {override_rate}, outside the agreed band.",),
    "d_concentration": ("Concentration: without {top_account}, NRR falls from {nrr} to {nrr_excl_top}.",),
    "d_expansion_none": ("Expansion: no account expanded in {period}.",),
    "d_flat": ("Growth: {account} held flat at {arr_end} in the quarter.",),
    "d_lowest_health": ("Health: {account} has the lowest reading in the book, {health_t1}.",),
    # --- 30-day plan: actions and expected effects
    "plan_health": ("Call the sponsor at {account}, agree the causes of the health decline and write them into a success plan.",),
    "plan_health_effect": ("Health at {account} stops falling from {health_t1} by the next reading.", "Health at {account} stops falling by the next reading."),
    "plan_sla": ("Go through the open tickets at {account} with support and name an owner for each response.",),
    "plan_sla_effect": ("Responses at {account} back inside the SLA within the month.",),
    "plan_proactive": ("Book a proactive check-in with {account} before the customer raises the next issue.",),
    "plan_proactive_effect": ("Proactive share of touches moves up from {proactive_share}.", "More touches at {account} start with {first_name}."),
    "plan_sentiment": ("Read the latest survey comments from {account} and call each detractor back.",),
    "plan_sentiment_effect": ("A named follow-up for each detractor at {account}.",),
    # Book-level warnings (no account): "plan_<family>_book" and its effect.
    "plan_health_book": ("List the accounts whose health fell in the weeks before {trigger_date} and agree a recovery step for each with the manager.",),
    "plan_health_book_effect": ("The book's average health holds at {avg_health} or better by the next reading.", "The book's average health stops falling by the next reading."),
    "plan_sla_book": ("Go through the tickets that missed the SLA around {trigger_date} with support and name an owner for each open response.",),
    "plan_sla_book_effect": ("Responses back inside the SLA within the month.",),
    "plan_proactive_book": ("Block time each week for proactive check-ins, starting with the largest accounts, so that touches start with {first_name}.",),
    "plan_proactive_book_effect": ("Proactive share of touches moves up from {proactive_share}.", "More touches start with {first_name} rather than the customer."),
    "plan_sentiment_book": ("Read the survey comments behind the warning of {trigger_date} and call each detractor back.",),
    "plan_sentiment_book_effect": ("A named follow-up for each detractor in the book.",),
    "plan_renewal": ("Build a renewal plan for {account} ahead of {renewal_date}: sponsor, open risks and the value delivered this year.", "Build a renewal plan for {account}: sponsor, open risks and the value delivered this year."),
    "plan_renewal_effect": ("The renewal decision at {account} is known well before {renewal_date}, not a surprise.", "The renewal decision at {account} is known early, not a surprise."),
    "plan_adoption": ("Run an enablement session for the users at {account} whose usage dropped.",),
    "plan_adoption_effect": ("Usage at {account} back at its earlier level.",),
    "plan_escalation": ("Review each escalation at {account} with the manager and write down what would have caught it earlier.",),
    "plan_escalation_effect": ("Fewer escalations at {account} next quarter.",),
    "plan_generic": (
        "Take the warning of {trigger_date} at {account} to the manager and agree one next step: {kind_text}.",
        "Take the warning of {trigger_date} to the manager and agree one next step: {kind_text}.",
    ),
    "plan_generic_effect": ("A written next step for {account}, checked at the weekly one-to-one.", "A written next step, checked at the weekly one-to-one."),
    "plan_qbr": ("Schedule business reviews for the accounts without one this quarter, starting with {account}.",),
    "plan_qbr_effect": ("QBR or EBR coverage moves up from {qbr_coverage}.",),
    "plan_surveys": ("Ask {account} for an NPS response after the next business review.",),
    "plan_surveys_effect": ("At least one survey response from the book next quarter.",),
    "plan_override": ("Review a sample of recent AI drafts with the manager and agree when to edit or reject one.",),
    "plan_override_effect": ("The override rate moves back inside the agreed band from {override_rate}.",),
    "plan_churn": ("Write a short loss review of {account} with the manager: when the first warning came and what was done.",),
    "plan_churn_effect": ("The same warning signs are caught earlier on the rest of the book.",),
    "plan_reference": ("Ask {account} whether it will act as a reference customer, building on its health of {health_t1}.",),
    "plan_reference_effect": ("A named reference account for sales next quarter.",),
    "plan_expansion": ("Map expansion options at {account}, flat at {arr_end} this quarter, with the account executive.",),
    "plan_expansion_effect": ("A qualified expansion opportunity at {account} in the pipeline.",),
    "plan_review": ("Review the month with the manager: compare {plan_accounts} with where they stood on the plan's first day.", "Review the month with the manager and compare each planned account with its starting point."),
    "plan_review_effect": ("An agreed read on which actions worked, carried into next quarter's goals.",),
}
