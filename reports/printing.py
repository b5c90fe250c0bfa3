"""Which form prints from which record: one function per form, the same for the pages, the
batch jobs and ``manage.py render_pdf``. Each returns (pdf bytes, file name)."""

from django.core.exceptions import ValidationError

from reports import documents
from reports.pdf import render, render_chunked

KINDS = ("application", "roster", "review-sheet", "confirmation", "payout-notice")


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
