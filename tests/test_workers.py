"""Several workers on one queue: every job is done, and done exactly once.

Runs real `manage.py procrastinate worker` processes against a database of
their own (workers need committed rows, which the rolled-back test
transactions never have), so it exercises the queue as production does. That
database is a copy of the seeded test database (tests/conftest.py's
``DemoSnapshot``): the whole schema without running every migration again.
"""

import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
JOBS = 24


@pytest.fixture
def queue_database(demo_snapshot, django_db_blocker):
    base = os.environ.get("DATABASE_URL") or (
        f"postgres://{settings.DATABASES['default']['USER']}@{settings.DATABASES['default']['HOST']}:"
        f"{settings.DATABASES['default']['PORT']}/postgres"
    )
    parts = urlsplit(base)
    name = f"mutualaid_queue_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(parts._replace(path="/postgres").geturl())
    admin.autocommit = True
    with django_db_blocker.unblock():
        demo_snapshot.copy(name)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _manage(url, *args, wait=True):
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1", "WORKER_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "manage.py", *args]
    if wait:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=True)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_workers_share_a_queue_and_run_each_job_once(queue_database):
    _manage(queue_database, "queue_check", "--jobs", str(JOBS), "--seconds", "0.3", "--no-wait")

    workers = [_manage(queue_database, "procrastinate", "worker", "--one-shot", wait=False) for _ in range(2)]
    for worker in workers:
        _, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err

    with psycopg2.connect(queue_database) as conn, conn.cursor() as cur:
        cur.execute("SELECT status, attempts, result->>'pid', error FROM mutualaid_job WHERE kind = 'queue_check'")
        jobs = cur.fetchall()
        cur.execute("SELECT e.job_id FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
                    "WHERE e.type = 'started' AND j.task_name = 'mutualaid.run_job'")  # fmt: skip
        starts = Counter(job_id for (job_id,) in cur.fetchall())
        cur.execute("SELECT task_name, status, count(*) FROM procrastinate_jobs GROUP BY task_name, status")
        counts = {(task, status): count for task, status, count in cur.fetchall()}
    queue = {status: count for (task, status), count in counts.items() if task == "mutualaid.run_job"}
    assert len(jobs) == JOBS
    assert [(status, attempts, error) for status, attempts, _, error in jobs] == [("done", 1, "")] * JOBS
    assert len(starts) == JOBS and set(starts.values()) == {1}  # the queue handed each job out once
    assert queue == {"succeeded": JOBS}
    assert counts.get(("mutualaid.fail_stalled_jobs", "succeeded"))  # the minute's sweep for dead workers ran
    assert len({pid for _, _, pid, _ in jobs}) == 2  # both workers took a share
