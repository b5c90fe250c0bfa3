"""Who may change a member's record, and when (issue 15): a roster never rewrites a person another
unit enrolled. What a file or the one-by-one form declares stays on that roster line; it reaches the
member record at centre approval, shown to the reviewers as old → new; an ID number registered under
another name is refused (name_mismatch). Members' payout accounts come with the roster's 开户行/银行卡号."""

import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment import services
from enrollment.models import Member, Plan
from enrollment.roster import roster_template
from enrollment.services.rosters import roster_import
from mutualaid.models import AuditLog
from tests.test_roster_import import person, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = ["序号", "姓名", "身份证号码", "医保卡号", "份数", "手机号", "困难职工", "开户行", "银行卡号"]
LI_NA = "371002199008200241"  # U001's member (DOMAIN.md §7)


def acc_draft(clerk):
    return services.application_create(
        actor=clerk, plan=Plan.objects.get(period__number=16, code="ACC"), unit=clerk.staff_profile.unit,
        declared_staff=2,
    )  # fmt: skip


def upload(client, application, rows):
    data = xlsx(rows, header=HEADER)
    return client.post(
        reverse("enrollment:roster_upload", args=[application.reference]),
        {"file": SimpleUploadedFile("名单.xlsx", data)},
        follow=True,
    )


def li_na_record():
    member = Member.objects.get(id_number=LI_NA)
    return member.name, member.phone, member.needy, member.bank_account


def test_another_units_roster_does_not_rewrite_a_member_before_approval(login, clerk_u002):
    before = li_na_record()
    application = acc_draft(clerk_u002)
    rows = [[1, "李娜", LI_NA, "C1", "1", "13900000000", "是", "中国银行文登支行", "6217000000000000017"]]
    page = upload(login(clerk_u002), application, rows).text
    assert "名单已导入：1 人" in page
    assert li_na_record() == before  # name, phone, needy flag and account as U001 left them
    line = application.lines.get()
    assert (line.phone, line.needy, line.bank_account) == ("13900000000", True, "6217000000000000017")
    # Nor does the one-by-one form: it declares on its line only.
    other = services.application_create(actor=clerk_u002, plan=Plan.objects.get(period__number=16, code="DD"),
                                        unit=application.unit, declared_staff=2)  # fmt: skip
    page = login(clerk_u002).post(
        reverse("enrollment:person_add", args=[other.reference]),
        {"name": "李娜", "id_number": LI_NA, "sex": "", "card": "C1", "phone": "13900000001", "shares": "1",
         "basic": "on", "needy": "on", "occupation": "", "bank_name": "", "bank_account": ""},
        follow=True,
    ).text  # fmt: skip
    assert "已加入名单：李娜" in page
    assert li_na_record() == before


@pytest.mark.parametrize("how", ["file", "form"])
def test_an_id_number_registered_under_another_name_is_a_row_error(login, clerk_u002, how):
    application = acc_draft(clerk_u002)
    client = login(clerk_u002)
    if how == "file":
        page = upload(client, application, [[1, "李四", LI_NA, "C1", "1", "", "", "", ""]]).text
    else:
        page = client.post(
            reverse("enrollment:person_add", args=[application.reference]),
            {"name": "李四", "id_number": LI_NA, "sex": "", "card": "C1", "phone": "", "shares": "1",
             "occupation": "", "bank_name": "", "bank_account": ""},
            follow=True,
        ).text  # fmt: skip
    assert "身份证号码已登记为其他姓名，请核对；确需更正请联系市中心" in page
    assert "李娜" not in page  # the registered name is not told to another unit
    assert not application.lines.exists()
    assert Member.objects.get(id_number=LI_NA).name == "李娜"


def test_the_roster_error_code_for_a_name_mismatch(clerk_u002):
    result = roster_import(actor=clerk_u002, plan=Plan.objects.get(period__number=16, code="ACC"),
                           unit=clerk_u002.staff_profile.unit, filename="名单.xlsx",
                           data=xlsx([[1, "李四", LI_NA, "C1", "1", "", "", "", ""]], header=HEADER))  # fmt: skip
    assert [(e.row, e.column, e.code) for e in result.errors] == [(4, "姓名", "name_mismatch")]
    assert result.created == 0


