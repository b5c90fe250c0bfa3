"""Roster files kept between two steps (``RosterUpload``): one place stores them, finds them and
deletes them, so a file with ID numbers in it is never left behind. The files themselves are kept
the way every import keeps its uploads (``mutualaid.uploads.KeptFiles``: a random name, one folder).

An application keeps at most one error report or preview: a new upload replaces the last one, and
applying a preview, a clean import or the worker's success deletes it. ``cleanup`` (the command
``cleanup_uploads`` and a nightly task on the worker) deletes what is stale — kept longer
than ``KEEP``, or of an application whose roster is frozen — and any stored roster file that no row
refers to (left by a crash between the two, or by older versions, which kept files by the clerk's
own file name and forgot them).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from mutualaid.uploads import KeptFiles

FOLDER = "roster-uploads"
FILES = KeptFiles(FOLDER)
KEEP = timedelta(days=7)
# A file younger than this may belong to an upload whose row is not committed yet.
GRACE = timedelta(hours=1)


def error_report(result) -> dict:
    """What the page shows of a roster that imported nothing: counts, errors by kind, every error."""
    from enrollment.roster.validate import group_errors

    return {
        "rows": result.rows,
        "valid": result.valid,
        "groups": [
            {"label": g["label"], "code": g["code"], "count": g["count"],
             "rows": [e.as_dict() for e in g["rows"][:200]]}
            for g in group_errors(result.errors)
        ],
        "errors": [e.as_dict() for e in result.errors],
    }  # fmt: skip


def keep(*, application, kind: str, data: bytes, filename: str, actor, report: dict | None = None):
    """Store ``data`` for the application's next step, under a random name, in place of whatever it
    kept before (a report or a preview; a file the worker still has is left to the worker)."""
    from enrollment.models import RosterUpload

    with transaction.atomic():
        if application is not None:
            discard(application)
        upload = RosterUpload(application=application, kind=kind, original_name=filename[-200:], report=report or {},
                              uploaded_by=actor)  # fmt: skip
        upload.file = FILES.store(data, filename)
        # A transaction that fails after this leaves the file without a row: cleanup deletes it.
        upload.save()
    return upload


def latest(application, kind: str):
    return application.roster_uploads.filter(kind=kind).first()


def read(upload) -> bytes | None:
    """The stored file, or None when it is gone (cleaned up meanwhile)."""
    return FILES.read(upload.file.name) if upload.file else None


def remove(upload) -> None:
    """Delete the row, and its file once the deletion is committed."""
    name = upload.file.name
    upload.delete()
    FILES.delete_on_commit(name)


def discard(application) -> int:
    """Delete the application's report and preview (not a file queued for the worker)."""
    from enrollment.models import RosterUploadKind

    uploads = list(application.roster_uploads.exclude(kind=RosterUploadKind.QUEUED))
    for upload in uploads:
        remove(upload)
    return len(uploads)


def cleanup(*, now=None, keep: timedelta = KEEP) -> dict:
    """Delete stale uploads and unreferenced roster files; returns what was deleted."""
    from enrollment.models import ApplicationStatus, RosterUpload
    from mutualaid.models import Job, JobStatus

    now = now or timezone.now()
    running = list(
        Job.objects.filter(kind="roster_import", status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
        .values_list("params", flat=True)
    )  # fmt: skip
    busy = {str(params.get("upload")) for params in running}
    busy_files = {str(params.get("file")) for params in running}
    stale = [
        upload
        for upload in RosterUpload.objects.select_related("application")
        if str(upload.pk) not in busy
        and (
            upload.uploaded_at < now - keep
            or (upload.application is not None and upload.application.status not in ApplicationStatus.EDITABLE)
        )
    ]
    with transaction.atomic():
        for upload in stale:
            remove(upload)
    referenced = set(RosterUpload.objects.values_list("file", flat=True)) | busy_files
    orphans = FILES.sweep(older_than=GRACE, keep=referenced, now=now)
    return {"uploads": len(stale), "files": len(orphans)}
