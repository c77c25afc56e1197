"""The weight tuner: ipywidgets sliders over a ``TuningSession``.

``weight_tuner(session, params_path=...)`` returns one widget: a slider per
category (0 to 1, step 0.05, with its share of the total beside it), a
summary line, the CSM table (score, rank, rating, tier, what changed against
the params' weights), the backtested validity table, and Reset / Save
buttons with a file name. Every slider change re-scores from the session's
precomputed tables (``session.rescore``, ``session.validity``,
``session.compare``); nothing is recomputed from the data.

Every piece of text that came from the data (CSM names, segments) reaches
the HTML through ``escape_text`` / ``table_html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import ipywidgets as widgets
import pandas as pd

from ...errors import CalibrateError
from ...params import CATEGORIES
from ..escape import escape_text, is_missing
from ..tables import note_html, table_html
from ..words import RATING_LABELS
from .model import CATEGORY_LABELS, TuningComparison, TuningSession, weight_shares
from .save import run_command, save_weights, weights_target

__all__ = ["WeightTuner", "weight_tuner", "tuner_table", "validity_table_html", "DEFAULT_FILENAME"]

DEFAULT_FILENAME = "local-weights.yaml"
_TIER_LABEL = {"top": "top", "strong": "strong", "solid": "solid", "under": "under"}
_CSS = """<style>
.cal-tuner table.data{border-collapse:collapse;font-size:13px;margin:4px 0 10px 0}
.cal-tuner table.data th,.cal-tuner table.data td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.cal-tuner table.data td.num,.cal-tuner table.data th.num{text-align:right}
.cal-tuner caption{text-align:left;font-weight:600;padding:2px 0}
.cal-tuner .note{margin:4px 0;color:#444}
.cal-tuner .note-warning{color:#8a4b00}
</style>"""
VALIDITY_NOTE = (
    "Backtest, descriptive only: each pair is one CSM's overall score in one quarter, recomputed with these "
    "weights from that quarter's category scores, and the same CSM's book results in the next quarter. A useful "
    "score should come before higher NRR and GRR and fewer escalations. Scores and results share causes (the "
    "book, the market), and the interval resamples CSMs, so a few CSMs make it wide."
)


def _label(value, mapping: Mapping[str, str]) -> str:
    return "" if is_missing(value) else mapping.get(str(value), str(value))


def _rank_marker(change: int) -> str:
    if change > 0:
        return f"▲ {change} (up)"
    if change < 0:
        return f"▼ {-change} (down)"
    return "="


def _was(now, before, mapping: Mapping[str, str], steps) -> str:
    text = _label(now, mapping)
    if is_missing(steps) or int(steps) == 0:
        return text
    arrow = "▲" if int(steps) > 0 else "▼"
    return f"{text} {arrow} (was {_label(before, mapping)})"


def tuner_table(table: pd.DataFrame) -> str:
    """The CSM table of the tuner as escaped HTML (``table``: a ``session.rescore`` frame)."""
    shown = pd.DataFrame({
        "rank": table["rank"].to_numpy(),
        "change": [_rank_marker(int(c)) for c in table["rank_change"]],
        "name": table["name"].to_numpy(),
        "segment": table["segment"].to_numpy(),
        "overall_score": table["overall_score"].to_numpy(float),
        "baseline_score": table["baseline_score"].to_numpy(float),
        "rating": [_was(n, b, RATING_LABELS, s) for n, b, s in
                   zip(table["rating"], table["baseline_rating"], table["rating_change"])],
        "tier": [_was(n, b, _TIER_LABEL, s) for n, b, s in
                 zip(table["tier"], table["baseline_tier"], table["tier_change"])],
    })
    return table_html(
        shown,
        labels={"rank": "Rank", "change": "Rank vs params", "name": "CSM", "segment": "Segment",
                "overall_score": "Score (0–100)", "baseline_score": "Score with params' weights",
                "rating": "Rating", "tier": "Tier"},
        formats={"rank": "int", "overall_score": "number", "baseline_score": "number"},
        caption="CSMs under these weights (▲ moved up, ▼ moved down against the params' weights)",
        empty_note="No CSM has a score this quarter.",
    )


def _rho(value: float, low: float, high: float) -> str:
    if is_missing(value):
        return "too few pairs"
    text = f"{value:+.2f}"
    if not (is_missing(low) or is_missing(high)):
        text += f" ({low:+.2f} to {high:+.2f})"
    return text


def validity_table_html(validity: pd.DataFrame, *, quarters: tuple[str, ...] = ()) -> str:
    """The backtest table as escaped HTML (``validity``: a ``session.validity`` frame)."""
    if validity is None or validity.empty:
        return note_html("No backtest: it needs at least two scored quarters in a row, and the data holds "
                         f"{len(quarters)}.", kind="nodata")
    shown = pd.DataFrame({
        "outcome": validity["outcome_label"].to_numpy(),
        "expected": ["positive" if s > 0 else "negative" for s in validity["expected_sign"]],
        "these": [_rho(*v) for v in validity[["spearman", "spearman_low", "spearman_high"]].itertuples(index=False)],
        "params": [_rho(*v) for v in validity[["baseline_spearman", "baseline_low", "baseline_high"]]
                   .itertuples(index=False)],
        "n": validity["n"].to_numpy(),
        "n_csms": validity["n_csms"].to_numpy(),
    })
    span = f" ({quarters[0]} to {quarters[-1]})" if quarters else ""
    return table_html(
        shown,
        labels={"outcome": "Outcome", "expected": "Useful sign", "these": "Spearman ρ, these weights (95% interval)",
                "params": "Spearman ρ, params' weights (95% interval)", "n": "Pairs (CSM-quarters)",
                "n_csms": "CSMs"},
        formats={"n": "int", "n_csms": "int"},
        caption=f"Did last quarter's score rank next quarter's results?{span}",
    ) + note_html(VALIDITY_NOTE)


class WeightTuner(widgets.VBox):
    """The tuner widget; ``sliders``, ``table``, ``validity``, ``summary``, ``status`` are its parts."""

    def __init__(self, session: TuningSession, *, params_path: str | Path, n_boot: int = 200,
                 filename: str = DEFAULT_FILENAME) -> None:
        self.session = session
        self.params_path = Path(params_path)
        self.n_boot = int(n_boot)
        self.initial = _slider_values(session.baseline_weights)
        self.sliders = {
            c: widgets.FloatSlider(value=self.initial[c], min=0.0, max=1.0, step=0.05, description=CATEGORY_LABELS[c],
                                   continuous_update=False, readout_format=".2f",
                                   style={"description_width": "130px"}, layout=widgets.Layout(width="420px"))
            for c in CATEGORIES
        }
        self.shares = {c: widgets.HTML() for c in CATEGORIES}
        self.summary = widgets.HTML()
        self.table = widgets.HTML()
        self.validity = widgets.HTML()
        self.status = widgets.HTML()
        self.reset_button = widgets.Button(description="Reset", tooltip="Back to the weights of the params file")
        self.save_button = widgets.Button(description="Save weights", button_style="primary",
                                          tooltip="Write a params file that extends the current one")
        self.filename = widgets.Text(value=filename, description="File", placeholder=DEFAULT_FILENAME)
        self.confirm_button = widgets.Button(description="Yes, replace it", button_style="warning",
                                             tooltip="Replace the existing file with these weights",
                                             layout=widgets.Layout(display="none"))
        self._confirming: Path | None = None
        self.last: TuningComparison | None = None
        self._holding = False
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.reset_button.on_click(lambda _button: self.reset())
        self.save_button.on_click(lambda _button: self.save())
        self.confirm_button.on_click(lambda _button: self.save(confirmed=True))
        self.filename.observe(lambda _change: self._cancel_confirm(), names="value")
        rows = [widgets.HBox([self.sliders[c], self.shares[c]]) for c in CATEGORIES]
        super().__init__(children=[
            widgets.HTML(_CSS + "<b>Category weights</b> (relative; the share of the total is shown beside each)"),
            *rows,
            widgets.HBox([self.reset_button, self.filename, self.save_button, self.confirm_button],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.status, self.summary, self.table, self.validity,
        ])
        self.add_class("cal-tuner")
        self.update()

    def weights(self) -> dict[str, float]:
        """The slider values as ``{category: weight}``."""
        return {c: float(s.value) for c, s in self.sliders.items()}

    def _on_change(self, _change) -> None:
        if not self._holding:
            self.update()

    def update(self) -> None:
        """Re-score for the current slider values and refresh every part."""
        weights = self.weights()
        try:
            shares = weight_shares(weights)
        except CalibrateError as exc:
            for c in CATEGORIES:
                self.shares[c].value = "–"
            self.summary.value = note_html(f"{exc} The table still shows the last valid weights.", kind="warning")
            self.save_button.disabled = True
            return
        self.save_button.disabled = False
        for c in CATEGORIES:
            self.shares[c].value = f"{shares[c]:.0%} of total"
        table = self.session.rescore(weights)
        self.last = self.session.compare(weights, table=table)
        self.summary.value = f"<p><b>{escape_text(self.last.summary)}</b></p>"
        self.table.value = tuner_table(table)
        self.validity.value = validity_table_html(self.session.validity(weights, n_boot=self.n_boot),
                                                  quarters=self.session.validity_quarters)

    def reset(self) -> None:
        """Put every slider back to the params' weights (one update, not seven)."""
        self._holding = True
        try:
            for c, slider in self.sliders.items():
                slider.value = self.initial[c]
        finally:
            self._holding = False
        self.status.value = ""
        self.update()

    def target_path(self) -> Path:
        """The file the Text box names: ``local-<name>.yaml`` in the params file's folder (``weights_target``)."""
        return weights_target(self.params_path.parent, self.filename.value)

    def _cancel_confirm(self) -> None:
        self._confirming = None
        self.confirm_button.layout.display = "none"

    def save(self, *, confirmed: bool = False) -> Path | None:
        """Save the current weights (``save_weights``); the status line says where, or why not.

        An existing file is replaced only after "Yes, replace it" is clicked
        for that same file.
        """
        try:
            target = self.target_path()
        except CalibrateError as exc:
            self._cancel_confirm()
            self.status.value = note_html(f"Not saved: {exc}", kind="warning")
            return None
        if target.exists() and not (confirmed and self._confirming == target):
            self._confirming = target
            self.confirm_button.layout.display = ""
            self.status.value = note_html(f"{target.name} already exists in {target.parent}. Click \"Yes, replace it\" "
                                          "to overwrite it, or type another name.", kind="warning")
            return None
        self._cancel_confirm()
        try:
            written = save_weights(self.weights(), target, base=self.params_path, overwrite=True)
        except (CalibrateError, OSError) as exc:
            self.status.value = note_html(f"Not saved: {exc}", kind="warning")
            return None
        self.status.value = note_html(f"Saved to {written}. Run the next batch from the repository folder with: "
                                      f"{run_command(written)}")
        return written


def _slider_values(weights: Mapping[str, float]) -> dict[str, float]:
    """Slider positions for the params' weights: as they are, or scaled so the largest is 1."""
    top = max(weights.values())
    scale = 1.0 / top if top > 1.0 else 1.0
    return {c: float(weights[c]) * scale for c in CATEGORIES}


def weight_tuner(session: TuningSession, *, params_path: str | Path, n_boot: int = 200) -> WeightTuner:
    """Build the tuner widget for ``session``; saved files extend ``params_path``."""
    return WeightTuner(session, params_path=params_path, n_boot=n_boot)
