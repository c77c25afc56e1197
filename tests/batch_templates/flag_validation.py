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
# <!-- Did AI flags predict churn and escalations? (leadership only). Run by the batch (calibrate run). -->

# %% tags=["parameters"]
params_path = ""
period = ""
data_dir = ""
bundle_dir = ""

# %%
from calibrate import present
from calibrate.batch.notebook import open_report

view = open_report("flag_validation", params_path=params_path, period=period, data_dir=data_dir, bundle_dir=bundle_dir).content

# %%
present.show_title("AI flag validation", f"Flags raised in {period}", badge="Leadership only")

# %% [markdown]
# ## Flags raised in the period

# %%
present.show_table(
    view.tables.get("flag_counts"),
    labels={"kind": "Flag kind", "n_flags": "Flags raised"},
    formats={"n_flags": "int"},
    empty_note="No AI flags were supplied (the optional ai_flags table is absent or empty).",
)
