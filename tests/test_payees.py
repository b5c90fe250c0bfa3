"""Payees: the member's bank account on record, kept by the unit's clerk on the member page, and
claims that go nowhere (submission, each review step, a payout batch, the bank file) without a
payee name and account."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from enrollment.models import Member
from mutualaid.lib.idcard import mask_account
from mutualaid.models import AuditLog

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _september_2026():
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=SHANGHAI), tick=False):
        yield


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
