"""Cash deposits of units without a corporate account (现金银行缴存, DOMAIN.md §14): the clerk prints
the 无对公账户存款证明, pays the cash in at the bank, and records the deposit here with the stamped
proof and the deposit slip. The statement line that follows, in the depositor's own name, waits in
the manual queue and is matched only with this record (``payments.line_match``)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enrollment.models import Application, ApplicationDocument, ApplicationDocumentKind, ApplicationStatus, CashDeposit
from mutualaid.lib.money import format_yuan
from mutualaid.models import audit
from mutualaid.roles import Role
from mutualaid.scoping import CITY_ROLES, require
from mutualaid.uploads import document_fields


@transaction.atomic(durable=True)
def deposit_record(*, actor, application: Application, depositor_name: str, amount: Decimal, deposited_on: date,
                   proof, slip) -> CashDeposit:  # fmt: skip
    """Record cash paid in at the bank for an approved, unpaid invoice, with both scans."""
    application = Application.objects.select_for_update(of=("self",)).select_related("unit").get(pk=application.pk)
    require(actor, CITY_ROLES | {Role.CLERK}, unit=application.unit, message="只有本单位经办人可以登记现金存款。")
    if application.status != ApplicationStatus.CENTRE_APPROVED or application.balance <= 0:
        raise ValidationError("只有市中心审核通过、尚未缴清的申请才能登记现金存款。")
    depositor_name = (depositor_name or "").strip()
    if not depositor_name:
        raise ValidationError("请填写存款人姓名（银行流水上显示的付款人）。")
    if amount is None or amount <= 0:
        raise ValidationError("存款金额必须大于 0。")
    if amount > application.balance:
        raise ValidationError(
            f"申请 {application.reference} 只欠 {format_yuan(application.balance)} 元，存款金额不能更多。"
        )
    if deposited_on > timezone.localdate():
        raise ValidationError("存款日期不能晚于今天。")
    if proof is None or slip is None:
        raise ValidationError("请同时上传银行盖章的存款证明和存款凭条。")
    limit = settings.CLAIM_DOCUMENT_MAX_BYTES
    documents = {
        kind: ApplicationDocument.objects.create(application=application, kind=kind, uploaded_by=actor,
                                                 **document_fields(upload, max_bytes=limit))
        for kind, upload in ((ApplicationDocumentKind.DEPOSIT_PROOF, proof), (ApplicationDocumentKind.DEPOSIT_SLIP, slip))
    }  # fmt: skip
    deposit = CashDeposit.objects.create(
        application=application, depositor_name=depositor_name[:30], amount=amount, deposited_on=deposited_on,
        proof=documents[ApplicationDocumentKind.DEPOSIT_PROOF], slip=documents[ApplicationDocumentKind.DEPOSIT_SLIP],
        created_by=actor,
    )  # fmt: skip
    audit(actor=actor, obj=application, action="cash_deposit",
          comment=f"现金存款 {format_yuan(amount)} 元（{deposited_on:%Y-%m-%d}，存款人 {deposit.depositor_name}）",
          data={"amount": str(amount), "depositor": deposit.depositor_name})  # fmt: skip
    return deposit
