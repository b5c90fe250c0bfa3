"""Time the printed forms: a review sheet, and rosters of N members (peak memory of this process and of its largest layout worker).

    python manage.py benchmark_pdf [--members 1000 10000]

Rosters are printed from a synthetic application created inside a transaction that is
rolled back at the end, so the database is left as it was.
"""

import os
import resource
import statistics
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.models import Claim
from enrollment.models import Application, ApplicationStatus, District, Member, Plan, RosterLine, Unit
from mutualaid.lib.idcard import make_id
from reports import printing


class Rollback(Exception):
    pass


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0.0)


class _WorkersPeak(threading.Thread):
    """The most memory any one process below this one holds while the roster is made, sampled every
    0.1 s (the layout workers are the fork server's children, which getrusage does not count)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_mb, self._done = 0.0, threading.Event()

    def run(self):
        while not self._done.wait(0.1):
            self.peak_mb = max([self.peak_mb, *(_rss_mb(pid) for pid in _descendants(os.getpid()))])

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self.join()


class Command(BaseCommand):
    help = "计时：一张审核表，以及 N 人的人员手册（含峰值内存）。"

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, nargs="+", default=[1000, 10000])

    def handle(self, *args, members, **options):
        claim = Claim.objects.filter(reference="16-MED-U001-C1").first()
        plan = Plan.objects.filter(period__number=16, code="MED").first()
        if claim is None or plan is None:
            raise CommandError("请先运行 `manage.py seed_demo` 载入演示数据。")
        printing.review_sheet_pdf(claim, full_id=True)  # fonts loaded once, as in a running server
        times = []
        for _ in range(5):
            started = time.perf_counter()
            printing.review_sheet_pdf(claim, full_id=True)
            times.append(time.perf_counter() - started)
        self.stdout.write(f"审核表            : {statistics.median(times):6.2f} s（5 次中位数）")
        for count in members:
            try:
                with transaction.atomic():
                    application = self._application(plan, count)
                    started = time.perf_counter()
                    with _WorkersPeak() as workers:
                        data, _ = printing.roster_pdf(application, full_id=True)
                    elapsed = time.perf_counter() - started
                    self.stdout.write(f"人员手册 {count:>6,} 人 : {elapsed:6.2f} s，{len(data) / 1048576:.1f} MB，"
                                      f"峰值内存 {_peak_mb():.0f} MB，排版子进程 {workers.peak_mb:.0f} MB")  # fmt: skip
                    raise Rollback
            except Rollback:
                pass

    def _application(self, plan, count):
        unit = Unit.objects.create(code="BENCHPDF", name="基准打印单位", district=District.objects.order_by("code")[0])
        application = Application.objects.create(reference="BENCH-PDF-1", plan=plan, unit=unit, seq=1,
                                                 status=ApplicationStatus.SUBMITTED, declared_staff=count)  # fmt: skip
        born = date(1975, 1, 1)
        people = Member.objects.bulk_create(
            Member(id_number=make_id("659002", born + timedelta(days=k // 499), 2 * (k % 499) + 1, "M"),
                   name="打印测试" + "甲乙丙丁戊己庚辛壬癸"[k % 10], sex="M", birth_date=born, unit=unit)
            for k in range(count)
        )  # fmt: skip
        RosterLine.objects.bulk_create(
            RosterLine(application=application, plan=plan, member=member, row_number=k + 1, shares=1, live=False,
                       insurance_card=f"Y{k:09d}")
            for k, member in enumerate(people)
        )  # fmt: skip
        return application
