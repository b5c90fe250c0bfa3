"""Queue a few no-op jobs and report which workers ran them: is the queue alive after a deploy?"""

import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from mutualaid.jobs import job_start
from mutualaid.models import Job, JobStatus


class Command(BaseCommand):
    help = "排队若干检查任务，等待 worker 执行，并报告每台 worker 执行了几个（--no-wait 只排队）。"

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=4)
        parser.add_argument("--seconds", type=float, default=0.0, help="每个任务占用 worker 的秒数")
        parser.add_argument("--timeout", type=float, default=60.0)
        parser.add_argument("--no-wait", action="store_true")

    def handle(self, *args, jobs, seconds, timeout, no_wait, **options):
        if jobs < 1:
            raise CommandError("--jobs 至少为 1。")
        ids = [
            job_start(actor=None, kind="queue_check", label=f"队列检查 {n + 1}/{jobs}", params={"seconds": seconds}).pk
            for n in range(jobs)
        ]
        self.stdout.write(f"已排队 {len(ids)} 个检查任务。")
        if no_wait:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            finished = list(Job.objects.filter(pk__in=ids, status__in=[JobStatus.DONE, JobStatus.FAILED]))
            if len(finished) == len(ids):
                break
            time.sleep(0.5)
        else:
            raise CommandError(
                f"{timeout:.0f} 秒内只完成了 {len(finished)}/{len(ids)} 个任务：请检查 worker 是否在运行。"
            )
        by_worker = Counter(f"{job.result.get('host')}:{job.result.get('pid')}" for job in finished)
        for worker, count in sorted(by_worker.items()):
            self.stdout.write(f"  {worker} 执行了 {count} 个")
        self.stdout.write("队列正常。")
