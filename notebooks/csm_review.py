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
# <!-- Per-CSM quarterly review: run by the batch (calibrate run) or on its own with papermill or JupyterLab. It shows only this CSM's figures and team aggregates. -->

# %% tags=["parameters"]
params_path = "params/sample.yaml"  # the params file (found from here or any folder above)
period = ""  # a quarter such as 2026-Q3; empty: the params file's period
csm_id = "CSM-001"  # whose review
data_dir = ""  # a folder of exports; empty: the params file's data_dir
bundle_dir = ""  # a prepared bundle to use as is; empty: reuse the matching one in reports/<period>/bundle or prepare it

# %%
# NBVAL_IGNORE_OUTPUT
from calibrate import present
from calibrate.batch.notebook import open_report
from calibrate.present import narrative as story
from calibrate.present import review as rv

opened = open_report("csm_review", params_path=params_path, period=period, csm_id=csm_id, data_dir=data_dir, bundle_dir=bundle_dir)
review, team = opened.content, opened.team

# %%
# Draft the narrative and stop the report if any number, name or claim is not in this CSM's evidence.
draft = story.draft_narrative(review.evidence)
story.assert_grounded(draft.text, review.evidence, too_short_reason=draft.too_short_reason)
strengths, development = story.strengths_and_development(review.evidence)
plan = story.coaching_plan(review.evidence)

# %%
present.show_title(review.name, review.header["subtitle"])
rv.show_kpi_tiles(review, "header")
rv.show_review_notes(review, "header")

# %% [markdown]
# ## The book and the windows owned

# %%
rv.show_review_table(review.tables["book_shape"])
rv.show_review_table(review.tables["windows"])

# %% [markdown]
# ## Scores

# %%
rv.show_review_notes(review, "scores")
present.show_svg(review.charts["scores_vs_cohort"], caption="Dots: this CSM's scores. Grey ticks: the cohort median (hidden when the cohort is too small).", empty_note="No scores to chart this quarter.")
rv.show_review_table(review.tables["scores"])
present.show_svg(review.charts["score_trend"], caption="Overall score over up to four quarters; dashed lines are the rating cut points.", empty_note="No earlier quarter is on record, so there is no trend to draw.")

# %% [markdown]
# ## 1. Book performance

# %%
rv.show_kpi_tiles(review, "book_performance")
rv.show_review_notes(review, "book_performance")
present.show_svg(review.charts["arr_waterfall"], caption="Starting ARR, each account that moved (largest first, the rest netted), and ARR at the end of each owned window.", empty_note="No ARR bridge to draw: no account counted in this CSM's retention changed ARR this quarter.")
rv.show_review_table(review.tables["book_measures"])
rv.show_review_table(review.tables["renewals"])
rv.show_review_table(review.tables["upcoming_renewals"])
rv.show_review_table(review.tables["accounts"])

# %% [markdown]
# ## 2. Health discipline

# %%
rv.show_kpi_tiles(review, "health_discipline")
rv.show_review_notes(review, "health_discipline")
present.show_svg(review.charts["health_trajectory"], caption="Weekly health of the accounts that were saved, changed band or moved 10 points or more, over the weeks this CSM owned them.", empty_note="No account's health moved enough to chart this quarter.")
rv.show_review_table(review.tables["health_measures"])
rv.show_review_table(review.tables["health_bands"])
rv.show_review_table(review.tables["transitions"])
rv.show_review_table(review.tables["saves"])
rv.show_review_table(review.tables["escalations"])

# %% [markdown]
# ## 3. Customer outcomes

# %%
rv.show_review_table(review.tables["outcome_measures"])
rv.show_review_table(review.tables["outcome_notes"])
rv.show_review_table(review.tables["survey_comments"])

# %% [markdown]
# ## 4. Growth and influence

# %%
rv.show_review_table(review.tables["trend"])
rv.show_review_table(review.tables["influence_notes"])
rv.show_review_table(review.tables["triggers"])

# %% [markdown]
# ## AI-augmented productivity

# %%
rv.show_kpi_tiles(review, "ai")
rv.show_review_notes(review, "ai")
rv.show_review_table(review.tables["ai_measures"])
rv.show_review_table(review.tables["ai_minutes"])

# %% [markdown]
# ## Strengths, development areas and a 30-day plan

# %%
rv.show_review_table(rv.points_table(strengths, "Strength"))
rv.show_review_table(rv.points_table(development, "Development area"))
rv.show_review_table(rv.plan_table(plan))

# %% [markdown]
# ## Draft narrative for the manager to edit

# %%
rv.show_narrative(draft)

# %% [markdown]
# ## Team reference
#
# Quartiles across the team; nobody is named.

# %%
rv.show_team_reference(team)

# %%
opened.show_record()
