"""Work on the worker: batch printing (one merged PDF, a progress bar, a download link when done) and
the fund's morning check of its alert lines."""

from django.core.files.base import ContentFile
from procrastinate.contrib.django import app

from mutualaid.jobs import job_handler, job_start


def start_batch_review_sheets(*, actor, batch):
    return job_start(actor=actor, kind="print_review_sheets", label=f"打印支付批次 {batch.reference} 的全部审核表",
                     subject=batch.reference, params={"batch": batch.pk}, once=True)  # fmt: skip


def start_period_confirmations(*, actor, period, district):
    return job_start(actor=actor, kind="print_confirmations",
                     label=f"打印{period.name}{district.name}的全部确认书", subject=f"{period.pk}:{district.pk}",
                     params={"period": period.pk, "district": district.pk}, once=True)  # fmt: skip


def start_roster(*, actor, application, kind: str):
    label = "人员手册" if kind == "roster" else "确认书"
    return job_start(actor=actor, kind="print_roster", label=f"打印{label} {application.reference}",
                     subject=application.reference, params={"application": application.pk, "kind": kind},
                     once=True)  # fmt: skip


def _store(job, data: bytes, filename: str, count: int) -> dict:
    job.result_file.save(f"{job.pk}.pdf", ContentFile(data), save=True)
    return {"filename": filename, "count": count}


@job_handler("print_review_sheets")
def print_review_sheets(job, progress):
    from claims.models import PayoutBatch
    from mutualaid.scoping import is_city
    from reports.pdf import merge
    from reports.printing import review_sheet_pdf

    batch = PayoutBatch.objects.get(pk=job.params["batch"])
    claims = list(batch.claims.select_related("member", "unit", "plan__period", "coverage").order_by("pk"))
    progress.start(total=max(len(claims), 1), message="生成审核表")
    parts = []
    for claim in claims:
        parts.append(review_sheet_pdf(claim, full_id=is_city(job.created_by))[0])
        progress.advance()
    return _store(job, merge(parts), f"审核表-{batch.reference}.pdf", len(parts))


@job_handler("print_confirmations")
def print_confirmations(job, progress):
    from enrollment.models import Application, ApplicationStatus
    from mutualaid.scoping import is_city
    from reports.pdf import merge
    from reports.printing import confirmation_pdf

    applications = list(
        Application.objects.visible_to(job.created_by)
        .filter(plan__period_id=job.params["period"], unit__district_id=job.params["district"],
                status=ApplicationStatus.EFFECTIVE)
        .select_related("unit", "plan__period")
        .order_by("unit__code", "plan__priority", "seq")
    )  # fmt: skip
    progress.start(total=max(len(applications), 1), message="生成确认书")
    parts = []
    for application in applications:
        parts.append(confirmation_pdf(application, full_id=is_city(job.created_by))[0])
        progress.advance()
    if not parts:
        from django.core.exceptions import ValidationError

        raise ValidationError("该期次和办事处没有已生效的申请，没有确认书可打印。")
    return _store(job, merge(parts), f"确认书-{job.params['period']}-{job.params['district']}.pdf", len(parts))


@job_handler("print_roster")
def print_roster(job, progress):
    """A long roster or confirmation (thousands of members) rendered chunk by chunk on the worker."""
    from enrollment.models import Application
    from mutualaid.scoping import is_city
    from reports.printing import confirmation_pdf, roster_pdf

    application = Application.objects.select_related("unit", "plan__period").get(pk=job.params["application"])
    progress.start(total=max(application.lines.count(), 1), message="生成中")
    make = roster_pdf if job.params["kind"] == "roster" else confirmation_pdf
    data, filename = make(application, full_id=is_city(job.created_by), progress=progress)
    return _store(job, data, filename, application.lines.count())


# 00:10 UTC is 08:10 in Beijing, beside the claims' deadline digest.
@app.periodic(cron="10 0 * * *", periodic_id="fund_alerts")
@app.task(name="reports.fund_alerts", queue="notices", queueing_lock="fund_alerts", pass_context=False)
def fund_alerts(timestamp: int) -> dict:
    """Every morning: the centre is told of each plan whose expected loss ratio reached its alert line."""
    from reports.fund import check_alerts

    return check_alerts()
