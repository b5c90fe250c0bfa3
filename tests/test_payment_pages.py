"""The payment pages as the clerk and the centre use them."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment.models import Application, Payment, StatementLine
from tests.test_payments import line, statement, stored_lines

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _late_november():
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False):
        yield


def test_the_clerk_is_told_exactly_what_to_transfer(login, clerk_u003, clerk_u002):
    page = login(clerk_u003).get(reverse("enrollment:application", args=["16-MED-U003-1"])).text
    for text in ("威海市职工互助保障服务中心", "1614 0200 0920 0088 888", "100.00 元", "16-MED-U003-1", "未缴费",
                 "工会补贴"):  # fmt: skip
        assert text in page
    assert "到账记录" not in page and "登记退款" not in page
    assert login(clerk_u002).get(reverse("enrollment:application", args=["16-MED-U003-1"])).status_code == 404


def test_the_centre_previews_imports_and_works_the_queue(login, handler):
    client = login(handler)
    data = statement([line("P1", 100, memo="16-MED-U003-1"), line("P2", 50, payer="荣成示例水产合作社工会", memo="")])
    page = client.post(reverse("enrollment:statement_upload"), {"file": SimpleUploadedFile("工行.xlsx", data)}).text
    assert "预览（尚未写入）" in page and "自动匹配 <strong>1</strong>" in page and "16-MED-U003-1" in page
    assert not stored_lines().exists()
    response = client.post(reverse("enrollment:statement_confirm"), follow=True)
    assert "自动匹配 1 笔，待人工匹配 1 笔" in response.text
    assert Application.objects.get(reference="16-MED-U003-1").status == "effective"
    queue = client.get(reverse("enrollment:payment_queue")).text
    assert "<mark>荣成示例水产合作社</mark>" in queue and "<mark>50.00</mark>" in queue
    waiting = StatementLine.objects.get(txn_no="P2")
    fem = Application.objects.get(reference="16-FEM-U003-1")
    client.post(reverse("enrollment:line_action", args=[waiting.pk, "match"]), {"application": fem.pk})
    fem.refresh_from_db()
    assert fem.status == "effective"
    overview = client.get(reverse("enrollment:payments")).text.split("<h1>")[1]  # past the flash message
    assert "16-ALW-U002-1" in overview and "16-FEM-U003-1" not in overview and "62.00" in overview


def test_a_previewed_statement_is_kept_under_a_random_name_until_it_is_confirmed(login, handler):
    from django.core.files.storage import default_storage

    client = login(handler)
    data = statement([line("K1", 100, memo="16-MED-U003-1")])
    client.post(reverse("enrollment:statement_upload"), {"file": SimpleUploadedFile("工行九月.xlsx", data)})
    first = client.session["statement-preview"]["file"]
    assert re.fullmatch(r"statements/[0-9a-f]{32}\.xlsx", first) and default_storage.exists(first)
    client.post(reverse("enrollment:statement_upload"), {"file": SimpleUploadedFile("工行九月.xlsx", data)})
    second = client.session["statement-preview"]["file"]
    assert second != first and not default_storage.exists(first)  # a new preview replaces the last
    assert "自动匹配 1 笔" in client.post(reverse("enrollment:statement_confirm"), follow=True).text
    assert not default_storage.exists(second)


def test_an_upload_that_is_not_a_statement_is_refused_on_the_page(login, handler):
    page = login(handler).post(reverse("enrollment:statement_upload"),
                               {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04junk")}).text  # fmt: skip
    assert "无法读取表格文件" in page and not stored_lines().exists()


def test_the_payment_pages_are_the_centres_only(login, clerk_u003, district_rc):
    for user in (clerk_u003, district_rc):
        client = login(user)
        for name in ("enrollment:payments", "enrollment:statement_upload", "enrollment:payment_queue"):
            assert client.get(reverse(name)).status_code == 404


def test_undo_and_refund_from_the_application_page(login, handler):
    from enrollment.services.payments import statement_import

    statement_import(actor=handler, data=statement([line("R1", 30, memo="16-ALW-U002-1", payer="文登示例商店")]),
                     filename="a.xlsx")  # fmt: skip
    client = login(handler)
    payment = Payment.objects.get(bank_txn_no="R1")
    page = client.post(reverse("enrollment:payment_undo", args=[payment.pk]), {"reason": "付款单位不对"},
                       follow=True).text  # fmt: skip
    assert "已撤销" in page and "付款单位不对" in page
    statement_import(actor=handler, data=statement([line("R2", 120, memo="16-ALW-U002-1", payer="文登示例商店")]),
                     filename="b.xlsx")  # fmt: skip
    page = client.get(reverse("enrollment:application", args=["16-ALW-U002-1"])).text
    assert "多缴待退" in page and "登记退款" in page
    page = client.post(reverse("enrollment:refund", args=["16-ALW-U002-1"]),
                       {"amount": "58.00", "refunded_on": "2026-11-25", "reference": "HK2026112501"},
                       follow=True).text  # fmt: skip
    assert "已登记退款" in page and "HK2026112501" in page and "已缴清" in page


def test_the_clerk_uploads_the_transfer_slip_for_the_centre_to_see(login, clerk_u003, handler):
    client = login(clerk_u003)
    url = reverse("enrollment:document_upload", args=["16-MED-U003-1", "transfer_slip"])
    page = client.post(url, {"file": SimpleUploadedFile("转账凭证.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)},
                       follow=True).text  # fmt: skip
    assert "材料已上传" in page and "转账凭证.png" in page
    document = Application.objects.get(reference="16-MED-U003-1").documents.get(kind="transfer_slip")
    centre_page = login(handler).get(reverse("enrollment:application", args=["16-MED-U003-1"])).text
    assert (
        "转账凭证：" in centre_page
        and reverse("enrollment:document", args=["16-MED-U003-1", document.pk]) in centre_page
    )
    draft_url = reverse("enrollment:document_upload", args=["16-MED-U001-1", "transfer_slip"])
    login(clerk_u003)
    assert client.post(draft_url, {"file": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n")}).status_code == 404


def test_overpaid_invoices_wait_on_the_payments_page_with_what_to_refund(login, handler, district_rc, clerk_u003):
    from datetime import date
    from decimal import Decimal

    from enrollment import services
    from enrollment.services import payments

    fem = Application.objects.get(reference="16-FEM-U003-1")  # due 50.00
    services.statement_import(actor=handler, data=statement([line("O1", 80, memo=fem.reference, day="2026-11-20")]),
                              filename="a.xlsx")  # fmt: skip
    client = login(handler)
    page = client.get(reverse("enrollment:payments")).text
    section = page[page.index('id="overpaid"') :]
    assert "多缴待退：1 个，共 30.00 元" in section and "16-FEM-U003-1" in section
    assert "<strong>30.00</strong>" in section
    assert f'href="{reverse("enrollment:application", args=["16-FEM-U003-1"])}#refund">登记退款' in section
    assert 'id="refund"' in client.get(reverse("enrollment:application", args=["16-FEM-U003-1"])).text
    for user in (district_rc, clerk_u003):
        assert login(user).get(reverse("enrollment:payments")).status_code == 404
    payments.refund_record(actor=handler, application_id=fem.pk, amount=Decimal("30.00"),
                           refunded_on=date(2026, 11, 24), reference="TK001")  # fmt: skip
    section = login(handler).get(reverse("enrollment:payments")).text.split('id="overpaid"')[1]
    assert "多缴待退：0 个" in section and "16-FEM-U003-1" not in section.split("</section>")[0]