def test_the_declared_details_reach_the_record_at_centre_approval_shown_as_old_and_new(
    login, clerk_u002, district_wd, handler
):
    application = acc_draft(clerk_u002)
    rows = [[1, "李娜", LI_NA, "C1", "1", "13900000000", "是", "中国银行文登支行", "6217000000000000017"]]
    upload(login(clerk_u002), application, rows)
    services.application_update(actor=clerk_u002, application=application, declared_staff=3)
    services.application_submit(actor=clerk_u002, application=application)
    url = reverse("enrollment:application", args=[application.reference])
    clerk_page = login(clerk_u002).get(url).text
    assert "会员档案将更新" not in clerk_page and "13806310002" not in clerk_page  # nothing of U001's record
    li_na = Member.objects.get(id_number=LI_NA)
    assert f'href="/members/{li_na.pk}/"' not in clerk_page  # her page is U001's: no link that ends in 404
    assert "Include with record" not in clerk_page  # a template's comment never reaches the page
    district_page = login(district_wd).get(url).text
    assert "会员档案将更新（1 人）" in district_page and "原属其他单位" in district_page
    # 李娜 is registered in 环翠区: 文登区's office sees what the roster declares, not her record.
    assert "手机号：（其他辖区登记，不显示） → <strong>13900000000</strong>" in district_page
    assert "13806310002" not in district_page and "6222 **** **** 0241" not in district_page
    services.application_district_approve(actor=district_wd, application=application)
    centre_page = login(handler).get(url).text
    assert "手机号：13806310002 → <strong>13900000000</strong>" in centre_page
    assert "困难职工：否 → <strong>是</strong>" in centre_page
    assert "银行卡号：6222 **** **** 0241 → <strong>6217 **** **** 0017</strong>" in centre_page
    assert "6217000000000000017" not in centre_page
    assert li_na_record() == ("李娜", "13806310002", False, "6222199008200241")
    services.application_centre_approve(actor=handler, application=application)
    assert li_na_record() == ("李娜", "13900000000", True, "6217000000000000017")
    change = AuditLog.objects.filter(content_type__model="member", action="row_update").latest("pk")
    assert change.actor == handler
    assert (change.data["old"]["phone"], change.data["new"]["phone"]) == ("13806310002", "13900000000")
    assert (change.data["old"]["needy"], change.data["new"]["needy"]) == (False, True)
    assert "会员档案将更新" not in login(handler).get(url).text


def test_a_blank_cell_declares_nothing(login, clerk_u002, district_wd, handler):
    """A roster without the 困难职工 column (or with the cell blank) leaves the flag as recorded, and a
    bank named without an account changes nothing (the two go together)."""
    member = Member.objects.get(id_number="371002196601100379")  # 王强, needy
    application = acc_draft(clerk_u002)
    upload(
        login(clerk_u002),
        application,
        [[1, "王强", member.id_number, member.insurance_card, "1", "", "", "另一家银行", ""]],
    )
    assert not services.declared_changes(application, viewer=clerk_u002)[1]
    services.application_update(actor=clerk_u002, application=application, declared_staff=3)
    services.application_submit(actor=clerk_u002, application=application)
    services.application_district_approve(actor=district_wd, application=application)
    services.application_centre_approve(actor=handler, application=application)
    member.refresh_from_db()
    assert member.needy and member.phone == "13806310003" and member.bank_name == "中国工商银行威海分行"


def test_a_bad_bank_account_in_the_roster_is_a_row_error(clerk_u002):
    plan, unit = Plan.objects.get(period__number=16, code="ACC"), clerk_u002.staff_profile.unit
    rows = [
        [1, "钱一", person(301), "C1", "1", "", "", "工商银行", "6222 0216 1400"],  # 12 digits: fine
        [2, "钱二", person(302), "C2", "1", "", "", "工商银行", "62220216ABC"],
        [3, "钱三", person(303), "C3", "1", "", "", "", "6222021614000000015"],  # no bank named
        [4, "钱四", person(304), "C4", "1", "", "", "工商银行", 6.22202161400000e18],  # Excel made it a number
    ]
    result = roster_import(actor=clerk_u002, plan=plan, unit=unit, data=xlsx(rows, header=HEADER), filename="x.xlsx")
    assert [(e.row, e.code) for e in result.errors] == [(5, "bank_account_invalid"), (6, "bank_account_invalid"),
                                                        (7, "bank_account_invalid")]  # fmt: skip
    assert "设为“文本”" in result.errors[-1].message
    rows = [rows[0]]
    result = roster_import(actor=clerk_u002, plan=plan, unit=unit, data=xlsx(rows, header=HEADER), filename="x.xlsx")
    assert result.ok
    new = Member.objects.get(id_number=person(301))  # a new person is registered with the account given
    assert (new.bank_name, new.bank_account) == ("工商银行", "622202161400")


def test_the_roster_template_asks_for_the_payout_account(clerk_u002):
    plan = Plan.objects.get(period__number=16, code="ACC")
    data = roster_template(plan=plan, unit=clerk_u002.staff_profile.unit)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in sheet[3]]
    assert header[-2:] == ["开户行", "银行卡号"]
    assert sheet.cell(row=4, column=len(header)).number_format == "@"  # all 19 digits kept as text
