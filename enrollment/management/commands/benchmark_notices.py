"""What notices cost the action that causes them, and how fast the worker sends them.

    python manage.py benchmark_notices [--invoices 100 --members 10] [--send 50 --rate 25]

Inside one transaction that is rolled back at the end (the database is left as it was): creates
units with one centre-approved invoice each and ``--members`` people on its roster, then imports a
statement paying every invoice, through the same code as the page — once with notices muted and
once as in production (the clerks' and every member's "coverage effective" messages written with
the import) — alternating three times, and prints both and the difference. Then it sends ``--send``
of those SMS through a backend that answers at once, at ``--rate`` a second, and prints the rate
reached (the worker never sends faster than the provider's limit, ``DJANGO_SMS_RATE``).
"""

import io
import statistics
import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus, District, Member, Plan, RosterLine, Unit
from enrollment.services.payments import (
    statement_import_within as statement_import,  # inside the rolled-back transaction
)
from mutualaid import notices
from mutualaid.models import Notice, NoticeChannel
from mutualaid.notices import backends


class Rollback(Exception):
    pass


def _statement(invoices) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("交易明细")
    sheet.append(["交易日期", "交易流水号", "对方户名", "对方账号", "借方金额", "贷方金额", "用途"])
    day = timezone.localdate() - timedelta(days=1)
    for k, application in enumerate(invoices, start=1):
        sheet.append([day, f"N{k:08d}", f"基准通知单位{k}", "6222", None, float(application.amount_due),
                      f"互助保障 {application.reference}"])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Instant:
    def send(self, sms):
        return backends.Answer(ok=True, answer="benchmark")


class Command(BaseCommand):
    help = "计时：一次对账单导入产生上千条通知时增加的耗时，以及 worker 按限速发送短信的速度（回滚，不留数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=100)
        parser.add_argument("--members", type=int, default=10)
        parser.add_argument("--send", type=int, default=50)
        parser.add_argument("--rate", type=float, default=25.0)

    def handle(self, *args, invoices, members, send, rate, **options):
        plan = Plan.objects.filter(period__number=16, code="MED").select_related("period").first()
        district = District.objects.order_by("code").first()
        if plan is None or district is None:
            raise CommandError("没有第 16 期的 MED 项目：请先运行 `manage.py seed_demo` 载入演示数据。")
        try:
            with transaction.atomic():
                data = self._invoices(plan, district, invoices, members)
                timings = {"muted": [], "notices": []}
                for _ in range(3):
                    for mode in ("muted", "notices"):
                        timings[mode].append(self._import(data, muted=mode == "muted"))
                muted, with_notices = (statistics.median(timings[m]) for m in ("muted", "notices"))
                count = self._import(data, muted=False, keep=True)
                self.stdout.write(
                    f"对账单 {invoices:,} 行，缴清 {invoices:,} 张发票、{invoices * members:,} 名会员生效"
                )
                self.stdout.write(f"产生通知           : {count:,} 条（其中短信 "
                                  f"{Notice.objects.filter(channel=NoticeChannel.SMS).count():,} 条）")  # fmt: skip
                self.stdout.write(f"导入（不发通知）   : {muted:6.3f} s（三次中位数）")
                self.stdout.write(f"导入（写入通知）   : {with_notices:6.3f} s（三次中位数）")
                self.stdout.write(f"通知增加的耗时     : {with_notices - muted:6.3f} s")
                self._send(send, rate)
                raise Rollback
        except Rollback:
            self.stdout.write("（已回滚，数据库未改变。）")

    def _invoices(self, plan, district, invoices, members) -> bytes:
        units = Unit.objects.bulk_create(
            Unit(code=f"BN{k:06d}", name=f"基准通知单位{k}", district=district, declared_staff=members)
            for k in range(1, invoices + 1)
        )
        now = timezone.now()
        applications = Application.objects.bulk_create(
            Application(reference=Application.make_reference(plan, unit, 1), plan=plan, unit=unit, seq=1,
                        status=ApplicationStatus.CENTRE_APPROVED, declared_staff=members, member_count=members,
                        share_count=members, amount_due=plan.clerk_premium * members, centre_approved_at=now)
            for unit in units
        )  # fmt: skip
        people = Member.objects.bulk_create(
            Member(id_number=f"9{k:017d}", name=f"会员{k}", sex="M", birth_date=date(1980, 1, 1),
                   unit=units[(k - 1) // members], phone=f"139{k:08d}")
            for k in range(1, invoices * members + 1)
        )  # fmt: skip
        RosterLine.objects.bulk_create(
            RosterLine(application=applications[(k - 1) // members], plan=plan, member=person, row_number=k)
            for k, person in enumerate(people, start=1)
        )
        return _statement(applications)

    def _import(self, data: bytes, *, muted: bool, keep: bool = False):
        try:
            with transaction.atomic():
                before = Notice.objects.count()
                started = time.perf_counter()
                if muted:
                    with notices.muted():
                        statement_import(actor=None, data=data, filename="benchmark.xlsx")
                else:
                    statement_import(actor=None, data=data, filename="benchmark.xlsx")
                elapsed = time.perf_counter() - started
                if keep:
                    return Notice.objects.count() - before
                raise Rollback
        except Rollback:
            return elapsed

    def _send(self, count: int, rate: float) -> None:
        original = backends.get_backend
        backends.get_backend = Instant
        try:
            started = time.perf_counter()
            sent = notices.send_due(limit=count, rate=rate)["sent"]
            elapsed = time.perf_counter() - started
        finally:
            backends.get_backend = original
        self.stdout.write(f"发送短信           : {sent} 条用时 {elapsed:5.2f} s，{sent / elapsed:5.1f} 条/秒"
                          f"（限速 {rate:g} 条/秒）")  # fmt: skip
