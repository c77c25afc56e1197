# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (calibrate)
#     language: python
#     name: calibrate
# ---

# %% [markdown]
# <!-- Cross-team calibration report (leadership only): run by the batch (calibrate run) or on its own with papermill or JupyterLab. -->

# %% tags=["parameters"]
params_path = "params/sample.yaml"  # the params file (found from here or any folder above)
period = ""  # a quarter such as 2026-Q3; empty: the params file's period
data_dir = ""  # a folder of exports; empty: the params file's data_dir
bundle_dir = ""  # a prepared bundle to use as is; empty: reuse the matching one in reports/<period>/bundle or prepare it

# %%
# NBVAL_IGNORE_OUTPUT
from calibrate import present
from calibrate.batch.notebook import open_report

opened = open_report("team_calibration", params_path=params_path, period=period, data_dir=data_dir, bundle_dir=bundle_dir)
report = opened.content
notes = report.notes

# %%
present.show_title("Team calibration", f"Every CSM, {report.period}. Names every CSM: for leadership only.", badge="Leadership only")

# %% [markdown]
# ## 1. Team at a glance

# %%
present.show_kpis(report.headline, formats={"CSMs with a book": "int", "Accounts at period end": "int", "ARR at period end": "money", "Company NRR (quarter)": "percent", "Company GRR (quarter)": "percent"})
present.show_note(notes["glance"])
present.show_table(
    report.glance,
    columns=["measure", "value", "target", "status", "previous", "change"],
    labels={"measure": "Measure", "value": report.period, "target": "Target (per quarter)", "status": "Against target",
            "previous": report.previous_period or "Previous quarter", "change": "Change"},
)

# %% [markdown]
# ## 2. Distribution of scores and ratings

# %%
present.show_note(notes["distribution"])
present.show_svg(report.charts["score_distribution"],
                   caption="CSMs per 5-point band of the overall score; dashed lines are the tier cuts.",
                   empty_note="No CSM has an overall score this quarter.")
present.show_svg(report.charts["rating_share"], caption="Model ratings: share of CSMs against the target share.",
                   empty_note="No model rating this quarter.")
present.show_table(report.rating_table,
                   columns=["category", "model", "count", "share", "target_share", "expected_count"],
                   labels={"category": "Rating", "model": "Model (CSMs)", "count": "Final (CSMs)", "share": "Final share",
                           "target_share": "Target share", "expected_count": "Expected at target (CSMs)"},
                   formats={"model": "int", "count": "int", "share": "percent", "target_share": "percent", "expected_count": "number"},
                   empty_note="No ratings to compare with the target this quarter.")

# %% [markdown]
# ## 3. Performance against the book

# %%
present.show_note(notes["expected"])
present.show_svg(report.charts["funnel_churn"],
                   caption="Each dot is a CSM: churn against what the book predicts, standardised on the book's own odds. Dashed: 95% limits; solid: 99.8% limits. Below the funnel is better.",
                   empty_note="No funnel plot: book-adjusted performance could not be computed.")
present.show_svg(report.charts["funnel_nrr"],
                   caption="Each dot is a CSM: NRR against what the book predicts, standardised on accounts like the book's. Dashed: 95% limits; solid: 99.8% limits. Above the funnel is better.",
                   empty_note="No funnel plot: book-adjusted performance could not be computed.")
