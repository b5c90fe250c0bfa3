"""A union registers itself and its district approves it; a clerk keeps the unit's details, types
people into a draft one by one, changes shares, removes lines and attaches the social-insurance proof."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from enrollment import services
from enrollment.models import Application, District, Plan, RosterLine, Unit, UnitRegistration
from enrollment.services.registrations import REGISTRATIONS_PER_HOUR
from mutualaid.lib.uscc import make_uscc
from mutualaid.models import AuditLog
from tests.helpers import press
from tests.test_roster_import import person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def draft(clerk, plan="ACC"):
    return services.application_create(
        actor=clerk, plan=Plan.objects.get(period__number=16, code=plan), unit=clerk.staff_profile.unit,
        declared_staff=3,
    )  # fmt: skip


def add(client, application, **fields):
    data = {"name": "王小明", "id_number": person(401), "sex": "", "card": "C401", "phone": "", "shares": "1",
            "basic": "on", "occupation": ""} | fields  # fmt: skip
    return client.post(reverse("enrollment:person_add", args=[application.reference]), data, follow=True)


# --- People typed in one by one ------------------------------------------------------


def test_a_person_typed_in_joins_the_roster_and_shows_on_the_page(login, clerk_u003):
    client = login(clerk_u003)
    application = draft(clerk_u003)
    page = add(client, application).text
    assert "已加入名单：王小明" in page
    line = application.lines.get()
    assert (line.member.name, line.shares, line.member.sex) == ("王小明", 1, "M")  # sex read from the ID
    assert AuditLog.objects.filter(object_id=application.pk, action="roster_add", comment="王小明").exists()
    # The roster's own row records the new person; the database's row trigger stays quiet for it.
    assert not AuditLog.objects.filter(action="row_insert", content_type__model="member", object_id=line.member_id)


def test_a_typed_in_person_meets_the_same_checks_as_a_roster_row(login, clerk_u003):
    client = login(clerk_u003)
    application = draft(clerk_u003)
    bad_checksum = person(402)[:-1] + ("0" if person(402)[-1] != "0" else "1")
    page = add(client, application, name="李4", id_number=bad_checksum).text
    assert "校验" in page and "姓名“李4”含数字或符号" in page
    assert 'id="id_name"' in page and 'value="李4"' in page  # the form comes back filled in, to correct
    assert not application.lines.exists()
    page = add(client, application, sex="F").text  # a man's ID, marked female
    assert "与身份证号码（男）不符" in page
    page = add(client, application, id_number=person(403, born=datetime(1950, 1, 1).date())).text
    assert "周岁" in page and not application.lines.exists()


def test_the_same_person_twice_and_a_person_held_by_another_unit(login, clerk_u003, clerk_u004):
    client = login(clerk_u003)
    application = draft(clerk_u003)
    add(client, application)
    assert "该人员已在本申请的名单中" in add(client, application).text
    other = draft(clerk_u004)
    page = add(login(clerk_u004), other).text
    assert "已参加此项目" in page
    assert "荣成示例水产合作社" not in page and "U003" not in page  # which unit holds them is not said
    assert not other.lines.exists()


def test_shares_are_changed_and_lines_removed_only_in_a_draft(login, clerk_u003):
    client = login(clerk_u003)
    application = draft(clerk_u003)
    add(client, application)
    add(client, application, name="赵丽", id_number=person(404, "F"), card="C404")
    first, second = application.lines.order_by("row_number")
    # ACC requires the same shares for everyone: one person alone cannot move, everyone together can.
    page = client.post(reverse("enrollment:line_shares", args=[application.reference, first.pk]), {"shares": "2"},
                       follow=True).text  # fmt: skip
    assert "本项目要求同一申请每人份数相同" in page and "请用名单上方的“全部人员改为”" in page
    first.refresh_from_db()
    assert first.shares == 1
    client.post(reverse("enrollment:shares_all", args=[application.reference]), {"shares": "2"})
    assert list(application.lines.values_list("shares", flat=True)) == [2, 2]
    page = client.post(reverse("enrollment:shares_all", args=[application.reference]), {"shares": "6"},
                       follow=True).text  # fmt: skip
    assert "份数 6 超过上限 5 份" in page
    first.refresh_from_db()
    assert first.shares == 2
    page = client.post(reverse("enrollment:line_remove", args=[application.reference, second.pk]), follow=True).text
    assert "已从名单中删除" in page and list(application.lines.values_list("member__name", flat=True)) == ["王小明"]
    services.application_submit(actor=clerk_u003, application=application)
    page = client.post(reverse("enrollment:line_remove", args=[application.reference, first.pk]), follow=True).text
    assert "名单已冻结" in page and application.lines.count() == 1
    with pytest.raises(ValidationError):
        services.application_set_shares(actor=clerk_u003, application=application, line_id=first.pk, shares=1)


def test_another_units_clerk_cannot_touch_the_roster(login, clerk_u003, clerk_u004):
    application = draft(clerk_u003)
    add(login(clerk_u003), application)
    line = application.lines.get()
    intruder = login(clerk_u004)
    for url, data in (
        (reverse("enrollment:line_remove", args=[application.reference, line.pk]), {}),
        (reverse("enrollment:line_shares", args=[application.reference, line.pk]), {"shares": "2"}),
        (reverse("enrollment:person_add", args=[application.reference]), {"name": "王五", "id_number": person(405)}),
        (reverse("enrollment:application_edit", args=[application.reference]), {"declared_staff": "1"}),
    ):
        assert intruder.post(url, data).status_code == 404
    # A line id of another application, through one's own application, is not found either.
    own = draft(clerk_u004)
    response = intruder.post(reverse("enrollment:line_remove", args=[own.reference, line.pk]), follow=True)
    assert "名单中没有这个人" in response.text and RosterLine.objects.filter(pk=line.pk).exists()


def test_the_application_details_and_the_receipt_title(login, clerk_u003):
    client = login(clerk_u003)
    plan = Plan.objects.get(period__number=16, code="ACC")
    response = client.post(reverse("enrollment:application_create"), {
        "plan": plan.pk, "declared_staff": "3", "uniform_shares": "on", "contact_name": "孙梅",
        "contact_phone": "13900000003", "invoice_title": "荣成示例水产合作社工会委员会",
        "invoice_tax_number": "91371082MA3C000001"})  # fmt: skip
    application = Application.objects.get(reference=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    page = client.get(response["Location"]).text
    assert "荣成示例水产合作社工会委员会" in page and "91371082MA3C000001" in page
    page = client.post(reverse("enrollment:application_edit", args=[application.reference]), {
        "declared_staff": "5", "contact_name": "孙梅", "contact_phone": "12", "invoice_title": "",
        "invoice_tax_number": ""}).text  # fmt: skip
    assert "联系电话应为 11 位手机号" in page
    client.post(reverse("enrollment:application_edit", args=[application.reference]), {
        "declared_staff": "5", "contact_name": "孙梅", "contact_phone": "0631-5201234", "invoice_title": "",
        "invoice_tax_number": ""})  # fmt: skip
    application.refresh_from_db()
    assert (application.declared_staff, application.contact_phone, application.uniform_shares) == (
        5, "0631-5201234", False)  # fmt: skip


# --- The social-insurance proof -----------------------------------------------------


def test_a_plan_asking_for_the_insurance_proof_holds_submission_until_it_is_attached(login, clerk_u003, clerk_u004):
    Plan.objects.filter(period__number=16, code="ACC").update(requires_insurance_proof=True)
    client = login(clerk_u003)
    application = draft(clerk_u003)
    add(client, application)
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    assert "社会保险缴纳证明" in page and "上传社会保险缴纳证明" in page
    page = client.post(reverse("enrollment:action", args=[application.reference, "submit"]), follow=True).text
    assert "须附单位的社会保险缴纳证明" in page
    url = reverse("enrollment:document_upload", args=[application.reference, "insurance_proof"])
    page = client.post(url, {"file": SimpleUploadedFile("证明.html", PDF)}, follow=True).text
    assert "扩展名与内容不符" in page and not application.documents.exists()
    page = client.post(url, {"file": SimpleUploadedFile("社保证明.pdf", PDF)}, follow=True).text
    assert "材料已上传" in page and "社保证明.pdf" in page
    document = application.documents.get()
    assert "社保证明" not in document.file.name
    view = client.get(reverse("enrollment:document", args=[application.reference, document.pk]))
    assert view["Content-Type"] == "application/pdf" and "sandbox" in view["Content-Security-Policy"]
    assert login(clerk_u004).get(reverse("enrollment:document", args=[application.reference, document.pk])
                                 ).status_code == 404  # fmt: skip
    client = login(clerk_u003)
    client.post(reverse("enrollment:action", args=[application.reference, "submit"]))
    application.refresh_from_db()
    assert application.status == "submitted"


# --- The clerk's own unit -------------------------------------------------------------


def test_a_clerk_edits_their_units_details_but_not_its_identity(login, clerk_u003):
    client = login(clerk_u003)
    unit = Unit.objects.get(code="U003")
    code, uscc, district = unit.code, unit.uscc, unit.district_id
    page = client.post(reverse("enrollment:unit"), {
        "address": "荣成市石岛镇渔港路 8 号", "chair_name": "郭海", "chair_phone": "0631-7300001",
        "contact_name": "孙梅", "contact_phone": "13900000003", "declared_staff": "4",
        "code": "HACK", "uscc": "", "district": "1", "name": "别的名字"}, follow=True).text  # fmt: skip
    assert "单位信息已保存" in page
    unit.refresh_from_db()
    assert unit.address == "荣成市石岛镇渔港路 8 号" and unit.declared_staff == 4
    assert (unit.code, unit.uscc, unit.district_id, unit.name) == (code, uscc, district, "荣成示例水产合作社")
    entry = AuditLog.objects.filter(object_id=unit.pk, action="update").latest("pk")
    assert entry.data["changes"]["declared_staff"][1] == "4"
    with pytest.raises(ValidationError, match="由市中心维护"):
        from enrollment.services.registrations import unit_update

        unit_update(actor=clerk_u003, unit=unit, uscc="")


def test_only_a_clerk_has_a_unit_page(login, district_hc):
    assert login(district_hc).get(reverse("enrollment:unit")).status_code == 403


# --- Registration -----------------------------------------------------------------------


def registration_data(**overrides):
    from enrollment.models import District

    data = {"name": "威海示例新材料有限公司工会委员会", "uscc": make_uscc("91371000MA3N00001"),
            "district": District.objects.get(code="RC").pk, "address": "荣成市成山大道 1 号",
            "chair_name": "林峰", "chair_phone": "0631-7600001", "contact_name": "陈静",
            "contact_phone": "13806310001", "declared_staff": "35",
            "certificates": [SimpleUploadedFile("工会法人资格证书.pdf", PDF)]}  # fmt: skip
    return data | overrides


def register(client=None, **overrides):
    client = client or Client()
    return client.post(reverse("register"), registration_data(**overrides), follow=True)


def shown_password(page: str) -> str:
    return page.split("初始密码：")[1].split("<")[0].strip()


def test_a_union_registers_and_its_district_approves_it(login, district_rc, district_hc):
    response = register()
    registration = UnitRegistration.objects.get(name="威海示例新材料有限公司工会委员会")
    assert "待办事处审核" in response.text and registration.token in response.redirect_chain[-1][0]
    assert registration.documents.count() == 1

    # Another district does not see it at all.
    assert login(district_hc).get(reverse("enrollment:registration", args=[registration.pk])).status_code == 404
    client = login(district_rc)
    assert "威海示例新材料有限公司工会委员会" in client.get(reverse("enrollment:registrations")).text
    certificate = registration.documents.get()
    assert client.get(reverse("enrollment:registration_document", args=[registration.pk, certificate.pk])
                      )["Content-Type"] == "application/pdf"  # fmt: skip
    approved = press(client, reverse("enrollment:registration", args=[registration.pk]), "审核通过，创建单位和账号")
    # POST, then 303 to the page that shows the password, so a reload does not approve again.
    assert approved.status_code == 303 and approved["Location"] == reverse("enrollment:first_password")
    page = client.get(approved["Location"]).text
    unit = Unit.objects.get(uscc=registration.uscc)
    assert unit.district.code == "RC" and unit.name == registration.name and unit.declared_staff == 35
    clerk = User.objects.get(staff_profile__unit=unit)
    password = shown_password(page)
    assert clerk.username in page and len(password) == 12 and clerk.check_password(password)
    # Shown once: a reload says it can no longer be seen and how to get a new one.
    again = client.get(approved["Location"]).text
    assert password not in again and "初始密码只显示一次" in again and "重新生成初始密码" in again
    assert password not in client.get(reverse("enrollment:registration", args=[registration.pk])).text

    # The clerk's first login leads only to the password form, which will not keep the first password.
    new = Client()
    assert new.post(reverse("login"), {"username": clerk.username, "password": password}).status_code == 302
    response = new.get(reverse("enrollment:applications"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    kept = new.post(reverse("password_change"), {"old_password": password, "new_password1": password,
                                                 "new_password2": password}).text  # fmt: skip
    assert "新密码不能与系统生成的初始密码相同" in kept and clerk.staff_profile.must_change_password
    assert new.get(reverse("enrollment:applications"))["Location"] == reverse("password_change")
    page = new.post(reverse("password_change"), {"old_password": password, "new_password1": "Haibin-2026-xin",
                                                 "new_password2": "Haibin-2026-xin"}, follow=True).text  # fmt: skip
    assert "密码已修改" in page and unit.name in page
    assert new.get(reverse("enrollment:applications")).status_code == 200


def test_a_registration_is_returned_with_a_reason_and_corrected(login, district_rc):
    register(uscc=make_uscc("91371000MA3N00002"))
    registration = UnitRegistration.objects.get(uscc=make_uscc("91371000MA3N00002"))
    client = login(district_rc)
    page = client.post(reverse("enrollment:registration_action", args=[registration.pk, "return"]), {"reason": " "},
                       follow=True).text  # fmt: skip
    assert "请填写退回原因" in page
    client.post(reverse("enrollment:registration_action", args=[registration.pk, "return"]),
                {"reason": "证书照片不清楚，请重新拍照上传。"})  # fmt: skip
    status_url = reverse("registration_status", args=[registration.token])
    page = Client().get(status_url).text
    assert "证书照片不清楚" in page and "重新提交" in page
    data = registration_data(uscc=make_uscc("91371000MA3N00002"), certificates=[SimpleUploadedFile("新照片.jpg",
                             b"\xff\xd8\xff\xe0 jpeg")])  # fmt: skip
    page = Client().post(status_url, data, follow=True).text
    registration.refresh_from_db()
    assert "已重新提交" in page and registration.status == "pending" and registration.documents.count() == 2


def test_registration_refuses_bad_input_and_reveals_nothing(district_rc):
    page = register(uscc="91371000MA3N0000X").text
    assert "统一社会信用代码" in page and not UnitRegistration.objects.exists()
    page = register(certificates=[SimpleUploadedFile("证书.pdf", b"<html><script>alert(1)</script>")]).text
    assert "不是 PDF、JPG 或 PNG" in page and not UnitRegistration.objects.exists()
    page = register(contact_phone="0631-5201234").text
    assert "手机号应为 11 位" in page
    # The USCC of a known unit: the public page says nothing of it; the reviewer is told.
    known = Unit.objects.exclude(uscc="").first()
    page = register(uscc=known.uscc).text
    assert known.name not in page and known.code not in page
    registration = UnitRegistration.objects.get(uscc=known.uscc)
    with pytest.raises(ValidationError, match="已属于单位"):
        from enrollment.services.registrations import registration_approve

        registration_approve(actor=User.objects.get(username="centre_handler"), registration=registration)


def test_registration_is_rate_limited_per_address():
    client = Client(REMOTE_ADDR="203.0.113.9")
    for k in range(REGISTRATIONS_PER_HOUR):
        register(client, uscc=make_uscc(f"91371000MA3N1{k:04d}"))
    page = register(client, uscc=make_uscc("91371000MA3N19999")).text
    assert "提交过于频繁" in page
    assert UnitRegistration.objects.filter(submitted_from="203.0.113.9").count() == REGISTRATIONS_PER_HOUR


def test_a_district_issues_a_clerk_a_new_first_password_shown_once_and_logged(login, district_hc, clerk_u001):
    client = login(district_hc)
    listing = client.get(reverse("enrollment:clerks")).text
    assert "clerk_u001" in listing and "clerk_u004" in listing and "clerk_u002" not in listing
    issued = press(client, reverse("enrollment:clerks"), "重新生成初始密码",
                   action=reverse("enrollment:clerk_first_password", args=[clerk_u001.pk]))  # fmt: skip
    assert issued.status_code == 303
    page = client.get(issued["Location"]).text
    password = shown_password(page)
    assert "clerk_u001" in page and "原密码已作废" in page
    assert password not in client.get(issued["Location"]).text  # a reload: gone

    row = AuditLog.objects.get(action="password_reissue")
    assert row.actor == district_hc and row.object_id == clerk_u001.pk and row.action_label == "重新生成初始密码"
    assert not AuditLog.objects.filter(Q(comment__contains=password) | Q(data__icontains=password)).exists()

    # The old password no longer opens the account; the new one opens only the password form.
    assert Client().post(reverse("login"), {"username": "clerk_u001", "password": "mutualaid-demo"}).status_code == 200
    clerk = Client()
    assert clerk.post(reverse("login"), {"username": "clerk_u001", "password": password}).status_code == 302
    assert clerk.get(reverse("enrollment:applications"))["Location"] == reverse("password_change")
    kept = clerk.post(reverse("password_change"), {"old_password": password, "new_password1": password,
                                                   "new_password2": password}).text  # fmt: skip
    assert "新密码不能与系统生成的初始密码相同" in kept


def test_another_district_or_a_clerk_cannot_issue_a_first_password(login, district_wd, clerk_u001, clerk_u002):
    before = User.objects.get(pk=clerk_u001.pk).password
    response = login(district_wd).post(reverse("enrollment:clerk_first_password", args=[clerk_u001.pk]))
    assert response.status_code == 404
    assert "clerk_u001" not in login(district_wd).get(reverse("enrollment:clerks")).text
    assert login(clerk_u002).post(reverse("enrollment:clerk_first_password", args=[clerk_u001.pk])).status_code == 404
    assert login(clerk_u002).get(reverse("enrollment:clerks")).status_code == 404
    assert login(clerk_u002).get(reverse("enrollment:first_password")).status_code == 404
    assert User.objects.get(pk=clerk_u001.pk).password == before
    assert not AuditLog.objects.filter(action="password_reissue").exists()


def test_the_district_review_names_no_unit_of_another_district(login, district_rc):
    u001 = Unit.objects.get(code="U001")  # in HC
    register(uscc=u001.uscc)
    registration = UnitRegistration.objects.get(uscc=u001.uscc)
    page = login(district_rc).get(reverse("enrollment:registration", args=[registration.pk])).text
    assert "已被本市其他办事处的单位使用" in page and "市中心" in page
    assert u001.name not in page and "U001" not in page
    refused = press(login(district_rc), reverse("enrollment:registration", args=[registration.pk]),
                    "审核通过，创建单位和账号")  # fmt: skip
    assert "其他办事处" in login(district_rc).get(refused["Location"]).text
    assert not Unit.objects.filter(name=registration.name).exists()


def test_a_unit_named_like_an_existing_one_is_approved_only_when_the_centre_confirms(login, district_rc, handler):
    # U001 is 威海示例科技有限公司 (HC); payer names are compared without spaces, widths or bracket kinds.
    register(name="威海示例科技 有限公司", uscc=make_uscc("91371000MA3N00003"))
    registration = UnitRegistration.objects.get(uscc=make_uscc("91371000MA3N00003"))
    url = reverse("enrollment:registration", args=[registration.pk])
    approve = "审核通过，创建单位和账号"

    district = login(district_rc)
    page = district.get(url).text
    assert "其他办事处已有同名单位" in page and "威海示例科技有限公司" not in page and "U001" not in page
    assert "confirm_same_name" not in page
    refused = district.get(press(district, url, approve)["Location"]).text
    assert "请市中心核实" in refused and not Unit.objects.filter(uscc=registration.uscc).exists()

    centre = login(handler)
    page = centre.get(url).text
    assert "已有同名单位 U001 威海示例科技有限公司" in page and "confirm_same_name" in page
    refused = centre.get(press(centre, url, approve)["Location"]).text
    assert "确认为不同单位" in refused and not Unit.objects.filter(uscc=registration.uscc).exists()
    assert press(centre, url, approve, confirm_same_name="on").status_code == 303
    assert Unit.objects.filter(uscc=registration.uscc, district__code="RC").exists()
    row = AuditLog.objects.for_object(registration).get(action="approve")
    assert row.actor == handler and row.data["same_name_confirmed"] == ["U001"] and "市中心确认" in row.comment


@pytest.mark.django_db(transaction=True)
def test_twelve_registrations_at_once_from_one_address_let_only_five_in():
    """Each browser its own connection, all released by one barrier: the count of the last hour and
    the insert are one step, so the limit holds under a burst."""
    District.objects.get_or_create(code="RC", defaults={"name": "荣成市总工会"})
    posts = [registration_data(uscc=make_uscc(f"91371000MA3N2{k:04d}")) for k in range(12)]
    barrier = threading.Barrier(len(posts))
    answers = [None] * len(posts)

    def send(index):
        try:
            browser = Client(REMOTE_ADDR="198.51.100.7")
            barrier.wait()
            answers[index] = browser.post(reverse("register"), posts[index], follow=True).text
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(k,)) for k in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert UnitRegistration.objects.filter(submitted_from="198.51.100.7").count() == REGISTRATIONS_PER_HOUR
    assert sum("提交过于频繁" in answer for answer in answers) == len(posts) - REGISTRATIONS_PER_HOUR
