"""Queue tasks (procrastinate autodiscovers ``tasks`` modules in every app)."""

import os
import socket
import time

from procrastinate.contrib.django import app

from mutualaid import jobs


@app.task(name=jobs.RUN_JOB_TASK, queue="jobs", pass_context=False)
def run_job(job_id: str) -> None:
    jobs.execute(job_id)


@jobs.job_handler("queue_check")
def queue_check(job, progress):
    """Does nothing but say which worker ran it, once: `manage.py queue_check` shows the workers are alive."""
    time.sleep(float(job.params.get("seconds", 0)))
    return {"host": socket.gethostname(), "pid": os.getpid()}
