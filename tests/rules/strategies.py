"""Hypothesis strategies shared by the property and replay tests."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from claims.rules import ClaimFacts, CoverageFacts, History
from claims.rules.engine import BENEFITS
from claims.rules.facts import CLAIM_KINDS

from .demo_schedules import A_CODES, DD_CODES, F_CODES, P16_END, P16_START, PERIOD_16

money = st.decimals(min_value=0, max_value=300_000, places=2, allow_nan=False, allow_infinity=False)
rates = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 100)


def mostly(value):
    """The value nine times in ten, None otherwise: enough claims get through to the benefit rules."""
    return st.sampled_from([value] * 9 + [None])


@st.composite
def cases(draw):
    schedule = draw(st.sampled_from(sorted(PERIOD_16.values(), key=lambda s: s.plan_code)))
    effective = draw(st.dates(min_value=P16_START, max_value=date(2026, 12, 31)))
    shares = draw(st.integers(1, 5))
    coverage = draw(mostly(CoverageFacts(effective, P16_END, shares, draw(st.integers(0, shares)))))
    kind = draw(st.sampled_from(sorted(BENEFITS[schedule.kind])) | st.sampled_from(CLAIM_KINDS))
    when = draw(st.dates(min_value=P16_START - timedelta(days=30), max_value=P16_END + timedelta(days=30)))
    total = draw(money)
    small = st.decimals(min_value=0, max_value=total / 4, places=2)
    claim = ClaimFacts(
        kind=kind,
        submitted=when + timedelta(days=draw(st.integers(0, 400))),
        cause=draw(st.sampled_from(["illness", "accident", "traffic_accident"])),
        admitted=draw(mostly(when)),
        discharged=draw(mostly(when + timedelta(days=draw(st.integers(0, 100))))),
        event_date=draw(mostly(when)),
        diagnosis=draw(mostly(draw(st.sampled_from([*DD_CODES, "DD15", *F_CODES, *sorted(A_CODES), "X99"])))),
        disability_grade=draw(mostly(draw(st.integers(1, 10)))),
        total_cost=total,
        basic_insurance_paid=draw(small),
        other_paid=draw(small),
        excluded_self_pay=draw(small),
        prior_plan_payouts=draw(small),
    )
    history = History(
        eligible_total=draw(money),
        paid_total=draw(money),
        days_paid=draw(st.integers(0, 120)),
        paid_conditions=frozenset(draw(st.lists(st.sampled_from([*DD_CODES, "DD15", *F_CODES]), max_size=3))),
        condolence_paid=draw(st.booleans()),
        accident_medical_paid=draw(st.decimals(0, 5000, places=2)),
        disability_paid_for_event=draw(st.decimals(0, 50000, places=2)),
    )
    return schedule, coverage, history, claim
