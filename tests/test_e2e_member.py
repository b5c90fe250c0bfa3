"""A member on their phone (headless Chromium at 390 px, with WeChat's user agent): 张伟 signs in with
the code the SMS file backend received, finds his coverages and his paid claim, files a hospital stay
with two photos; clerk_u001 finds it waiting, completes and submits it; 张伟 sees the new step and gets
an SMS for it.
Screenshots go to $MEMBER_SHOTS (default /tmp/shots) as member-*.png."""

import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from claims.models import Claim, ClaimStatus
from mutualaid import notices
from tests import test_e2e_enrollment as e2e

SHOTS = Path(os.environ.get("MEMBER_SHOTS") or "/tmp/shots")  # noqa: S108 - where the brief looks
WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560"
    "(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256
CHROMIUM = e2e.CHROMIUM
browser = e2e.browser  # the same headless Chromium fixture
page_as = e2e.page_as
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian chromium is not installed (make test installs it)"),
]


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"member-{name}.png"), full_page=True)


def fits_the_phone(page):
    """Nothing runs off the right edge of a 390 px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def test_a_member_signs_in_files_a_claim_and_sees_the_clerks_step(
    live_server, browser, settings, tmp_path, monkeypatch
):
    settings.DEBUG = False
    outbox = tmp_path / "sms"
    monkeypatch.setenv("DJANGO_SMS_BACKEND", "file")
    monkeypatch.setenv("DJANGO_SMS_FILE_PATH", str(outbox))
    photos = []
    for name in ("出院小结.png", "住院发票.png", "结算单.png", "身份证.png", "银行卡.png"):
        (tmp_path / name).write_bytes(PNG)
        photos.append(str(tmp_path / name))
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        call_command("seed_demo", force=True, verbosity=0)
        base = live_server.url
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", user_agent=WECHAT,
                                      is_mobile=True, has_touch=True)  # fmt: skip
        phone = context.new_page()

        phone.goto(f"{base}/me/")
        phone.wait_for_url(f"{base}/me/login/")
        phone.fill("input[name=id_number]", "371002198005120137")
        phone.fill("input[name=phone]", "13806310001")
        shot(phone, "1-sign-in")
        phone.click("button:has-text('获取验证码')")
        phone.wait_for_selector("text=若信息匹配，验证码已发送至尾号 0001 的手机")
        [message] = [json.loads(line) for path in outbox.iterdir() for line in path.read_text().splitlines()]
        assert message["to"] == "13806310001" and message["template"] == "login_code"
        phone.fill("input[name=code]", re.search(r"\d{6}", message["text"]).group())
        shot(phone, "2-code")
        phone.click("button:has-text('登录')")
        phone.wait_for_url(f"{base}/me/")

        period16 = phone.locator("section.period", has_text="第十六期")
        assert period16.locator("article[data-plan=MED]").count() == 1
        dd = period16.locator("article[data-plan=DD]")
        assert "新增 2 份：2026-07-10 起可给付" in dd.inner_text()
        assert "续保 3 份：2026-03-12 起可给付" in dd.inner_text()
        paid = phone.locator(".me-claims li", has_text="15-DD-U001-C1").inner_text()
        assert "已支付" in paid and "9,000.00" in paid
        fits_the_phone(phone)
        shot(phone, "3-overview")

        phone.click("a.btn:has-text('申请理赔')")
        phone.select_option("select[name=coverage]", label="第十六期 住院医疗")
        phone.select_option("select[name=kind]", "hospital_stay")
        phone.fill("input[name=admitted]", "2026-08-10")
        phone.fill("input[name=discharged]", "2026-08-20")
        phone.fill("input[name=hospital]", "威海市立医院")
        phone.fill("input[name=total_cost]", "50000")
        phone.fill("input[name=basic_insurance_paid]", "20000")
        phone.wait_for_selector("#estimate .amount:has-text('12,000.00')")  # the engine's figure, live
        phone.set_input_files("input[name=doc_discharge_summary]", photos[0])
        phone.set_input_files("input[name=doc_invoice]", photos[1])
        assert phone.locator("input[name=doc_invoice]").get_attribute("capture") == "environment"
        fits_the_phone(phone)
        shot(phone, "4-claim-form")
        phone.click("button:has-text('提交给单位经办人')")
        phone.wait_for_selector("text=等待单位经办人确认")
        assert "职工本人提交，待单位确认" in phone.inner_text("main")
        assert "还缺少：医保结算单、会员身份证、收款人银行卡" in phone.inner_text("main")
        reference = phone.url.rstrip("/").rsplit("/", 1)[-1]
        fits_the_phone(phone)
        shot(phone, "5-claim-filed")

        clerk = page_as(browser, base, "clerk_u001", width=390)
        waiting = clerk.locator("#member-filed")
        assert "职工本人提交，待单位确认（1）" in waiting.inner_text() and reference in waiting.inner_text()
        shot(clerk, "6-clerk-home")
        waiting.locator(f"a:has-text('{reference}')").click()
        for kind, photo in (("settlement", photos[2]), ("id_card", photos[3]), ("bank_card", photos[4])):
            clerk.select_option("select[name=kind]", kind)
            clerk.set_input_files("input[name=file]", photo)
            clerk.click("button:has-text('上传')")
            clerk.wait_for_selector("text=材料已上传")
        clerk.click("form button.primary:has-text('提交申领')")
        clerk.wait_for_selector("text=已提交，等待办事处审核")
        shot(clerk, "7-clerk-submitted")

        # The worker sends what the step told the member (notices: claim_received, by SMS).
        notices.send_due()
        texts = [json.loads(line) for path in outbox.iterdir() for line in path.read_text().splitlines()]
        received = [m for m in texts if m["template"] == "claim_received_member"]
        assert [m["to"] for m in received] == ["13806310001"] and reference in received[0]["text"]

        phone.reload()
        progress = phone.locator("ol.progress").inner_text()
        assert "职工本人提交 → 职工本人提交，待单位确认" in progress and "提交 → 待办事处审核" in progress
        assert "待办事处审核" in phone.locator(".badge").first.inner_text()
        fits_the_phone(phone)
        shot(phone, "8-new-step")

    claim = Claim.objects.get(reference=reference)
    assert claim.status == ClaimStatus.SUBMITTED and claim.documents.count() == 5
