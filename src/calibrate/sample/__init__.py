"""Synthetic exports for every contract table, with planted truths (``calibrate sample``).

Modules, in the order the generator runs them: ``timeline`` (the calendar),
``roster`` (CSMs, roles, books), ``generate`` (accounts, ownership plan, weekly
health, monthly ARR), ``planted`` (the review quarter's planted scenarios and
the guards that keep other books clean), ``derive`` (ownership, ARR rows,
renewals), ``events`` (activities, tickets, surveys, onboarding), ``ai`` (flags
and drafts), ``people`` (ratings and evidence), ``write`` and ``readme``.
"""

from .api import generate_sample
from .readme import parse_expected_flags
from .summary import FLAG_NAMES, PlantedScenario, SampleSummary

__all__ = ["generate_sample", "SampleSummary", "PlantedScenario", "parse_expected_flags", "FLAG_NAMES"]
