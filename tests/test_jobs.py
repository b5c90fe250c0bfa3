"""Background jobs as the person who started one sees them: queued, progressing, done or failed."""

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from enrollment.models import Member
from mutualaid import jobs
from mutualaid.models import AuditLog, Job, JobStatus


@jobs.job_handler("test_count")
def _count(job, progress):
    progress.start(total=job.params["n"], message="计数中")
    for _ in range(job.params["n"]):
        progress.advance()
    if job.params.get("fail"):
        with transaction.atomic():
            User.objects.create(username="half-written")
            raise RuntimeError("worker died")
    return {"counted": job.params["n"]}


@jobs.job_handler("test_touch_member")
def _touch(job, progress):
    Member.objects.filter(pk=job.params["member"]).update(phone=job.params["phone"])


@pytest.fixture
def started(clerk_u001):
    return jobs.job_start(actor=clerk_u001, kind="test_count", label="数一数", params={"n": 250})


def test_a_job_runs_to_done_with_its_result(started):
    assert started.status == JobStatus.QUEUED
    [job] = jobs.execute_queued()
    assert job.status == JobStatus.DONE
    assert (job.done, job.total, job.percent) == (250, 250, 100)
    assert job.result == {"counted": 250}


def test_a_failed_job_leaves_nothing_and_can_be_retried(clerk_u001, login):
    job = jobs.job_start(actor=clerk_u001, kind="test_count", label="会失败", params={"n": 3, "fail": True})
    job = jobs.execute(job.pk)
    assert job.status == JobStatus.FAILED
    assert "可以重试" in job.error
    assert not User.objects.filter(username="half-written").exists()

    page = login(clerk_u001).get(reverse("job_detail", args=[job.pk]))
    assert "失败" in page.text and "重试" in page.text

    Job.objects.filter(pk=job.pk).update(params={"n": 3})
    response = login(clerk_u001).post(reverse("job_retry", args=[job.pk]))
    assert response.status_code == 302
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    assert jobs.execute(job.pk).status == JobStatus.DONE


def test_what_a_job_changes_is_recorded_as_the_work_of_who_started_it(clerk_u001):
    member = Member.objects.filter(unit__code="U001").first()
    job = jobs.job_start(actor=clerk_u001, kind="test_touch_member", label="更新电话",
                         params={"member": member.pk, "phone": "13900000003"})  # fmt: skip
    jobs.execute(job.pk)
    row = AuditLog.objects.filter(action="row_update", content_type__model="member", object_id=member.pk).last()
    assert (row.actor, row.data["new"]["phone"], row.data["via"]) == (clerk_u001, "13900000003", "任务 更新电话")


def test_a_finished_job_is_not_run_twice(started):
    first = jobs.execute(started.pk)
    again = jobs.execute(started.pk)
    assert first.status == again.status == JobStatus.DONE
    assert again.attempts == 1


def test_progress_is_shown_to_its_owner_and_hidden_from_other_units(started, clerk_u001, clerk_u002, handler, client):
    client.force_login(clerk_u001)
    status = client.get(reverse("job_status", args=[started.pk])).json()
    assert (status["status"], status["status_label"], status["percent"]) == ("queued", "排队中", 0)
    page = client.get(reverse("job_detail", args=[started.pk]))
    assert "数一数" in page.text and "data-job-status-url" in page.text

    client.force_login(clerk_u002)
    assert client.get(reverse("job_status", args=[started.pk])).status_code == 404
    assert client.get(reverse("job_detail", args=[started.pk])).status_code == 404
    assert client.post(reverse("job_retry", args=[started.pk])).status_code == 404

    client.force_login(handler)
    assert client.get(reverse("job_status", args=[started.pk])).status_code == 200


def test_only_failed_jobs_are_retried(started, clerk_u001, login):
    response = login(clerk_u001).post(reverse("job_retry", args=[started.pk]), follow=True)
    assert "只有失败的任务可以重试" in response.text


