"""The payment deadline (DOMAIN.md §13): 30 working days from submission on the State Council's
calendar, restarted by a return and resubmission; days used and left in the centre's queues, overdue
highlighted, on the centre's home, and in the morning digest."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from claims import services
from claims.deadlines import deadline_of, late_filter, near_filter, send_digest
from claims.models import Claim
from enrollment.models import Coverage
from mutualaid.models import Notice
from tests.helpers import submit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def festival_claim(clerk_u001):
    """张伟's period-15 stay, submitted on Friday 13 February 2026, the eve of the Spring Festival."""
    coverage = Coverage.objects.get(member__name="张伟", plan__code="MED", plan__period__number=15)
    with at(date(2026, 2, 13)):
        claim = services.claim_create(actor=clerk_u001, coverage=coverage, kind="hospital_stay",
                                      admitted=date(2026, 2, 2), discharged=date(2026, 2, 10),
                                      total_cost=D("20000"), basic_insurance_paid=D("8000"))  # fmt: skip
        return submit(clerk_u001, claim)


def test_thirty_working_days_across_the_spring_festival_and_its_make_up_saturdays(festival_claim):
    on = lambda day: deadline_of(Claim.objects.get(pk=festival_claim.pk), day)  # noqa: E731
    assert on(date(2026, 2, 14)).used == 1  # the make-up Saturday counts
    assert on(date(2026, 2, 23)).used == 1  # the festival does not
    first = on(date(2026, 2, 24))
    assert (first.used, first.left, first.due) == (2, 28, date(2026, 4, 2))
    last = on(date(2026, 4, 2))
    assert (last.used, last.left, last.overdue, last.near) == (30, 0, False, True)
    late = on(date(2026, 4, 3))
    assert (late.used, late.late_by, late.overdue) == (31, 1, True)
    queryset = Claim.objects.filter(pk=festival_claim.pk)
    assert queryset.filter(near_filter(date(2026, 3, 26))).exists()  # 5 working days left
    assert not queryset.filter(near_filter(date(2026, 3, 25))).exists()  # 6 left
    assert not queryset.filter(late_filter(date(2026, 4, 2))).exists()
    assert queryset.filter(late_filter(date(2026, 4, 3))).exists()


def test_a_return_and_resubmission_starts_the_count_again(festival_claim, clerk_u001, district_hc):
    with at(date(2026, 3, 20)):
        services.claim_return(actor=district_hc, claim=festival_claim, reason="缺医保结算单")
        assert deadline_of(Claim.objects.get(pk=festival_claim.pk)) is None  # back with the unit: no clock
    with at(date(2026, 3, 23)):
        claim = services.claim_submit(actor=clerk_u001, claim=Claim.objects.get(pk=festival_claim.pk))
    fresh = deadline_of(claim, date(2026, 3, 24))
    assert (fresh.start, fresh.used) == (date(2026, 3, 23), 1)


def test_the_centre_sees_days_used_and_left_and_overdue_claims_stand_out(festival_claim, handler, head, login):
    with at(date(2026, 4, 7)):  # Qingming (4-6 April) is not counted either: two working days late
        queue = login(handler).get(reverse("claims:list") + "?status=submitted").text
        assert f"已用 {deadline_of(festival_claim).used}，逾期 {deadline_of(festival_claim).late_by}" in queue
        assert 'class="flag" title="应于 2026-04-02 前支付"' in queue
        late = login(handler).get(reverse("claims:list") + "?deadline=late").text
        assert festival_claim.reference in late
        home = login(head).get(reverse("home")).text
        assert "已逾期 1 笔" in home and festival_claim.reference in home
        assert send_digest()["sent"] == 2  # the handler and the head
        assert send_digest()["sent"] == 0  # once a day
    [digest] = Notice.objects.filter(event="deadline_digest", user=handler)
    assert digest.text == f"2026-04-07 付款期限提醒：已逾期 1 笔，5 个工作日内到期 0 笔（{festival_claim.reference}）。"
    assert digest.link == reverse("claims:list") + "?deadline=late"
    assert deadline_of(festival_claim, date(2026, 4, 7)).late_by == 2
