import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from calibrate.present.display import kpis_html, title_html
from calibrate.present.escape import find_remote_references
from calibrate.present.html import TITLE_METADATA_KEY, notebook_title, notebook_to_html, page_html


def _executed_notebook():
    header = new_output(
        "display_data",
        data={"text/html": title_html('<script>x</script> Ana', "Quarterly review"), "text/plain": "<HTML>"},
        metadata={TITLE_METADATA_KEY: '<script>x</script> Ana'},
    )
    cells = [
        new_markdown_cell("# Template heading\n\nSome prose."),
        new_code_cell("SECRET_CODE_MARKER = load_everything()", outputs=[header], execution_count=1),
        new_code_cell(
            "js()",
            outputs=[
                new_output("display_data", data={"application/javascript": "alert(1)", "text/plain": "js"}),
                new_output("display_data", data={"application/vnd.vegalite.v5+json": {}, "text/html": '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'}),
                new_output("stream", name="stderr", text="FutureWarning: STDERR_MARKER"),
                new_output("execute_result", data={"text/plain": "PLAIN_OUTPUT_MARKER"}, execution_count=2),
            ],
            execution_count=2,
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


def test_code_prompts_scripts_and_remote_resources_are_gone():
    page = notebook_to_html(_executed_notebook())
    assert "SECRET_CODE_MARKER" not in page and "js()" not in page
    assert "In&nbsp;[" not in page and "Out[" not in page
    assert "<script" not in page.lower()
    assert find_remote_references(page) == []
    assert "STDERR_MARKER" not in page
    assert "PLAIN_OUTPUT_MARKER" in page and "Some prose." in page
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page


def test_title_comes_from_the_notebook_and_is_escaped():
    page = notebook_to_html(_executed_notebook())
    assert "<title>&lt;script&gt;x&lt;/script&gt; Ana</title>" in page


def test_title_fallbacks():
    nb = new_notebook(cells=[new_markdown_cell("intro"), new_markdown_cell("# Heading title")])
    assert notebook_title(nb) == "Heading title"
    nb.metadata["title"] = "Metadata title"
    assert notebook_title(nb) == "Metadata title"
    assert notebook_title(new_notebook(), default_title="Fallback") == "Fallback"


def test_reads_a_path(tmp_path):
    path = tmp_path / "x.ipynb"
    nbformat.write(_executed_notebook(), str(path))
    assert "PLAIN_OUTPUT_MARKER" in notebook_to_html(path)


def test_page_and_kpis_escape_text():
    page = page_html('<t>', "<p>body</p>", footer="<f>")
    assert "<title>&lt;t&gt;</title>" in page and "&lt;f&gt;" in page
    tiles = kpis_html({"<label>": 1200.0, "Name": "<b>"}, formats={"<label>": "money"})
    assert "$1,200" in tiles and "&lt;label&gt;" in tiles and "&lt;b&gt;" in tiles
