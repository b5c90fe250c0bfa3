"""Time the roster import at volume: read, validate and write separately, with peak memory.

    python manage.py benchmark_roster --rows 100000

Generates an N-row valid roster (.xlsx, as a clerk would upload it) for a unit
BENCH (created if missing), imports it through the same code as the page and the
command line, and prints the figures next to what python-calamine needs merely to
read the same file. Run it twice: the second run replaces the same draft's roster.
"""

import multiprocessing
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from python_calamine import CalamineWorkbook

from enrollment.models import District, Plan, Unit
from enrollment.services.rosters import roster_import


def _generate(path: str, rows: int) -> None:
    from openpyxl import Workbook

    from mutualaid.lib.idcard import make_id

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员手册")
    sheet.append(["职工医疗互助保障 人员手册"])
    sheet.append(["单位名称：基准测试单位"])
    sheet.append(["序号", "姓名", "性别", "身份证号码", "医保卡号", "份数", "手机号"])
    born = date(1970, 1, 1)
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

    def handle(self, *args, rows, plan, period, **options):
        path = Path(tempfile.gettempdir()) / f"benchmark-roster-{rows}.xlsx"
        if not path.exists():
            self.stdout.write(f"生成 {rows:,} 行人员手册 {path} …")
            child = multiprocessing.get_context("fork").Process(target=_generate, args=(str(path), rows))
            child.start()
            child.join()
        data = path.read_bytes()
        plan_obj = Plan.objects.filter(period__number=period, code=plan).first()
        if plan_obj is None or not District.objects.exists():
            raise CommandError(f"没有第 {period} 期的 {plan} 项目：请先运行 `manage.py seed_demo` 载入演示数据。")
        unit, _ = Unit.objects.get_or_create(
            code="BENCH", defaults={"name": "基准测试单位", "district": District.objects.order_by("code").first()}
        )
        connection.close()  # the timings below include opening the connection, as a worker does

        started = time.perf_counter()
        CalamineWorkbook.from_filelike(__import__("io").BytesIO(data)).get_sheet_by_index(0).to_python()
        calamine = time.perf_counter() - started

        started = time.perf_counter()
        result = roster_import(actor=None, plan=plan_obj, unit=unit, data=data, filename=path.name)
        total = time.perf_counter() - started
        if result.errors:
            self.stderr.write(f"导入有 {len(result.errors)} 处错误，例如：{result.errors[0]}")
            return
        t = result.timings
        self.stdout.write(
            f"rows={result.rows:,} file={len(data) / 1048576:.1f}MB\n"
            f"calamine read only : {calamine:6.2f} s\n"
            f"import read        : {t['read']:6.2f} s\n"
            f"import validate    : {t['validate']:6.2f} s\n"
            f"import write       : {t['write']:6.2f} s\n"
            f"import total       : {total:6.2f} s  ({total / calamine:.1f}x calamine read)\n"
            f"peak memory (RSS)  : {_peak_mb():6.0f} MB\n"
            f"written            : {result.created:,} lines into {result.application.reference}"
        )
