"""Time the history import at volume: synthetic legacy files, a dry run, the import, a second import.

    python manage.py benchmark_history --coverages 200000 --claims 10000 [--periods 14]

Creates past periods 1..N (copies of period 15's MED and DD, one year apart, if missing) and 100
units BENCH001…, writes a coverages .csv (each synthetic person in every period, MED and every
third one DD as well) and a paid-claims .csv (MED stays with their eligible expense, DD first
diagnoses), then imports them through the same code as ``import_history`` three times: --dry-run,
for real, and again (every row already held). Prints each step, rows a second, the peak memory,
and what that means for Weihai's 5,000,000 coverages and 180,000 claims (linear: the work is per
row or one set query over the rows). Run it on a database made for it (it keeps what it wrote).
"""

import csv
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.history import history_import
from enrollment.models import District, Period, Plan, Unit
from enrollment.services.periods import period_copy, shift_year
from mutualaid.lib.idcard import make_id

WEIHAI_COVERAGES, WEIHAI_CLAIMS = 5_000_000, 180_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _periods(count: int) -> list[Period]:
    source = Period.objects.filter(number=15).first()
    if source is None or not District.objects.exists():
        raise CommandError("没有第 15 期：请先运行 `manage.py seed_demo` 载入演示数据。")
    periods = []
    for number in range(1, count + 1):
        period = Period.objects.filter(number=number).first()
        if period is None:
            years = number - 15
            period = period_copy(
                actor=None, source=source, number=number, name=f"第{number}期（基准）",
                coverage_start=shift_year(source.coverage_start, years), coverage_end=shift_year(source.coverage_end, years),
                enrollment_start=shift_year(source.enrollment_start, years),
                enrollment_end=shift_year(source.enrollment_end, years),
            )  # fmt: skip
            Plan.objects.filter(period=period).exclude(code__in=["MED", "DD"]).delete()
        periods.append(period)
    return periods


def _generate(folder: Path, *, coverages: int, claims: int, periods: list[Period], units: list[str]):
    per_period = max(coverages // (len(periods) * 4 // 3), 1)  # each person: MED every period, DD one in three
    cov_path, claim_path = folder / "history-coverages.csv", folder / "history-claims.csv"
    born = date(1965, 1, 1)
    written = claims_written = 0
    with (
        open(cov_path, "w", newline="", encoding="utf-8") as cov,
        open(claim_path, "w", newline="", encoding="utf-8") as clm,
    ):
        cw, kw = csv.writer(cov), csv.writer(clm)
        cw.writerow(["期数", "单位编码", "姓名", "身份证号码", "项目代码", "份数", "生效日期", "终止日期", "缴费金额"])
        kw.writerow(
            ["期数", "身份证号码", "项目代码", "申领类型", "事件日期", "疾病编码", "给付金额", "给付日期", "可报销费用"]
        )
        every = max(coverages // max(claims, 1), 1)
        for person in range(per_period):
            day, seq = divmod(person, 499)
            number = make_id("659002", born + timedelta(days=day % 12000), 2 * seq + 1, "M")
            unit = units[person % len(units)]
            for period in periods:
                start, end = period.coverage_start.isoformat(), period.coverage_end.isoformat()
                plans = ["MED", "DD"] if person % 3 == 0 else ["MED"]
                for code in plans:
                    if written >= coverages:
                        break
                    cw.writerow([period.number, unit, "基准测试", number, code, 1, start, end, "50"])
                    written += 1
                    if written % every == 0 and claims_written < claims:
                        event = (period.coverage_start + timedelta(days=150)).isoformat()
                        paid_on = (period.coverage_start + timedelta(days=200)).isoformat()
                        if code == "MED":
                            kw.writerow([period.number, number, "MED", "住院", event, "", "3000", paid_on, "14000"])
                        else:
                            disease = f"DD{period.number % 14 + 1:02d}"
                            kw.writerow([period.number, number, "DD", "确诊", event, disease, "15000", paid_on, ""])
                        claims_written += 1
    return cov_path, claim_path, written, claims_written


class Command(BaseCommand):
    help = "生成历史参保和理赔文件并计时：试导入、导入、重复导入，以及峰值内存。"

    def add_arguments(self, parser):
        parser.add_argument("--coverages", type=int, default=200_000)
        parser.add_argument("--claims", type=int, default=10_000)
        parser.add_argument("--periods", type=int, default=14)

    def handle(self, *args, coverages, claims, periods, **options):
        periods_list = _periods(periods)
        district = District.objects.order_by("code").first()
        units = []
        for k in range(1, 101):
            unit, _ = Unit.objects.get_or_create(code=f"BENCH{k:03d}", defaults={"name": f"基准测试单位{k}",
                                                                                 "district": district})  # fmt: skip
            units.append(unit.code)
        folder = Path(tempfile.mkdtemp(prefix="benchmark-history-"))
        started = time.perf_counter()
        cov_path, claim_path, n_cov, n_claims = _generate(
            folder, coverages=coverages, claims=claims, periods=periods_list, units=units
        )
        self.stdout.write(f"生成 {n_cov:,} 行参保、{n_claims:,} 行理赔（{cov_path.stat().st_size / 1048576:.0f} MB）"
                          f"用时 {time.perf_counter() - started:.1f} s")  # fmt: skip
        runs = {}
        for label, dry_run in (("dry run", True), ("import", False), ("again", False)):
            started = time.perf_counter()
            result = history_import(actor=None, coverages=str(cov_path), claims=str(claim_path), dry_run=dry_run)
            runs[label] = time.perf_counter() - started
            if result.error_count:
                raise CommandError(f"导入有 {result.error_count} 处错误，例如：{result.errors[:3]}")
            steps = "  ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
            self.stdout.write(f"{label:8}: {runs[label]:7.1f} s  new {result.coverages['new']:,}/{result.claims['new']:,}"
                              f"  [{steps}]  peak RSS {_peak_mb():.0f} MB")  # fmt: skip
        rows = n_cov + n_claims
        self.stdout.write(f"{rows / runs['import']:,.0f} rows/s imported, {rows / runs['dry run']:,.0f} rows/s checked")
        scale = (WEIHAI_COVERAGES + WEIHAI_CLAIMS) / rows
        self.stdout.write(f"Weihai (5,000,000 + 180,000 rows), linear: import ≈ {runs['import'] * scale / 60:.1f} min, "
                          f"dry run ≈ {runs['dry run'] * scale / 60:.1f} min, again ≈ {runs['again'] * scale / 60:.1f} min")  # fmt: skip
        for path in (cov_path, claim_path):
            path.unlink()
        folder.rmdir()
