"""Queue tasks (procrastinate autodiscovers ``tasks`` modules in every app)."""

import os
import socket
import time

from procrastinate.contrib.django import app

from mutualaid import jobs, notices
from mutualaid.notices.dispatch import SEND_TASK


@app.task(name=jobs.RUN_JOB_TASK, queue="jobs", pass_context=False)
def run_job(job_id: str) -> None:
    jobs.execute(job_id)


@app.periodic(cron="* * * * *", periodic_id="fail_stalled_jobs")
@app.task(name="mutualaid.fail_stalled_jobs", queue="jobs", queueing_lock="fail_stalled_jobs", pass_context=False)
def fail_stalled_jobs(timestamp: int) -> None:
    """Every minute, on whichever worker takes it: jobs whose worker died are shown as failed."""
    jobs.fail_stalled()


@jobs.job_handler("queue_check")
def queue_check(job, progress):
    """Does nothing but say which worker ran it, once: `manage.py queue_check` shows the workers are alive."""
    time.sleep(float(job.params.get("seconds", 0)))
    return {"host": socket.gethostname(), "pid": os.getpid()}


@app.task(name=SEND_TASK, queue="notices", queueing_lock="send_notices", pass_context=False)
def send_notices() -> dict:
    """The SMS an action left waiting (one job however many), sent at the provider's rate."""
    return notices.send_due()


@app.periodic(cron="* * * * *", periodic_id="send_due_notices")
@app.task(name="mutualaid.send_due_notices", queue="notices", queueing_lock="send_due_notices", pass_context=False)
def send_due_notices(timestamp: int) -> dict:
    """Every minute: the retries whose time has come (and anything a lost job left behind)."""
    return notices.send_due()
