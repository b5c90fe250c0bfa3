"""The bridge between the database and the pure benefit engine in ``claims.rules``.

Everything the engine needs is gathered here from the rows, so the rules stay
free of Django and every stored decision can be replayed from its inputs.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from claims.models import COUNTED_STATUSES, Claim
from claims.rules import Bundle, ClaimFacts, CoverageFacts, History, Result, Schedule, Tier, evaluate_bundle
from claims.rules.serialize import dump_inputs
from enrollment.models import ZERO, ComponentKind, Coverage, Plan, PlanComponent, PlanKind


def schedule_for(plan: Plan) -> Schedule:
    """The plan's own benefit: its first (for most plans, its only) component."""
    high_codes: frozenset[str] = frozenset()
    if plan.high_rate_catalogue_id:
        high_codes = frozenset(plan.high_rate_catalogue.items.values_list("code", flat=True))
    return Schedule(
        plan_code=plan.code,
        kind=plan.kind,
        waiting_days=plan.waiting_days,
        claim_deadline_days=plan.claim_deadline_days,
        deductible=plan.deductible,
        tiers=tuple(Tier(t.up_to, t.rate) for t in plan.tiers.all()),
        cap=plan.cap,
        priority=plan.priority,
        day_rate=plan.day_rate,
        high_day_rate=plan.high_day_rate,
        high_rate_codes=high_codes,
        accident_day_rate=plan.accident_day_rate,
        traffic_day_rate=plan.traffic_day_rate,
        stay_day_cap=plan.stay_day_cap,
        coverage_day_cap=plan.coverage_day_cap,
        lump_sums=tuple((ls.item.code, ls.amount_per_share) for ls in plan.lump_sums.select_related("item")),
        condolence=plan.condolence,
        death_per_share=plan.death_per_share,
        disability_per_share=plan.disability_per_share,
        accident_medical_cap_per_share=plan.accident_medical_cap_per_share,
        accident_medical_deductible=plan.accident_medical_deductible,
        accident_medical_rate=plan.accident_medical_rate,
        work_injury_excluded=plan.work_injury_excluded,
        component=plan.component_name,
    )


def component_schedule(plan: Plan, component: PlanComponent) -> Schedule:
    """A further component of the plan; only the fields of its kind are read."""
    common = {
        "plan_code": plan.code,
        "kind": component.kind,
        "component": component.name,
        "claim_deadline_days": plan.claim_deadline_days,
    }
    if component.kind == ComponentKind.ACCIDENT:
        return Schedule(
            **common,
            death_per_share=component.death_per_share,
            disability_per_share=component.disability_per_share,
            accident_medical_cap_per_share=component.accident_medical_cap_per_share,
            accident_medical_deductible=component.accident_medical_deductible,
            accident_medical_rate=component.accident_medical_rate,
            work_injury_excluded=component.work_injury_excluded,
        )
    if component.kind == ComponentKind.DEATH:
        return Schedule(
            **common,
            waiting_days=component.waiting_days,
            death_per_share=component.death_any_cause_per_share,
            condolence=component.condolence,
        )
    return Schedule(
        **common,
        waiting_days=component.waiting_days,
        property_deductible=component.property_deductible,
        property_rate=component.property_rate,
        property_cap_per_share=component.property_cap_per_share,
    )


def bundle_for(plan: Plan) -> Bundle:
    """Every component of the plan: its own benefit first, then its further components."""
    further = tuple(component_schedule(plan, c) for c in plan.components.all())
    return Bundle(plan.code, (schedule_for(plan), *further))


def coverage_facts(coverage: Coverage | None) -> CoverageFacts | None:
    if coverage is None:
        return None
    return CoverageFacts(
        effective_from=coverage.effective_from,
        coverage_end=coverage.effective_to,
        shares=coverage.shares,
        renewed_shares=coverage.renewed_shares,
    )


def _counted(queryset, exclude_pk):
    queryset = queryset.filter(status__in=COUNTED_STATUSES)
    return queryset.exclude(pk=exclude_pk) if exclude_pk else queryset


