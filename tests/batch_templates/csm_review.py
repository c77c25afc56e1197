# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (calibrate)
#     language: python
#     name: calibrate
# ---

# %% [markdown]
# <!-- Per-CSM quarterly review. Run by the batch (calibrate run); loads only this CSM's slice. -->

# %% tags=["parameters"]
params_path = ""
period = ""
csm_id = ""
data_dir = ""
bundle_dir = ""

# %%
from calibrate import present
from calibrate.batch.notebook import open_report

opened = open_report("csm_review", params_path=params_path, period=period, csm_id=csm_id, data_dir=data_dir, bundle_dir=bundle_dir)
review, team = opened.content, opened.team

# %%
present.show_title(review.name, f"Quarterly review, {period}")

# %%
present.show_kpis(
    {"Accounts at period end": review.summary.get("n_accounts"), "Book ARR at period end": review.summary.get("book_arr_t1")},
    formats={"Accounts at period end": "int", "Book ARR at period end": "money"},
)

# %% [markdown]
# ## Book at the end of the period

# %%
present.show_table(
    review.tables["accounts"],
    columns=["name", "segment", "arr_t0", "arr_t1"],
    labels={"name": "Account", "segment": "Segment", "arr_t0": "ARR at start", "arr_t1": "ARR at end"},
    formats={"arr_t0": "money", "arr_t1": "money"},
    empty_note="No accounts were owned at the end of the period.",
)

# %%
present.show_chart(
    present.bar_chart(review.tables["accounts"], x="arr_t1", y="name", x_title="ARR at end of period", y_title="Account", x_format="$,.0f"),
    caption="ARR of each account at the end of the period, largest first.",
)

# %% [markdown]
# ## Team reference
#
# Quartiles across the team; no other person is named.

# %%
present.show_table(
    team.figures,
    labels={"metric": "Measure", "p25": "25th percentile", "median": "Median", "p75": "75th percentile", "n_csms": "CSMs"},
    formats={"p25": "number", "median": "number", "p75": "number", "n_csms": "int"},
)
