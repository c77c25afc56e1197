"""Calibration workbook for quarterly reviews of customer success managers.

Data flows one way (see ARCHITECTURE.md):
load + validate -> book -> metrics -> scoring -> models -> present -> batch.
"""

from .dataset import Dataset
from .errors import CalibrateError, DataValidationError, ParamsError, Violation
from .params import Params, load_params
from .periods import Period, parse_period
from .load import load_dataset, validate_frames

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
    "Dataset",
    "load_dataset",
    "validate_frames",
    "parse_period",
]
