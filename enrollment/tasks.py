"""Background jobs of the enrollment app (procrastinate autodiscovers ``tasks`` modules)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from mutualaid.jobs import job_handler, job_start

ROSTER_UPLOADS = "roster-uploads/"


def start_roster_import(*, actor, plan, unit, data: bytes, filename: str, application=None, shares=None, staff=None):
    """Queue a large roster: the file is kept under a random name until the worker has read it."""
    import uuid
    from pathlib import PurePath

    stored = default_storage.save(
        f"{ROSTER_UPLOADS}{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}", ContentFile(data)
    )
    return job_start(
        actor=actor,
        kind="roster_import",
        label=f"导入人员手册 {filename}（{unit.name} {plan.period.name} {plan.name}）",
        subject=application.reference if application else f"{plan.pk}:{unit.pk}",
        params={"plan": plan.pk, "unit": unit.pk, "application": application.pk if application else None,
                "file": stored, "filename": filename, "shares": shares, "staff": staff},
    )  # fmt: skip


@job_handler("roster_import")
def roster_import_job(job, progress):
    """Validate and write a roster on the worker. The write is one transaction, so a worker that
    dies midway leaves no rows; the stored file stays until the job ends, so it can be retried."""
    from django.core.exceptions import ValidationError

    from enrollment.models import Application, Plan, Unit
    from enrollment.roster import UnreadableFile, group_errors, import_roster

    params = job.params
    with default_storage.open(params["file"], "rb") as handle:
        data = handle.read()
    application = Application.objects.filter(pk=params["application"]).first() if params["application"] else None
    try:
        result = import_roster(
            actor=job.created_by, plan=Plan.objects.select_related("period").get(pk=params["plan"]),
            unit=Unit.objects.get(pk=params["unit"]), data=data, filename=params["filename"],
            shares=params["shares"], staff=params["staff"], application=application, progress=progress,
        )  # fmt: skip
    except UnreadableFile as exc:  # the job page says why, as the upload page would
        raise ValidationError(str(exc)) from exc
    if result.ok:
        default_storage.delete(params["file"])
    summary = result.as_dict()
    summary["groups"] = [
        {"code": g["code"], "label": g["label"], "count": g["count"]} for g in group_errors(result.errors)
    ]
    return summary