def history_for(*, coverage: Coverage, event_date: date | None, exclude_pk: int | None = None) -> History:
    """The member's approved claims in this coverage (and conditions ever paid under the plan code)."""
    in_coverage = _counted(Claim.objects.filter(coverage=coverage), exclude_pk)
    totals = in_coverage.aggregate(
        eligible=Sum("eligible_expense"),
        paid=Sum("approved_amount"),
        days=Sum("days"),
        accident_medical=Sum("accident_medical"),
        disability=Sum("disability_amount", filter=Q(event_date=event_date) if event_date else Q(pk__in=[])),
        property_loss=Sum("property_loss_amount"),
    )
    conditions = _counted(
        Claim.objects.filter(member_id=coverage.member_id, plan__code=coverage.plan.code).exclude(condition=""),
        exclude_pk,
    ).values_list("condition", flat=True)
    return History(
        eligible_total=totals["eligible"] or ZERO,
        paid_total=totals["paid"] or ZERO,
        days_paid=totals["days"] or 0,
        paid_conditions=frozenset(conditions),
        condolence_paid=in_coverage.filter(is_condolence=True).exists(),
        accident_medical_paid=totals["accident_medical"] or ZERO,
        disability_paid_for_event=totals["disability"] or ZERO,
        property_loss_paid=totals["property_loss"] or ZERO,
    )


def same_stay_claims(claim: Claim):
    """The member's claims under the period's other reimbursement plans for this same stay."""
    return Claim.objects.filter(
        member_id=claim.member_id,
        admitted=claim.admitted,
        plan__period_id=claim.plan.period_id,
        plan__kind=PlanKind.REIMBURSEMENT,
        plan__is_addon=False,  # an add-on pays on top (§14); the model keeps it from reimbursing anyway
    ).exclude(plan_id=claim.plan_id)


def prior_plan_payouts(claim: Claim) -> Decimal:
    """What the other reimbursement plans already paid for this same stay (indemnity rule).

    Plans are approved in ascending priority (``claim_approve`` enforces it), so
    these are normally the higher-priority plans; counting every other plan is the
    backstop that keeps one stay's payouts within its eligible expense whatever happens.
    """
    if claim.plan.kind != PlanKind.REIMBURSEMENT or claim.plan.is_addon or claim.admitted is None:
        return ZERO
    earlier = _counted(same_stay_claims(claim), claim.pk)
    return earlier.aggregate(s=Sum("approved_amount"))["s"] or ZERO


def claim_facts(claim: Claim, *, submitted: date) -> ClaimFacts:
    return ClaimFacts(
        kind=claim.kind,
        submitted=submitted,
        cause=claim.cause,
        admitted=claim.admitted,
        discharged=claim.discharged,
        event_date=claim.event_date,
        diagnosis=claim.diagnosis or None,
        disability_grade=claim.disability_grade,
        total_cost=claim.total_cost,
        basic_insurance_paid=claim.basic_insurance_paid,
        other_paid=claim.other_paid,
        excluded_self_pay=claim.excluded_self_pay,
        prior_plan_payouts=claim.prior_plan_payouts,
        loss_amount=claim.loss_amount,
        work_injury=claim.work_injury,
    )


def submitted_on(claim: Claim) -> date:
    return timezone.localdate(claim.submitted_at) if claim.submitted_at else timezone.localdate()


def estimate(claim: Claim) -> tuple[Result, dict]:
    """Evaluate ``claim`` against the database as it stands; writes nothing.

    Returns the result and the exact inputs it was computed from.
    """
    claim.prior_plan_payouts = prior_plan_payouts(claim)
    bundle = bundle_for(claim.plan)
    coverage = coverage_facts(claim.coverage)
    history = history_for(
        coverage=claim.coverage,
        event_date=claim.event_date if claim.kind == "disability" else None,
        exclude_pk=claim.pk,
    )
    facts = claim_facts(claim, submitted=submitted_on(claim))
    result = evaluate_bundle(bundle, coverage, history, facts)
    return result, dump_inputs(bundle, coverage, history, facts)


def statement_of(claim: Claim) -> list[str]:
    """The stored decision in plain words (``claims.rules.statement``), replayed from its inputs."""
    from claims.rules.serialize import load_inputs
    from claims.rules.statement import statement

    if not claim.inputs:
        return []
    schedule, coverage, history, facts = load_inputs(claim.inputs)
    bundle = schedule if isinstance(schedule, Bundle) else Bundle(schedule.plan_code, (schedule,))
    result = evaluate_bundle(bundle, coverage, history, facts)
    return statement(bundle, coverage, history, facts, result)
