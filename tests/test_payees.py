"""Payees: the member's bank account on record, kept by the unit's clerk on the member page, and
claims that go nowhere (submission, each review step, a payout batch, the bank file) without a
payee name and account."""

import io
from datetime import date
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from claims import services
from claims.models import Claim, ClaimStatus, PayoutBatch
from demo.documents import attach_required
from enrollment.models import Coverage, Member
from mutualaid.lib.idcard import mask_account
from mutualaid.models import AuditLog
from tests.test_payouts import approved_claim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def without_account(name: str) -> Member:
    """The member as a roster import leaves them today: no bank account on record."""
    Member.objects.filter(name=name).update(bank_name="", bank_account="")
    return Member.objects.get(name=name)


# --- The member's account, recorded on the member page ------------------------------------


def test_the_units_clerk_records_a_members_account_and_the_change_is_audited(login, clerk_u001):
    member = without_account("李娜")
    client = login(clerk_u001)
    page = client.get(reverse("member", args=[member.pk])).text
    assert "未登记" in page and "登记收款账户" in page
    response = client.post(
        reverse("member_bank_account", args=[member.pk]),
        {"bank_name": "中国建设银行威海分行", "bank_account": "6217 0000 1234 5678 901"},
        follow=True,
    )
    member.refresh_from_db()
    assert (member.bank_name, member.bank_account) == ("中国建设银行威海分行", "6217000012345678901")
    assert "已登记李娜的银行账户" in response.text
    assert "6217 **** **** 8901" in response.text and "6217000012345678901" not in response.text
    row = AuditLog.objects.filter(action="bank_account", object_id=member.pk).get()
    assert row.actor == clerk_u001
    assert row.data["changes"]["bank_account"] == ["", "6217000012345678901"]
    assert row.data["changes"]["bank_name"] == ["", "中国建设银行威海分行"]
    # Replacing it names the old account and the new one.
    client.post(reverse("member_bank_account", args=[member.pk]),
                {"bank_name": "中国建设银行威海分行", "bank_account": "6217000012345670000"})  # fmt: skip
    row = AuditLog.objects.filter(action="bank_account", object_id=member.pk).latest("pk")
    assert row.data["changes"] == {"bank_account": ["6217000012345678901", "6217000012345670000"]}


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ("6217-0000-1234", "银行账号应为 10–30 位数字"),
        ("123456789", "银行账号应为 10–30 位数字"),
        ("", "请填写银行卡号"),
    ],
)
def test_a_wrong_account_is_refused_in_chinese_and_nothing_changes(login, clerk_u001, account, message):
    member = Member.objects.get(name="张伟")
    before = member.bank_account
    response = login(clerk_u001).post(
        reverse("member_bank_account", args=[member.pk]), {"bank_name": "中国工商银行威海分行", "bank_account": account}
    )
    assert response.status_code == 200 and message in response.text
    member.refresh_from_db()
    assert member.bank_account == before
    assert not AuditLog.objects.filter(action="bank_account", object_id=member.pk).exists()


def test_another_units_clerk_gets_a_404(login, clerk_u002):
    member = Member.objects.get(name="张伟")
    client = login(clerk_u002)
    assert client.get(reverse("member", args=[member.pk])).status_code == 404
    response = client.post(reverse("member_bank_account", args=[member.pk]),
                           {"bank_name": "某银行", "bank_account": "6217000012345678901"})  # fmt: skip
    assert response.status_code == 404
    assert Member.objects.get(pk=member.pk).bank_account == member.bank_account != "6217000012345678901"


@pytest.mark.parametrize("persona", ["district_hc", "handler"])
def test_the_district_and_the_centre_see_only_the_last_four_digits_and_cannot_change_it(login, persona, request):
    member = Member.objects.get(name="张伟")
    account = member.bank_account
    client = login(request.getfixturevalue(persona))
    page = client.get(reverse("member", args=[member.pk])).text
    assert f"尾号 {account[-4:]}" in page
    assert account not in page and mask_account(account) not in page and account[:8] not in page
    assert "保存收款账户" not in page
    response = client.post(reverse("member_bank_account", args=[member.pk]),
                           {"bank_name": "某银行", "bank_account": "6217000012345678901"})  # fmt: skip
    assert response.status_code == 403 and "由所在单位的经办人登记" in response.text
    assert Member.objects.get(pk=member.pk).bank_account == account


def test_the_member_page_form_accepts_only_post(login, clerk_u001):
    member = Member.objects.get(name="张伟")
    assert login(clerk_u001).get(reverse("member_bank_account", args=[member.pk])).status_code == 405


# --- Claims go nowhere without a payee account ----------------------------------------------


def draft_for(clerk, name: str, admitted=date(2026, 8, 20)) -> Claim:
    coverage = Coverage.objects.get(member__name=name, plan__code="MED", plan__period__number=16)
    claim = services.claim_create(
        actor=clerk, coverage=coverage, kind="hospital_stay", admitted=admitted, discharged=admitted,
        total_cost=D("3000"), basic_insurance_paid=D("1000"),
    )  # fmt: skip
    attach_required(claim, clerk)
    return claim


def blank_account(claim: Claim) -> Claim:
    """An account lost behind the services' back (a claim filed before this rule, a direct UPDATE)."""
    Claim.objects.filter(pk=claim.pk).update(payee_account="")
    return Claim.objects.get(pk=claim.pk)


