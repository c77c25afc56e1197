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
# # Tuning the category weights
#
# Interactive; the quarterly batch does not run this notebook. Move a slider and the ranks, ratings and tiers
# of the review quarter change at once, beside what they are under the weights of the params file. The
# backtest below the table shows how well last quarter's score, recomputed with the tried weights, ranked
# each CSM's results in the following quarter; it is descriptive, and with a team of ten its intervals are
# wide. "Save weights" writes a small params file, `local-<name>.yaml`, next to the params file it extends,
# and prints the command that runs the next batch with it. Serve it to others with
# `calibrate session --app tuning --params params/sample.yaml`. An empty `params_path` means: the file
# `calibrate session` was started with, else `params/sample.yaml`.

# %% tags=["parameters"]
params_path = ""

# %%
from IPython.display import display

from calibrate.batch.period import compute_history
from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.present import tuning
from calibrate.present.session import resolve_params_path

params_path = resolve_params_path(params_path)
params = load_params(params_path)
dataset = load_dataset(params.data_path(), column_map=params.column_map, money_format=params.money_format)
current, previous = compute_history(dataset, params, params.quarter)
session = tuning.TuningSession.from_history(current, previous, params)

# %% [markdown]
# ## The tuner

# %%
tuner = tuning.weight_tuner(session, params_path=params_path)
display(tuner)
