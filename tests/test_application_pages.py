"""What a clerk and the centre see of an application (issue 15): a draft's figures before submission,
the staff declared against the people enrolled, withdrawing with a confirmation, a returned
application's reason, overpaid invoices, the roster's error report across sessions and its storage."""

import io
import os
import re
from datetime import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment import services
from enrollment.models import Application, Member, Plan
from tests.helpers import typed_in
from tests.test_enrollment_pages import upload
from tests.test_roster_import import person, row, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def draft(clerk, plan="DD", staff=5):
    return services.application_create(
        actor=clerk, plan=Plan.objects.get(period__number=16, code=plan), unit=clerk.staff_profile.unit,
        declared_staff=staff,
    )  # fmt: skip


def add(client, application, k, shares=1):
    data = {"name": f"页面{'一二三四五六七八九'[k % 9]}", "id_number": person(200 + k), "sex": "", "card": f"C{k}",
            "phone": "", "shares": str(shares), "basic": "on", "occupation": ""}  # fmt: skip
    page = client.post(reverse("enrollment:person_add", args=[application.reference]), data, follow=True).text
    assert "已加入名单" in page, page
    return page


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- a draft's figures ---------------------------------------------------------------------------


def test_a_draft_shows_its_people_shares_and_premium_before_submission(login, clerk_u003):
    client = login(clerk_u003)
    application = draft(clerk_u003)
    add(client, application, 1, shares=3)
    add(client, application, 2, shares=3)
    page = text(client.get(reverse("enrollment:application", args=[application.reference])).text)
    # DD: 40.00 a share, no union subsidy: 2 people x 3 shares = 240.00.
    assert "缴费人数 / 份数 2 人 / 6 份" in page and "应缴金额 240.00 元" in page
    listing = text(client.get(reverse("enrollment:applications") + "?status=draft").text)
    assert re.search(rf"{application.reference} .*? 草稿 2 240\.00 0\.00", listing)
    services.application_submit(actor=clerk_u003, application=application)
    application.refresh_from_db()
    assert (application.member_count, application.share_count, application.amount_due) == (2, 6, D("240.00"))
    page = text(client.get(reverse("enrollment:application", args=[application.reference])).text)
    assert "缴费人数 / 份数 2 人 / 6 份" in page and "应缴金额 240.00 元" in page


def test_the_list_counts_a_page_of_drafts_in_a_bounded_number_of_queries(login, clerk_u003):
    client = login(clerk_u003)
    url = reverse("enrollment:applications") + "?status=draft"
    application = draft(clerk_u003)
    add(client, application, 1)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for k, plan in enumerate(("ACC", "ALW", "MED"), start=2):
        add(client, draft(clerk_u003, plan=plan), k)
    with CaptureQueriesContext(connection) as more:
        page = client.get(url).text
    assert len(more) == len(one) and page.count("草稿</span>") == 4


# --- staff declared against the people enrolled ---------------------------------------------------


def test_more_people_enrolled_than_staff_declared_holds_the_submission(login, clerk_u003):
    client = login(clerk_u003)
    application = draft(clerk_u003, staff=1)
    add(client, application, 1)
    add(client, application, 2)
    page = text(client.post(reverse("enrollment:action", args=[application.reference, "submit"]), follow=True).text)
    assert "本单位参加本期“职工指定疾病(手术)”的有 2 人，多于申请填写的在职人数 1 人" in page
    assert "请在“修改申请信息”中更正在职人数" in page and "申请已提交" not in page
    client.post(reverse("enrollment:application_edit", args=[application.reference]), {
        "declared_staff": "2", "contact_name": "孙梅", "contact_phone": "13900000003", "invoice_title": "",
        "invoice_tax_number": ""})  # fmt: skip
    page = client.post(reverse("enrollment:action", args=[application.reference, "submit"]), follow=True).text
    assert "申请已提交" in page


def test_the_people_counted_are_the_units_in_every_live_application_of_the_plan(clerk_u001):
    # U001 has 3 people in MED 16 already (16-MED-U001-1 and -2); a third application declaring 3 staff
    # cannot add a fourth.
    application = draft(clerk_u001, plan="MED", staff=3)
    member = Member.objects.create(id_number=person(250), name="第四人", sex="M",
                                   birth_date=datetime(1985, 3, 1).date(), insurance_card="C250")  # fmt: skip
    services.roster_add_person(actor=clerk_u001, application=application, person=typed_in(member))
    with pytest.raises(ValidationError, match="有 4 人，多于申请填写的在职人数 3 人"):
        services.application_submit(actor=clerk_u001, application=application)


