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
# # Tuning the category weights
#
# Interactive; the quarterly batch does not run this notebook. Move a slider and the ranks, ratings and tiers
# of the review quarter change at once, beside what they are under the weights of the params file. The
# backtest below the table shows how well last quarter's score, recomputed with the tried weights, ranked
# each CSM's results in the following quarter; it is descriptive, and with a team of ten its intervals are
# wide. "Save weights" writes a small params file next to the one named below that extends it; run the next
# batch with `calibrate run --params <that file>`.

# %% tags=["parameters"]
params_path = "../params/sample.yaml"

# %%
from IPython.display import display

from calibrate.batch.period import compute_history
from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.present import tuning

params = load_params(params_path)
dataset = load_dataset(params.data_path(), column_map=params.column_map, money_format=params.money_format)
current, previous = compute_history(dataset, params, params.quarter)
session = tuning.TuningSession.from_history(current, previous, params)

# %% [markdown]
# ## The tuner

# %%
tuner = tuning.weight_tuner(session, params_path=params_path)
display(tuner)
