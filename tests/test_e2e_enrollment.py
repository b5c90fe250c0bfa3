"""The clerk's enrollment journey in a real browser (headless Chromium through Playwright), then the
district office and the centre approve. Screenshots of each step go to $E2E_SHOTS (default /tmp/shots-e2e)."""

import io
import os
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import call_command

from enrollment.models import Application
from tests.test_roster_import import row, xlsx

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("E2E_SHOTS") or Path(tempfile.gettempdir()) / "shots-e2e")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian chromium is not installed (make test installs it)"),
]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are still plain
    # synchronous code (the live server answers from its own thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def page_as(browser, base, username, width=1366):
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "mutualaid-demo")
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_clerk_enrolls_and_the_district_and_centre_approve(live_server, browser, settings, tmp_path):
    settings.DEBUG = False
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        call_command("seed_demo", force=True, verbosity=0)
        base = live_server.url
        clerk = page_as(browser, base, "clerk_u003")

        clerk.click("text=新建团体申请")
        clerk.select_option(
            "select[name=plan]",
            label=clerk.locator("select[name=plan] option", has_text="团体意外伤害").first.inner_text(),
        )
        clerk.fill("input[name=declared_staff]", "3")
        clerk.fill("input[name=contact_name]", "孙梅")
        clerk.fill("input[name=contact_phone]", "13900000003")
        shot(clerk, "1-new-application")
        clerk.click("text=创建申请")
        clerk.wait_for_selector("text=下载人员手册模板")
        reference = clerk.url.rstrip("/").rsplit("/", 1)[-1]
        shot(clerk, "2-application-draft")

        with clerk.expect_download() as download:
            clerk.click("text=下载人员手册模板")
        template = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["人员手册"]
        assert template["A2"].value == "单位名称：荣成示例水产合作社"

        bad = tmp_path / "名单.xlsx"
        bad.write_bytes(xlsx([row(1), row(2, name=""), row(3, id_number="371082198503010000")]))
        clerk.set_input_files("input[name=file]", str(bad))
        clerk.click("text=上传并校验")
        clerk.wait_for_selector("text=下载标注错误的文件")
        assert clerk.locator("text=姓名未填").count() >= 1
        shot(clerk, "3-roster-errors")

        with clerk.expect_download() as download:
            clerk.click("text=下载标注错误的文件")
        marked = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
        assert marked.cell(row=5, column=2).comment is not None

        good = tmp_path / "名单-已修改.xlsx"
        good.write_bytes(xlsx([row(1), row(2), row(3)]))
        clerk.set_input_files("input[name=file]", str(good))
        clerk.click("text=上传并校验")
        clerk.wait_for_selector("text=名单已导入：3 人")
        shot(clerk, "4-roster-imported")
        clerk.click("button:has-text('提交申请')")
        clerk.wait_for_selector("text=申请已提交")
        shot(clerk, "5-submitted")

        district = page_as(browser, base, "district_rc")
        district.goto(f"{base}/enrollment/applications/{reference}/")
        district.click("button:has-text('审核通过')")
        district.wait_for_selector("text=已审核通过，转市中心")
        shot(district, "6-district-approved")

        centre = page_as(browser, base, "centre_handler")
        centre.goto(f"{base}/enrollment/applications/{reference}/")
        centre.click("button:has-text('审核通过')")
        centre.wait_for_selector("text=缴费金额已确定")
        shot(centre, "7-centre-approved")

        phone = page_as(browser, base, "clerk_u003", width=390)
        phone.goto(f"{base}/enrollment/applications/{reference}/")
        shot(phone, "8-clerk-phone")

    application = Application.objects.get(reference=reference)
    assert application.status == "centre_approved" and application.member_count == 3
    assert application.amount_due == 3 * application.plan.clerk_premium


def test_the_plan_admin_shows_each_component_only_its_own_kinds_fields(live_server, browser):
    """The admin adds a fire-loss part to Beijing's HOME plan: the new row shows the fire fields
    only, and switching the row to 身故 shows the death fields only (the script runs once the page
    is parsed: the admin loads its media in <head>)."""
    from django.contrib.auth.models import User

    from enrollment.models import Period
    from enrollment.schemes import plan_from_spec
    from tests.schemes import HOME_SPEC

    # The demo may or may not be here (a transactional test before this one empties the database).
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", password="mutualaid-demo")
    period = Period.objects.create(number=91, name="2026年度（北京）", coverage_start=date(2026, 1, 1),
                                   coverage_end=date(2026, 12, 31), enrollment_start=date(2025, 12, 1),
                                   enrollment_end=date(2026, 3, 31))  # fmt: skip
    plan = plan_from_spec(period, {**HOME_SPEC, "components": []})
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "mutualaid-demo")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/enrollment/plan/{plan.pk}/change/")
    page.get_by_text("添加另一个 给付组成部分").click()
    row = page.locator("#components-0")

    def shown_sections():
        return [
            legend.strip()
            for legend in row.locator("fieldset.kind-section:visible .fieldset-heading").all_inner_texts()
        ]

    row.locator("select[name='components-0-kind']").select_option(label="家庭财产火灾损失")
    assert shown_sections() == ["家庭财产火灾损失"]
    row.locator("select[name='components-0-kind']").select_option(label="身故（任何原因）")
    assert shown_sections() == ["身故（任何原因）"]
    shot(page, "admin-plan-component")
