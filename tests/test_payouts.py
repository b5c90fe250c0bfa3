"""Payout batches a bank and an auditor accept: chosen line by line, paid with the bank's
date and reference by a second person, bounced lines back to approved, exact amounts, inert text."""

import io
from datetime import date
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from claims import services
from claims.models import Claim, ClaimStatus
from enrollment.models import Coverage, Member
from tests.helpers import submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def approved_claim(clerk, district, handler, head, name="王强", total="3000", basic="1000", admitted=date(2026, 8, 20)):
    coverage = Coverage.objects.get(member__name=name, plan__code="MED", plan__period__number=16)
    claim = services.claim_create(
        actor=clerk, coverage=coverage, kind="hospital_stay", admitted=admitted, discharged=admitted,
        total_cost=D(total), basic_insurance_paid=D(basic),
    )  # fmt: skip
    claim = submit(clerk, claim)
    services.claim_district_approve(actor=district, claim=claim)
    claim = services.claim_check(actor=handler, claim=claim)
    return services.claim_approve(actor=head, claim=claim)


@pytest.fixture
def batch(clerk_u001, district_hc, handler, head):
    first = approved_claim(clerk_u001, district_hc, handler, head)  # 1,000.00
    second = approved_claim(
        clerk_u001, district_hc, handler, head, total="2333.33", basic="0", admitted=date(2026, 8, 24)
    )
    return services.payout_batch_create(actor=handler, claims=[first, second])


def test_nothing_is_preticked_and_the_page_shows_what_was_chosen(clerk_u001, district_hc, handler, head, login):
    approved_claim(clerk_u001, district_hc, handler, head)
    page = login(handler).get(reverse("claims:batches")).text
    assert 'name="claims"' in page and " checked" not in page
    response = login(handler).post(reverse("claims:batches"), {}, follow=True)
    assert "请选择至少一笔已审批的申领" in response.text


def test_the_person_who_made_the_batch_cannot_mark_it_paid(batch, handler, head, login):
    with pytest.raises(PermissionDenied, match="另一位"):
        services.payout_batch_mark_paid(actor=handler, batch=batch, paid_on=date(2026, 9, 1), bank_reference="HD1")
    page = login(handler).get(reverse("claims:batch", args=[batch.reference])).text
    assert "确认已支付" not in page and "须由另一位市中心工作人员" in page
    login(handler).post(
        reverse("claims:batch_pay", args=[batch.reference]),
        {"paid_on": "2026-09-01", "bank_reference": "HD1", "confirm": "on"},
    )
    batch.refresh_from_db()
    assert batch.status == "open"


def test_marking_paid_needs_the_bank_date_reference_and_a_confirmation(batch, head, login):
    with pytest.raises(ValidationError, match="银行回单号"):
        services.payout_batch_mark_paid(actor=head, batch=batch, paid_on=date(2026, 9, 1), bank_reference=" ")
    response = login(head).post(
        reverse("claims:batch_pay", args=[batch.reference]),
        {"paid_on": "2026-09-01", "bank_reference": "HD1"},
        follow=True,
    )
    assert "请勾选确认已核对银行回单" in response.text
    batch.refresh_from_db()
    assert batch.status == "open"
    response = login(head).post(
        reverse("claims:batch_pay", args=[batch.reference]),
        {"paid_on": "2026-09-01", "bank_reference": "HD20260901-7", "confirm": "on"},
        follow=True,
    )
    batch.refresh_from_db()
    assert (batch.status, batch.paid_on, batch.bank_reference, batch.paid_by.username) == (
        "paid", date(2026, 9, 1), "HD20260901-7", "centre_head"
    )  # fmt: skip
    assert "2026-09-01，回单号 HD20260901-7" in response.text
    assert set(batch.claims.values_list("status", flat=True)) == {ClaimStatus.PAID}


def test_a_bounced_transfer_goes_back_to_approved_with_its_reason(batch, head, handler, login):
    services.payout_batch_mark_paid(actor=head, batch=batch, paid_on=date(2026, 9, 1), bank_reference="HD1")
    bounced = batch.claims.order_by("reference").last()
    amount, before = bounced.approved_amount, batch.total
    login(handler).post(
        reverse("claims:batch_bounce", args=[batch.reference]), {"claim": bounced.reference, "reason": "账户已销户"}
    )
    bounced.refresh_from_db()
    batch.refresh_from_db()
    assert (bounced.status, bounced.payout_batch, bounced.paid_at) == (ClaimStatus.APPROVED, None, None)
    assert (batch.claim_count, batch.total) == (1, before - amount)
    page = login(handler).get(reverse("claims:batch", args=[batch.reference])).text
    assert "退票：账户已销户" in page
    history = login(handler).get(reverse("claims:detail", args=[bounced.reference])).text
    assert "银行退票：账户已销户" in history
    # It can be paid again in a new batch.
    again = services.payout_batch_create(actor=handler, claims=[bounced])
    assert again.total == amount


def test_the_bank_file_is_exact_to_the_fen_and_formulas_stay_text(batch):
    member = Member.objects.get(name="王强")
    Claim.objects.filter(payout_batch=batch).update(payee_name='=HYPERLINK("http://evil.example","点我")')
    member.refresh_from_db()
    sheet = load_workbook(io.BytesIO(services.payout_file(batch))).active
    rows = list(sheet.iter_rows(min_row=2))
    lines = [row for row in rows if row[5].value]
    for row in lines:
        assert row[1].data_type == "s" and row[1].value.startswith("'=HYPERLINK")
        assert row[4].number_format == "0.00"
    amounts = sorted(D(str(row[4].value)).quantize(D("0.01")) for row in lines)
    assert amounts == [D("1000.00"), D("1166.67")]  # 2,333.33 at 50% = 1,166.665 -> 1,166.67, to the fen
    total = rows[len(lines)][4].value
    assert D(str(total)).quantize(D("0.01")) == sum(amounts) == batch.total


def test_accounts_are_masked_for_people_outside_the_centre(batch, clerk_u001, login):
    claim = batch.claims.first()
    page = login(clerk_u001).get(reverse("claims:detail", args=[claim.reference])).text
    account = claim.payee_account
    assert account not in page and f"{account[:4]} **** **** {account[-4:]}" in page
