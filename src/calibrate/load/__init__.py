"""Load + validate: the one place that touches input files.

``load_dataset(folder)`` reads every table of the data contract, checks every
rule and returns a typed ``Dataset``, or raises one ``DataValidationError``
listing every violation. ``validate_frames`` runs the same checks on frames
built in code (tests, notebooks).

Modules: ``reading`` (find and read files as text), ``columns`` (header,
renames, missing columns), ``coerce`` (text to typed columns, per kind),
``rules`` (keys, foreign keys, overlaps, date order, survey scores),
``arr_gaps`` (carry a missing ARR month forward), ``collect`` (count and cap
violations), ``pipeline`` (the two public functions).
"""

from .pipeline import load_dataset, validate_frames

__all__ = ["load_dataset", "validate_frames"]
