"""notebooks/weight_tuning.py runs headless and offline on the sample; the session matches the batch scores."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import papermill
import pytest

from calibrate.batch.period import compute_history
from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.present.tuning import TuningSession

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "weight_tuning.py"
SAMPLE_PARAMS = ROOT / "params" / "sample.yaml"


def test_notebook_holds_no_definitions_and_one_parameters_cell():
    nb = jupytext.read(str(NOTEBOOK), fmt="py:percent")
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and "params_path" in tagged[0].source
    for cell in code:
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))


@pytest.mark.slow
def test_notebook_executes_headless_on_the_sample(tmp_path):
    nb = jupytext.read(str(NOTEBOOK), fmt="py:percent")
    nb.metadata.pop("jupytext", None)
    source = tmp_path / "weight_tuning.ipynb"
    nbformat.write(nb, str(source))
    out = tmp_path / "weight_tuning.out.ipynb"
    papermill.execute_notebook(str(source), str(out), parameters={"params_path": str(SAMPLE_PARAMS)},
                               kernel_name="calibrate", cwd=str(tmp_path), progress_bar=False)
    done = nbformat.read(str(out), as_version=4)
    outputs = [o for cell in done.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    # Running the notebook writes nothing next to the params file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weight_tuning.ipynb", "weight_tuning.out.ipynb"]


@pytest.fixture(scope="module")
def sample_history():
    params = load_params(SAMPLE_PARAMS)
    dataset = load_dataset(params.data_path(), **params.load_options())
    current, previous = compute_history(dataset, params, params.quarter)
    return params, current, previous


def test_on_the_sample_the_params_weights_reproduce_the_batch_scores(sample_history):
    params, current, previous = sample_history
    session = TuningSession.from_history(current, previous, params)
    table = session.rescore(params.scoring.weights.as_dict()).set_index("csm_id")
    scores = current.scores.set_index(current.scores["csm_id"].astype(str))
    np.testing.assert_allclose(table["overall_score"].reindex(scores.index).to_numpy(float),
                               scores["overall_score"].to_numpy(float))
    assert table["rank"].reindex(scores.index).tolist() == scores["rank"].astype(int).tolist()
    assert table["tier"].reindex(scores.index).tolist() == scores["tier"].tolist()
    validity = session.validity(params.scoring.weights.as_dict())
    assert len(validity) == 3 and (validity["n"] > 0).all()
