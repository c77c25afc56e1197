"""docs/TABLES.md is the page `python -m calibrate.contract_doc` prints: the contract and its page never drift apart."""

from pathlib import Path

from calibrate.contract import TABLES
from calibrate.contract_doc import contract_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "TABLES.md"


def test_the_committed_page_is_the_generated_one():
    assert DOC.read_text(encoding="utf-8") == contract_markdown(), (
        "docs/TABLES.md is out of date: run `python -m calibrate.contract_doc > docs/TABLES.md`")


def test_every_table_and_column_of_the_contract_is_on_the_page():
    page = DOC.read_text(encoding="utf-8")
    for spec in TABLES.values():
        assert f"### `{spec.name}`" in page
        for column in spec.columns:
            assert f"| `{column.name}` |" in page


def test_no_source_file_points_at_a_design_note_outside_the_repository():
    import re

    root = Path(__file__).resolve().parents[1]
    outside = re.compile(r"(?<!docs/)\b(?:DATA-CONTRACT|METRICS|HOUSE-STYLE|DOMAIN)\.md\b")
    offenders = []
    for path in list((root / "src" / "calibrate").rglob("*.py")) + list((root / "notebooks").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if outside.search(line):
                offenders.append(f"{path.relative_to(root)}:{number}")
    for path in (root / "docs").glob("*.md"):
        if outside.search(path.read_text(encoding="utf-8").replace("docs/", "")) and path.name != "TABLES.md":
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"(?<![/\w])(?:HOUSE-STYLE|DOMAIN)\.md", line):
                    offenders.append(f"{path.relative_to(root)}:{number}")
    assert not offenders, offenders