# --- withdrawing asks for a confirmation ------------------------------------------------------------


def test_withdrawing_needs_the_confirmation_ticked(login, clerk_u003):
    client = login(clerk_u003)
    application = draft(clerk_u003)
    add(client, application, 1)
    url = reverse("enrollment:action", args=[application.reference, "withdraw"])
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    assert re.search(r'<input type="checkbox" name="confirm" required id="withdraw_confirm"', page)
    page = client.post(url, {"reason": "点错了"}, follow=True).text
    assert "请勾选“确认撤回本申请”后再撤回" in page and "申请已撤回" not in page
    application.refresh_from_db()
    assert application.status == "draft" and application.lines.filter(live=True).count() == 1
    page = client.post(url, {"confirm": "on", "reason": "本期不再参加"}, follow=True).text
    assert "申请已撤回" in page and "本期不再参加" in page
    application.refresh_from_db()
    assert application.status == "withdrawn" and not application.lines.filter(live=True).exists()


# --- a returned application's reason stands at the top ---------------------------------------------


def test_a_returned_applications_reason_stands_at_the_top_of_its_page(login, clerk_u003, district_rc):
    client = login(clerk_u003)
    application = draft(clerk_u003)
    add(client, application, 1)
    services.application_submit(actor=clerk_u003, application=application)
    services.application_return(actor=district_rc, application=application, reason="请补充工会主席联系方式")
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    top = page[page.index("<h1>") : page.index('class="card"')]
    assert '<div class="warnings" role="alert"><strong>退回原因：</strong>请补充工会主席联系方式</div>' in top
    services.application_submit(actor=clerk_u003, application=application)
    services.application_reject(actor=district_rc, application=application, reason="不属于本辖区")
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    top = page[page.index("<h1>") : page.index('class="card"')]
    assert "<strong>不予通过原因：</strong>不属于本辖区" in top and "退回原因" not in top


# --- the roster's error report and its file -------------------------------------------------------


def bad_roster() -> bytes:
    return xlsx([row(1), row(2, name="")])


def test_the_error_report_survives_a_new_session_with_its_marked_file(client, clerk_u003):
    client.force_login(clerk_u003)
    application = draft(clerk_u003)
    page = upload(client, application, bad_roster(), name="一季度名单.xlsx").text
    assert "有错误，未导入任何人员" in page
    client.logout()
    client.force_login(clerk_u003)  # a new session: nothing of the upload is in it
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    assert "上次上传的“一季度名单.xlsx”有错误，未导入任何人员" in page and "姓名未填写" in page
    marked = client.get(reverse("enrollment:roster_marked", args=[application.reference]))
    sheet = openpyxl.load_workbook(io.BytesIO(marked.content)).active
    assert marked.status_code == 200 and sheet.cell(row=5, column=2).comment is not None
    # Another unit's clerk sees neither the report nor the file.
    other = Client()
    other.force_login(User.objects.get(username="clerk_u004"))
    assert other.get(reverse("enrollment:roster_marked", args=[application.reference])).status_code == 404


def test_roster_files_are_stored_under_a_random_name_and_deleted_once_replaced(
    client, clerk_u003, django_capture_on_commit_callbacks
):
    from enrollment.models import RosterUpload

    client.force_login(clerk_u003)
    application = draft(clerk_u003)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, application, bad_roster(), name="张三李四身份证名单.xlsx")
    first = RosterUpload.objects.get(application=application)
    assert re.fullmatch(r"roster-uploads/[0-9a-f]{32}\.xlsx", first.file.name)
    assert first.original_name == "张三李四身份证名单.xlsx" and default_storage.exists(first.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, application, bad_roster(), name="改过的名单.xlsx")
    second = RosterUpload.objects.get(application=application)
    assert second.original_name == "改过的名单.xlsx" and not default_storage.exists(first.file.name)
    # A clean file imports and leaves nothing behind; a second file waits as a preview, then is applied.
    with django_capture_on_commit_callbacks(execute=True):
        page = upload(client, application, xlsx([row(1), row(2)])).text
    assert "名单已导入：2 人" in page and "有错误" not in page
    assert not RosterUpload.objects.filter(application=application).exists()
    assert not default_storage.exists(second.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, application, xlsx([row(1), row(2), row(3)]), name="补充.xlsx")
    preview = RosterUpload.objects.get(application=application, kind="preview")
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    assert "“补充.xlsx”与现有名单的差异" in page and "新增 1 人" in page
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("enrollment:roster_apply", args=[application.reference]), follow=True).text
    assert "名单已替换：3 人" in page and not RosterUpload.objects.filter(application=application).exists()
    assert not default_storage.exists(preview.file.name)


