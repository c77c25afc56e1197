"""A review whose text fails the grounding check stops alone; ordinary words as names stop nothing."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from calibrate.batch import run_batch
from calibrate.params import load_params
from calibrate.present.narrative import NameIndex, check_grounding

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PLANTED = "NRR reached 4321% this quarter."


def _sample(tmp_path: Path) -> tuple[Path, object]:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    params_file = tmp_path / "p.yaml"
    params_file.write_text(f"extends: {ROOT / 'params' / 'sample.yaml'}\ndata_dir: {data}\noutput_dir: {tmp_path / 'reports'}\n")
    return data, load_params(params_file)


def test_a_planted_figure_stops_that_review_and_only_that_one(tmp_path, monkeypatch):
    import calibrate.present.review.builder as builder

    data, params = _sample(tmp_path)
    victim = pd.read_csv(data / "csms.csv", dtype=str).set_index("csm_id").loc["CSM-003", "name"]
    real = builder.draft_narrative

    def planted(evidence):
        story = real(evidence)
        if evidence.csm_name == victim:  # one CSM's composed text gets a figure nothing supports
            first = story.sections[0]
            wrong = dataclasses.replace(first, sentences=first.sentences + (PLANTED,))
            story = dataclasses.replace(story, sections=(wrong,) + tuple(story.sections[1:]))
        return story

    monkeypatch.setattr(builder, "draft_narrative", planted)
    result = run_batch(params, workers=1, progress=False)
    failed = {s.csm_id: s.error for s in result.failed}
    assert list(failed) == ["CSM-003"], failed
    assert "4321%" in failed["CSM-003"] and "other reviews are not affected" in failed["CSM-003"]
    assert "Traceback" not in failed["CSM-003"].splitlines()[0]
    ok = [s for s in result.statuses if s.status == "ok"]
    assert len(ok) == len(result.statuses) - 1  # every other review and the leadership reports were written
    assert not (result.out_dir / "csm" / "CSM-003.html").exists()

    monkeypatch.setattr(builder, "draft_narrative", real)  # without the planted figure the same run passes
    again = run_batch(params, workers=1, progress=False, force_rebuild=True)  # the kept bundle came from the patched composer
    assert again.ok


def test_accounts_named_like_section_words_do_not_fail_any_review(tmp_path):
    data, params = _sample(tmp_path)
    accounts = pd.read_csv(data / "accounts.csv", dtype=str, keep_default_na=False)
    for i, word in enumerate(("Engagement", "Health", "Retention", "Scores")):
        accounts.loc[i, "name"] = word
    accounts.to_csv(data / "accounts.csv", index=False)
    result = run_batch(params, workers=1, progress=False)
    assert result.ok, [(s.csm_id, s.error[:300]) for s in result.failed]


def test_name_index_finds_exact_names_between_word_boundaries():
    index = NameIndex(["Acme Inc.", "Acme", "Kestrel Foods", "O'Brien & Co", "Engagement"])
    found = sorted(name for name, _ in index.find("Acme Inc. renewed; AcmeCorp did not; O'Brien & Co paid. Engagement rose."))
    assert found == ["Acme", "Acme Inc.", "O'Brien & Co"]  # "AcmeCorp" is another word; "Engagement" is vocabulary
    assert index.find("Kestrel Foods grew", exclude=frozenset({"Kestrel Foods"})) == []
    assert len(NameIndex([f"Account {i}" for i in range(60_000)]).find("Account 59999 and Account 7 renewed")) == 2
