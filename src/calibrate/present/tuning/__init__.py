"""Weight tuning: sliders that re-score the team live, backtest the weights and save them.

``TuningSession.from_history(current, previous, params)`` precomputes once;
``weight_tuner(session, params_path=...)`` is the ipywidgets UI the
notebooks/weight_tuning.py notebook shows; ``save_weights`` writes a params
file that extends the current one. See the modules' docstrings.
"""

from .model import (CATEGORY_LABELS, RESCORE_COLUMNS, VALIDITY_COLUMNS, TuningComparison, TuningSession, check_weights,
                    weight_shares)
from .save import HEADER_MARK, save_weights
from .widgets import WeightTuner, tuner_table, validity_table_html, weight_tuner

__all__ = [
    "CATEGORY_LABELS",
    "HEADER_MARK",
    "RESCORE_COLUMNS",
    "VALIDITY_COLUMNS",
    "TuningComparison",
    "TuningSession",
    "WeightTuner",
    "check_weights",
    "save_weights",
    "tuner_table",
    "validity_table_html",
    "weight_shares",
    "weight_tuner",
]
