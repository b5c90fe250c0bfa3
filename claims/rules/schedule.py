"""A plan's benefit schedule for one period, and the reimbursement curve f(E)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from .money import ZERO

REIMBURSEMENT = "REIMBURSEMENT"
ALLOWANCE = "ALLOWANCE"
LUMP_SUM = "LUMP_SUM"
ACCIDENT = "ACCIDENT"
DEATH_ANY_CAUSE = "DEATH"  # death from any cause (Guangxi's 职工综合互助保障, DOMAIN.md §14)
PROPERTY_LOSS = "PROPERTY_LOSS"  # household property lost to fire (Beijing's 家财火灾)
SCHEDULE_KINDS = (REIMBURSEMENT, ALLOWANCE, LUMP_SUM, ACCIDENT, DEATH_ANY_CAUSE, PROPERTY_LOSS)


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None  # cumulative eligible expense E where this rate stops
    rate: Decimal


@dataclass(frozen=True)
class Schedule:
    plan_code: str
    kind: str
    waiting_days: int = 0
    claim_deadline_days: int = 180
    # REIMBURSEMENT
    deductible: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
    cap: Decimal | None = None
    priority: int = 1
    # ALLOWANCE
    day_rate: Decimal = ZERO
    high_day_rate: Decimal = ZERO
    high_rate_codes: frozenset[str] = frozenset()
    accident_day_rate: Decimal | None = None
    traffic_day_rate: Decimal | None = None
    stay_day_cap: int | None = None
    coverage_day_cap: int | None = None
    # LUMP_SUM
    lump_sums: tuple[tuple[str, Decimal], ...] = ()
    condolence: Decimal = ZERO
    # ACCIDENT parts (ACC, and the accident parts of ALW and GIG)
    death_per_share: Decimal = ZERO
    disability_per_share: Decimal = ZERO
    accident_medical_cap_per_share: Decimal = ZERO
    accident_medical_deductible: Decimal = Decimal("100")
    accident_medical_rate: Decimal = Decimal("0.8")
    # A claim marked as a work injury (工伤) is not payable by this accident part.
    work_injury_excluded: bool = False
    # DEATH (from any cause): death_per_share above, with waiting_days and condolence for an illness.
    # PROPERTY_LOSS: (assessed loss - deductible per fire) x rate, capped per share per coverage.
    property_deductible: Decimal = Decimal("200")
    property_rate: Decimal = Decimal("0.8")
    property_cap_per_share: Decimal = ZERO
    # The component's name within a bundle (e.g. 意外伤害); empty for a plan of one component.
    component: str = ""

    def lump_sum_for(self, code: str | None) -> Decimal | None:
        for catalogue_code, amount in self.lump_sums:
            if catalogue_code == code:
                return amount
        return None


@dataclass(frozen=True)
class Bundle:
    """A plan's benefit as one or more component schedules (DOMAIN.md §14).

    A claim is assessed against every component its event triggers. At most one component of each
    kind; a reimbursement component stands alone (its cap, deductible and the indemnity rule across
    plans count the plan's whole payouts).
    """

    plan_code: str
    components: tuple[Schedule, ...]

    def __post_init__(self) -> None:
        kinds = [component.kind for component in self.components]
        if not kinds:
            raise ValueError(f"plan {self.plan_code} has no component")
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"plan {self.plan_code} has two components of one kind: {kinds}")
        if REIMBURSEMENT in kinds and len(kinds) > 1:
            raise ValueError(f"plan {self.plan_code}: a reimbursement component must be the only one")


@dataclass(frozen=True)
class Band:
    low: Decimal  # exclusive
    high: Decimal | None  # inclusive; None = unbounded
    rate: Decimal

    def portion(self, start: Decimal, end: Decimal) -> Decimal:
        """How much of the interval (start, end] of E falls in this band."""
        top = end if self.high is None else min(end, self.high)
        return max(ZERO, top - max(start, self.low))


def bands(schedule: Schedule) -> tuple[Band, ...]:
    """The tiers as absolute bands of E; nothing below the deductible pays."""
    last = _last_bands
    if last and last[0] is schedule:  # a replay asks for one schedule's bands many times in a row
        return last[1]
    result = _bands(schedule.deductible, schedule.tiers)
    _last_bands[:] = [schedule, result]
    return result


_last_bands: list = []


@cache  # a replay of a whole period asks for the same few schedules' bands 300,000 times
def _bands(deductible: Decimal, tiers: tuple[Tier, ...]) -> tuple[Band, ...]:
    result = []
    previous = ZERO
    for tier in tiers:
        low = max(previous, deductible)
        if tier.up_to is None or tier.up_to > low:
            result.append(Band(low, tier.up_to, tier.rate))
        if tier.up_to is None:
            break
        previous = max(previous, tier.up_to)
    return tuple(result)


def benefit_curve(schedule: Schedule, total: Decimal) -> Decimal:
    """f(E): the exact cumulative benefit for cumulative eligible expense E."""
    result = ZERO
    for band in bands(schedule):  # ascending: from the first band E does not pass, nothing more pays
        if total <= band.low:
            break
        # band.portion(ZERO, total), written out: low >= 0 and high > low, so the part is positive
        result += band.rate * ((total if band.high is None or total < band.high else band.high) - band.low)
    return result
