"""Rows written by COPY (mutualaid.bulk) read back as the ORM would have written them: times in
Asia/Shanghai, dates of the project's time zone, the stamp of auto_now_add, and a misspelt field
refused rather than silently defaulted."""

from datetime import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from enrollment.models import Application, Payment
from mutualaid.bulk import copy_insert

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_copied_payment_reads_back_as_the_orm_writes_it():
    application = Application.objects.get(reference="16-MED-U003-1")
    before = timezone.now()
    (pk,) = copy_insert(Payment, [{
        "application": application, "amount": D("12.30"), "paid_on": datetime(2026, 11, 24, 23, 30, tzinfo=ZoneInfo("UTC")),
        "payer_name": "带\t制表符\\和换行\n的名称", "undone_at": datetime(2026, 11, 25, 9, 0),  # naive: Shanghai's 09:00
        "created_at": datetime(2000, 1, 1, tzinfo=SHANGHAI),  # auto_now_add: the time of writing wins
    }], ids=True)  # fmt: skip
    payment = Payment.objects.get(pk=pk)
    assert payment.amount == D("12.30") and payment.payer_name == "带\t制表符\\和换行\n的名称"
    assert payment.paid_on.isoformat() == "2026-11-25"  # 23:30 UTC is the 25th in Shanghai
    assert timezone.localtime(payment.undone_at).strftime("%Y-%m-%d %H:%M") == "2026-11-25 09:00"
    assert payment.created_at >= before and payment.payer_kind == "unit" and payment.memo == ""


def test_a_misspelt_field_is_refused_and_nothing_is_written():
    application = Application.objects.get(reference="16-MED-U003-1")
    count = Payment.objects.count()
    with pytest.raises(ValueError, match="amout"):
        copy_insert(Payment, [{"application": application, "amout": D("1"), "paid_on": timezone.localdate()}])
    assert Payment.objects.count() == count
