"""`calibrate session` and the app notebooks: paired, logic-free, served on localhost with no CDN link."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import pytest

from calibrate.cli import main
from calibrate.present.session import serve

ROOT = Path(__file__).resolve().parents[1]
APPS = ("calibration_session", "weight_tuning")


@pytest.mark.parametrize("name", APPS)
def test_app_notebook_pairs_match_and_hold_no_logic(name):
    py = jupytext.read(str(ROOT / "notebooks" / f"{name}.py"), fmt="py:percent")
    nb = jupytext.read(str(ROOT / "notebooks" / f"{name}.ipynb"))
    assert [c.source for c in py.cells] == [c.source for c in nb.cells]
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "params_path" in tagged[0].source
    for cell in code:
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))


def test_session_notebook_takes_the_report_notebooks_parameters():
    nb = jupytext.read(str(ROOT / "notebooks" / "calibration_session.ipynb"))
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])][0]
    names = {t.id for node in ast.parse(tagged.source).body for t in node.targets}
    assert names == {"params_path", "period", "data_dir"}


def test_voila_is_served_on_localhost_with_the_template_that_has_no_cdn_link(tmp_path):
    command = serve.voila_command(serve.notebook_path("session"), port=8899)
    assert "--Voila.ip=127.0.0.1" in command and "--no-browser" in command and "--template=calibrate" in command
    template = serve.TEMPLATE_ROOT / "voila" / "templates" / "calibrate" / "index.html.j2"
    assert template.is_file() and "http" not in template.read_text(encoding="utf-8").split("-#}", 1)[1]
    env = serve.voila_env(tmp_path / "p.yaml")
    assert env["JUPYTER_PATH"].split(":")[0] == str(serve.TEMPLATE_ROOT)
    assert env["CALIBRATE_SESSION_PARAMS"] == str((tmp_path / "p.yaml").resolve())


def test_session_command_refuses_a_bad_params_file_before_starting_anything(tmp_path, capsys):
    bad = tmp_path / "p.yaml"
    bad.write_text("session:\n  minutes_per_csm: 0\n", encoding="utf-8")
    assert main(["session", "--params", str(bad)]) == 2
    assert "session.minutes_per_csm" in capsys.readouterr().err


def test_resolve_params_path_finds_the_repository_params_from_the_notebooks_folder(monkeypatch):
    from calibrate.present.session import resolve_params_path

    monkeypatch.delenv("CALIBRATE_SESSION_PARAMS", raising=False)
    assert resolve_params_path("", start=ROOT / "notebooks") == ROOT / "params" / "sample.yaml"
    monkeypatch.setenv("CALIBRATE_SESSION_PARAMS", "/somewhere/p.yaml")
    assert resolve_params_path("", start=ROOT / "notebooks") == Path("/somewhere/p.yaml")
    assert resolve_params_path("params/sample.yaml", start=ROOT / "notebooks") == ROOT / "params" / "sample.yaml"