def _running_on_a_worker(job, *, heartbeat_age: str | None, started_ago="10 minutes"):
    """What a worker leaves behind when it is killed mid-job: the job row says running, its queue
    entry is held ('doing') by a worker whose heartbeat is old (or whose row was pruned: None)."""
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        worker = None
        if heartbeat_age is not None:
            cursor.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - %s::interval) "
                           "RETURNING id", [heartbeat_age])  # fmt: skip
            worker = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id) "
            "VALUES ('jobs', 'mutualaid.run_job', %s, 'doing', %s) RETURNING id",
            [json.dumps({"job_id": str(job.pk)}), worker],
        )
        queued = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE mutualaid_job SET status = 'running', started_at = now() - %s::interval, attempts = 1 "
            "WHERE id = %s",
            [started_ago, job.pk],
        )
    return queued


def _queue_status(queued) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [queued])
        return cursor.fetchone()[0]


def test_a_job_whose_worker_died_is_shown_failed_with_retry(started, clerk_u001, login):
    queued = _running_on_a_worker(started, heartbeat_age="5 minutes")
    page = login(clerk_u001).get(reverse("job_detail", args=[started.pk])).text
    assert "失败" in page and "后台进程意外停止" in page and "重试" in page
    started.refresh_from_db()
    assert started.status == JobStatus.FAILED and started.finished_at is not None
    assert _queue_status(queued) == "failed"  # nothing will run it again behind the clerk's back
    login(clerk_u001).post(reverse("job_retry", args=[started.pk]))
    assert jobs.execute(started.pk).status == JobStatus.DONE


def test_a_job_whose_worker_was_pruned_is_failed_by_the_status_poll(started, clerk_u001, login):
    _running_on_a_worker(started, heartbeat_age=None)
    status = login(clerk_u001).get(reverse("job_status", args=[started.pk])).json()
    assert (status["status"], status["finished"]) == ("failed", True) and "可以重试" in status["error"]


def test_a_job_on_a_live_worker_or_just_started_keeps_running(clerk_u001, login):
    live = jobs.job_start(actor=clerk_u001, kind="test_count", label="活着", params={"n": 1})
    fresh = jobs.job_start(actor=clerk_u001, kind="test_count", label="刚开始", params={"n": 1})
    _running_on_a_worker(live, heartbeat_age="5 seconds")
    _running_on_a_worker(fresh, heartbeat_age=None, started_ago="10 seconds")
    for job in (live, fresh):
        assert login(clerk_u001).get(reverse("job_status", args=[job.pk])).json()["status"] == "running"


def test_the_workers_minute_task_fails_every_stalled_job(clerk_u001):
    from mutualaid.tasks import fail_stalled_jobs

    dead = jobs.job_start(actor=clerk_u001, kind="test_count", label="死了", params={"n": 1})
    live = jobs.job_start(actor=clerk_u001, kind="test_count", label="活着", params={"n": 1})
    _running_on_a_worker(dead, heartbeat_age="2 minutes")
    _running_on_a_worker(live, heartbeat_age="1 second")
    fail_stalled_jobs(timestamp=0)
    assert Job.objects.get(pk=dead.pk).status == JobStatus.FAILED
    assert Job.objects.get(pk=live.pk).status == JobStatus.RUNNING


def test_retry_goes_back_only_to_a_page_of_this_site(clerk_u001, login):
    client = login(clerk_u001)
    for target in ("https://elsewhere.example/phish", "//elsewhere.example/x", "/\\elsewhere.example"):
        job = jobs.job_start(actor=clerk_u001, kind="test_count", label="会失败", params={"n": 1, "fail": True})
        jobs.execute(job.pk)
        response = client.post(reverse("job_retry", args=[job.pk]), {"next": target})
        assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    job = jobs.job_start(actor=clerk_u001, kind="test_count", label="会失败", params={"n": 1, "fail": True})
    jobs.execute(job.pk)
    response = client.post(reverse("job_retry", args=[job.pk]), {"next": "/applications/?page=2"})
    assert response["Location"] == "/applications/?page=2"
