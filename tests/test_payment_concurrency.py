"""Two staff at the same moment (threads with their own connections, released by one barrier):
one line is never matched twice and an invoice is never credited beyond what it owes."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection

from enrollment.models import Application, Payment, StatementLine
from enrollment.services import payments
from tests.test_payments import line, run, stored_lines

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def handler(committed_demo):
    User.objects.create_user("centre_handler_2").groups.add(*User.objects.get(username="centre_handler").groups.all())
    return User.objects.get(username="centre_handler")


def at_once(calls) -> list:
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def work(index, call):
        try:
            with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False):
                barrier.wait()
                call()
                outcomes[index] = "ok"
        except Exception as exc:  # the refusal is the point
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_staff_matching_one_line_at_once_credit_it_once(handler):
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False):
        run(handler, [line("C1", 50, memo="?", payer="某单位")])
    waiting = StatementLine.objects.get(txn_no="C1")
    fem = Application.objects.get(reference="16-FEM-U003-1")
    med = Application.objects.get(reference="16-MED-U003-1")
    second = User.objects.get(username="centre_handler_2")
    outcomes = at_once([
        lambda: payments.line_match(actor=handler, line_id=waiting.pk, application_id=fem.pk),
        lambda: payments.line_match(actor=second, line_id=waiting.pk, application_id=med.pk),
    ])  # fmt: skip
    assert sum(o == "ok" for o in outcomes) == 1
    assert "已处理" in str(next(o for o in outcomes if o != "ok"))
    assert Payment.objects.filter(line=waiting, undone_at__isnull=True).count() == 1


def test_two_lines_for_one_invoice_at_once_never_over_credit_it(handler):
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False):
        run(handler, [line("C2", 100, memo="?", payer="某单位"), line("C3", 100, memo="?", payer="另一单位")])
    med = Application.objects.get(reference="16-MED-U003-1")
    first, other = StatementLine.objects.get(txn_no="C2"), StatementLine.objects.get(txn_no="C3")
    second = User.objects.get(username="centre_handler_2")
    outcomes = at_once([
        lambda: payments.line_match(actor=handler, line_id=first.pk, application_id=med.pk),
        lambda: payments.line_match(actor=second, line_id=other.pk, application_id=med.pk),
    ])  # fmt: skip
    assert sum(o == "ok" for o in outcomes) == 1
    med.refresh_from_db()
    assert med.amount_paid == med.amount_due == 100
    assert StatementLine.objects.filter(status="waiting").count() == 1


def test_two_confirmations_of_one_statement_at_once_store_it_once_and_answer_both(handler):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from tests.test_payments import statement

    data = statement([line("S1", 100, memo="16-MED-U003-1"), line("S2", 30, memo="?", payer="某单位"),
                      line("S3", 40, memo="?", payer="另一单位")])  # fmt: skip
    clients = []
    for user in (handler, User.objects.get(username="centre_handler_2")):  # two tabs, two people: two previews
        client = Client()
        client.force_login(user)
        with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False):
            page = client.post(reverse("enrollment:statement_upload"), {"file": SimpleUploadedFile("工行.xlsx", data)})
        assert "预览（尚未写入）" in page.text
        clients.append(client)
    answers = [None, None]

    def confirm(index):
        answers[index] = clients[index].post(reverse("enrollment:statement_confirm"), follow=True)

    outcomes = at_once([lambda: confirm(0), lambda: confirm(1)])
    assert outcomes == ["ok", "ok"]  # neither is a 500 from the unique transaction number
    texts = [answer.text for answer in answers]
    assert sum("重复流水 0 笔" in text for text in texts) == 1
    assert sum("自动匹配 0 笔，待人工匹配 0 笔，重复流水 3 笔" in text for text in texts) == 1
    assert stored_lines().count() == 3
    assert Payment.objects.filter(bank_txn_no="S1").count() == 1


def test_two_invoices_paid_in_full_at_once_get_two_numbers_one_after_the_other(handler):
    from enrollment.models import Receipt, ReceiptCounter

    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False):
        run(handler, [line("Q1", 50, memo="?", payer="某单位"), line("Q2", 100, memo="?", payer="另一单位")])
    before = ReceiptCounter.objects.get(year=2026).last_number
    fem = Application.objects.get(reference="16-FEM-U003-1")
    med = Application.objects.get(reference="16-MED-U003-1")
    second = User.objects.get(username="centre_handler_2")
    outcomes = at_once([
        lambda: payments.line_match(actor=handler, line_id=StatementLine.objects.get(txn_no="Q1").pk,
                                    application_id=fem.pk),
        lambda: payments.line_match(actor=second, line_id=StatementLine.objects.get(txn_no="Q2").pk,
                                    application_id=med.pk),
    ])  # fmt: skip
    assert outcomes == ["ok", "ok"]
    seqs = sorted(Receipt.objects.filter(application__in=[fem, med]).values_list("seq", flat=True))
    assert seqs == [before + 1, before + 2]
    assert ReceiptCounter.objects.get(year=2026).last_number == before + 2
