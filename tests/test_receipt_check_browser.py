"""The receipt's public check page on a phone (headless Chromium at 390 px): what a person who scans
the QR code sees, valid and then void. Screenshots go to $MEMBER_SHOTS (default /tmp/shots)."""

import os
import shutil
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from enrollment.models import Application
from enrollment.services import payments
from tests import test_e2e_enrollment as e2e
from tests.test_payments import line, run

SHOTS = Path(os.environ.get("MEMBER_SHOTS") or "/tmp/shots")  # noqa: S108 - where the brief looks
browser = e2e.browser
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not shutil.which(e2e.CHROMIUM), reason="Debian chromium is not installed (make test installs it)"
    ),
]


def test_the_check_page_reads_on_a_phone_and_says_void_after_a_refund(live_server, browser, committed_demo):
    handler = User.objects.get(username="centre_handler")
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        run(handler, [line("B1", 120, memo="16-MED-U003-1")])
        med = Application.objects.get(reference="16-MED-U003-1")
        receipt = med.receipts.get()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + reverse("receipt_check", args=[receipt.token]))
    assert page.locator(".verdict").inner_text().startswith("有效")
    assert receipt.number in page.inner_text("main") and "120.00 元" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "receipt-check-valid.png"), full_page=True)

    with time_machine.travel(datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        payments.refund_record(actor=handler, application_id=med.pk, amount=D("20.00"), refunded_on=date(2026, 11, 26),
                               reference="TK-B")  # fmt: skip
    page.reload()
    assert page.locator(".verdict").inner_text().startswith("已作废")
    page.screenshot(path=str(SHOTS / "receipt-check-void.png"), full_page=True)
    page.goto(live_server.url + reverse("receipt_check", args=["not-a-receipt-token-0000000000"]))
    assert "收据查验" not in page.title()
    context.close()
