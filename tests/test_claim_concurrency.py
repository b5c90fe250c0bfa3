"""Concurrent approvals on PostgreSQL: caps and once-only conditions hold under races.

Transactional tests commit for real and flush the database afterwards, so the
session-seeded demo is not guaranteed here: each test asks for it
(``committed_demo``, put back from the snapshot of tests/conftest.py).
"""

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection

from claims import engine, services
from claims.models import Claim, ClaimStatus
from claims.rules import evaluate
from claims.rules.money import to_cents
from claims.rules.schedule import benefit_curve
from enrollment.models import Coverage
from mutualaid.models import AuditLog
from tests.helpers import submit

pytestmark = pytest.mark.django_db(transaction=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")
THREADS = 20


@pytest.fixture
def demo(committed_demo):
    return {
        name: User.objects.get(username=name) for name in ("clerk_u001", "district_hc", "centre_handler", "centre_head")
    }


def checked_claims(users, coverage, details_list, duplicate_reason="") -> list[Claim]:
    """File each claim and take it to centre_checked with originals received, on 2026-09-01."""
    claims = []
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=SHANGHAI), tick=False):
        for details in details_list:
            claim = services.claim_create(actor=users["clerk_u001"], coverage=coverage, **details)
            claim = submit(users["clerk_u001"], claim, duplicate_reason=duplicate_reason)
            claim = services.claim_district_approve(actor=users["district_hc"], claim=claim, comment="同意")
            claim = services.claim_check(actor=users["centre_handler"], claim=claim, comment="材料齐全")
            claim = services.claim_receive_originals(actor=users["centre_handler"], claim=claim)
            claims.append(claim)
    return claims


def approve_concurrently(pks: list[int], username: str) -> list[BaseException]:
    """Approve every claim from its own thread (own DB connection), all released by one barrier."""
    barrier = threading.Barrier(len(pks))
    errors: list[BaseException] = []

    def work(pk):
        try:
            actor = User.objects.get(username=username)
            claim = Claim.objects.get(pk=pk)
            barrier.wait(timeout=60)
            services.claim_approve(actor=actor, claim=claim, comment="同意给付")
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(pk,)) for pk in pks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "an approval is stuck (deadlock?)"
    return errors


