"""``docs/TABLES.md``, written from the contract as code so the two can never disagree.

    python -m calibrate.contract_doc > docs/TABLES.md

``tests/test_contract_doc.py`` fails when the committed page differs from
what this prints (after a change in ``contract.py`` or an output's columns).
"""

from __future__ import annotations

from .contract import TABLES
from .measures import MEASURES

__all__ = ["contract_markdown"]

_INTRO = """# Data contract

What the workbook reads and what it writes. This page is generated from the
code (`calibrate/contract.py` and the output writers) by
`python -m calibrate.contract_doc`; a test fails when it falls behind.

## Input tables

A data folder holds one file per table, `<table>.csv` or `<table>.parquet`.
Required tables must be present; optional ones may be left out (the reports
then say what they cannot show). Every cell is checked; a refusal names the
file, the row a person sees in an editor and the column, and nothing is
written. Column names can be mapped in params (`column_map`).

Kinds: `id` a non-empty identifier; `label` a non-empty short label; `text`
free text; `date` an ISO date (2026-07-01);
`timestamp` an ISO timestamp; `month` the first day of a month or YYYY-MM;
`money` a number of dollars; `number` a number; `bool` true/false, 1/0 or
yes/no; `enum` one of the listed values; `period` a quarter such as 2026-Q3.
"""

_OUTPUTS = """
## Output files

`calibrate run` writes into `reports/<period>/` (one calibration per folder:
one params hash and one set of input files, both in `manifest.json`):

| file | what it holds |
|---|---|
| `index.html` | every report of the run, its status, the params hash and input fingerprint |
| `csm/<csm_id>.html` | one CSM's review (only that CSM's figures and team aggregates) |
| `team_calibration.html`, `flag_validation.html` | leadership reports (every CSM) |
| `scores.csv` | one row per CSM, columns below |
| `team_statistics.csv` | one row per CSM: the team report's statistics (docs/STATISTICS.md) |
| `flag_validation.csv` | one row per AI flag kind, outcome and horizon |
| `facts/<csm_id>.json` | every figure of one review with label and unit (docs/FACTS.md) |
| `notebooks/*.ipynb` | the executed notebooks, re-runnable on the kept bundle |
| `bundle/` | the prepared data the notebooks read (docs/BUNDLE.md) |
| `manifest.json` | provenance: inputs and their hashes, params, versions, every report's status |

Every CSV is written atomically, with the user's umask, and formula-safe: a
text cell that would start a spreadsheet formula (`=`, `+`, `-`, `@`, tab,
carriage return) gets a leading single quote; numbers stay numbers. A value
that cannot be computed is an empty cell, never 0. Ratios are fractions
(1.05 is 105%); money is in dollars.
"""


def _columns_table(columns) -> list[str]:
    lines = ["| column | label | unit |", "|---|---|---|"]
    for name in columns:
        label, unit = MEASURES.get(name, ("", ""))
        lines.append(f"| `{name}` | {label} | {unit} |")
    return lines


def contract_markdown() -> str:
    """The whole page (see the module docstring)."""
    from .models.command import FLAG_VALIDATION_COLUMNS
    from .models.team_stats import TEAM_STATISTICS_COLUMNS
    from .scoring.command import SCORES_CONTRACT_COLUMNS

    out = [_INTRO]
    for spec in TABLES.values():
        out.append(f"### `{spec.name}` ({'required' if spec.required else 'optional'})\n")
        out.append(f"Key: {', '.join(f'`{k}`' for k in spec.key)}.")
        if spec.foreign_keys:
            out.append(" Links: " + "; ".join(f"`{fk.column}` -> `{fk.table}.{fk.target}`" for fk in spec.foreign_keys) + ".")
        if spec.date_order:
            out.append(" Date order: " + "; ".join(f"`{a}` {'<' if strict else '<='} `{b}`" for a, b, strict in spec.date_order) + ".")
        if spec.notes:
            out.append(f" {spec.notes}")
        out.append("\n\n| column | kind | required | valid values |\n|---|---|---|---|")
        for col in spec.columns:
            out.append(f"\n| `{col.name}` | {col.kind} | {'yes' if col.required else ''} | {col.expectation()} |")
        out.append("\n\n")
    out.append(_OUTPUTS)
    out.append("\n### `scores.csv`\n\nThe contract columns first, in this order (further columns may follow):\n\n")
    out.append("\n".join(_columns_table(SCORES_CONTRACT_COLUMNS)) + "\n")
    out.append("\n### `team_statistics.csv`\n\n" + ", ".join(f"`{c}`" for c in TEAM_STATISTICS_COLUMNS) + "\n")
    out.append("\n### `flag_validation.csv`\n\n" + ", ".join(f"`{c}`" for c in FLAG_VALIDATION_COLUMNS) + "\n")
    return "".join(out)


if __name__ == "__main__":
    print(contract_markdown(), end="")