def test_a_claim_for_a_member_without_an_account_is_not_submitted_until_one_is_recorded(login, clerk_u001):
    member = without_account("王强")
    claim = draft_for(clerk_u001, "王强")
    assert (claim.payee_name, claim.payee_account) == ("王强", "")
    with pytest.raises(ValidationError, match="缺少收款账号，不能提交"):
        services.claim_submit(actor=clerk_u001, claim=claim)
    client = login(clerk_u001)
    page = client.get(reverse("claims:detail", args=[claim.reference])).text
    assert "申领缺少收款账号，不能提交：请在会员页登记王强本人的银行账户" in page
    assert 'disabled aria-describedby="payee-problem">提交申领' in page
    response = client.post(reverse("claims:action", args=[claim.reference, "submit"]), follow=True)
    assert "缺少收款账号" in response.text
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.DRAFT
    # The clerk records the member's account; submission then takes it for the claim.
    client.post(reverse("member_bank_account", args=[member.pk]),
                {"bank_name": "中国农业银行威海分行", "bank_account": "6228480012345678901"})  # fmt: skip
    page = client.get(reverse("claims:detail", args=[claim.reference])).text
    assert "缺少收款账号" not in page and 'aria-describedby="payee-problem"' not in page
    client.post(reverse("claims:action", args=[claim.reference, "submit"]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert (claim.payee_name, claim.payee_bank, claim.payee_account) == ("王强", "中国农业银行威海分行",
                                                                         "6228480012345678901")  # fmt: skip


def test_no_review_step_passes_a_claim_without_a_payee_account(login, clerk_u001, district_hc, handler, head):
    claim = draft_for(clerk_u001, "王强")
    claim = services.claim_submit(actor=clerk_u001, claim=claim)
    steps = [
        (district_hc, services.claim_district_approve, "办事处审核通过</button>"),
        (handler, services.claim_check, "审核通过，报负责人审批</button>"),
        (head, services.claim_approve, "审批通过（"),
    ]
    for actor, step, button in steps:
        account = claim.payee_account
        claim = blank_account(claim)
        with pytest.raises(ValidationError, match="缺少收款账号，银行无法支付"):
            step(actor=actor, claim=claim)
        page = login(actor).get(reverse("claims:detail", args=[claim.reference])).text
        assert "申领缺少收款账号，银行无法支付，不能审核通过：请退回申领人补充。" in page
        assert button not in page and "退回修改</button>" in page  # the step is not offered; a return is
        Claim.objects.filter(pk=claim.pk).update(payee_account=account)
        claim = step(actor=actor, claim=Claim.objects.get(pk=claim.pk))
    assert claim.status == ClaimStatus.APPROVED


def test_a_claim_without_a_payee_account_is_never_put_in_a_batch_nor_in_the_bank_file(
    login, clerk_u001, district_hc, handler, head
):
    good = approved_claim(clerk_u001, district_hc, handler, head)
    bad = blank_account(approved_claim(clerk_u001, district_hc, handler, head, admitted=date(2026, 8, 24)))
    with pytest.raises(ValidationError, match=f"缺少收款人或收款账号，不能放入支付批次：{bad.reference}"):
        services.payout_batch_create(actor=handler, claims=[good, bad])
    client = login(handler)
    page = client.get(reverse("claims:batches")).text
    assert f'value="{good.pk}"' in page and f'value="{bad.pk}"' not in page
    assert f"申领 {bad.reference} 缺少收款账号，不能放入支付批次。" in page
    response = client.post(reverse("claims:batches"), {"claims": [good.pk, bad.pk]}, follow=True)
    assert "不能放入支付批次" in response.text
    assert not PayoutBatch.objects.filter(claims__in=[good, bad]).exists()

    batch = services.payout_batch_create(actor=handler, claims=[good])
    export = client.get(reverse("claims:batch_export", args=[batch.reference]))
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
    lines = [row for row in rows if row[5]]
    assert [row[5] for row in lines] == [good.reference]
    assert all(row[1] and row[3] and row[3].isdigit() for row in lines)
    # A direct UPDATE after the batch was made: the file is refused rather than written with a blank line.
    blank_account(good)
    response = client.get(reverse("claims:batch_export", args=[batch.reference]), follow=True)
    assert "不能生成支付文件" in response.text and response["Content-Type"].startswith("text/html")


def test_the_admins_member_form_refuses_the_same_malformed_accounts(admin_client):
    member = Member.objects.get(name="张伟")
    url = reverse("admin:enrollment_member_change", args=[member.pk])
    fields = {"name": member.name, "id_number": member.id_number, "sex": member.sex, "unit": member.unit_id,
              "insurance_card": member.insurance_card, "has_basic_insurance": "on", "occupation": "",
              "phone": member.phone, "bank_name": "中国银行威海分行"}  # fmt: skip
    response = admin_client.post(url, {**fields, "bank_account": "6013-8200-0000"})
    assert response.status_code == 200 and "银行账号应为 10–30 位数字" in response.content.decode()
    assert admin_client.post(url, {**fields, "bank_account": "6013 8200 0000 1234 567"}).status_code == 302
    assert Member.objects.get(pk=member.pk).bank_account == "6013820000001234567"