def test_twenty_concurrent_med_approvals_respect_the_cap(demo):
    coverage = Coverage.objects.select_related("plan").get(
        member__name="张伟", plan__period__number=16, plan__code="MED"
    )
    # Twenty stays on distinct dates after 2026-06-15, e = 10,000 each: 200,000 in all, far over the cap.
    stays = [
        {
            "kind": "hospital_stay",
            "admitted": date(2026, 6, 16) + timedelta(days=4 * i),
            "discharged": date(2026, 6, 18) + timedelta(days=4 * i),
            "total_cost": D("15000"),
            "basic_insurance_paid": D("5000"),
        }
        for i in range(THREADS)
    ]
    claims = checked_claims(demo, coverage, stays)
    assert {c.computed_amount for c in claims} == {D("2000.00")}  # each alone: (10,000 - 6,000) x 50%

    # What approving them one after another gives, by the pure engine.
    schedule = engine.schedule_for(coverage.plan)
    facts = engine.coverage_facts(coverage)
    start = history = engine.history_for(coverage=coverage, event_date=None)
    already_paid = start.paid_total
    sequential = D("0.00")
    for claim in claims:
        result = evaluate(schedule, facts, history, engine.claim_facts(claim, submitted=engine.submitted_on(claim)))
        sequential += result.payable
        history = replace(
            history,
            eligible_total=history.eligible_total + result.eligible_expense,
            paid_total=history.paid_total + result.payable,
        )
    total_e = sum((c.eligible_expense for c in claims), D("0"))
    f = lambda e: to_cents(benefit_curve(schedule, e))  # noqa: E731
    closed_form = min(f(start.eligible_total + total_e), schedule.cap) - already_paid
    assert sequential == closed_form == D("100000.00")

    # The head approves all twenty at once. Each approval recomputes under the member's lock:
    # the one that gets the lock first pays what was checked; every other recomputation now
    # differs from its check and goes back to the handler, never paid at an unchecked figure.
    # The handler re-checks those and the head approves them at once again, until none is left.
    pks = [c.pk for c in claims]
    rounds = 0
    while True:
        waiting = list(Claim.objects.filter(pk__in=pks, status=ClaimStatus.CENTRE_CHECKED))
        if not waiting:
            break
        rounds += 1
        assert approve_concurrently([c.pk for c in waiting], "centre_head") == []
        decided = Claim.objects.filter(pk__in=pks, status__in=(ClaimStatus.APPROVED, ClaimStatus.CLOSED))
        assert services.coverage_paid_total(coverage) + 0 <= schedule.cap
        assert decided.count() >= min(rounds, THREADS)  # every round decides at least one
        sent_back = list(Claim.objects.filter(pk__in=pks, status=ClaimStatus.DISTRICT_APPROVED))
        for claim in sent_back:
            note = AuditLog.objects.for_object(claim).last()
            assert note.action == "recheck" and note.data["checked"] != note.data["recomputed"]
            with time_machine.travel(datetime(2026, 9, 2, 10, tzinfo=SHANGHAI), tick=False):
                services.claim_check(actor=demo["centre_handler"], claim=claim, comment="复核")
    assert rounds > 1

    decided = list(Claim.objects.filter(pk__in=pks))
    assert {c.status for c in decided} <= {ClaimStatus.APPROVED, ClaimStatus.CLOSED}
    for claim in decided:  # each was paid exactly the figure its last check recorded
        check = AuditLog.objects.for_object(claim).filter(action="centre_check").last()
        assert claim.approved_amount == D(check.data["computed"])
    total = sum((c.approved_amount for c in decided), D("0"))
    assert total == sequential
    assert total + already_paid <= schedule.cap
    assert services.coverage_paid_total(coverage) == schedule.cap
    # In the order they were decided, the running total follows the capped benefit curve exactly.
    ledger = services.coverage_ledger(coverage)
    assert [row["cumulative"] for row in ledger] == [min(f(D(10000) * k), schedule.cap) for k in range(1, THREADS + 1)]
    assert all(c.status == ClaimStatus.CLOSED for c in decided if c.approved_amount == 0)
    assert sum(1 for c in decided if "cap_reached" in c.reasons) >= 1


def test_two_concurrent_approvals_of_one_condition_pay_once(demo):
    coverage = Coverage.objects.get(member__name="张伟", plan__period__number=16, plan__code="DD")
    diagnosis = {"kind": "diagnosis", "diagnosis": "DD01", "event_date": date(2026, 8, 1)}
    claims = checked_claims(demo, coverage, [diagnosis, diagnosis], duplicate_reason="同一确诊的补充申报")
    assert [c.computed_amount for c in claims] == [D("75000.00"), D("75000.00")]

    errors = approve_concurrently([c.pk for c in claims], "centre_head")
    assert errors == []

    paid, sent_back = sorted(Claim.objects.filter(pk__in=[c.pk for c in claims]), key=lambda c: c.status)
    assert (paid.status, paid.approved_amount, paid.condition) == (ClaimStatus.APPROVED, D("75000.00"), "DD01")
    # The other one recomputed to 0 (the condition is now paid): back to the handler with both figures.
    assert (sent_back.status, sent_back.approved_amount) == (ClaimStatus.DISTRICT_APPROVED, None)
    note = AuditLog.objects.for_object(sent_back).last()
    assert (note.action, note.data) == ("recheck", {"checked": "75000.00", "recomputed": "0.00"})
    assert "75,000.00 元" in note.comment and "0.00 元" in note.comment

    with time_machine.travel(datetime(2026, 9, 2, 10, tzinfo=SHANGHAI), tick=False):
        sent_back = services.claim_check(actor=demo["centre_handler"], claim=sent_back, comment="复核：病种已给付")
        closed = services.claim_approve(actor=demo["centre_head"], claim=sent_back)
    assert (closed.status, closed.approved_amount) == (ClaimStatus.CLOSED, D("0.00"))
    assert (closed.decision, closed.reasons) == ("not_payable", ["already_paid_condition"])
