"""Units without a corporate account (DOMAIN.md §14): the clerk prints the 无对公账户存款证明, pays
cash in at the bank and uploads the stamped proof with the deposit slip; the statement line, in the
depositor's own name, waits in the manual queue and is matched only with that proof. Against the
demo's unpaid 16-FEM-U003-1 (50.00, 荣成示例水产合作社, clerk_u003)."""

import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from enrollment.models import CashDeposit, CentreAccount, StatementLine
from enrollment.services import payments
from mutualaid.models import AuditLog
from tests.test_payments import _autumn_2026, app, line, run  # noqa: F401  (the frozen autumn of 2026)

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def scan(name):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def deposit_by_page(client, amount="50.00", depositor="张伟"):
    return client.post(reverse("enrollment:deposit", args=["16-FEM-U003-1"]), {
        "depositor_name": depositor, "amount": amount, "deposited_on": "2026-11-24",
        "proof": scan("证明.png"), "slip": scan("凭条.png"),
    })  # fmt: skip


def test_the_clerk_prints_the_deposit_proof_with_the_amount_the_account_and_the_reference(login, clerk_u003):
    client = login(clerk_u003)
    page = client.get(reverse("enrollment:application", args=["16-FEM-U003-1"])).content.decode()
    url = reverse("reports:deposit_proof", args=["16-FEM-U003-1"])
    assert url in page and "单位没有对公账户：现金存款" in page
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.getvalue())).pages).replace("\n", "")
    account = CentreAccount.objects.get(active=True)
    for printed in ("无对公账户存款证明", "荣成示例水产合作社", "16-FEM-U003-1", "50.00", "伍拾元整", account.number,
                    account.account_name, "银行业务章"):  # fmt: skip
        assert printed in text


def test_an_effective_invoice_has_no_deposit_proof_to_print(login, clerk_u002):
    effective = "16-MED-U002-1"
    response = login(clerk_u002).get(reverse("reports:deposit_proof", args=[effective]), follow=True)
    assert "没有待缴的款项，无需打印存款证明" in response.content.decode()


def test_another_units_clerk_cannot_print_or_upload_for_this_invoice(login, clerk_u001):
    client = login(clerk_u001)
    assert client.get(reverse("reports:deposit_proof", args=["16-FEM-U003-1"])).status_code == 404
    assert deposit_by_page(client).status_code == 404
    assert not CashDeposit.objects.exists()


def test_a_cash_line_waits_in_the_queue_and_is_matched_only_with_the_proof(login, clerk_u003, handler):
    # The line names the invoice in its memo and has its amount, but its payer is a person.
    result = run(handler, [line("CASH1", 50, memo="16-FEM-U003-1", payer="张伟")])
    assert result.matched == [] and result.unmatched == [3]
    cash = StatementLine.objects.get(txn_no="CASH1")
    fem = app("16-FEM-U003-1")
    with pytest.raises(ValidationError, match="须凭该单位上传的存款证明匹配"):
        payments.line_match(actor=handler, line_id=cash.pk, application_id=fem.pk)
    with pytest.raises(ValidationError, match="不能拆分"):
        payments.line_split(actor=handler, line_id=cash.pk, parts=[(fem.pk, D("25")), (fem.pk, D("25"))])

    # The clerk uploads the stamped proof and the slip from the application page.
    response = deposit_by_page(login(clerk_u003))
    assert response.status_code == 302
    deposit = CashDeposit.objects.get()
    assert (deposit.depositor_name, deposit.amount, deposit.proof.kind, deposit.slip.kind) == (
        "张伟", D("50.00"), "deposit_proof", "deposit_slip")  # fmt: skip
    assert AuditLog.objects.for_object(fem).filter(action="cash_deposit").exists()

    # The centre's queue shows the line beside the proof, and offers only the proof.
    queue = login(handler).get(reverse("enrollment:payment_queue")).content.decode()
    section = queue[queue.index(f'id="line-{cash.pk}"') :]
    section = section[: section.index("</section>")]
    assert "只能凭单位上传的存款证明计入" in section
    assert reverse("enrollment:document", args=["16-FEM-U003-1", deposit.proof_id]) in section
    assert f'name="deposit" value="{deposit.pk}"' in section and "拆分计入" not in section

    response = login(handler).post(reverse("enrollment:line_action", args=[cash.pk, "match"]),
                                   {"application": fem.pk, "deposit": deposit.pk})  # fmt: skip
    assert response.status_code == 302
    fem.refresh_from_db()
    deposit.refresh_from_db()
    assert (fem.status, fem.amount_paid, deposit.line_id) == ("effective", D("50.00"), cash.pk)
    assert fem.receipts.get().amount == D("50.00")
    assert fem.payments.get().payer_name == "张伟"


def test_a_proof_of_another_amount_or_another_invoice_is_refused(login, clerk_u003, handler):
    run(handler, [line("CASH2", 30, memo="", payer="李强")])
    cash = StatementLine.objects.get(txn_no="CASH2")
    deposit_by_page(login(clerk_u003), amount="50.00", depositor="李强")
    deposit = CashDeposit.objects.get()
    with pytest.raises(ValidationError, match=r"存款证明金额 50\.00 元与流水金额 30\.00 元不符"):
        payments.line_match(actor=handler, line_id=cash.pk, application_id=deposit.application_id,
                            deposit_id=deposit.pk)  # fmt: skip
    with pytest.raises(ValidationError, match="不属于申请 16-MED-U003-1"):
        payments.line_match(actor=handler, line_id=cash.pk, application_id=app("16-MED-U003-1").pk,
                            deposit_id=deposit.pk)  # fmt: skip
    assert StatementLine.objects.get(pk=cash.pk).status == "waiting"


def test_a_unit_paying_from_its_own_account_is_still_matched_automatically(handler):
    result = run(handler, [line("UNIT1", 50, memo="16-FEM-U003-1", payer="荣成示例水产合作社")])
    assert result.matched and app("16-FEM-U003-1").status == "effective"


def test_a_deposit_needs_both_scans_and_cannot_exceed_what_is_owed(login, clerk_u003):
    client = login(clerk_u003)
    response = client.post(reverse("enrollment:deposit", args=["16-FEM-U003-1"]), {
        "depositor_name": "张伟", "amount": "50.00", "deposited_on": "2026-11-24", "proof": scan("证明.png"),
    }, follow=True)  # fmt: skip
    assert "存款凭条：" in response.content.decode()
    assert not CashDeposit.objects.exists()
    deposit_by_page(client, amount="80.00")
    page = client.get(reverse("enrollment:application", args=["16-FEM-U003-1"])).content.decode()
    assert "只欠 50.00 元，存款金额不能更多" in page
    assert not CashDeposit.objects.exists()
