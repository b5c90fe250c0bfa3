"""Time the roster import at volume: read, validate and write separately, with peak memory.

    python manage.py benchmark_roster --rows 100000

Generates an N-row valid roster (.xlsx, as a clerk would upload it) for a unit
BENCH (created if missing), imports it through the same code as the page and the
command line, and prints the figures next to what python-calamine needs merely to
read the same file, each stage also as a multiple of that read. Every run after the first on a
database replaces the same draft's roster with the same file (the people registered, their lines
kept); ``--fresh`` empties the roster first, so every line is written again (the people already
registered), ``--new-people`` does that with a file of people nobody registered yet, as a unit's first
upload is (each run its own file), and ``--runs 3`` does three in a row. Each run starts from the tables vacuumed, as autovacuum keeps them between imports, and
prints the machine's load average: on a shared machine only figures of the same run compare.
"""

import io
import multiprocessing
import os
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from python_calamine import CalamineWorkbook

from enrollment.models import District, Member, Plan, RosterLine, Unit
from enrollment.services.rosters import roster_import


def _generate(path: str, rows: int, block: int = 0) -> None:
    """``rows`` people born from 1970 on, ``block`` 250 days later each (a 100,000-row file spans 200)."""
    from openpyxl import Workbook

    from mutualaid.lib.idcard import make_id

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员手册")
    sheet.append(["职工医疗互助保障 人员手册"])
    sheet.append(["单位名称：基准测试单位"])
    sheet.append(["序号", "姓名", "性别", "身份证号码", "医保卡号", "份数", "手机号"])
    born = date(1970, 1, 1) + timedelta(days=250 * block)
    for k in range(rows):
        day, seq = divmod(k, 499)
        number = make_id("659001", born + timedelta(days=day % 12000), 2 * seq + 1, "M")
        sheet.append([k + 1, "基准测试" + "甲乙丙丁戊己庚辛壬癸"[k % 10], "男", number, f"Y{k:09d}", 1, ""])
    workbook.save(path)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "生成 N 行人员手册并计时：读取、校验、写入，以及峰值内存。"

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--plan", default="ACC")
        parser.add_argument("--period", type=int, default=16)
        parser.add_argument("--runs", type=int, default=1, help="import the file this many times, one after another")
        fresh = "empty the draft's roster before each run (untimed): every line written again, the people kept"
        parser.add_argument("--fresh", action="store_true", help=fresh)
        new_people = "each run a file of people not registered yet, into an emptied roster: a unit's first upload"
        parser.add_argument("--new-people", action="store_true", help=new_people)

    def handle(self, *args, rows, plan, period, runs, fresh, new_people, **options):
        plan_obj = Plan.objects.filter(period__number=period, code=plan).first()
        if plan_obj is None or not District.objects.exists():
            raise CommandError(f"没有第 {period} 期的 {plan} 项目：请先运行 `manage.py seed_demo` 载入演示数据。")
        unit, _ = Unit.objects.get_or_create(
            code="BENCH", defaults={"name": "基准测试单位", "district": District.objects.order_by("code").first()}
        )
        # The people of earlier --new-people runs are registered: the next file starts after them.
        block = Member.objects.filter(unit=unit).count() // rows if new_people else 0
        for run in range(1, runs + 1):
            path = self._file(rows, block + run - 1 if new_people else 0)
            if fresh or new_people:
                RosterLine.objects.filter(application__unit=unit, application__plan=plan_obj).delete()
            if not self._run(run, path.read_bytes(), path.name, plan_obj, unit):
                return

    def _file(self, rows: int, block: int) -> Path:
        path = Path(tempfile.gettempdir()) / f"benchmark-roster-{rows}{f'-{block}' if block else ''}.xlsx"
        if not path.exists():
            self.stdout.write(f"生成 {rows:,} 行人员手册 {path} …")
            child = multiprocessing.get_context("fork").Process(target=_generate, args=(str(path), rows, block))
            child.start()
            child.join()
        return path

    def _run(self, run: int, data: bytes, filename: str, plan, unit) -> bool:
        # The tables as autovacuum keeps them between imports: a machine running without it (a test
        # server) would otherwise time each run against every earlier run's dead lines.
        if not connection.in_atomic_block:  # VACUUM cannot run in a transaction
            with connection.cursor() as cursor:
                cursor.execute("VACUUM enrollment_rosterline, enrollment_member")
        connection.close()  # the timings below include opening the connection, as a worker does
        load = os.getloadavg()

        started = time.perf_counter()
        CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        calamine = time.perf_counter() - started

        started = time.perf_counter()
        result = roster_import(actor=None, plan=plan, unit=unit, data=data, filename=filename)
        total = time.perf_counter() - started
        if result.errors:
            self.stderr.write(f"导入有 {len(result.errors)} 处错误，例如：{result.errors[0]}")
            return False
        t = result.timings
        rest = total - t["read"] - t["validate"] - t["write"]

        def stage(seconds: float) -> str:
            return f"{seconds:6.2f} s  ({seconds / calamine:4.1f}x)"

        self.stdout.write(
            f"run {run}: rows={result.rows:,} file={len(data) / 1048576:.1f}MB "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
            f"calamine read only : {calamine:6.2f} s\n"
            f"import read        : {stage(t['read'])}\n"
            f"import validate    : {stage(t['validate'])}\n"
            f"import write       : {stage(t['write'])}\n"
            f"  of which commit  : {stage(t['commit'])}  (the deferred foreign-key checks)\n"
            f"import rest        : {stage(rest)}  (connection, statistics)\n"
            f"import total       : {total:6.2f} s  ({total / calamine:.1f}x calamine read)\n"
            f"peak memory (RSS)  : {_peak_mb():6.0f} MB\n"
            f"written            : {result.created:,} lines into {result.application.reference}"
        )
        return True
