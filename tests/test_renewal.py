"""Renewal (续保): last period's people of a plan pre-fill the draft with their shares, and a new
file uploaded into a filled draft is shown as a difference before it replaces the roster."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment.models import Period, Plan
from enrollment.services.periods import period_copy, period_copy_defaults
from tests.test_roster_import import person, row, xlsx

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def period_17(admin_user):
    p16 = Period.objects.get(number=16)
    period = period_copy(actor=admin_user, source=p16, **period_copy_defaults(p16))
    with time_machine.travel(datetime(2027, 3, 5, 10, tzinfo=SHANGHAI), tick=False):
        yield period


def test_renewal_prefills_last_periods_people_with_their_shares(period_17, clerk_u001, login):
    client = login(clerk_u001)
    dd = Plan.objects.get(period=period_17, code="DD")
    draft = client.post(
        reverse("enrollment:application_create"),
        {"plan": dd.pk, "declared_staff": "3", "uniform_shares": "on", "contact_name": "王丽", "contact_phone": "13900000001"},
    )  # fmt: skip
    reference = draft["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = client.post(reverse("enrollment:roster_renew", args=[reference]), follow=True).text
    assert "已续保上期名单：1 人" in page
    [line] = dd.roster_lines.select_related("member")
    assert (line.member.name, line.shares, line.renewed_shares) == ("张伟", 5, 5)  # 5 shares kept, all renewed


def test_a_new_file_into_a_filled_draft_is_shown_as_a_difference_first(period_17, clerk_u001, login):
    client = login(clerk_u001)
    med = Plan.objects.get(period=period_17, code="MED")
    draft = client.post(
        reverse("enrollment:application_create"),
        {"plan": med.pk, "declared_staff": "3", "uniform_shares": "on", "contact_name": "王丽", "contact_phone": "13900000001"},
    )  # fmt: skip
    reference = draft["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = client.post(reverse("enrollment:roster_renew", args=[reference]), follow=True).text
    # 王强 turns 61 before period 17 starts: left out, and the clerk is told.
    assert "已续保上期名单：2 人" in page and "1 人因已在其他申请中或已不符合参保条件未加入" in page
    assert sorted(med.roster_lines.values_list("member__name", flat=True)) == ["张伟", "李娜"]

    # The new file keeps 张伟, drops 李娜 and adds a newcomer.
    data = xlsx([row(1, name="张伟", id_number="371002198005120137"), row(3, name="新同事", id_number=person(55))])
    page = client.post(reverse("enrollment:roster_upload", args=[reference]),
                       {"file": SimpleUploadedFile("新名单.xlsx", data)}, follow=True).text  # fmt: skip
    assert "新增 1 人，减少 1 人" in page and "新同事（1 份，新参保）" in page and "减少：李娜" in page
    assert sorted(med.roster_lines.values_list("member__name", flat=True)) == ["张伟", "李娜"]  # nothing yet
    page = client.post(reverse("enrollment:roster_apply", args=[reference]), follow=True).text
    assert "名单已替换：2 人" in page
    lines = {line.member.name: line for line in med.roster_lines.select_related("member")}
    assert sorted(lines) == ["张伟", "新同事"]
    assert (lines["张伟"].renewed_shares, lines["新同事"].renewed_shares) == (1, 0)
