"""Time a bank statement import at volume, matching included.

    python manage.py benchmark_statement --lines 20000

Inside one transaction that is rolled back at the end (the database is left as it was):
creates units with one centre-approved, unpaid invoice each, writes an N-line statement
(.xlsx, as a bank exports it) in which 40% of lines name their invoice in the memo, 20%
pay by the unit's name and the exact amount, 30% match nothing and 10% are debits, then
imports it through the same code as the page and prints read-to-matched time and memory.
The made-up invoices are analysed before the import (as autovacuum has counted real ones by then):
the rows go with the rollback, but the planner's statistics keep them until the next ANALYZE.
"""

import io
import resource
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus, District, Plan, Unit
from enrollment.services.payments import statement_import_within


class Rollback(Exception):
    pass


def _statement(invoices, lines: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("交易明细")
    sheet.append(["交易日期", "交易流水号", "对方户名", "对方账号", "借方金额", "贷方金额", "用途"])
    day = timezone.localdate() - timedelta(days=1)
    by_memo, by_name = invoices[: int(lines * 0.4)], invoices[int(lines * 0.4) : int(lines * 0.6)]
    k = 0
    for application in by_memo:
        k += 1
        sheet.append([day, f"B{k:08d}", application.unit.name, "6222", None, float(application.amount_due),
                      f"互助保障 {application.reference}"])  # fmt: skip
    for application in by_name:
        k += 1
        sheet.append([day, f"B{k:08d}", application.unit.name, "6222", None, float(application.amount_due), "缴费"])
    while k < int(lines * 0.9):
        k += 1
        sheet.append([day, f"B{k:08d}", f"其他付款人{k}", "6223", None, 1234.5, "货款"])
    while k < lines:
        k += 1
        sheet.append([day, f"B{k:08d}", "某供应商", "6224", 88.0, None, "付款"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "生成 N 行银行对账单并计时导入和自动匹配（在回滚的事务中进行，不留数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=20_000)

    def handle(self, *args, lines, **options):
        plan = Plan.objects.filter(period__number=16, code="MED").select_related("period").first()
        district = District.objects.order_by("code").first()
        if plan is None or district is None:
            raise CommandError("没有第 16 期的 MED 项目：请先运行 `manage.py seed_demo` 载入演示数据。")
        try:
            with transaction.atomic():
                units = Unit.objects.bulk_create(
                    Unit(code=f"BP{k:06d}", name=f"基准缴费单位{k}", district=district, declared_staff=10)
                    for k in range(int(lines * 0.6))
                )
                now = timezone.now()
                invoices = Application.objects.bulk_create(
                    Application(reference=Application.make_reference(plan, unit, 1), plan=plan, unit=unit, seq=1,
                                status=ApplicationStatus.CENTRE_APPROVED, declared_staff=10, member_count=10,
                                share_count=10, amount_due=Decimal(100 + k % 400), centre_approved_at=now)
                    for k, unit in enumerate(units)
                )  # fmt: skip
                for application, unit in zip(invoices, units, strict=True):
                    application.unit = unit
                data = _statement(invoices, lines)
                # In life the invoices were issued days before the bank's statement, and autovacuum has
                # counted them since: without this the planner takes the district for 16 units.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE enrollment_unit, enrollment_application")
                self.stdout.write(f"对账单 {lines:,} 行（{len(data) / 1048576:.1f} MB），待缴发票 {len(invoices):,} 张")
                started = time.perf_counter()
                result = statement_import_within(actor=None, data=data, filename="benchmark.xlsx")
                elapsed = time.perf_counter() - started
                self.stdout.write(f"导入并匹配       : {elapsed:6.2f} s")
                self.stdout.write(
                    f"自动匹配 {len(result.matched):,}，待人工 {len(result.unmatched):,}，"
                    f"支出跳过 {result.debits:,}，重复 {len(result.duplicates):,}"
                )
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                self.stdout.write(f"峰值内存 (RSS)   : {peak:6.0f} MB")
                raise Rollback
        except Rollback:
            self.stdout.write("（已回滚，数据库未改变。）")
