"""Background jobs: start one from a service, run it on the queue worker, show its progress.

A use case that may take long (a roster of 50,000 rows, a batch of 300 review
sheets) registers a handler::

    @job_handler("roster_import")
    def import_roster_job(job, progress):
        progress.start(total=rows, message="校验中")
        ...
        progress.advance(1000)
        return {"created": 1234}            # stored as job.result

and a view starts it with ``job_start(actor=..., kind="roster_import", label=..., params={...})``.
The job row is created in the caller's transaction and handed to the procrastinate
queue (PostgreSQL, ``SKIP LOCKED``) when that transaction commits; any number of
``manage.py procrastinate worker`` processes, on any machine, take jobs from it.

Progress is written to the job row in autocommit, so call ``progress`` outside
the handler's own write transaction; keep the writes in one transaction so a
job that dies midway leaves no rows and can be run again (``job_retry``).
"""

import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from mutualaid.models import Job, JobStatus

logger = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], dict | None]
HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str):
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


class Progress:
    """Counters on the job row, saved at most every ``every`` items so polling stays cheap."""

    def __init__(self, job: Job, every: int = 1):
        self.job = job
        self.every = max(every, 1)
        self._unsaved = 0

    def start(self, *, total: int, message: str = "") -> None:
        self.job.total, self.job.done, self.job.message = total, 0, message
        self._save()

    def step(self, message: str) -> None:
        self.job.message = message
        self._save()

    def advance(self, count: int = 1) -> None:
        self.job.done = min(self.job.done + count, self.job.total or self.job.done + count)
        self._unsaved += count
        if self._unsaved >= self.every or self.job.done >= self.job.total:
            self._save()

    def _save(self) -> None:
        self._unsaved = 0
        Job.objects.filter(pk=self.job.pk).update(
            total=self.job.total, done=self.job.done, message=self.job.message[:200]
        )


def job_start(*, actor, kind: str, label: str, params: dict | None = None, subject: str = "") -> Job:
    """Create the job and queue it when the surrounding transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    job = Job.objects.create(kind=kind, label=label[:200], subject=subject[:100], params=params or {}, created_by=actor)
    transaction.on_commit(lambda: _enqueue(job))
    return job


def job_retry(*, actor, job: Job) -> Job:
    """Queue a failed job again; its handler starts from nothing (the failed run wrote nothing)."""
    from mutualaid.scoping import is_city

    if not (is_city(actor) or job.created_by_id == actor.pk):
        raise PermissionDenied("只能重试自己发起的任务。")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.FAILED:
            raise ValidationError("只有失败的任务可以重试。")
        job.status, job.done, job.error, job.message = JobStatus.QUEUED, 0, "", ""
        job.result, job.finished_at = {}, None
        job.save()
        transaction.on_commit(lambda: _enqueue(job))
    return job


RUN_JOB_TASK = "mutualaid.run_job"  # defined in mutualaid/tasks.py, which imports this module


def _enqueue(job: Job) -> None:
    from procrastinate.contrib.django import app

    app.configure_task(RUN_JOB_TASK, queue="jobs").defer(job_id=str(job.pk))


def execute(job_id) -> Job:
    """Run one job to its end state. The worker's task calls this; so do tests, in-process.

    Claims the job with a row lock so two workers handed the same id never both run it.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return job or Job.objects.get(pk=job_id)
        job.status, job.started_at, job.attempts = JobStatus.RUNNING, timezone.now(), job.attempts + 1
        job.save(update_fields=["status", "started_at", "attempts"])
    from mutualaid.audit import acting_as

    try:
        # Whatever the job changes is recorded as the work of the person who started it.
        with acting_as(job.created_by, f"任务 {job.label}"):
            result = HANDLERS[job.kind](job, Progress(job, every=max(job.total // 100, 1) if job.total else 1))
    except ValidationError as exc:
        _finish(job, JobStatus.FAILED, error="；".join(exc.messages))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, error=f"任务执行出错，已全部撤销，可以重试。（{type(exc).__name__}）")
    else:
        _finish(job, JobStatus.DONE, result=result or {})
    return Job.objects.get(pk=job.pk)


def _finish(job: Job, status: str, *, result: dict | None = None, error: str = "") -> None:
    job.refresh_from_db()
    job.status, job.finished_at, job.error = status, timezone.now(), error
    if result is not None:
        job.result = result
    if status == JobStatus.DONE and job.total:
        job.done = job.total
    job.save()


def execute_queued() -> list[Job]:
    """Run every queued job in this process (tests, and `manage.py run_jobs` for a one-off catch-up)."""
    return [
        execute(pk)
        for pk in Job.objects.filter(status=JobStatus.QUEUED).order_by("created_at").values_list("pk", flat=True)
    ]
