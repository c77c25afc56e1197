"""The team calibration notebook renders end to end on the sample; missing optional data shows as notes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.present.team import build_team_report
from calibrate.scoring import compute_period

from sample_truths import readme_scenarios

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample():
    params = load_params(ROOT / "params" / "sample.yaml")
    dataset = load_dataset(ROOT / "data" / "sample")
    current = compute_period(dataset, params, triggers=True)
    previous = [compute_period(dataset, params, q, triggers=False) for q in current.period.previous(2)]
    return params, dataset, current, previous


def _render(report, out_dir: Path) -> str:
    import papermill

    from calibrate.batch.execute import resolve_kernel_name
    from calibrate.present.html import notebook_to_html

    from calibrate.batch.bundle import write_bundle
    from calibrate.batch.prepare import PreparedBatch
    from calibrate.periods import parse_period
    from calibrate.present.bundle import template_path

    bundle = out_dir / "bundle"
    prepared = PreparedBatch(scores=report.scores_table, csm_slices={}, team=None,
                             leadership={"team_calibration": report, "flag_validation": None})
    write_bundle(prepared, bundle, period=parse_period(report.period))
    template = template_path(bundle, "team_calibration")
    executed = out_dir / "team_calibration.ipynb"
    kernel, _ = resolve_kernel_name("calibrate")
    papermill.execute_notebook(str(template), str(executed), parameters={"bundle_dir": str(bundle), "period": report.period},
                               kernel_name=kernel, progress_bar=False, log_output=False)
    return notebook_to_html(executed, default_title="Team calibration")


def test_notebook_renders_every_section_on_the_sample(sample, tmp_path):
    params, dataset, current, previous = sample
    report = build_team_report(current, previous, dataset, params, decisions=None)
    page = _render(report, tmp_path)
    for heading in ("Team at a glance", "Distribution of scores and ratings", "Performance against the book", "Ranking with uncertainty",
                    "Manager and model", "Calibration decisions", "Fairness", "Portfolio balance", "CSM by CSM"):
        assert heading in page
    assert page.count("<svg") >= 7
    _, inheritor = readme_scenarios(ROOT / "data" / "sample")["inherited_book"]
    assert inheritor in page and "inherited book" in page and "concentrated book" in page
    assert "Traceback" not in page and "Error" not in page


def test_missing_optional_tables_become_notes(sample):
    params, dataset, current, previous = sample
    tables = dict(dataset.tables)
    tables["manager_ratings"] = None
    tables["csms"] = tables["csms"].drop(columns=list(dataset.group_columns))
    bare = dataclasses.replace(dataset, tables=tables)
    report = build_team_report(current, [], bare, params, decisions=None)
    assert report.nine_box is None and "no nine-box" in report.notes["nine_box"]
    assert "absent" in report.notes["ratings"]
    assert report.fairness is None and "no group_* column" in report.notes["fairness"]
    assert report.previous_period is None and "no earlier quarter" in report.notes["glance"]
    assert report.disagreements.empty
