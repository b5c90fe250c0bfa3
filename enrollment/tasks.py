"""Background jobs of the enrollment app (procrastinate autodiscovers ``tasks`` modules)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from procrastinate.contrib.django import app

from enrollment.roster import pending
from enrollment.services.history import HISTORY_UPLOADS
from enrollment.services.payments import STATEMENT_PREVIEWS
from mutualaid.importing import ADMIN_IMPORTS
from mutualaid.jobs import job_handler, job_start


def start_roster_import(*, actor, plan, unit, data: bytes, filename: str, application=None, shares=None, staff=None):
    """Queue a large roster: the file is kept (a ``RosterUpload``, random name) until the worker is done with it."""
    from enrollment.models import RosterUploadKind

    upload = pending.keep(application=None, kind=RosterUploadKind.QUEUED, data=data, filename=filename, actor=actor)
    if application is not None:
        pending.discard(application)  # this file supersedes the last report or preview
        upload.application = application
        upload.save(update_fields=["application"])
    return job_start(
        actor=actor,
        kind="roster_import",
        label=f"导入人员手册 {filename}（{unit.name} {plan.period.name} {plan.name}）",
        subject=application.reference if application else f"{plan.pk}:{unit.pk}",
        params={"plan": plan.pk, "unit": unit.pk, "application": application.pk if application else None,
                "upload": upload.pk, "file": upload.file.name, "filename": filename, "shares": shares,
                "staff": staff},
    )  # fmt: skip


@job_handler("roster_import")
def roster_import_job(job, progress):
    """Validate and write a roster on the worker. The write is one transaction, so a worker that
    dies midway leaves no rows; the stored file stays until the job ends, so it can be retried.
    A roster with errors keeps its file as the application's error report (with the marked copy)."""

    from enrollment.models import Application, Plan, RosterUpload, RosterUploadKind, Unit
    from enrollment.roster import UnreadableFile, group_errors
    from enrollment.services.rosters import roster_import

    params = job.params
    upload = RosterUpload.objects.filter(pk=params.get("upload")).first()
    data = pending.read(upload) if upload else None
    if data is None:
        raise ValidationError("上传的文件已过期删除，请重新上传人员手册。")
    application = Application.objects.filter(pk=params["application"]).first() if params["application"] else None
    try:
        result = roster_import(
            actor=job.created_by, plan=Plan.objects.select_related("period").get(pk=params["plan"]),
            unit=Unit.objects.get(pk=params["unit"]), data=data, filename=params["filename"],
            shares=params["shares"], staff=params["staff"], application=application, progress=progress,
        )  # fmt: skip
    except UnreadableFile as exc:  # the job page says why, as the upload page would
        raise ValidationError(str(exc)) from exc
    if result.ok or upload.application is None:
        pending.remove(upload)
    else:
        pending.discard(upload.application)
        upload.kind, upload.report = RosterUploadKind.ERRORS, pending.error_report(result)
        upload.save(update_fields=["kind", "report"])
    summary = result.as_dict()
    summary["groups"] = [
        {"code": g["code"], "label": g["label"], "count": g["count"]} for g in group_errors(result.errors)
    ]
    return summary


def cleanup_kept_uploads(*, keep: timedelta = pending.KEEP, now=None) -> dict:
    """Every upload kept for a next step that never came, once ``keep`` has passed: the roster's
    reports and previews (and files no row refers to), statement previews, the admin's imports."""
    deleted = pending.cleanup(keep=keep, now=now)
    deleted["statements"] = len(STATEMENT_PREVIEWS.sweep(older_than=keep, now=now))
    deleted["admin_imports"] = len(ADMIN_IMPORTS.sweep(older_than=keep, now=now))
    deleted["history_imports"] = len(HISTORY_UPLOADS.sweep(older_than=keep, now=now))
    return deleted


@app.periodic(cron="40 3 * * *")
@app.task(name="enrollment.cleanup_uploads", queue="jobs", pass_context=False)
def cleanup_uploads(timestamp: int) -> dict:
    """Nightly on the worker: stale uploads (with ID numbers and accounts in them) do not stay in storage."""
    return cleanup_kept_uploads()
