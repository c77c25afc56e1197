"""The report-wide consistency check reads the rendered pages and fails the one report that disagrees."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from calibrate.batch import run_batch
from calibrate.batch.factcheck import check_review, check_team_page, parse_figure, read_page
from calibrate.batch.period import prepare_period
from calibrate.params import load_params

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
VICTIM = "CSM-002"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    params = load_params(ROOT / "params" / "sample.yaml")
    out = tmp_path_factory.mktemp("reports")
    result = run_batch(params, out_dir=out, workers=2, progress=False)
    return result, out / params.quarter.label


def _facts(period_dir: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((period_dir / "facts").glob("*.json"))}


def test_every_sample_report_agrees_with_its_facts(sample_run):
    result, period_dir = sample_run
    assert result.ok, [(s.job_id, s.error) for s in result.failed]
    facts = _facts(period_dir)
    manifest = json.loads((period_dir / "manifest.json").read_text())
    assert {f"facts/{k}.json" for k in facts} <= set(manifest["files"])  # listed in the manifest
    scores = pd.read_csv(period_dir / "scores.csv")
    assert sorted(facts) == sorted(scores["csm_id"])
    for csm_id, fact in facts.items():
        page = (period_dir / "csm" / f"{csm_id}.html").read_text()
        assert check_review(page, fact) == [], csm_id
        assert len(read_page(page).tiles) >= 15  # the check saw the tiles it is meant to check
        # the fact file counts the live book: its account list, its count and scores.csv agree
        row = scores.set_index("csm_id").loc[csm_id]
        assert len(fact["accounts"]["book"]) == fact["figures"]["n_accounts"]["value"] == row["n_accounts"]
    assert check_team_page((period_dir / "team_calibration.html").read_text(), scores.to_dict("records"), facts) == []


def test_a_planted_wrong_figure_is_named_with_both_values_and_where(sample_run):
    _, period_dir = sample_run
    fact = _facts(period_dir)[VICTIM]
    page = (period_dir / "csm" / f"{VICTIM}.html").read_text()
    n = fact["figures"]["n_accounts"]["value"]
    tile = f'<span class="kpi-value">{n} accounts</span><span class="kpi-label">Accounts at quarter end'
    assert tile in page
    wrong = page.replace(tile, tile.replace(f">{n} accounts<", f">{n + 1} accounts<"))
    problems = check_review(wrong, fact)
    assert len(problems) == 1
    text = str(problems[0])
    assert "Accounts at quarter end" in text and f'"{n + 1} accounts"' in text and str(n) in text and "tile" in text

    grr = fact["figures"]["grr"]["value"]
    shown = f"{grr * 100:,.1f}%"
    off = f"{grr * 100 + 0.4:,.1f}%"  # a rounding of another number: one GRR on the page, never two
    problems = check_review(page.replace(f">{shown}<", f">{off}<", 1), fact)
    assert problems and problems[0].figure.startswith("Gross revenue retention")

    note = re.search(r"Book at quarter end: (\d+) accounts", page).group(0)
    problems = check_review(page.replace(note, note.replace(f" {n} ", f" {n - 1} ")), fact)
    assert [p.where for p in problems] == [f"review, note under the header"]


def test_the_batch_fails_only_the_report_that_disagrees(tmp_path):
    """Removing the check from the batch makes this test fail: the disagreeing page would be published."""
    params = load_params(ROOT / "params" / "sample.yaml")

    def prepare_with_one_wrong_fact(dataset, ps, period):
        prepared = prepare_period(dataset, ps, period)
        facts = copy.deepcopy(dict(prepared.facts))
        facts[VICTIM]["figures"]["nrr"]["value"] += 0.05  # the page will show the true NRR, 5 points away
        return dataclasses.replace(prepared, facts=facts)

    result = run_batch(params, out_dir=tmp_path, workers=1, progress=False, prepare_fn=prepare_with_one_wrong_fact)
    failed = {s.csm_id: s for s in result.failed}
    assert list(failed) == [VICTIM]
    assert "disagree" in failed[VICTIM].error and "Net revenue retention" in failed[VICTIM].detail
    assert not (result.out_dir / "csm" / f"{VICTIM}.html").exists()  # not published
    assert sum(s.status == "ok" for s in result.statuses) == len(result.statuses) - 1


def test_figures_are_read_at_the_precision_shown():
    assert parse_figure("99.5%") == pytest.approx((0.995, 0.001))
    assert parse_figure("$1,234,567") == (1234567.0, 1.0)
    assert parse_figure("-$0.14 per $1") == pytest.approx((-0.14, 0.01))
    assert parse_figure("+7 points") == (7.0, 1.0)
    assert parse_figure("$1.2M") == pytest.approx((1.2e6, 1e5))
    assert parse_figure("not computable") is None


def test_the_narratives_statements_of_the_book_are_checked(sample_run):
    from calibrate.batch.factcheck import NARRATIVE_FIGURES, check_narrative, narrative_text

    _, period_dir = sample_run
    facts = _facts(period_dir)
    seen = 0
    for csm_id, fact in facts.items():
        page = (period_dir / "csm" / f"{csm_id}.html").read_text()
        seen += sum(1 for pattern, _ in NARRATIVE_FIGURES for _ in pattern.finditer(narrative_text(page)))
        assert check_narrative(page, fact) == []
    assert seen >= 9  # the sample's narratives do state these figures, so the check is not vacuous
    page = (period_dir / "csm" / f"{VICTIM}.html").read_text()
    grr = f"{facts[VICTIM]['figures']['grr']['value'] * 100:.1f}%"
    assert f"GRR of {grr}" in narrative_text(page)
    problems = check_narrative(page.replace(f"GRR of {grr}", "GRR of 100.0%"), facts[VICTIM])
    assert problems and "draft narrative" in problems[0].where
