"""Evidence-grounded draft narrative of the per-CSM review.

- :mod:`.evidence` — the input seam: ``ReviewEvidence`` and its parts.
- :mod:`.formatting` — the one number formatter and the pattern that finds numbers again.
- :mod:`.facts` — every statable value, formatted once from the evidence.
- :mod:`.phrases` — the phrase library (templates with named slots).
- :mod:`.compose` — ``draft_narrative``; :mod:`.coaching` — strengths, development areas, 30-day plan.
- :mod:`.grounding` — ``check_grounding`` / ``assert_grounded``.
"""

from .coaching import PlanItem, ReviewPoint, coaching_plan, strengths_and_development
from .compose import Narrative, NarrativeSection, draft_narrative
from .evidence import AccountEvidence, EvidenceNote, ReviewEvidence, TriggerEvidence
from .facts import Facts, derive_facts
from .grounding import GENERIC_PHRASES, GroundingProblem, NameIndex, assert_grounded, check_grounding, count_words

__all__ = [
    "AccountEvidence",
    "EvidenceNote",
    "TriggerEvidence",
    "ReviewEvidence",
    "Facts",
    "derive_facts",
    "Narrative",
    "NarrativeSection",
    "draft_narrative",
    "ReviewPoint",
    "PlanItem",
    "strengths_and_development",
    "coaching_plan",
    "GENERIC_PHRASES",
    "GroundingProblem",
    "check_grounding",
    "NameIndex",
    "assert_grounded",
    "count_words",
]