present.show_table(
    report.book_adjusted_table,
    columns=["name", "n_accounts", "observed_churn_rate", "expected_churn_rate", "churn_diff", "churn_shrunk", "observed_nrr",
             "expected_nrr", "nrr_diff", "nrr_shrunk", "limits"],
    labels={"name": "CSM", "n_accounts": "Accounts at quarter start", "observed_churn_rate": "Churn", "expected_churn_rate": "Expected churn",
            "churn_diff": "Churn − expected", "churn_shrunk": "Churn, shrunk to the team", "observed_nrr": "NRR",
            "expected_nrr": "Expected NRR", "nrr_diff": "NRR − expected", "nrr_shrunk": "NRR, shrunk to the team",
            "limits": "Against the funnel limits"},
    formats={"n_accounts": "int", "observed_churn_rate": "percent", "expected_churn_rate": "percent", "churn_diff": "pp",
             "churn_shrunk": "percent", "observed_nrr": "percent", "expected_nrr": "percent", "nrr_diff": "pp",
             "nrr_shrunk": "percent"},
    caption="Sorted by NRR − expected, best first; differences are in percentage points (pts). Teams above 40 CSMs: only CSMs beyond a 95% limit.",
    empty_note="No CSM is beyond a 95% limit, or book-adjusted figures could not be computed (see the note above).",
)

# %% [markdown]
# ## 4. Ranking with uncertainty

# %%
present.show_note(notes["ranks"])
present.show_svg(report.charts["rank_intervals"],
                   caption="Dot: the reported overall score; bar: the central 95% of 1,000 resamples of every input of the score. Solid orange bars cross a tier cut; dashed blue ones stay within one tier.",
                   empty_note="No rank intervals this quarter.")
present.show_table(
    report.ranks_table,
    columns=["name", "overall_score", "score_range", "rank_range", "p_top_quartile", "tier", "tier_range"],
    labels={"name": "CSM", "overall_score": "Score", "score_range": "Score, 95% range", "rank_range": "Median rank (95% range)",
            "p_top_quartile": "P(top quartile)", "tier": "Tier", "tier_range": "Tiers within the 95% range"},
    formats={"overall_score": "number", "p_top_quartile": "percent"},
    caption="Scores are 0 to 100; rank 1 is the best. Sorted by median rank. Teams above 40 CSMs: only CSMs whose range crosses a tier cut.",
    empty_note="No rank intervals this quarter, or no CSM's range crosses a tier cut.",
)

# %% [markdown]
# ## 5. Manager and model

# %%
present.show_note(notes["ratings"])
present.show_table(
    report.disagreements,
    columns=["name", "model_rating", "manager_rating", "evidence", "manager_rationale"],
    labels={"name": "CSM", "model_rating": "Model", "manager_rating": "Manager", "evidence": "Evidence behind the model's rating",
            "manager_rationale": "Manager's rationale"},
    caption="Disagreements, largest gap first.",
    empty_note="No disagreement between manager and model ratings this quarter.",
)
present.show_svg(report.charts["nine_box"], caption="Names are listed in each box, up to four; the CSM-by-CSM table lists everyone.",
                   empty_note=notes["nine_box"])

# %% [markdown]
# ## 6. Calibration decisions

# %%
present.show_note(notes["decisions"])
present.show_table(
    report.decisions,
    columns=["name", "model_rating", "manager_rating", "final_rating", "is_override", "reason", "decided_by"],
    labels={"name": "CSM", "model_rating": "Model", "manager_rating": "Manager", "final_rating": "Final", "is_override": "Override",
            "reason": "Reason", "decided_by": "Decided by"},
    empty_note="No calibration decisions recorded: final ratings are the manager's, else the model's.",
)

# %% [markdown]
# ## 7. Fairness

# %%
present.show_note(notes["fairness"])
present.show_table(
    report.fairness_impact,
    columns=["column", "group", "outcome", "n", "selected", "rate", "reference_group", "impact_ratio", "below_threshold", "fisher_p"],
    labels={"column": "Attribute", "group": "Group", "outcome": "Outcome", "n": "CSMs", "selected": "With outcome", "rate": "Rate",
            "reference_group": "Highest group", "impact_ratio": "Impact ratio", "below_threshold": "Impact ratio below 0.8", "fisher_p": "Fisher p"},
    formats={"n": "int", "selected": "int", "rate": "percent", "impact_ratio": "ratio", "fisher_p": "ratio"},
    caption=("Groups of fewer than 4 CSMs are not shown. Impact ratio: the group's rate divided by the highest group's rate; "
             "below 0.8 is the four-fifths rule's warning sign. Fisher p: how likely a gap at least this large would be "
             "if ratings did not depend on the group (near 0: hard to explain by chance)."),
    empty_note="No group has 4 or more CSMs, so no rate is shown.",
)
present.show_table(
    report.fairness_hard_books,
    columns=["column", "group", "n", "hard_books", "share_hard", "team_share_hard", "fisher_p"],
    labels={"column": "Attribute", "group": "Group", "n": "CSMs", "hard_books": "Hard books", "share_hard": "Share hard",
            "team_share_hard": "Team share hard", "fisher_p": "Fisher p"},
    formats={"n": "int", "hard_books": "int", "share_hard": "percent", "team_share_hard": "percent", "fisher_p": "ratio"},
    caption="Hard book: expected NRR in the team's bottom third.",
    empty_note="No hard-book spread to show (no group of 4 or more CSMs, or no book-adjusted figures).",
)

