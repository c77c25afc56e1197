"""Calibration workbook for quarterly reviews of customer success managers.

Data flows one way (see ARCHITECTURE.md):
load + validate -> book -> metrics -> scoring -> models -> present -> batch.
"""

from .errors import CalibrateError, DataValidationError, ParamsError, Violation
from .params import Params, load_params
from .periods import Period, parse_period

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "CalibrateError",
    "DataValidationError",
    "ParamsError",
    "Violation",
    "Params",
    "load_params",
    "Period",
    "parse_period",
]
