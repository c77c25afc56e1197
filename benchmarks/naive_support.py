"""Support for the naive baseline of ``bench_batch.py`` (benchmark-only code).

The naive way an analyst would work without the batch: one notebook per CSM,
run with the papermill CLI one after another, each loading the data folder and
computing the metrics itself. ``prepare_alone`` is the cell such a notebook
starts with: it loads and validates the folder, computes the whole quarter
(``prepare_period``), and writes a bundle holding this one CSM's slice so the
rest of the review template runs unchanged. It computes only what a review
needs (the quarter and its history, then the reviews), not the leadership
reports' models, so the baseline is not inflated.
"""

from __future__ import annotations

import tempfile
from pathlib import Path


def prepare_alone(params_path: str, data_dir: str, csm_id: str) -> tuple[str, str]:
    from calibrate.batch.period import compute_history
    from calibrate.batch.bundle import write_bundle
    from calibrate.batch.prepare import PreparedBatch
    from calibrate.load import load_dataset
    from calibrate.params import load_params
    from calibrate.present.review import build_csm_reviews

    params = load_params(params_path).replace(data_dir=data_dir)
    dataset = load_dataset(params.data_path(), **params.load_options())
    current, previous = compute_history(dataset, params, params.quarter)
    # draws only this CSM's charts, as the analyst's own notebook would (not every colleague's)
    reviews, team_reference = build_csm_reviews(current, previous, dataset, params, charts_for={csm_id})
    mine = current.scores[current.scores["csm_id"].astype(str) == csm_id]
    alone = PreparedBatch(scores=mine, csm_slices={csm_id: reviews[csm_id]}, team=team_reference, leadership=None)
    bundle = Path(tempfile.mkdtemp(prefix="naive-bundle-"))
    info = write_bundle(alone, bundle, period=params.quarter)
    return str(bundle), info.csm_keys[csm_id]
