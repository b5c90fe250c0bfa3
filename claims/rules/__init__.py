"""The benefit engine: pure Python, no Django (see DOMAIN.md section 5).

``evaluate(schedule, coverage, history, claim) -> Result``; store the result
with ``RULES_VERSION`` and ``serialize.dump_inputs(...)`` to replay it later.
"""

from .engine import evaluate
from .facts import ClaimFacts, CoverageFacts, History, Line, Result
from .reasons import REASON_LABELS
from .schedule import Schedule, Tier

RULES_VERSION = "2026.1"

__all__ = [
    "REASON_LABELS",
    "RULES_VERSION",
    "ClaimFacts",
    "CoverageFacts",
    "History",
    "Line",
    "Result",
    "Schedule",
    "Tier",
    "evaluate",
]