# %% [markdown]
# ## 8. Portfolio balance

# %%
present.show_note(notes["balance"])
present.show_svg(report.charts["portfolio"], caption="Each point is a CSM; dashed lines mark the account target and the ARR ceiling. Over-capacity CSMs are named.",
                   empty_note="No book at the end of the period.")
present.show_table(
    report.moves,
    columns=["segment", "account_id", "account_arr", "from_name", "from_accounts_before", "from_accounts_after", "to_name",
             "to_accounts_before", "to_accounts_after", "to_arr_after"],
    labels={"segment": "Segment", "account_id": "Account", "account_arr": "Account ARR", "from_name": "From", "from_accounts_before": "From: accounts before",
            "from_accounts_after": "after", "to_name": "To", "to_accounts_before": "To: accounts before", "to_accounts_after": "after",
            "to_arr_after": "To: ARR after"},
    formats={"segment": "code", "account_arr": "money", "from_accounts_before": "int", "from_accounts_after": "int", "to_accounts_before": "int",
             "to_accounts_after": "int", "to_arr_after": "money"},
    caption="Suggested moves, in the order to make them, with each side's book before and after.",
    empty_note="No rebalancing move is suggested this quarter.",
)
present.show_table(
    report.balance_exceptions,
    columns=["name", "segment", "status", "n_accounts", "target_accounts", "arr", "top_account_share", "at_risk_arr", "at_risk_arr_share"],
    labels={"name": "CSM", "segment": "Segment", "status": "Capacity", "n_accounts": "Accounts owned on the last day", "target_accounts": "Target accounts",
            "arr": "ARR at period end", "top_account_share": "Top account share", "at_risk_arr": "ARR at risk", "at_risk_arr_share": "Share at risk"},
    formats={"segment": "code", "n_accounts": "int", "target_accounts": "int", "arr": "money", "top_account_share": "percent",
             "at_risk_arr": "money", "at_risk_arr_share": "percent"},
    caption="CSMs over or under capacity, most loaded first (at risk: red at period end or flagged at risk for the next renewal).",
    empty_note="Every CSM is within capacity.",
)

# %% [markdown]
# ## 9. CSM by CSM

# %%
present.show_table(
    report.csm_table_display,
    columns=["name", "book", "score", "tier", "final_rating", "strong_weak", "flags", "coaching_focus"],
    labels={"name": "CSM", "book": "Book", "score": "Score (change)", "tier": "Tier", "final_rating": "Final rating",
            "strong_weak": "Strongest / weakest category", "flags": "Flags", "coaching_focus": "Coaching focus"},
    caption="Best score first. Scores 0 to 100; the change is in points since the previous quarter.",
)
present.show_note(notes["training"])
present.show_table(
    report.training_needs,
    columns=["area", "source", "csms", "share_of_team", "who"],
    labels={"area": "Area", "source": "Why", "csms": "CSMs", "share_of_team": "Share of team", "who": "Who"},
    formats={"csms": "int", "share_of_team": "percent"},
    caption="Training needs shared across the team.",
    empty_note="No shared training need this quarter.",
)

# %%
opened.show_record()
