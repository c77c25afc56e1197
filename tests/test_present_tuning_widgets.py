"""The weight tuner widget builds without a browser, updates on slider changes, escapes names, saves."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pytest

from calibrate.params import CATEGORIES, Params, load_params
from calibrate.present.tuning import TuningSession, WeightTuner, weight_tuner
from test_present_tuning_model import fake_history

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture()
def params_file(tmp_path) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(f"extends: {ROOT / 'params' / 'base.yaml'}\n", encoding="utf-8")
    return path


@pytest.fixture()
def tuner(params_file) -> WeightTuner:
    names = [HOSTILE] + [f"Person {i}" for i in range(1, 12)]
    current, previous = fake_history(seed=3, names=names)
    session = TuningSession.from_history(current, previous, Params(), max_boot=200)
    return weight_tuner(session, params_path=params_file)


def test_builds_with_one_slider_per_category_at_the_params_weights(tuner):
    assert isinstance(tuner, widgets.Widget)
    assert list(tuner.sliders) == list(CATEGORIES)
    for c, slider in tuner.sliders.items():
        assert (slider.min, slider.max, slider.step) == (0.0, 1.0, 0.05)
        assert slider.value == pytest.approx(getattr(Params().scoring.weights, c))
    assert tuner.shares["retention"].value == "25% of total"
    assert "0 CSMs change tier" in tuner.summary.value
    assert "<table" in tuner.table.value and "<table" in tuner.validity.value
    assert "descriptive" in tuner.validity.value.lower()


def test_moving_a_slider_updates_the_table_and_the_summary(tuner):
    before_table, before_validity = tuner.table.value, tuner.validity.value
    tuner.sliders["satisfaction"].value = 1.0
    tuner.sliders["retention"].value = 0.0
    assert tuner.table.value != before_table
    assert tuner.validity.value != before_validity
    expected = tuner.session.compare(tuner.weights())
    assert tuner.last.summary == expected.summary
    assert tuner.shares["retention"].value == "0% of total"
    first_rank_name = expected.table["name"].iloc[0]
    assert first_rank_name.replace("<", "&lt;")[:8] in tuner.table.value


def test_hostile_names_are_escaped_everywhere(tuner):
    for value in (0.0, 0.4, 1.0):
        tuner.sliders["health"].value = value
        for part in (tuner.table.value, tuner.summary.value, tuner.validity.value):
            assert "<script" not in part and "<img" not in part
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in tuner.table.value


def test_all_zero_weights_warn_and_block_saving(tuner):
    sliders = list(tuner.sliders.values())
    for slider in sliders[:-1]:
        slider.value = 0.0
    table_before = tuner.table.value
    sliders[-1].value = 0.0
    assert "above 0" in tuner.summary.value
    assert tuner.save_button.disabled
    assert tuner.table.value == table_before
    tuner.sliders["health"].value = 0.5
    assert not tuner.save_button.disabled
    assert tuner.shares["health"].value == "100% of total"


def test_reset_returns_to_the_params_weights(tuner):
    initial = tuner.table.value
    tuner.sliders["expansion"].value = 0.95
    tuner.reset()
    assert tuner.weights() == pytest.approx(Params().scoring.weights.as_dict())
    assert tuner.table.value == initial


def test_save_button_writes_a_file_that_loads_with_the_slider_weights(tuner, params_file):
    tuner.sliders["efficiency"].value = 0.6
    tuner.filename.value = "local-weights.yaml"
    tuner.save_button.click()
    written = params_file.parent / "local-weights.yaml"
    assert written.is_file() and "Saved to" in tuner.status.value
    assert load_params(written).scoring.weights.as_dict() == tuner.weights()
    assert "calibrate run --params" in tuner.status.value


@pytest.mark.parametrize("name", ["../../x.yaml", "/tmp/x.yaml", "sub/x.yaml", "my weights.yaml", "..", "~/x.yaml", ""])
def test_save_refuses_names_that_are_not_plain_file_names(tuner, params_file, name):
    before = sorted(p.name for p in params_file.parent.iterdir())
    tuner.filename.value = name
    tuner.save_button.click()
    assert "Not saved" in tuner.status.value
    assert sorted(p.name for p in params_file.parent.iterdir()) == before
    assert not (params_file.parent.parent / "x.yaml").exists()


def test_save_names_the_file_local_and_asks_before_overwriting(tuner, params_file):
    tuner.filename.value = "q3"
    tuner.save_button.click()
    written = params_file.parent / "local-q3.yaml"
    assert written.is_file()
    first = written.read_text(encoding="utf-8")
    tuner.sliders["health"].value = 0.9
    tuner.save_button.click()
    assert "already exists" in tuner.status.value and tuner.confirm_button.layout.display != "none"
    assert written.read_text(encoding="utf-8") == first  # not replaced yet
    tuner.confirm_button.click()
    assert "Saved to" in tuner.status.value and load_params(written).scoring.weights.as_dict() == tuner.weights()
    assert tuner.confirm_button.layout.display == "none"
