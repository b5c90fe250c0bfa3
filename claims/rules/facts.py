"""What the engine is told about a coverage, a member's history and a claim,
and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .frozen import quick_init
from .money import ZERO

HOSPITAL_STAY = "hospital_stay"
DIAGNOSIS = "diagnosis"
DISABILITY = "disability"
DEATH = "death"
PROPERTY_LOSS_CLAIM = "property_loss"
CLAIM_KINDS = (HOSPITAL_STAY, DIAGNOSIS, DISABILITY, DEATH, PROPERTY_LOSS_CLAIM)

ILLNESS = "illness"
ACCIDENT_CAUSE = "accident"
TRAFFIC_ACCIDENT = "traffic_accident"
CAUSES = (ILLNESS, ACCIDENT_CAUSE, TRAFFIC_ACCIDENT)

PAYABLE = "payable"
CONDOLENCE = "condolence"
NOT_PAYABLE = "not_payable"


@quick_init
@dataclass(frozen=True)
class CoverageFacts:
    effective_from: date
    coverage_end: date
    shares: int = 1
    renewed_shares: int = 0  # held in the previous period: no waiting for them


@quick_init
@dataclass(frozen=True)
class History:
    """The member's approved (or paid) claims, aggregated by the caller."""

    eligible_total: Decimal = ZERO
    paid_total: Decimal = ZERO
    days_paid: int = 0
    paid_conditions: frozenset[str] = frozenset()
    condolence_paid: bool = False
    accident_medical_paid: Decimal = ZERO
    disability_paid_for_event: Decimal = ZERO
    property_loss_paid: Decimal = ZERO


@quick_init
@dataclass(frozen=True)
class ClaimFacts:
    kind: str
    submitted: date
    cause: str = ILLNESS
    admitted: date | None = None
    discharged: date | None = None
    event_date: date | None = None
    diagnosis: str | None = None
    disability_grade: int | None = None
    total_cost: Decimal = ZERO
    basic_insurance_paid: Decimal = ZERO
    other_paid: Decimal = ZERO
    excluded_self_pay: Decimal = ZERO
    prior_plan_payouts: Decimal = ZERO
    loss_amount: Decimal = ZERO  # a property loss: the assessed loss (核定损失)
    work_injury: bool = False  # marked 工伤

    @property
    def is_accident(self) -> bool:
        return self.cause in (ACCIDENT_CAUSE, TRAFFIC_ACCIDENT)

    @property
    def incident_date(self) -> date | None:
        return self.admitted if self.kind == HOSPITAL_STAY else self.event_date


@dataclass(frozen=True)
class Line:
    label: str
    amount: Decimal | None = None


@quick_init
@dataclass(frozen=True)
class Result:
    payable: Decimal
    decision: str
    reasons: tuple[str, ...]
    lines: tuple[Line, ...]
    # What this claim adds to the member's History once approved.
    eligible_expense: Decimal = ZERO
    days: int = 0
    condition: str | None = None
    condolence: bool = False
    accident_medical: Decimal = ZERO
    disability: Decimal = ZERO
    property_loss: Decimal = ZERO
