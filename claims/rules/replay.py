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
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from .engine import evaluate_bundle
from .facts import DISABILITY, HOSPITAL_STAY, ClaimFacts, CoverageFacts, History, Result
from .money import ZERO
from .schedule import REIMBURSEMENT, Bundle


@dataclass(frozen=True)
class ReplayItem:
    key: Hashable  # the claim's id
    coverage_key: Hashable
    member_key: Hashable
    plan_code: str
    coverage: CoverageFacts
    claim: ClaimFacts


@dataclass(frozen=True)
class Replayed:
    item: ReplayItem
    history: History  # what the claim was evaluated against: replay it with ``explain=True`` to show why
    claim: ClaimFacts  # as evaluated (the indemnity rule may have changed prior_plan_payouts)
    result: Result


@dataclass
class _Coverage:
    eligible: Decimal = ZERO
    paid: Decimal = ZERO
    days: int = 0
    condolence: bool = False
    accident_medical: Decimal = ZERO
    property_loss: Decimal = ZERO
    disability: dict[date | None, Decimal] = field(default_factory=dict)


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
    out: list[Replayed] = []
    for item in items:
        bundle = bundles[item.plan_code]
        acc = coverages.setdefault(item.coverage_key, _Coverage())
        claim = item.claim
        reimbursement = bundle.components[0].kind == REIMBURSEMENT
        stay = (item.member_key, claim.admitted) if reimbursement and claim.admitted else None
        others = [paid for code, paid in stays.get(stay, {}).items() if code != item.plan_code] if stay else []
        if others:
            claim = replace(claim, prior_plan_payouts=sum(others, ZERO))
        held = conditions.get((item.member_key, item.plan_code), frozenset())
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
        acc.eligible += result.eligible_expense
        acc.paid += result.payable
        acc.days += result.days
        acc.condolence = acc.condolence or result.condolence
        acc.accident_medical += result.accident_medical
        acc.property_loss += result.property_loss
        if result.disability:
            acc.disability[claim.event_date] = acc.disability.get(claim.event_date, ZERO) + result.disability
        if result.condition:
            conditions[(item.member_key, item.plan_code)] = held | {result.condition}
        if stay is not None and claim.kind == HOSPITAL_STAY:
            by_plan = stays.setdefault(stay, {})
            by_plan[item.plan_code] = by_plan.get(item.plan_code, ZERO) + result.payable
        out.append(Replayed(item, history, claim, result))
    return out
