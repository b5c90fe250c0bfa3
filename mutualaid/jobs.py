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


def job_start(*, actor, kind: str, label: str, params: dict | None = None, subject: str = "",
              once: bool = False) -> Job:  # fmt: skip
    """Create the job and queue it when the surrounding transaction commits.

    ``once``: while the same job (kind, subject, params) is queued or running for the same person,
    or for a colleague at the centre (the same full ID numbers), that job is returned instead of
    a new one, so reloading a page that prints 10,000 members does not start another run each time.
    """
    if kind not in HANDLERS:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    params = params or {}
    with transaction.atomic():
        if once:
            running = _running_twin(actor, kind=kind, subject=subject[:100], params=params)
            if running is not None:
                return running
        job = Job.objects.create(kind=kind, label=label[:200], subject=subject[:100], params=params, created_by=actor)
        transaction.on_commit(lambda: _enqueue(job))
    return job


def _running_twin(actor, *, kind: str, subject: str, params: dict) -> Job | None:
    from django.db import connection

    from mutualaid.scoping import is_city

    with connection.cursor() as cursor:  # two reloads at once: the second waits, then finds the first
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"job:{kind}:{subject}"])
    candidates = (
        Job.objects.visible_to(actor)
        .filter(kind=kind, subject=subject, params=params, status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
        .select_related("created_by")
        .order_by("-created_at")
    )
    for job in candidates:
        same_audience = job.created_by_id == actor.pk or (is_city(actor) and is_city(job.created_by))
        if same_audience and as_shown(job).status in (JobStatus.QUEUED, JobStatus.RUNNING):
            return job
    return None


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


# procrastinate's workers write a heartbeat every 10 seconds and call one stalled after 30; a job
# whose worker has been silent this long is dead, whatever its row still says.
STALLED_AFTER_SECONDS = 60
STALLED_ERROR = (
    "处理该任务的后台进程意外停止（可能是服务器重启，或文件超出了服务器能处理的范围），任务没有完成，"
    "已写入的内容已全部撤销。可以重试；如果再次失败，请检查文件或联系管理员。"
)


def fail_stalled(*, job_id=None) -> list:
    """Jobs shown as running whose worker died (killed, out of memory, machine restarted): failed,
    with a message and 重试, instead of running for ever. A job counts as alive while its queue
    entry waits to be taken or is held by a worker whose heartbeat is recent; one that started
    less than a minute ago is left alone. The dead queue entries are closed as failed too, so
    nothing runs them again behind the person's back. Runs every minute on the worker
    (``mutualaid.fail_stalled_jobs``) and whenever a running job's page is read."""
    from django.db import connection

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """UPDATE mutualaid_job AS job SET status = %s, error = %s, finished_at = now()
               WHERE job.status = %s AND job.started_at < now() - make_interval(secs => %s)
                 AND (%s::uuid IS NULL OR job.id = %s::uuid)
                 AND NOT EXISTS (
                     SELECT 1 FROM procrastinate_jobs queued
                     LEFT JOIN procrastinate_workers worker ON worker.id = queued.worker_id
                     WHERE queued.task_name = 'mutualaid.run_job' AND queued.args->>'job_id' = job.id::text
                       AND (queued.status = 'todo'
                            OR (queued.status = 'doing'
                                AND worker.last_heartbeat >= now() - make_interval(secs => %s))))
               RETURNING job.id""",
            [JobStatus.FAILED, STALLED_ERROR, JobStatus.RUNNING, STALLED_AFTER_SECONDS, job_id, job_id,
             STALLED_AFTER_SECONDS],
        )  # fmt: skip
        failed = [row[0] for row in cursor.fetchall()]
        if failed:
            cursor.execute(
                """SELECT procrastinate_finish_job_v1(id, 'failed', false) FROM procrastinate_jobs
                   WHERE task_name = 'mutualaid.run_job' AND status = 'doing' AND args->>'job_id' = ANY(%s)""",
                [[str(pk) for pk in failed]],
            )
    for pk in failed:
        logger.warning("job %s: its worker stopped answering; marked failed", pk)
    return failed


def as_shown(job: Job | None) -> Job | None:
    """The job as a page should show it: one whose worker died is failed by now, not running for ever."""
    if job is not None and job.status == JobStatus.RUNNING and fail_stalled(job_id=job.pk):
        job.refresh_from_db()
    return job


def execute_queued() -> list[Job]:
    """Run every queued job in this process (tests, and `manage.py run_jobs` for a one-off catch-up)."""
    return [
        execute(pk)
        for pk in Job.objects.filter(status=JobStatus.QUEUED).order_by("created_at").values_list("pk", flat=True)
    ]
