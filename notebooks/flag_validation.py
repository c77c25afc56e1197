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
# <!-- Did AI flags predict churn and escalations? (leadership only): run by the batch (calibrate run) or on its own with papermill or JupyterLab. -->

# %% tags=["parameters"]
params_path = "params/sample.yaml"  # the params file (found from here or any folder above)
period = ""  # a quarter such as 2026-Q3; empty: the params file's period
data_dir = ""  # a folder of exports; empty: the params file's data_dir
bundle_dir = ""  # a prepared bundle to use as is; empty: reuse the matching one in reports/<period>/bundle or prepare it

# %%
# NBVAL_IGNORE_OUTPUT
from calibrate import present
from calibrate.batch.notebook import open_report

opened = open_report("flag_validation", params_path=params_path, period=period, data_dir=data_dir, bundle_dir=bundle_dir)
report = opened.content

# %%
present.show_title(report.title, report.subtitle, badge="Leadership only")
present.show_text(report.headline)
present.show_kpis(report.kpis)
present.show_note(report.intro_note, kind=report.intro_kind)

# %% [markdown]
# ## Verdicts

# %%
present.show_table(
    report.verdicts,
    columns=["Flag kind", "Outcome", "Verdict"],
    empty_note="No verdicts: there were no AI flags to judge.",
)
present.show_text(report.kind_summary)
present.show_note(report.notes_text, kind="warning")

# %% [markdown]
# ### The numbers behind each verdict

# %%
present.show_table(
    report.verdicts,
    columns=["Flag kind", "Outcome", "In one sentence"],
    empty_note="No verdicts: there were no AI flags to judge.",
)

# %% [markdown]
# ## The panel: which account-quarters were judged

# %%
present.show_text(report.panel_text)
present.show_table(report.panel, empty_note="No panel: there were no AI flags to judge.")

# %% [markdown]
# ## Alert view: when a flag fired, how often was it right?

# %%
present.show_note(report.alerts_note)
present.show_table(report.alerts, caption="How often a flag was right", empty_note="No alert figures: there were no AI flags to judge.")
present.show_table(report.timing, caption="How early it warned, and the load on CSMs", empty_note="No alert figures: there were no AI flags to judge.")

# %%
present.show_svg(
    report.charts["lift"],
    caption="Lift of each flag kind with its 95% account-bootstrap interval. Right of the dashed line at 1×: flagged accounts had the event more often than the average account.",
    empty_note="No lift chart: there were no AI flags to judge.",
)

# %%
present.show_svg(
    report.charts["lead_time"],
    caption="Days from the latest qualifying flag to each event it warned of (bar: middle half of the events; tick: median).",
    empty_note="No lead times: no event was preceded by a flag.",
)

# %% [markdown]
# ## Model view: do flags add to what health, segment, ARR, tenure and renewal timing already say?

# %%
present.show_note(report.models_note)
present.show_table(report.tested, caption="What the models were tested on (rolling origin: each quarter predicted by a model trained on earlier quarters only)", empty_note="No model could be judged: too few events in the tested quarters.")
present.show_table(report.models, caption="Model quality on the tested quarters, with 95% account-bootstrap intervals", empty_note="No model could be judged: too few events in the tested quarters.")

# %%
present.show_svg(
    report.charts["reliability"],
    caption="Reliability: observed event rate against the predicted probability, in ten bins of equal size, for the baseline M0 and the flag model with the highest AUC. Points on the dashed diagonal are well calibrated.",
    empty_note="No reliability curve: no model could be judged.",
)

# %% [markdown]
# ## What CSMs did with the flags (descriptive, not causal)

# %%
present.show_note(report.response_note, kind="warning")
present.show_table(report.response, empty_note="No response figures: there were no AI flags to judge.")

# %% [markdown]
# ## Score validity: did last quarter's scores come before better results? (descriptive)

# %%
present.show_note(report.validity_note, kind="warning")
present.show_text(report.validity_summary)
present.show_table(report.validity, empty_note="Score validity needs at least two scored quarters in a row.")

# %%
opened.show_record()
