"""Saving tuned weights: a params file that extends the current one and loads back exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calibrate.errors import ParamsError
from calibrate.params import CATEGORIES, load_params
from calibrate.present.tuning import HEADER_MARK, save_weights

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "params" / "base.yaml"


@pytest.fixture()
def current(tmp_path) -> Path:
    """A params file in tmp that extends the repository's base.yaml, like params/sample.yaml does."""
    path = tmp_path / "params" / "team.yaml"
    path.parent.mkdir()
    path.write_text(f"extends: {BASE}\ndata_dir: ../data/team\nperiod: 2026-Q2\n", encoding="utf-8")
    return path


TRIED = {"retention": 0.30000000000000004, "expansion": 0.1, "health": 0.35, "engagement": 0.0,
         "satisfaction": 0.05, "efficiency": 1.0, "ai_productivity": 0.15}


def test_round_trip_gives_exactly_the_weights_and_keeps_everything_else(current):
    target = save_weights(TRIED, current.parent / "local-weights.yaml", base=current, who="Dana",
                          now=dt.datetime(2026, 10, 2, 9, 30, tzinfo=dt.timezone.utc))
    loaded, before = load_params(target), load_params(current)
    assert loaded.scoring.weights.as_dict() == TRIED
    assert loaded.period == before.period and loaded.data_path() == before.data_path()
    assert loaded.scoring.targets == before.scoring.targets
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER_MARK
    assert "Saved by Dana at 2026-10-02 09:30 UTC." in text
    assert 'extends: "team.yaml"' in text
    assert "#   retention: 0.25 -> 0.30000000000000004" in text  # base.yaml's retention weight is 0.25
    assert "engagement: 0.15 -> 0" in text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(weights=st.fixed_dictionaries({c: st.floats(0, 1000, allow_nan=False) for c in CATEGORIES})
       .filter(lambda w: sum(w.values()) > 0))
def test_any_valid_weights_load_back_exactly(current, weights):
    target = save_weights(weights, current.parent / "tuned.yaml", base=current)
    assert load_params(target).scoring.weights.as_dict() == {c: float(weights[c]) for c in CATEGORIES}


def test_saving_into_another_folder_restates_relative_paths(current, tmp_path):
    target = save_weights(TRIED, tmp_path / "elsewhere" / "deep" / "w.yaml", base=current)
    loaded, before = load_params(target), load_params(current)
    assert loaded.data_path() == before.data_path() and loaded.output_path() == before.output_path()
    assert loaded.scoring.weights.as_dict() == TRIED


def test_unchanged_weights_say_so(current):
    same = load_params(current).scoring.weights.as_dict()
    text = save_weights(same, current.parent / "same.yaml", base=current).read_text(encoding="utf-8")
    assert "No weight differs from team.yaml." in text


def test_refuses_base_yaml_the_extended_file_and_foreign_files(current, tmp_path):
    with pytest.raises(ParamsError, match="base.yaml"):
        save_weights(TRIED, tmp_path / "base.yaml", base=current)
    with pytest.raises(ParamsError, match="being extended"):
        save_weights(TRIED, current, base=current)
    foreign = current.parent / "other.yaml"
    foreign.write_text("period: 2026-Q1\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="not written by the weight tuner"):
        save_weights(TRIED, foreign, base=current)
    assert foreign.read_text(encoding="utf-8") == "period: 2026-Q1\n"
    save_weights(TRIED, foreign, base=current, overwrite=True)
    assert load_params(foreign).scoring.weights.as_dict() == TRIED
    with pytest.raises(ParamsError, match=r"\.yaml or \.yml"):
        save_weights(TRIED, tmp_path / "weights.txt", base=current)


def test_a_tuner_file_is_replaced_on_the_next_save(current):
    target = current.parent / "local-weights.yaml"
    save_weights(TRIED, target, base=current)
    again = dict(TRIED, health=0.9)
    save_weights(again, target, base=current)
    assert load_params(target).scoring.weights.as_dict() == again


def test_invalid_weights_or_base_write_nothing(current, tmp_path):
    target = current.parent / "bad.yaml"
    with pytest.raises(ParamsError, match="'satisfaction' weight"):
        save_weights(dict(TRIED, satisfaction=-1), target, base=current)
    with pytest.raises(ParamsError, match="does not exist"):
        save_weights(TRIED, target, base=tmp_path / "missing.yaml")
    assert not target.exists()
    assert [p.name for p in current.parent.iterdir()] == ["team.yaml"]  # no temporary file left behind


def test_weights_target_keeps_the_file_in_the_params_folder(tmp_path):
    from calibrate.errors import ParamsError
    from calibrate.present.tuning.save import weights_target

    assert weights_target(tmp_path, "weights") == tmp_path / "local-weights.yaml"
    assert weights_target(tmp_path, "local-q3.yml") == tmp_path / "local-q3.yaml"
    assert weights_target(tmp_path, " team.v2.yaml ") == tmp_path / "local-team.v2.yaml"
    for bad in ("../x.yaml", "a/b.yaml", "/etc/x.yaml", "a b.yaml", "x;rm -rf.yaml", "..", "", "~x.yaml"):
        with pytest.raises(ParamsError):
            weights_target(tmp_path, bad)


def test_run_command_works_from_the_repository_root():
    from calibrate.present.tuning.save import run_command

    root = Path(__file__).resolve().parents[1]
    command = run_command(root / "params" / "local-weights.yaml")
    assert command == "calibrate run --params params/local-weights.yaml"
    # The printed path resolves from the repository root, the folder the README runs commands in.
    assert (root / command.split()[-1]).parent == root / "params"


def test_gitignore_ignores_what_the_tuner_writes():
    import subprocess

    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "check-ignore", "-q", "params/local-weights.yaml"], cwd=root)
    assert done.returncode == 0
