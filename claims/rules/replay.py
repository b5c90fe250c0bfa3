"""Replay a period's claims through the engine, as a what-if (DOMAIN.md §5, §12).

Pure Python, like the engine. The caller hands the claims in the order the real decisions were
taken (plan priority, then coverage, then submission); each claim is evaluated against the history
the claims before it in the replay built, exactly as ``claims.engine.history_for`` builds it from the
database (eligible expense, amounts, days, conditions, condolence, accident medical, disability per
accident, property loss), so deductibles and caps accumulate as the real ones did. Every replayed
claim counts in the history, whatever it decides: in the real review a claim paying nothing is closed
(结案) with its eligible expense kept, and a claim paying something is approved.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from .engine import evaluate_bundle
from .facts import DISABILITY, HOSPITAL_STAY, ClaimFacts, CoverageFacts, History, Result
from .frozen import quick_init
from .money import ZERO
from .schedule import REIMBURSEMENT, Bundle


@quick_init
@dataclass(frozen=True)
class ReplayItem:
    key: Hashable  # the claim's id
    coverage_key: Hashable
    member_key: Hashable
    plan_code: str
    coverage: CoverageFacts
    claim: ClaimFacts


@quick_init
@dataclass(frozen=True)
class Replayed:
    item: ReplayItem
    history: History  # what the claim was evaluated against: replay it with ``explain=True`` to show why
    claim: ClaimFacts  # as evaluated (the indemnity rule may have changed prior_plan_payouts)
    result: Result


class _Coverage:
    """What a coverage's claims so far add up to (the fields of History)."""

    __slots__ = ("accident_medical", "condolence", "days", "disability", "eligible", "paid", "property_loss")

    def __init__(self) -> None:
        self.eligible: Decimal = ZERO
        self.paid: Decimal = ZERO
        self.days = 0
        self.condolence = False
        self.accident_medical: Decimal = ZERO
        self.property_loss: Decimal = ZERO
        self.disability: dict[date | None, Decimal] = {}


_FIRST = History()  # a coverage's first claim, with no condition paid before: nothing to add up yet


def replay(
    bundles: Mapping[str, Bundle],
    items: Iterable[ReplayItem],
    *,
    paid_conditions: Mapping[tuple[Hashable, str], frozenset[str]] | None = None,
) -> list[Replayed]:
    """Every item evaluated in the order given, each one's history made of those before it.

    ``bundles`` maps a plan code to its schedule; ``paid_conditions`` the conditions already paid to
    a member under a plan code in other periods (a condition is paid once across periods).
    """
    coverages: dict[Hashable, _Coverage] = {}
    conditions: dict[tuple[Hashable, str], frozenset[str]] = dict(paid_conditions or {})
    # One stay's payouts by each reimbursement plan so far (the indemnity rule across plans, §5).
    stays: dict[tuple[Hashable, date], dict[str, Decimal]] = {}
    reimbursing = {code: bundle.components[0].kind == REIMBURSEMENT for code, bundle in bundles.items()}
    out: list[Replayed] = []
    append = out.append
    for item in items:
        code = item.plan_code
        bundle = bundles[code]
        claim = item.claim
        acc = coverages.get(item.coverage_key)
        stay = (item.member_key, claim.admitted) if reimbursing[code] and claim.admitted else None
        if stay is not None:
            by_plan = stays.get(stay)
            others = [paid for other, paid in by_plan.items() if other != code] if by_plan else None
            if others:
                claim = replace(claim, prior_plan_payouts=sum(others, ZERO))
        held = conditions.get((item.member_key, code), frozenset())
        if acc is None:
            acc = coverages[item.coverage_key] = _Coverage()
            history = _FIRST if not held else replace(_FIRST, paid_conditions=held)
        else:
            event = claim.event_date if claim.kind == DISABILITY else None
            history = History(
                eligible_total=acc.eligible,
                paid_total=acc.paid,
                days_paid=acc.days,
                paid_conditions=held,
                condolence_paid=acc.condolence,
                accident_medical_paid=acc.accident_medical,
                disability_paid_for_event=acc.disability.get(event, ZERO) if event else ZERO,
                property_loss_paid=acc.property_loss,
            )
        result = evaluate_bundle(bundle, item.coverage, history, claim, explain=False)
        # Zeros are not added: the totals keep their value (only a 0's exponent could differ).
        if result.eligible_expense:
            acc.eligible += result.eligible_expense
        if result.payable:
            acc.paid += result.payable
        if result.days:
            acc.days += result.days
        if result.condolence:
            acc.condolence = True
        if result.accident_medical:
            acc.accident_medical += result.accident_medical
        if result.property_loss:
            acc.property_loss += result.property_loss
        if result.disability:
            acc.disability[claim.event_date] = acc.disability.get(claim.event_date, ZERO) + result.disability
        if result.condition:
            conditions[(item.member_key, code)] = held | {result.condition}
        if stay is not None and claim.kind == HOSPITAL_STAY:
            by_plan = stays.setdefault(stay, {})
            by_plan[code] = by_plan.get(code, ZERO) + result.payable
        append(Replayed(item, history, claim, result))
    return out
