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


# --- the leadership pages and the index -------------------------------------------------------------------

def _text_rows(path: Path) -> list[dict]:
    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


def test_the_flag_page_team_statistics_and_index_agree_with_their_files(sample_run):
    from calibrate.batch.factcheck import check_flag_page, check_index_page, check_team_statistics

    result, period_dir = sample_run
    scores = pd.read_csv(period_dir / "scores.csv").to_dict("records")
    flags = _text_rows(period_dir / "flag_validation.csv")
    stats = _text_rows(period_dir / "team_statistics.csv")
    manifest = json.loads((period_dir / "manifest.json").read_text())
    flag_page = (period_dir / "flag_validation.html").read_text()
    team_page = (period_dir / "team_calibration.html").read_text()
    assert check_flag_page(flag_page, flags) == []
    assert check_team_statistics(team_page, stats, scores) == []
    assert check_index_page((period_dir / "index.html").read_text(), scores, manifest["notebooks"]) == []
    assert "index_problems" not in manifest and result.problems == ()


def _swap_cell(page: str, old: str, new: str) -> str:
    """Replace the first table cell or tile showing exactly ``old``."""
    pattern = re.compile(r">" + re.escape(old) + r"<")
    assert pattern.search(page), old
    return pattern.sub(">" + new + "<", page, count=1)


def test_planted_wrong_figures_on_the_flag_page_are_found(sample_run):
    from calibrate.batch.factcheck import check_flag_page

    _, period_dir = sample_run
    flags = _text_rows(period_dir / "flag_validation.csv")
    page = (period_dir / "flag_validation.html").read_text()
    events = {r["n_events"] for r in flags if r["outcome"] == "churn" and r["horizon_days"] == "90"}.pop()
    wrong = _swap_cell(page, f"{int(events):,}", f"{int(events) + 1:,}")  # the churn-events tile
    problems = check_flag_page(wrong, flags)
    assert [p.figure for p in problems] == ["Churn events (90 days)"]
    # a lift in a one-sentence summary, nudged by one shown step
    row = next(r for r in flags if r["verdict"] == "predictive")
    shown = f"{float(row['lift']):.1f}x as often"
    nudged = f"{float(row['lift']) + 0.2:.1f}x as often"
    assert shown in page
    problems = check_flag_page(page.replace(shown, nudged, 1), flags)
    assert problems and all("Lift in the sentence" in p.figure for p in problems), problems
    # a verdict flipped in the verdicts table
    problems = check_flag_page(_swap_cell(page, "Predictive", "Not predictive"), flags)
    assert any(p.figure.startswith("Verdict") for p in problems)


def test_planted_wrong_figures_in_the_team_statistics_tables_are_found(sample_run):
    from calibrate.batch.factcheck import check_team_statistics

    _, period_dir = sample_run
    scores = pd.read_csv(period_dir / "scores.csv")
    stats = _text_rows(period_dir / "team_statistics.csv")
    page = (period_dir / "team_calibration.html").read_text()
    row = next(r for r in stats if float(r["p_top_quartile"]) > 0.05)
    name = scores.set_index("csm_id").loc[row["csm_id"], "name"]
    shown = f"{float(row['p_top_quartile']) * 100:.1f}%"
    row_start = page.index(f">{name}<", page.index("P(top quartile)"))
    cell = page.index(f">{shown}<", row_start)
    wrong = page[:cell] + f">{float(row['p_top_quartile']) * 100 + 0.3:.1f}%<" + page[cell + len(shown) + 2:]
    problems = check_team_statistics(wrong, stats, scores.to_dict("records"))
    assert [p.figure for p in problems] == [f"P(top quartile) of {name}"]
    # the same file with a different shrunk churn for that CSM: the page now disagrees with it
    changed = [dict(r, churn_shrunk=str(float(r["churn_shrunk"]) + 0.01)) if r is row else r for r in stats]
    problems = check_team_statistics(page, changed, scores.to_dict("records"))
    assert [p.figure for p in problems] == [f"Churn, shrunk to the team of {name}"]


def test_a_wrong_name_or_count_on_the_index_is_found(sample_run):
    from calibrate.batch.factcheck import check_index_page

    _, period_dir = sample_run
    scores = pd.read_csv(period_dir / "scores.csv").to_dict("records")
    statuses = json.loads((period_dir / "manifest.json").read_text())["notebooks"]
    page = (period_dir / "index.html").read_text()
    first = sorted(scores, key=lambda r: r["name"])[0]
    problems = check_index_page(_swap_cell(page, first["name"], "Someone Else"), scores, statuses)
    assert [p.figure for p in problems] == [f"Name of {first['csm_id']}"]
    n = sum(1 for s in statuses if s.get("csm_id"))
    problems = check_index_page(page.replace(f"CSM reviews ({n})", f"CSM reviews ({n + 1})"), scores, statuses)
    assert [p.figure for p in problems] == ["Number of CSM reviews"]
