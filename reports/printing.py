"""Which form prints from which record: one function per form, the same for the pages, the
batch jobs and ``manage.py render_pdf``. Each returns (pdf bytes, file name)."""

from django.core.exceptions import ValidationError

from reports import documents
from reports.pdf import render, render_chunked

KINDS = ("application", "roster", "review-sheet", "confirmation", "payout-notice", "receipt", "deposit-proof")


def application_pdf(application) -> tuple[bytes, str]:
    return (render("reports/application_form.html", {"f": documents.application_form(application)}),
            f"团体申请表-{application.reference}.pdf")  # fmt: skip


def _roster_pdf(application, *, template, title, full_id, progress=None) -> bytes:
    total = application.lines.count()

    def chunk(start, stop):
        rows = documents.roster_rows(application, full_id=full_id, start=start, stop=stop)
        return {"r": documents.roster(application, full_id=full_id, title=title, rows=rows), "first": start == 0}

    return render_chunked(template, chunk, total, progress=progress)


def roster_pdf(application, *, full_id: bool, progress=None) -> tuple[bytes, str]:
    return (_roster_pdf(application, template="reports/roster.html", title="人员手册", full_id=full_id,
                        progress=progress), f"人员手册-{application.reference}.pdf")  # fmt: skip


def confirmation_pdf(application, *, full_id: bool, progress=None) -> tuple[bytes, str]:
    if application.effective_on is None:
        raise ValidationError(f"申请 {application.reference} 尚未生效（审核通过且缴清后生效），还没有确认书。")
    return (_roster_pdf(application, template="reports/confirmation.html", title="会员名单", full_id=full_id,
                        progress=progress), f"确认书-{application.reference}.pdf")  # fmt: skip


def review_sheet_pdf(claim, *, full_id: bool) -> tuple[bytes, str]:
    sheet = documents.review_sheet(claim, full_id=full_id)
    return render("reports/review_sheet.html", {"s": sheet}), f"审核表-{claim.reference}.pdf"


def payout_notice_pdf(batch) -> tuple[bytes, str]:
    return (render("reports/payout_notice.html", {"n": documents.payout_notice(batch)}),
            f"支付通知-{batch.reference}.pdf")  # fmt: skip


def receipt_check_url(receipt, request=None) -> str:
    """The public check page's full address: the request's own host, else ``SITE_URL``."""
    from django.conf import settings
    from django.urls import reverse

    path = reverse("receipt_check", args=[receipt.token])
    if request is not None:
        return request.build_absolute_uri(path)
    if not settings.SITE_URL:
        raise ValidationError("请设置 DJANGO_SITE_URL（本系统的网址），收据的二维码要用它指向查验页面。")
    return settings.SITE_URL + path


def receipt_pdf(receipt, *, check_url: str) -> tuple[bytes, str]:
    """The receipt; ``check_url`` is the absolute address of its public check page (the QR code)."""
    form = documents.receipt_form(receipt, check_url=check_url)
    return render("reports/receipt.html", {"r": form}), f"收据-{receipt.number}.pdf"


def deposit_proof_pdf(application) -> tuple[bytes, str]:
    from enrollment.models import ApplicationStatus, CentreAccount

    if application.status != ApplicationStatus.CENTRE_APPROVED or application.balance <= 0:
        raise ValidationError(f"申请 {application.reference} 没有待缴的款项，无需打印存款证明。")
    account = CentreAccount.objects.filter(active=True).first()
    if account is None:
        raise ValidationError("中心尚未设置收款账户，请联系市中心。")
    proof = documents.deposit_proof(application, account)
    return render("reports/deposit_proof.html", {"p": proof}), f"无对公账户存款证明-{application.reference}.pdf"
