import re
import subprocess
import sys

import altair as alt
import pandas as pd

from calibrate.present.charts import bar_chart, chart_html, chart_to_svg
from calibrate.present.escape import find_remote_references


def _frame():
    return pd.DataFrame({"name": ['<script>alert("x")</script>', "Lima & Sons"], "arr": [1000.0, 2500.0]})


def test_chart_is_inline_svg_with_escaped_labels():
    svg = chart_to_svg(bar_chart(_frame(), x="arr", y="name", x_format="$,.0f", reference=1500.0))
    assert svg.startswith("<svg") and "chart-svg" in svg and "viewBox" in svg
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "<rect" in svg or "<path" in svg  # something is drawn
    assert find_remote_references(svg) == []


def test_two_charts_on_one_page_do_not_share_ids():
    import re

    a = chart_to_svg(alt.Chart(_frame()).mark_bar().encode(x="arr:Q", y="name:N"))
    b = chart_to_svg(alt.Chart(_frame()).mark_bar().encode(x="arr:Q", y="name:N"))
    ids_a, ids_b = set(re.findall(r'id="([^"]+)"', a)), set(re.findall(r'id="([^"]+)"', b))
    assert not ids_a & ids_b


def test_chart_html_wraps_in_figure_with_escaped_caption():
    out = chart_html(bar_chart(_frame(), x="arr", y="name"), caption="<ARR>")
    assert out.startswith('<figure class="chart" tabindex="0">') and "<figcaption>&lt;ARR&gt;</figcaption>" in out


def test_bar_chart_does_not_modify_input():
    frame = _frame()
    before = frame.copy()
    chart_to_svg(bar_chart(frame, x="arr", y="name"))
    pd.testing.assert_frame_equal(frame, before)


def test_show_svg_shows_the_same_figure_as_show_chart(monkeypatch):
    from calibrate.present import display

    shown: list[str] = []
    monkeypatch.setattr(display, "_display_html", lambda markup, metadata=None: shown.append(markup))
    chart = bar_chart(_frame(), x="arr", y="name")
    display.show_svg(chart_to_svg(chart), caption="<ARR> & more")
    display.show_chart(chart, caption="<ARR> & more")
    strip = [re.sub(r'\bc\d+-', "", s) for s in shown]  # chart ids are numbered per drawing
    assert strip[0] == strip[1] and "&lt;ARR&gt; &amp; more" in strip[0]
    display.show_svg(None, empty_note="Nothing <here>")
    assert "nodata" in shown[-1] and "Nothing &lt;here&gt;" in shown[-1]


def test_what_report_notebooks_import_does_not_import_altair():
    code = (
        "import sys\n"
        "from calibrate import present\n"
        "from calibrate.present import narrative, review, team, flags\n"
        "from calibrate.batch.notebook import open_report\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('altair', 'vl_convert'))\n"
        "assert not heavy, heavy\n"
        "assert callable(present.chart_to_svg) and callable(review.review_charts)\n"  # still reachable, loaded on use
        "assert 'altair' in sys.modules and sys.modules.get('rfc3987_syntax', 0) is None\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


_DRAW_WITH = (
    "import os, sys, json\n"
    "import pandas as pd\n"
    "from calibrate.present import charts\n"
    "if sys.argv[1] == 'machine':\n"
    "    charts._set_up_renderer_fonts = lambda vlc: None  # the renderer finds the machine's font files\n"
    "frame = pd.DataFrame({'name': ['Wolfram & Hart', 'Initech (EMEA)', 'A much longer account name, Ltd'], 'arr': [1250.0, 98000.0, 43.5]})\n"
    "svg = charts.chart_to_svg(charts.bar_chart(frame, x='arr', y='name', x_format='$,.0f', title='Book by account'))\n"
    "print(json.dumps({'svg': svg, 'env': os.environ.get('FONTCONFIG_FILE')}))\n"
)


def test_the_renderers_own_fonts_draw_the_same_chart_as_the_machines_and_leave_no_trace():
    """Charts are measured with the renderer's bundled Liberation Sans (fast, machine-independent): same bytes."""
    import json
    import os

    runs = {}
    for fonts in ("bundled", "machine"):
        env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
        run = subprocess.run([sys.executable, "-c", _DRAW_WITH, fonts], capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr
        runs[fonts] = json.loads(run.stdout)
    assert runs["bundled"]["svg"] == runs["machine"]["svg"]
    assert "Book by account" in runs["bundled"]["svg"]
    assert runs["bundled"]["env"] is None  # the setting that hides the machine's fonts does not outlive the set-up


def _contrast_with_white(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_every_data_colour_is_at_least_3_to_1_against_the_page():
    from calibrate.present.flags.charts import _VERDICT_COLORS
    from calibrate.present.theme import PALETTE, REFERENCE_GREY

    for colour in (*PALETTE, REFERENCE_GREY, *_VERDICT_COLORS.values()):
        assert _contrast_with_white(colour) >= 3.0, colour


def test_team_charts_speak_in_words_and_never_by_colour_alone():
    from pathlib import Path

    from calibrate.batch.period import compute_history
    from calibrate.load import load_dataset
    from calibrate.params import load_params
    from calibrate.present.team import build_team_report
    from calibrate.present.team.charts import nine_box_chart, portfolio_chart, rank_interval_plot, rating_share_chart

    root = Path(__file__).resolve().parents[1]
    params = load_params(root / "params" / "sample.yaml")
    dataset = load_dataset(root / "data" / "sample", **params.load_options())
    current, previous = compute_history(dataset, params, params.quarter)
    report = build_team_report(current, previous, dataset, params, decisions=None)
    nine = chart_to_svg(nine_box_chart(report.nine_box))
    assert "needs_development" not in nine and "needs development" in nine
    portfolio = portfolio_chart(report.balance).to_dict()
    points = [layer for layer in portfolio["layer"] if layer.get("encoding", {}).get("shape")]
    assert points and points[0]["encoding"]["shape"]["field"] == points[0]["encoding"]["color"]["field"] == "status"
    ranks = rank_interval_plot(report.ranks, tier_cuts=report.tier_cuts).to_dict()
    assert any(layer.get("encoding", {}).get("strokeDash", {}).get("field") == "mark" for layer in ranks["layer"])
    share_svg = chart_to_svg(rating_share_chart(report.rating_check))
    assert "needs_development" not in share_svg and "needs development" in share_svg
    share = rating_share_chart(report.rating_check).to_dict()
    assert share["encoding"]["stroke"]["field"] == share["encoding"]["color"]["field"] == "series"


def test_charts_are_checked_against_the_schema_when_the_tests_ask(monkeypatch):
    import pytest

    broken = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_point().encode(x="a:Q")
    broken["width"] = "very wide"  # set after construction: only the full check at drawing time sees it
    monkeypatch.setenv("CALIBRATE_CHECK_CHARTS", "1")
    with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="very wide"):
        chart_to_svg(broken)
    monkeypatch.setenv("CALIBRATE_CHECK_CHARTS", "0")  # a batch: the spec goes to the renderer unchecked
    good = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_point().encode(x="a:Q")
    assert "<svg" in chart_to_svg(good)
