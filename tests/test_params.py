"""Params: defaults documented in base.yaml, typed parsing, errors that name the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from calibrate.errors import ParamsError
from calibrate.params import Params, load_params, params_hash, params_to_dict

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_base_yaml_lists_exactly_the_code_defaults():
    from_file = params_to_dict(load_params(ROOT / "params" / "base.yaml"))
    assert from_file == params_to_dict(Params())


def test_sample_params_load_and_point_at_the_sample_folder():
    p = load_params(ROOT / "params" / "sample.yaml")
    assert p.period == "2026-Q3"
    assert p.data_path() == ROOT / "data" / "sample"
    assert p.quarter.start.strftime("%Y-%m-%d") == "2026-07-01"
    assert p.quarter.end.strftime("%Y-%m-%d") == "2026-10-01"


def test_params_object_is_frozen():
    p = Params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.period = "2026-Q2"  # type: ignore[misc]


def test_extends_overrides_key_by_key(tmp_path):
    write(tmp_path, "period: 2026-Q2\nscoring:\n  weights:\n    retention: 3\n", "base.yaml")
    p = load_params(write(tmp_path, "extends: base.yaml\nscoring:\n  weights:\n    expansion: 2\n"))
    assert p.period == "2026-Q2"
    assert p.scoring.weights.retention == 3.0
    assert p.scoring.weights.expansion == 2.0
    assert p.scoring.weights.health == Params().scoring.weights.health


def test_yaml_values_are_not_silently_converted(tmp_path):
    path = write(
        tmp_path,
        "batch:\n  kernel_name: 00123\n"
        "column_map:\n  accounts:\n    no: name\n    2026-07-01: region\n",
    )
    p = load_params(path)
    assert p.batch.kernel_name == "00123"
    assert p.column_map == {"accounts": {"no": "name", "2026-07-01": "region"}}


def test_relative_paths_resolve_against_the_params_file(tmp_path):
    (tmp_path / "conf").mkdir()
    p = load_params(write(tmp_path / "conf", "data_dir: ../exports\noutput_dir: out\n"))
    assert p.data_path() == (tmp_path / "exports").resolve()
    assert p.output_path() == (tmp_path / "conf" / "out").resolve()


@pytest.mark.parametrize(
    "text, match",
    [
        ("perod: 2026-Q3\n", r"Unknown parameter 'perod'\. Did you mean 'period'\?"),
        ("scoring:\n  wieghts: {}\n", r"Unknown parameter 'scoring.wieghts'\. Did you mean 'scoring.weights'\?"),
        ("scoring:\n  weights:\n    retension: 1\n", r"'scoring.weights.retention'"),
        ("scoring:\n  weights:\n    retention: -1\n", r"The 'scoring.weights.retention' parameter must be >= 0\. Got -1.0 instead\."),
        ("scoring:\n  weights:\n    retention: lots\n", r"'scoring.weights.retention' parameter must be a number\. Got 'lots'"),
        ("scoring:\n  weights: {retention: 0, expansion: 0, health: 0, engagement: 0, satisfaction: 0, efficiency: 0, ai_productivity: 0}\n", r"at least one weight above 0"),
        ("scoring:\n  tier_cuts:\n    top: 50\n", r"'scoring.tier_cuts' parameter must be in order"),
        ("scoring:\n  rating_cuts:\n    meets: 90\n", r"'scoring.rating_cuts.meets'"),
        ("attribution:\n  handover_grace_days: 7.5\n", r"must be a whole number\. Got '7.5'"),
        ("attribution:\n  handover_grace_days: -3\n", r"'attribution.handover_grace_days' parameter must be >= 0"),
        ("attribution:\n  inherited_share_threshold: 25\n", r"a fraction from 0 to 1 \(0.25, not 25\)"),
        ("ai:\n  override_band_low: 0.4\n", r"'ai.override_band_low' parameter must be <= ai.override_band_high"),
        ("health:\n  red_max: 80\n", r"'health.red_max'"),
        ("period: 2026Q3\n", r"The 'period' parameter must look like 2026-Q3\. Got \"2026Q3\""),
        ("money_format: sloppy\n", r"'money_format' parameter must be 'strict' or 'loose'"),
        ("fiscal_year_start_month: 13\n", r"'fiscal_year_start_month'"),
        ("column_map:\n  acounts: {x: name}\n", r"Did you mean 'accounts'\?"),
        ("column_map:\n  accounts: {x: nmae}\n", r"'column_map.accounts.x' parameter must be a column of the contract"),
        ("scoring: 3\n", r"'scoring' parameter must be a mapping"),
        ("batch:\n  workers: -1\n", r"'batch.workers' parameter must be >= 0"),
        ("- a\n- b\n", r"must hold a mapping"),
        ("period: [2026-Q3\n", r"not valid YAML"),
    ],
)
def test_bad_params_name_the_key_and_the_fix(tmp_path, text, match):
    with pytest.raises(ParamsError, match=match):
        load_params(write(tmp_path, text))


def test_missing_file_and_extends_cycle(tmp_path):
    with pytest.raises(ParamsError, match="does not exist"):
        load_params(tmp_path / "nope.yaml")
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    with pytest.raises(ParamsError, match="extends itself"):
        load_params(tmp_path / "a.yaml")


def test_replace_rechecks_and_hash_tracks_values():
    p = Params()
    q = p.replace(period="2026-Q2")
    assert q.period == "2026-Q2" and p.period == "2026-Q3"
    assert params_hash(p) != params_hash(q)
    assert params_hash(p) == params_hash(Params())
    with pytest.raises(ParamsError):
        p.replace(period="Q2")
