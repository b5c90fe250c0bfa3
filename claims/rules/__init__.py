"""The benefit engine: pure Python, no Django (see DOMAIN.md sections 5 and 14).

``evaluate(schedule, coverage, history, claim) -> Result`` for one component schedule,
``evaluate_bundle(bundle, ...)`` for a plan of one or more components; store the result
with ``RULES_VERSION`` and ``serialize.dump_inputs(...)`` to replay it later.
"""

from .engine import evaluate, evaluate_bundle
from .facts import ClaimFacts, CoverageFacts, History, Line, Result
from .reasons import REASON_LABELS
from .schedule import Bundle, Schedule, Tier

RULES_VERSION = "2026.1"

__all__ = [
    "REASON_LABELS",
    "RULES_VERSION",
    "Bundle",
    "ClaimFacts",
    "CoverageFacts",
    "History",
    "Line",
    "Result",
    "Schedule",
    "Tier",
    "evaluate",
    "evaluate_bundle",
]
