"""Receipts (DOMAIN.md §14): a receipt once an invoice is paid in full, numbered from the centre's
series without gaps; a refund voids it and issues one for what remains; the public check page the
QR code opens shows nothing personal; each receipt is scoped like its application. Against the
demo's unpaid invoices 16-MED-U003-1 (100.00, 荣成示例水产合作社) and 16-FEM-U003-1 (50.00)."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from enrollment.models import Application, Payment, Receipt, ReceiptCounter, ReceiptSeries
from enrollment.services import payments
from mutualaid.lib.money import amount_in_capitals
from mutualaid.models import AuditLog
from tests.test_payments import _autumn_2026, app, line, run  # noqa: F401  (the frozen autumn of 2026)

pytestmark = pytest.mark.django_db


def next_number() -> str:
    """The number the centre's series gives next this year (the demo's own payments used some)."""
    series = ReceiptSeries.objects.get(active=True)
    counter = ReceiptCounter.objects.filter(series=series, year=2026).first()
    return f"{series.prefix}2026-{(counter.last_number if counter else 0) + 1:06d}"


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def trail(application, action):
    return [e.comment for e in AuditLog.objects.for_object(application).filter(action=action).order_by("pk")]


def test_paying_in_full_issues_the_next_number_of_the_centres_series(handler):
    expected = next_number()
    assert expected.startswith("WH2026-")
    run(handler, [line("R1", 60, memo="16-MED-U003-1")])
    assert not app("16-MED-U003-1").receipts.exists()  # partly paid: no receipt yet
    run(handler, [line("R2", 40, memo="16-MED-U003-1")])
    med = app("16-MED-U003-1")
    receipt = med.receipts.get()
    assert (receipt.number, receipt.amount, receipt.status, receipt.issued_on) == (expected, D("100.00"), "valid",
                                                                                    date(2026, 11, 25))  # fmt: skip
    assert receipt.payer_title == med.invoice_title or med.unit.name
    assert receipt.payer_tax_number == (med.invoice_tax_number or med.unit.uscc)
    assert receipt.items[0]["persons"] == med.member_count and receipt.items[0]["shares"] == med.share_count
    assert trail(med, "receipt_issue") == [f"开具收据 {expected}，金额 100.00 元"]


def test_invoices_paid_together_get_consecutive_numbers_and_a_number_is_never_reused(handler):
    first = next_number()
    run(handler, [line("R3", 100, memo="16-MED-U003-1"), line("R4", 50, memo="16-FEM-U003-1")])
    numbers = sorted(Receipt.objects.filter(application__reference__in=["16-MED-U003-1", "16-FEM-U003-1"])
                     .values_list("seq", flat=True))  # fmt: skip
    assert numbers == [int(first[-6:]), int(first[-6:]) + 1]
    # The year's numbers run from 1 without a gap or a repeat, the demo's own receipts included.
    year = sorted(Receipt.objects.filter(year=2026).values_list("seq", flat=True))
    assert year == list(range(1, len(year) + 1))


def test_a_refund_voids_the_receipt_and_issues_one_for_what_remains_paid(handler):
    run(handler, [line("R5", 120, memo="16-MED-U003-1")])  # 20.00 more than due
    med = app("16-MED-U003-1")
    old = med.receipts.get()
    assert old.amount == D("120.00") and [i["amount"] for i in old.items] == ["100.00", "20.00"]
    payments.refund_record(actor=handler, application_id=med.pk, amount=D("20.00"), refunded_on=date(2026, 11, 25),
                           reference="TK-1")  # fmt: skip
    old.refresh_from_db()
    new = med.receipts.get(status="valid")
    assert (old.status, old.void_reason) == ("void", "退款 20.00 元（凭证 TK-1）")
    assert (new.amount, new.replaces, new.seq) == (D("100.00"), old, old.seq + 1)
    assert trail(med, "receipt_void") == [f"作废收据 {old.number}：退款 20.00 元（凭证 TK-1）"]
    assert trail(med, "receipt_issue")[-1] == f"开具收据 {new.number}，金额 100.00 元（替代已作废的 {old.number}）"
    # The old one's check page now says void; the new one's says valid.
    assert "已作废" in _check_page(old).content.decode() and "有效" in _check_page(new).content.decode()


def _check_page(receipt):
    from django.test import Client

    return Client().get(reverse("receipt_check", args=[receipt.token]))


def test_the_public_check_page_shows_the_receipt_and_nothing_personal(handler):
    run(handler, [line("R6", 100, memo="16-MED-U003-1")])
    receipt = app("16-MED-U003-1").receipts.get()
    response = _check_page(receipt)  # no login
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    for shown in (receipt.number, receipt.payer_title, "100.00 元", "2026-11-25", "有效"):
        assert shown in page
    med = receipt.application
    names = list(med.lines.values_list("member__name", flat=True))
    ids = list(med.lines.values_list("member__id_number", flat=True))
    hidden = [med.reference, med.unit.code, med.unit.uscc, receipt.payer_tax_number, med.contact_name,
              med.contact_phone, *names, *ids]  # fmt: skip
    assert not [value for value in hidden if value and value in page]
    assert receipt.number not in receipt.token
    assert len(receipt.token) >= 32


def test_receipts_issued_together_each_open_their_own_check_page(handler):
    # A statement completing many invoices writes its lines, payments and receipts by COPY
    # (mutualaid.bulk): each receipt still gets its own check code and time, each payment its line.
    run(handler, [line("R7", 100, memo="16-MED-U003-1"), line("R8", 50, memo="16-FEM-U003-1")])
    receipts = [app(reference).receipts.get() for reference in ("16-MED-U003-1", "16-FEM-U003-1")]
    assert len({r.token for r in receipts}) == 2
    for receipt, amount in zip(receipts, ("100.00 元", "50.00 元"), strict=True):
        assert receipt.issued_at is not None and receipt.issued_by == handler
        page = _check_page(receipt).content.decode()
        assert receipt.number in page and amount in page
    for txn in ("R7", "R8"):
        payment = Payment.objects.get(bank_txn_no=txn)
        assert payment.line.txn_no == txn and payment.line.status == "matched" and payment.created_by == handler


def test_a_wrong_token_or_a_number_is_404(client, handler):
    run(handler, [line("R7", 100, memo="16-MED-U003-1")])
    receipt = app("16-MED-U003-1").receipts.get()
    assert client.get(reverse("receipt_check", args=["x" * 32])).status_code == 404
    assert client.get(reverse("receipt_check", args=[receipt.number])).status_code == 404
    assert client.get(reverse("receipt_check", args=[receipt.token[:-1]])).status_code == 404


def test_the_clerk_downloads_the_receipt_from_the_application_page_and_another_unit_gets_404(
    login, handler, clerk_u003, clerk_u001, district_hc, client
):
    run(handler, [line("R8", 100, memo="16-MED-U003-1")])
    receipt = app("16-MED-U003-1").receipts.get()
    url = reverse("reports:receipt", args=[receipt.pk])
    page = login(clerk_u003).get(reverse("enrollment:application", args=["16-MED-U003-1"])).content.decode()
    assert url in page and receipt.number in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.getvalue())
    for printed in (receipt.number, receipt.payer_title, receipt.payer_tax_number, "100.00", amount_in_capitals(D(100)),
                    "收款单位财务专用章", "扫码查验真伪", receipt.token[:12]):  # fmt: skip
        assert printed in text.replace("\n", "")
    assert login(handler).get(url).status_code == 200  # the centre sees it too
    for outsider in (clerk_u001, district_hc):  # another unit, another district's office
        assert login(outsider).get(url).status_code == 404


def test_a_zero_invoice_has_no_receipt_and_a_series_is_created_when_none_is_set(handler):
    ReceiptSeries.objects.update(active=False)
    run(handler, [line("R9", 50, memo="16-FEM-U003-1")])
    receipt = app("16-FEM-U003-1").receipts.get()
    assert receipt.number.startswith("RC2026-") and receipt.issuer_name == "威海市职工互助保障服务中心"


def test_a_refund_of_an_invoice_without_receipt_changes_no_receipt(handler):
    # The demo's effective invoices were paid through the services: each has its receipt.
    effective = Application.objects.filter(status="effective", amount_due__gt=0)
    assert effective.exists() and all(a.receipts.filter(status="valid").count() == 1 for a in effective)
    with pytest.raises(ValidationError):
        payments.refund_record(actor=handler, application_id=effective.first().pk, amount=D("1.00"),
                               refunded_on=date(2026, 11, 25), reference="TK-2")  # fmt: skip
