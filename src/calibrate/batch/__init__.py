"""Batch: run every report notebook of a period with papermill and index the results.

``run_batch`` is the entry point; ``PreparedBatch``/``default_prepare`` are the
seam where the scoring stage plugs in its ``compute_period``.
"""

from .execute import NotebookJob, execute_job, resolve_kernel_name
from .manifest import NotebookStatus, read_manifest
from .bundle import BundleInfo, ensure_bundle, write_bundle
from .prepare import PreparedBatch, PrepareFn, check_prepared, default_prepare, team_figures
from .runner import BatchResult, LoadFn, load_with_contract, run_batch
from .templates import TEMPLATES, ReportTemplate

__all__ = [
    "run_batch",
    "BatchResult",
    "LoadFn",
    "load_with_contract",
    "PreparedBatch",
    "PrepareFn",
    "BundleInfo",
    "default_prepare",
    "check_prepared",
    "team_figures",
    "write_bundle",
    "ensure_bundle",
    "NotebookJob",
    "NotebookStatus",
    "execute_job",
    "resolve_kernel_name",
    "read_manifest",
    "TEMPLATES",
    "ReportTemplate",
]
