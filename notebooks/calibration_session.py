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
# # Calibration session
#
# The meeting itself: pick a CSM from the queue (disagreements first), read the card, set the final rating
# with a reason and a comment. Each decision is saved to the decisions file and its audit log the moment it
# is recorded, and the distribution, fairness and queue update at once. Serve it with
# `calibrate session --params params/sample.yaml`, or Run All here. Empty parameters mean: the params file
# `calibrate session` was started with, else `params/sample.yaml`; its period and data folder.

# %% tags=["parameters"]
params_path = ""
period = ""
data_dir = ""

# %%
from IPython.display import display

from calibrate.present import session

state, app = session.open_session(params_path, period=period, data_dir=data_dir)
display(app)
