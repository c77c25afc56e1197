import ast

import pytest

from calibrate.batch.notebook import PARAMETERS
from calibrate.batch.templates import TEMPLATES, default_templates_dir, read_template
from calibrate.errors import ReportError

LOGIC = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.While, ast.If, ast.IfExp,
         ast.Try, ast.With, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_has_a_parameters_cell_and_no_logic(name):
    nb = read_template(name)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    tree = ast.parse(code)
    found = [type(node).__name__ for node in ast.walk(tree) if isinstance(node, LOGIC)]
    assert found == [], f"{name} holds logic: {found}"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    # What open_report accepts (and refuses beyond) is what the notebook's parameters cell declares.
    assigned = [t.id for node in ast.parse(params[0].source).body for t in node.targets]
    assert tuple(assigned) == PARAMETERS[name]
    assert ("csm_id" in assigned) == TEMPLATES[name].per_csm


def test_per_csm_template_never_loads_the_leadership_view():
    source = (default_templates_dir() / "csm_review.py").read_text()
    assert "load_leadership" not in source and 'open_report("csm_review"' in source


def test_missing_template_says_where_it_looked(tmp_path):
    with pytest.raises(ReportError, match="csm_review"):
        read_template("csm_review", templates_dir=tmp_path)


def test_template_without_parameters_cell_is_refused(tmp_path):
    (tmp_path / "csm_review.py").write_text("# %%\nx = 1\n")
    with pytest.raises(ReportError, match="parameters"):
        read_template("csm_review", templates_dir=tmp_path)
