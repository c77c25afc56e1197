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
# <!-- Cross-team calibration report (leadership only). Run by the batch (calibrate run). -->

# %% tags=["parameters"]
params_path = ""
period = ""
data_dir = ""
bundle_dir = ""

# %%
from calibrate import present
from calibrate.batch.notebook import open_report

view = open_report("team_calibration", params_path=params_path, period=period, data_dir=data_dir, bundle_dir=bundle_dir).content

# %%
present.show_title("Team calibration", f"All CSMs, {period}", badge="Leadership only")

# %% [markdown]
# ## Every CSM's book

# %%
present.show_table(
    view.scores,
    columns=["csm_id", "name", "segment", "n_accounts", "book_arr_t0", "book_arr_t1"],
    labels={"csm_id": "CSM id", "name": "CSM", "segment": "Segment", "n_accounts": "Accounts", "book_arr_t0": "Book ARR at start", "book_arr_t1": "Book ARR at end"},
    formats={"n_accounts": "int", "book_arr_t0": "money", "book_arr_t1": "money"},
)

# %%
present.show_chart(
    present.bar_chart(view.scores, x="book_arr_t1", y="name", x_title="Book ARR at end of period", y_title="CSM", x_format="$,.0f"),
    caption="Book ARR per CSM at the end of the period.",
)
