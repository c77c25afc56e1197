"""End to end: the real quarterly batch on a copy of data/sample with hostile names.

One copy of the sample has a few CSM and account names replaced by markup,
quotes, newlines and code. The batch runs once with one CSM's slice withheld
(that review must fail alone), then ``--resume`` completes the run. Every
check below reads the files a user would open.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from calibrate.batch import run_batch
from calibrate.batch.period import compute_history, prepare_period
from calibrate.batch.prepare import PreparedBatch
from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.present.narrative import assert_grounded, count_words, draft_narrative
from calibrate.present.review import build_csm_reviews

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PWNED = Path("/tmp/calibrate-pwned-by-a-name")
HOSTILE_CSMS = {
    "CSM-001": '<script>alert("csm")</script> Imogen',
    "CSM-004": 'Dorrit "the closer" O\'Nimble\nsecond line',
}
HOSTILE_ACCOUNTS = {
    0: f'"; import os; open("{PWNED}", "w") #',
    1: "<img src=x onerror=alert(1)> Holdings",
}
WITHHELD = "CSM-006"
REMOTE = re.compile(r"""<(?:script|link|img|iframe)[^>]*(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def _hostile_copy(target: Path) -> Path:
    shutil.copytree(ROOT / "data" / "sample", target)
    csms = pd.read_csv(target / "csms.csv", dtype=str, keep_default_na=False)
    for csm_id, name in HOSTILE_CSMS.items():
        csms.loc[csms["csm_id"] == csm_id, "name"] = name
    csms.to_csv(target / "csms.csv", index=False)
    accounts = pd.read_csv(target / "accounts.csv", dtype=str, keep_default_na=False)
    for position, name in HOSTILE_ACCOUNTS.items():
        accounts.loc[position, "name"] = name
    accounts.to_csv(target / "accounts.csv", index=False)
    return target


def _snapshot(folder: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    PWNED.unlink(missing_ok=True)
    base = tmp_path_factory.mktemp("batch")
    data = _hostile_copy(base / "data")
    params = load_params(ROOT / "params" / "sample.yaml").replace(data_dir=str(data))

    def without_one_slice(dataset, p, period) -> PreparedBatch:
        full = prepare_period(dataset, p, period)
        slices = {k: v for k, v in full.csm_slices.items() if k != WITHHELD}
        return PreparedBatch(scores=full.scores, csm_slices=slices, team=full.team, leadership=full.leadership,
                             csv_tables=full.csv_tables, manifest_extra=full.manifest_extra)

    first = run_batch(params, out_dir=base / "reports", workers=2, progress=False, prepare_fn=without_one_slice)
    out = base / "reports" / "2026-Q3"
    before = _snapshot(out)
    second = run_batch(params, out_dir=base / "reports", workers=2, progress=False, resume=True)
    dataset = load_dataset(data)
    return {"params": params, "dataset": dataset, "out": out, "first": first, "second": second, "before": before}


def test_a_failed_review_does_not_stop_the_others(batch):
    first = batch["first"]
    assert first.exit_code == 1
    assert [s.csm_id for s in first.failed] == [WITHHELD]
    manifest = json.loads((batch["out"] / "manifest.json").read_text())
    assert manifest["status"] == "ok"  # after the resume


def test_resume_reruns_only_what_failed(batch):
    second, out, before = batch["second"], batch["out"], batch["before"]
    assert second.ok and second.exit_code == 0
    ran = [s for s in second.statuses if s.status == "ok" and s.seconds is not None]
    assert (out / "csm" / f"{WITHHELD}.html").is_file()
    for path, (data, mtime) in before.items():
        if path.parent.name == "csm" and path.suffix == ".html":
            assert path.stat().st_mtime_ns == mtime, f"{path.name} was re-rendered by --resume"
    assert any(s.csm_id == WITHHELD for s in ran)


def test_every_output_file_of_the_contract_exists(batch):
    out = batch["out"]
    scores = pd.read_csv(out / "scores.csv", dtype={"csm_id": str})
    for name in ("index.html", "team_calibration.html", "flag_validation.html", "scores.csv",
                 "flag_validation.csv", "team_statistics.csv", "manifest.json"):
        assert (out / name).is_file(), name
    team = pd.read_csv(out / "team_statistics.csv", dtype={"csm_id": str})
    assert sorted(team["csm_id"]) == sorted(scores["csm_id"])
    for csm_id in scores["csm_id"]:
        assert (out / "csm" / f"{csm_id}.html").is_file(), csm_id
        assert (out / "notebooks" / f"csm_{csm_id}.ipynb").is_file(), csm_id
    assert (out / "notebooks" / "team_calibration.ipynb").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert {r["table"] for r in manifest["inputs"]} >= {"csms", "accounts", "ownership", "arr", "health", "activities"}
    assert all(len(r["sha256"]) == 64 for r in manifest["inputs"])
    assert len(manifest["params_hash"]) == 64 and manifest["package_version"]


def test_reports_are_self_contained_with_inline_charts(batch):
    pages = sorted(batch["out"].rglob("*.html"))
    assert len(pages) >= 12
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not REMOTE.search(text), f"{page.name} loads something from the network"
        assert "<script" not in text.lower(), f"{page.name} carries a script"
        if page.name != "index.html":
            assert "<svg" in text, f"{page.name} has no inline chart"


def test_hostile_names_render_as_text_and_run_nothing(batch):
    out = batch["out"]
    assert not PWNED.exists(), "a name was executed as code"
    page = (out / "csm" / "CSM-001.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert html.escape('<script>alert("csm")</script>', quote=False) in page or "&lt;script&gt;" in page
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert "<img src=x" not in everything


def test_no_review_names_another_csm_or_shows_their_id(batch):
    out, dataset = batch["out"], batch["dataset"]
    csms = dataset["csms"]
    scored = pd.read_csv(out / "scores.csv", dtype={"csm_id": str})["csm_id"].tolist()
    names = dict(zip(csms["csm_id"].astype(str), csms["name"].astype(str)))
    for csm_id in scored:
        page = html.unescape((out / "csm" / f"{csm_id}.html").read_text(encoding="utf-8"))
        for other_id, other_name in names.items():
            if other_id == csm_id:
                continue
            assert other_id not in page, f"{csm_id}'s review shows {other_id}"
            assert other_name.strip() not in page, f"{csm_id}'s review names {other_id}"


def test_every_narrative_is_grounded_and_400_to_600_words(batch):
    params, dataset, out = batch["params"], batch["dataset"], batch["out"]
    current, previous = compute_history(dataset, params, params.quarter)
    reviews, _ = build_csm_reviews(current, previous, dataset, params)
    assert len(reviews) == len(current.scores)
    for csm_id, review in reviews.items():
        draft = draft_narrative(review.evidence)
        assert_grounded(draft.text, review.evidence, too_short_reason=draft.too_short_reason)
        assert 400 <= count_words(draft.text) <= 600, (csm_id, count_words(draft.text))
        # The page shows this very draft (its first sentence, as rendered text).
        first_words = " ".join(draft.sections[0].sentences[0].split(",")[0].split())
        raw = re.sub(r"<br\s*/?>", " ", (out / "csm" / f"{csm_id}.html").read_text(encoding="utf-8"))
        page = " ".join(html.unescape(raw).split())
        assert first_words in page


def test_scores_csv_is_the_contract(batch):
    scores = pd.read_csv(batch["out"] / "scores.csv", dtype={"csm_id": str})
    contract = ["csm_id", "segment", "n_accounts", "start_arr", "nrr", "grr", "logo_churn_rate", "expansion_arr",
                "contraction_arr", "churn_arr", "top_account_share", "nrr_excl_top", "avg_health", "health_change",
                "qbr_coverage", "proactive_share", "escalations", "nps", "ai_coverage", "override_rate",
                "net_retention_per_cost", "customer_facing_hours_per_week", "score_retention", "score_expansion",
                "score_health", "score_engagement", "score_satisfaction", "score_efficiency",
                "score_ai_productivity", "overall_score", "rating", "tier", "flags"]
    assert list(scores.columns[: len(contract)]) == contract
    assert {"manager_rating", "final_rating"} <= set(scores.columns)
    assert scores["rating"].isin(["exceeds", "meets", "needs_development"]).all()
    assert (scores["grr"].dropna() <= 1 + 1e-9).all()


def test_an_executed_review_reruns_on_the_kept_bundle_and_shows_the_same(batch, tmp_path):
    """The notebook the index links to runs again as it is (papermill, no parameters) and shows what the batch showed."""
    import nbformat
    import papermill

    source = batch["out"] / "notebooks" / "csm_CSM-004.ipynb"
    again = tmp_path / "again.ipynb"
    papermill.execute_notebook(str(source), str(again), kernel_name="calibrate", progress_bar=False, cwd=str(tmp_path))

    def shown(path):
        nb = nbformat.read(str(path), as_version=4)
        return [o.get("data", {}).get("text/html") for c in nb.cells if c.cell_type == "code"
                for o in c.get("outputs", []) if o.get("output_type") == "display_data"]

    batch_shown, rerun_shown = shown(source), shown(again)
    assert len(batch_shown) > 20 and "Run record" in batch_shown[-1] and "Run record" in rerun_shown[-1]
    assert rerun_shown[:-1] == batch_shown[:-1]  # every figure, table, chart and sentence
    key = json.loads((batch["out"] / "bundle" / "bundle.json").read_text())["key"]
    assert f"bundle {key[:12]}" in rerun_shown[-1]  # (the resume prepared the bundle again: same content, new key)
