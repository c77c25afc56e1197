"""An adversarial suite: bad exports and params, each refused with exit 2, named exactly, and nothing written.

Every case starts from a copy of data/sample, breaks one thing the way real
exports and hand-edited files break, and runs `calibrate validate` and
`calibrate run` through the command line entry point. The refusal must name
the file (and the row a person sees in an editor and the column, where one
cell is at fault); nothing may be written and the data folder must be left
as it was.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from calibrate.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


# ---------------------------------------------------------------- helpers that break one file


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(table: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Row ``row`` is the data row number as an editor shows it (header = line 1)."""
    def apply(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        rows[row - 1][rows[0].index(column)] = value
        _write(folder / f"{table}.csv", rows)
    return apply


def drop_column(table: str, column: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        i = rows[0].index(column)
        _write(folder / f"{table}.csv", [r[:i] + r[i + 1:] for r in rows])
    return apply


def duplicate_column(table: str, column: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        i = rows[0].index(column)
        _write(folder / f"{table}.csv", [r + [r[i]] for r in rows])
    return apply


def replace_file(table: str, text: str | bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return apply


def header_only(table: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        _write(folder / f"{table}.csv", rows[:1])
    return apply


def duplicate_row(table: str, row: int) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        rows.insert(row, list(rows[row - 1]))
        _write(folder / f"{table}.csv", rows)
    return apply


def remove_file(table: str) -> Callable[[Path], None]:
    return lambda folder: (folder / f"{table}.csv").unlink()


def directory_instead(table: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / f"{table}.csv").unlink()
        (folder / f"{table}.csv").mkdir()
    return apply


def symlink_outside(table: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        secret = folder.parent / "secret.txt"
        secret.write_text("TOP-SECRET-LINE,should,never,be,quoted\n")
        (folder / f"{table}.csv").unlink()
        (folder / f"{table}.csv").symlink_to(secret)
    return apply


def reencode(table: str, encoding: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_bytes(path.read_text(encoding="utf-8").replace(old, new, 1).encode(encoding))
    return apply


def resave(table: str, **fmt) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        rows = _rows(folder / f"{table}.csv")
        with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n", **fmt).writerows(rows)
    return apply


def prepend_line(table: str, line: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_text(line + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return apply


def blank_line_then_bad_cell(table: str, blank_at: int, bad_line: int, column: str, value: str) -> Callable[[Path], None]:
    """A blank line at editor line ``blank_at``, then a bad cell at editor line ``bad_line`` (counted with the blank)."""
    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").split("\n")
        lines.insert(blank_at - 1, "")
        header = next(csv.reader([lines[0]]))
        cells = next(csv.reader([lines[bad_line - 1]]))
        cells[header.index(column)] = value
        import io
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        lines[bad_line - 1] = buf.getvalue()
        path.write_text("\n".join(lines), encoding="utf-8")
    return apply


# ---------------------------------------------------------------- the cases: (id, break, file, row, column)

REQUIRED = ("csms", "accounts", "ownership", "arr", "health", "activities")
CASES: list[tuple[str, Callable[[Path], None], str, int | None, str | None]] = []
for _t in REQUIRED:
    CASES.append((f"{_t}-empty-file", replace_file(_t, ""), f"{_t}.csv", None, None))
    CASES.append((f"{_t}-missing", remove_file(_t), _t, None, None))
    CASES.append((f"{_t}-directory", directory_instead(_t), _t, None, None))
for _t, _c in (("csms", "csm_id"), ("accounts", "account_id"), ("ownership", "start_date"), ("arr", "arr"),
               ("health", "score"), ("activities", "occurred_at"), ("csms", "segment"), ("arr", "month")):
    CASES.append((f"{_t}-without-{_c}", drop_column(_t, _c), f"{_t}.csv", None, _c))
for _t, _c in (("csms", "name"), ("accounts", "segment"), ("arr", "arr"), ("health", "score")):
    CASES.append((f"{_t}-{_c}-twice", duplicate_column(_t, _c), f"{_t}.csv", None, _c))
CASES += [
    ("arr-text-in-money", set_cell("arr", 5, "arr", "twelve thousand"), "arr.csv", 5, "arr"),
    ("arr-negative", set_cell("arr", 7, "arr", "-1200"), "arr.csv", 7, "arr"),
    ("arr-nan", set_cell("arr", 8, "arr", "nan"), "arr.csv", 8, "arr"),
    ("arr-infinity", set_cell("arr", 9, "arr", "inf"), "arr.csv", 9, "arr"),
    ("arr-month-impossible", set_cell("arr", 10, "month", "2026-13-01"), "arr.csv", 10, "month"),
    ("health-score-above-100", set_cell("health", 12, "score", "180"), "health.csv", 12, "score"),
    ("health-score-text", set_cell("health", 13, "score", "green"), "health.csv", 13, "score"),
    ("health-date-impossible", set_cell("health", 14, "date", "2026-02-30"), "health.csv", 14, "date"),
    ("csms-hire-date-garbage", set_cell("csms", 3, "hire_date", "last spring"), "csms.csv", 3, "hire_date"),
    ("csms-left-before-hired", set_cell("csms", 4, "left_date", "1999-01-01"), "csms.csv", 4, "left_date"),
    ("csms-empty-id", set_cell("csms", 5, "csm_id", ""), "csms.csv", 5, "csm_id"),
    ("csms-duplicate-id", duplicate_row("csms", 3), "csms.csv", None, "csm_id"),
    ("accounts-duplicate-id", duplicate_row("accounts", 4), "accounts.csv", None, "account_id"),
    ("ownership-unknown-csm", set_cell("ownership", 6, "csm_id", "CSM-999"), "ownership.csv", 6, "csm_id"),
    ("ownership-unknown-account", set_cell("ownership", 6, "account_id", "ACC-999999"), "ownership.csv", 6, "account_id"),
    ("ownership-ends-before-start", set_cell("ownership", 7, "end_date", "2001-01-01"), "ownership.csv", 7, "end_date"),
    ("arr-unknown-account", set_cell("arr", 11, "account_id", "ACC-999999"), "arr.csv", 11, "account_id"),
    ("activities-unknown-kind", set_cell("activities", 9, "kind", "carrier pigeon"), "activities.csv", 9, "kind"),
    ("activities-minutes-negative", set_cell("activities", 10, "customer_facing_minutes", "-30"), "activities.csv", 10, "customer_facing_minutes"),
    ("activities-bool-garbage", set_cell("activities", 11, "ai_assisted", "perhaps"), "activities.csv", 11, "ai_assisted"),
    ("renewals-unknown-outcome", set_cell("renewals", 4, "outcome", "maybe"), "renewals.csv", 4, "outcome"),
    ("renewals-notice-after-renewal", set_cell("renewals", 5, "notice_date", "2030-01-01"), "renewals.csv", 5, "notice_date"),
    ("surveys-nps-out-of-range", set_cell("surveys", 6, "score", "11"), "surveys.csv", 6, "score"),
    ("surveys-unknown-kind", set_cell("surveys", 7, "kind", "likert"), "surveys.csv", 7, "kind"),
    ("tickets-bad-timestamp", set_cell("tickets", 8, "opened_at", "yesterday"), "tickets.csv", 8, "opened_at"),
    ("csm-name-nul", set_cell("csms", 2, "name", "Imogen\x00Whistlecombe"), "csms.csv", 2, "name"),
    ("csm-name-vertical-tab", set_cell("csms", 3, "name", "Avery\x0bQuibbleton"), "csms.csv", 3, "name"),
    ("csm-id-line-break", set_cell("csms", 4, "csm_id", "CSM-\r\n004"), "csms.csv", 4, "csm_id"),
    ("segment-line-break", set_cell("accounts", 8, "segment", "mid\nmarket"), "accounts.csv", 8, "segment"),
    ("account-name-escape", set_cell("accounts", 5, "name", "Acme\x1b[31m Corp"), "accounts.csv", 5, "name"),
    ("account-id-tab", set_cell("accounts", 6, "account_id", "ACC-\t7"), "accounts.csv", 6, "account_id"),
    ("csm-name-100kb", set_cell("csms", 6, "name", "N" * 100_000), "csms.csv", 6, "name"),
    ("account-name-1mb", set_cell("accounts", 7, "name", "A" * 1_000_000), "accounts.csv", 7, "name"),
    ("semicolon-delimiter", resave("accounts", delimiter=";"), "accounts.csv", None, None),
    ("tab-delimiter", resave("health", delimiter="\t"), "health.csv", None, None),
    ("title-line-above-header", prepend_line("ownership", "Ownership export, 1 October 2026"), "ownership.csv", None, None),
    ("windows-1252", reencode("csms", "cp1252", "Imogen", "Ìmogen"), "csms.csv", None, None),
    ("utf-16", reencode("accounts", "utf-16", "x", "x"), "accounts.csv", None, None),
    ("binary-garbage", replace_file("arr", bytes(range(256)) * 40), "arr.csv", None, None),
    ("symlink-out-of-folder", symlink_outside("health"), "health.csv", None, None),
    ("header-only-csms", header_only("csms"), "csms", None, None),
    ("decisions-unknown-csm", lambda folder: (folder / "calibration_decisions.csv").write_text(
        "csm_id,final_rating,reason,decided_by\nCSM-001,meets,,VP of CS\nCSM-404,exceeds,great quarter,VP of CS\n"),
     "calibration_decisions.csv", 3, "csm_id"),
    ("decisions-unknown-rating", lambda folder: (folder / "calibration_decisions.csv").write_text(
        "csm_id,final_rating,reason,decided_by\nCSM-002,amazing,because,VP of CS\n"),
     "calibration_decisions.csv", 2, "final_rating"),
    ("row-number-after-a-blank-line", blank_line_then_bad_cell("arr", 3, 9, "arr", "-5"), "arr.csv", 9, "arr"),
    ("formula-in-an-id", set_cell("csms", 7, "csm_id", "=HYPERLINK(\"http://evil.example\")"), "csms", None, None),
]


def _fingerprint(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or path.is_file():
            stat = path.lstat()
            out[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pristine") / "data"
    shutil.copytree(SAMPLE, folder)
    return folder


def test_there_are_at_least_sixty_distinct_bad_inputs():
    assert len({c[0] for c in CASES}) == len(CASES) >= 60


@pytest.mark.parametrize("case, breaker, file, row, column", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_exactly_and_nothing_is_written(case, breaker, file, row, column, pristine, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(pristine, data, symlinks=True)
    breaker(data)
    before = _fingerprint(data)
    out = tmp_path / "reports"
    code = main(["validate", str(data)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert file in err, err[:2000]
    if row is not None:
        assert f"row {row}" in err, err[:2000]
    if column is not None:
        assert column in err, err[:2000]
    assert "Traceback" not in err and "TOP-SECRET-LINE" not in err  # never quote what a link points at
    code = main(["run", "--params", str(ROOT / "params" / "sample.yaml"), "--data", str(data), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert not out.exists()  # nothing written
    assert _fingerprint(data) == before  # the data folder is left as it was


PARAM_CASES = [
    ("unknown-key", "scoring:\n  wieghts:\n    retention: 1\n", "wieghts"),
    ("weight-text", "scoring:\n  weights:\n    retention: heavy\n", "retention"),
    ("weight-negative", "scoring:\n  weights:\n    retention: -1\n", "retention"),
    ("weights-all-zero", "scoring:\n  weights:\n    retention: 0\n    expansion: 0\n    health: 0\n    engagement: 0\n"
                         "    satisfaction: 0\n    efficiency: 0\n    ai_productivity: 0\n", "weight"),
    ("target-nan", "scoring:\n  targets:\n    nrr: nan\n", "finite"),
    ("repeated-key", "period: 2026-Q3\nperiod: 2026-Q2\n", "given twice"),
    ("bad-period", "period: 2026-Q5\n", "period"),
    ("missing-extends", None, "does not exist"),
    ("extends-loop", "LOOP", "extends itself"),
    ("not-yaml", "scoring: [unclosed\n", "not valid YAML"),
]


@pytest.mark.parametrize("case, body, expected", PARAM_CASES, ids=[c[0] for c in PARAM_CASES])
def test_bad_params_are_refused_with_what_to_fix(case, body, expected, tmp_path, capsys):
    path = tmp_path / "p.yaml"
    if body is None:
        path.write_text("extends: nowhere/base.yaml\n")
    elif body == "LOOP":
        (tmp_path / "a.yaml").write_text("extends: p.yaml\n")
        path.write_text("extends: a.yaml\n")
    else:
        path.write_text(f"extends: {ROOT / 'params' / 'sample.yaml'}\n" + body)
    out = tmp_path / "reports"
    code = main(["run", "--params", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "Traceback" not in err, err[:2000]
    assert not out.exists()
