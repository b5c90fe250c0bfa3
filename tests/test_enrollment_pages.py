"""The clerk's application in the browser's terms: create, template, upload with errors, the marked
file, a fixed upload, submit; then the district office and the centre review it."""

import io
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment import services
from enrollment.models import Application, Plan
from mutualaid import jobs
from tests.test_roster_import import person, row, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def create(client, plan="ACC"):
    plan_obj = Plan.objects.get(period__number=16, code=plan)
    response = client.post(
        reverse("enrollment:application_create"),
        {"plan": plan_obj.pk, "declared_staff": "3", "uniform_shares": "on", "contact_name": "孙梅",
         "contact_phone": "13900000003"},
    )  # fmt: skip
    assert response.status_code == 302, response.text if hasattr(response, "text") else response
    return Application.objects.get(reference=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def upload(client, application, data, name="名单.xlsx"):
    return client.post(
        reverse("enrollment:roster_upload", args=[application.reference]),
        {"file": SimpleUploadedFile(name, data)},
        follow=True,
    )


def test_the_clerks_journey_and_the_two_level_review(login, clerk_u003, district_rc, district_wd, handler):
    client = login(clerk_u003)
    form = client.get(reverse("enrollment:application_create")).text
    assert "团体意外伤害" in form and "单位缴 20.00 元" in form
    application = create(client)
    assert application.status == "draft" and application.unit.code == "U003"

    template = client.get(reverse("enrollment:roster_template", args=[application.reference]))
    sheet = openpyxl.load_workbook(io.BytesIO(template.content))["人员手册"]
    assert sheet["A2"].value == "单位名称：荣成示例水产合作社"

    bad = xlsx([row(1), row(2, name=""), row(3, id_number="371082198503010000")])
    page = upload(client, application, bad).text
    assert "有错误，未导入任何人员" in page and "姓名未填" in page and "第 5 行" in page
    assert application.lines.count() == 0
    marked = client.get(reverse("enrollment:roster_marked", args=[application.reference]))
    book = openpyxl.load_workbook(io.BytesIO(marked.content)).active
    assert [c.value for c in book[3]][-1] == "错误说明" and book.cell(row=5, column=2).comment is not None

    page = upload(client, application, xlsx([row(1), row(2), row(3)])).text
    assert "名单已导入：3 人" in page and "下载标注错误的文件" not in page
    page = client.post(reverse("enrollment:action", args=[application.reference, "submit"]), follow=True).text
    assert "申请已提交" in page
    application.refresh_from_db()
    assert application.status == "submitted"

    assert login(district_wd).get(reverse("enrollment:application", args=[application.reference])).status_code == 404
    queue = login(district_rc).get(reverse("enrollment:applications")).text
    assert application.reference in queue
    login(district_rc).post(
        reverse("enrollment:action", args=[application.reference, "district_approve"]), {"comment": "同意"}
    )
    login(handler).post(reverse("enrollment:action", args=[application.reference, "centre_approve"]), {"comment": ""})
    application.refresh_from_db()
    plan = application.plan
    assert application.status == "centre_approved"
    assert application.amount_due == 3 * (plan.premium - plan.union_subsidy)
    assert application.subsidy_total == 3 * plan.union_subsidy
    history = login(clerk_u003).get(reverse("enrollment:application", args=[application.reference])).text
    assert "办事处审核通过" in history and "中心审核通过" in history


def test_reviewers_act_only_at_their_stage(clerk_u003, district_rc, handler, login):
    application = Application.objects.get(reference="16-MED-U003-1")  # centre-approved, unpaid
    with pytest.raises(ValidationError, match="不在办事处审核环节"):
        services.application_return(actor=district_rc, application=application, reason="再看看")
    draft = services.application_create(actor=clerk_u003, plan=Plan.objects.get(period__number=16, code="ACC"),
                                        unit=application.unit, declared_staff=2)  # fmt: skip
    with pytest.raises(ValidationError, match="不在市中心"):
        services.application_reject(actor=handler, application=draft, reason="不符合")
    page = login(district_rc).get(reverse("enrollment:application", args=[application.reference])).text
    assert ">审核通过</button>" not in page and "退回修改" not in page


def test_return_and_reject_need_a_reason(login, clerk_u003, district_rc):
    client = login(clerk_u003)
    application = create(client)
    upload(client, application, xlsx([row(1)]))
    client.post(reverse("enrollment:action", args=[application.reference, "submit"]))
    page = login(district_rc).post(reverse("enrollment:action", args=[application.reference, "return"]), {"reason": ""},
                                   follow=True).text  # fmt: skip
    assert "请填写原因" in page
    login(district_rc).post(
        reverse("enrollment:action", args=[application.reference, "return"]), {"reason": "缺在职人数证明"}
    )
    application.refresh_from_db()
    assert application.status == "returned"
    assert (
        "缺在职人数证明" in login(clerk_u003).get(reverse("enrollment:application", args=[application.reference])).text
    )


def test_a_withdrawn_application_frees_its_people(login, clerk_u003, clerk_u002):
    client = login(clerk_u003)
    application = create(client)
    upload(client, application, xlsx([row(1, name="流动人", id_number=person(90))]))
    client.post(reverse("enrollment:action", args=[application.reference, "withdraw"]), {"confirm": "on"})
    application.refresh_from_db()
    assert application.status == "withdrawn" and not application.lines.filter(live=True).exists()
    other = create(login(clerk_u002))
    page = upload(login(clerk_u002), other, xlsx([row(1, name="流动人", id_number=person(90))])).text
    assert "名单已导入：1 人" in page


def test_other_units_and_wrong_methods_are_refused(login, clerk_u003, clerk_u001):
    application = create(login(clerk_u003))
    client = login(clerk_u001)
    for name in ("enrollment:application", "enrollment:roster_template", "enrollment:roster_marked"):
        assert client.get(reverse(name, args=[application.reference])).status_code == 404
    assert upload(client, application, xlsx([row(1)])).status_code == 404
    assert client.post(reverse("enrollment:action", args=[application.reference, "submit"])).status_code == 404
    client = login(clerk_u003)
    assert client.get(reverse("enrollment:roster_upload", args=[application.reference])).status_code == 405
    assert client.get(reverse("enrollment:action", args=[application.reference, "submit"])).status_code == 405


def test_a_large_roster_goes_to_the_worker_with_progress_on_the_page(login, clerk_u003, monkeypatch):
    monkeypatch.setattr("enrollment.views.INLINE_MAX_BYTES", 100)
    client = login(clerk_u003)
    application = create(client)
    page = upload(client, application, xlsx([row(k) for k in range(1, 21)])).text
    assert "已交给后台处理" in page and "data-job-status-url" in page and "排队中" in page
    [job] = jobs.execute_queued()
    assert job.status == "done" and job.result["created"] == 20
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    assert "已完成" in page and "人员名单（20 人）" in page
    assert D(0) == application.amount_due
