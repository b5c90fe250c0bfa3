"""Render one printed form to a file, as the pages do.

    python manage.py render_pdf {application|roster|review-sheet|confirmation|payout-notice|receipt|deposit-proof}
        REFERENCE -o FILE

REFERENCE: the application reference (application, roster, confirmation, deposit-proof), the claim
reference (review-sheet), the batch number (payout-notice) or the receipt number (receipt, whose QR
code points at ``DJANGO_SITE_URL``). The operator sees full ID numbers.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports import printing


class Command(BaseCommand):
    help = "把一份表单（团体申请表、人员手册、审核表、确认书、支付通知、收据、无对公账户存款证明）生成为 PDF 文件。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=printing.KINDS)
        parser.add_argument("reference")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, kind, reference, output, **options):
        from claims.models import Claim, PayoutBatch
        from enrollment.models import Application

        try:
            if kind == "review-sheet":
                claim = Claim.objects.filter(reference=reference).first()
                if claim is None:
                    raise CommandError(f"没有申领编号为 {reference} 的申领。", returncode=2)
                data, _ = printing.review_sheet_pdf(claim, full_id=True)
            elif kind == "payout-notice":
                batch = PayoutBatch.objects.filter(reference=reference).first()
                if batch is None:
                    raise CommandError(f"没有批次号为 {reference} 的支付批次。", returncode=2)
                data, _ = printing.payout_notice_pdf(batch)
            elif kind == "receipt":
                from enrollment.models import Receipt

                receipt = Receipt.objects.select_related("application__unit").filter(number=reference).first()
                if receipt is None:
                    raise CommandError(f"没有编号为 {reference} 的收据。", returncode=2)
                data, _ = printing.receipt_pdf(receipt, check_url=printing.receipt_check_url(receipt))
            else:
                application = Application.objects.select_related("unit", "plan__period").filter(
                    reference=reference).first()  # fmt: skip
                if application is None:
                    raise CommandError(f"没有申请编号为 {reference} 的团体申请。", returncode=2)
                data, _ = {
                    "application": lambda: printing.application_pdf(application),
                    "roster": lambda: printing.roster_pdf(application, full_id=True),
                    "confirmation": lambda: printing.confirmation_pdf(application, full_id=True),
                    "deposit-proof": lambda: printing.deposit_proof_pdf(application),
                }[kind]()
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages), returncode=2) from exc
        Path(output).write_bytes(data)
        self.stdout.write(f"已生成 {output}（{len(data) / 1024:.0f} KB）")