def test_cleanup_deletes_stale_uploads_and_files_nothing_refers_to(clerk_u003, django_capture_on_commit_callbacks):
    from enrollment.models import RosterUpload
    from enrollment.roster import pending

    fresh_app, stale_app, submitted_app = draft(clerk_u003), draft(clerk_u003, plan="ACC"), draft(clerk_u003, "ALW")
    with time_machine.travel(datetime(2026, 8, 20, 10, tzinfo=SHANGHAI), tick=False):
        stale = pending.keep(application=stale_app, kind="errors", data=b"old", filename="旧.xlsx", actor=clerk_u003)
    fresh = pending.keep(application=fresh_app, kind="errors", data=b"new", filename="新.xlsx", actor=clerk_u003)
    frozen = pending.keep(application=submitted_app, kind="errors", data=b"x", filename="交.xlsx", actor=clerk_u003)
    Application.objects.filter(pk=submitted_app.pk).update(status="submitted")
    # A file an older version kept under the clerk's own file name, and one being written right now.
    legacy = default_storage.save("roster-uploads/名单.xlsx", ContentFile(b"legacy"))
    recent = default_storage.save("roster-uploads/0123456789abcdef0123456789abcdef.xlsx", ContentFile(b"now"))
    long_ago = datetime(2026, 8, 1, tzinfo=SHANGHAI).timestamp()
    os.utime(default_storage.path(legacy), (long_ago, long_ago))
    just_now = timezone.now().timestamp()
    os.utime(default_storage.path(recent), (just_now, just_now))
    with django_capture_on_commit_callbacks(execute=True):
        out = io.StringIO()
        call_command("cleanup_uploads", stdout=out)
    assert "已删除待处理的人员手册 2 份，无人引用的文件" in out.getvalue()
    assert list(RosterUpload.objects.filter(pk__in=[stale.pk, fresh.pk, frozen.pk])) == [fresh]
    assert default_storage.exists(fresh.file.name) and default_storage.exists(recent)
    for gone in (stale.file.name, frozen.file.name, legacy):
        assert not default_storage.exists(gone)
    default_storage.delete(recent)


def test_cleanup_also_deletes_statement_previews_and_admin_imports_nobody_confirmed():
    from enrollment.services.payments import STATEMENT_PREVIEWS
    from mutualaid.importing import ADMIN_IMPORTS

    stale = [STATEMENT_PREVIEWS.store(b"old", "工行.xlsx"), ADMIN_IMPORTS.store(b"old"),
             default_storage.save("statements/preview-20261101090000.bin", ContentFile(b"legacy"))]  # fmt: skip
    fresh = [STATEMENT_PREVIEWS.store(b"new", "工行.xlsx"), ADMIN_IMPORTS.store(b"new")]
    eight_days_ago = (timezone.now() - timezone.timedelta(days=8)).timestamp()
    for name in stale:
        os.utime(default_storage.path(name), (eight_days_ago, eight_days_ago))
    out = io.StringIO()
    call_command("cleanup_uploads", stdout=out)
    assert "过期的对账单预览 2 个，后台导入的暂存文件 1 个" in out.getvalue()
    assert not any(default_storage.exists(name) for name in stale)
    assert all(default_storage.exists(name) for name in fresh)
    for name in fresh:
        default_storage.delete(name)


def test_the_worker_runs_the_cleanup_every_night():
    from procrastinate.contrib.django import app

    from enrollment.tasks import cleanup_uploads

    [periodic] = [p for p in app.periodic_registry.periodic_tasks.values() if p.task is cleanup_uploads]
    assert periodic.cron == "40 3 * * *" and cleanup_uploads.queue == "jobs"


def test_a_large_roster_with_errors_leaves_its_report_on_the_page(login, clerk_u003, monkeypatch):
    from mutualaid import jobs

    monkeypatch.setattr("enrollment.views.INLINE_MAX_BYTES", 100)
    client = login(clerk_u003)
    application = draft(clerk_u003)
    upload(client, application, xlsx([row(k) for k in range(1, 20)] + [row(20, name="")]), name="大名单.xlsx")
    [job] = jobs.execute_queued()
    assert job.status == "done" and job.result["created"] == 0
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    assert "上次上传的“大名单.xlsx”有错误，未导入任何人员" in page and "第 23 行" in page
    assert client.get(reverse("enrollment:roster_marked", args=[application.reference])).status_code == 200
