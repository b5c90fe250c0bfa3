"""Invariants of the engine over generated plans, histories and claims."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from claims.rules import ClaimFacts, CoverageFacts, History, Result, Schedule, Tier, evaluate
from claims.rules.money import to_cents
from claims.rules.schedule import benefit_curve

from .demo_schedules import (
    A_CODES,
    ACC_16,
    ALW_16,
    GIG_16,
    MED_15,
    MED_16,
    NEEDY_16,
    P16_END,
    P16_START,
)
from .strategies import cases, money, rates

COVERAGE = CoverageFacts(P16_START, P16_END, shares=3, renewed_shares=1)

in_coverage = st.dates(min_value=P16_START, max_value=P16_END)
ILLNESS = st.just("illness")


@st.composite
def reimbursement_schedules(draw):
    """The demo plans and arbitrary tiered curves with or without a cap."""
    bounds = sorted(draw(st.sets(st.integers(1, 200_000).map(Decimal), max_size=3)))
    ups = [*bounds, None] if draw(st.booleans()) else bounds
    tiers = tuple(Tier(up, draw(rates)) for up in ups)
    cap = draw(st.none() | st.integers(1, 150_000).map(Decimal))
    deductible = Decimal(draw(st.integers(0, 20_000)))
    made = Schedule(plan_code="MED", kind="REIMBURSEMENT", deductible=deductible, tiers=tiers, cap=cap)
    return draw(st.sampled_from([MED_16, MED_15, NEEDY_16, made]))


@st.composite
def stays(draw, cause=ILLNESS):
    admitted = draw(in_coverage)
    total = draw(money)
    return ClaimFacts(
        kind="hospital_stay",
        submitted=P16_END,
        cause=draw(cause),
        admitted=admitted,
        discharged=admitted + timedelta(days=draw(st.integers(0, 60))),
        diagnosis=draw(st.none() | st.sampled_from(sorted(A_CODES)) | st.just("Z99")),
        total_cost=total,
        basic_insurance_paid=draw(st.decimals(min_value=0, max_value=total, places=2)),
        excluded_self_pay=draw(st.decimals(min_value=0, max_value=5000, places=2)),
    )


def after(history: History, result: Result) -> History:
    """What the caller aggregates from an approved claim (see History)."""
    return replace(
        history,
        eligible_total=history.eligible_total + result.eligible_expense,
        paid_total=history.paid_total + result.payable,
        days_paid=history.days_paid + result.days,
        accident_medical_paid=history.accident_medical_paid + result.accident_medical,
        disability_paid_for_event=history.disability_paid_for_event + result.disability,
        condolence_paid=history.condolence_paid or result.condolence,
        paid_conditions=history.paid_conditions | ({result.condition} if result.condition else set()),
    )


def run(schedule, claims, coverage=COVERAGE):
    history = History()
    results = []
    for claim in claims:
        result = evaluate(schedule, coverage, history, claim)
        results.append(result)
        history = after(history, result)
    return results, history


@given(
    schedule=reimbursement_schedules(),
    claims=st.lists(stays(), min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
)
def test_reimbursement_sequences_respect_the_cap_and_ignore_order(schedule, claims, order):
    shuffled = list(claims)
    order.shuffle(shuffled)

    results, history = run(schedule, claims)
    _, shuffled_history = run(schedule, shuffled)

    assert all(result.payable >= 0 for result in results)
    total = sum((result.payable for result in results), Decimal(0))
    if schedule.cap is not None:
        assert total <= schedule.cap
    assert shuffled_history.paid_total == total
    expected = to_cents(benefit_curve(schedule, history.eligible_total))
    assert total == (expected if schedule.cap is None else min(expected, schedule.cap))


@given(
    schedule=st.sampled_from([ALW_16, GIG_16]),
    claims=st.lists(stays(cause=st.sampled_from(["illness", "accident", "traffic_accident"])), max_size=8),
)
def test_allowance_sequences_respect_the_day_caps(schedule, claims):
    results, history = run(schedule, claims)

    top_rate = max(schedule.day_rate, schedule.high_day_rate, schedule.traffic_day_rate or 0)
    for result in results:
        assert result.payable >= 0
        assert result.days <= schedule.stay_day_cap
        assert result.payable <= result.days * top_rate
    if schedule.coverage_day_cap is not None:
        assert history.days_paid <= schedule.coverage_day_cap
        assert history.paid_total <= schedule.coverage_day_cap * top_rate


@given(claims=st.lists(stays(cause=st.sampled_from(["accident", "traffic_accident"])), max_size=8))
def test_accident_medical_sequences_respect_the_cap(claims):
    _, history = run(ACC_16, claims)

    assert 0 <= history.accident_medical_paid == history.paid_total
    assert history.paid_total <= ACC_16.accident_medical_cap_per_share * COVERAGE.shares


@given(grades=st.lists(st.integers(1, 10), min_size=1, max_size=5))
def test_one_accident_pays_its_highest_grade_once(grades):
    claims = [
        ClaimFacts(
            kind="disability",
            submitted=P16_END,
            cause="accident",
            event_date=date(2026, 6, 1),
            disability_grade=grade,
        )
        for grade in grades
    ]

    _, history = run(ACC_16, claims)

    best = min(grades)
    assert history.paid_total == ACC_16.disability_per_share * COVERAGE.shares * (11 - best) / 10


@given(
    schedule=st.sampled_from([MED_16, NEEDY_16, MED_15, ACC_16]),
    claim=stays(cause=st.sampled_from(["illness", "accident"])),
    extra=money,
    eligible_total=money,
    paid_total=money,
    accident_medical_paid=st.decimals(0, 3000, places=2),
)
def test_more_expense_never_pays_less(schedule, claim, extra, eligible_total, paid_total, accident_medical_paid):
    history = History(eligible_total=eligible_total, paid_total=paid_total, accident_medical_paid=accident_medical_paid)
    dearer = replace(claim, total_cost=claim.total_cost + extra)

    cheap = evaluate(schedule, COVERAGE, history, claim)
    expensive = evaluate(schedule, COVERAGE, history, dearer)

    assert expensive.payable >= cheap.payable


@settings(max_examples=300)
@given(case=cases())
def test_any_claim_gets_a_consistent_non_negative_decision(case):
    result = evaluate(*case)

    assert result.payable >= 0
    assert result.payable == to_cents(result.payable)
    assert result.lines[-1].amount == result.payable
    assert not (result.payable == 0 and result.decision == "payable")  # nothing to pay is not_payable
    if result.payable > 0:
        assert result.decision in ("payable", "condolence")
    assert result.condolence == (result.decision == "condolence")
    if result.decision == "not_payable":
        assert result.reasons
        assert (result.days, result.condition, result.accident_medical, result.disability) == (0, None, 0, 0)


@settings(max_examples=300)
@given(case=cases())
def test_without_lines_a_claim_is_decided_the_same(case):
    """The what-if replay evaluates with ``explain=False``: its shortcuts must decide as the page does."""
    explained = evaluate(*case)

    assert evaluate(*case, explain=False) == replace(explained, lines=())


@given(
    schedule=reimbursement_schedules(),
    claim=stays(cause=st.sampled_from(["illness", "accident", "traffic_accident"])),
    eligible_total=money,
    paid_total=money,
)
def test_without_lines_a_stay_pays_the_same(schedule, claim, eligible_total, paid_total):
    history = History(eligible_total=eligible_total, paid_total=paid_total)
    explained = evaluate(schedule, COVERAGE, history, claim)

    assert evaluate(schedule, COVERAGE, history, claim, explain=False) == replace(explained, lines=())
