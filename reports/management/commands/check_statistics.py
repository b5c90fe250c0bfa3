"""Recompute the statistics' summary rows from the raw tables and report any difference.

    python manage.py check_statistics [--fix]

Exit 0 when the summary agrees with the raw tables, 1 when it does not (each difference printed).
With ``--fix`` the rows are rebuilt from the raw tables (what the migration that added them did) and
checked again: after a write that went past the services (psql, a restore of part of the tables).
"""

from django.core.management.base import BaseCommand, CommandError

from reports import statistics_check


class Command(BaseCommand):
    help = "按原始数据（参保、申请、到账、退款、申领）重算统计汇总并报告差异；--fix 按原始数据重建汇总。"

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="按原始数据重建统计汇总")

    def handle(self, *args, fix=False, **options):
        found = statistics_check.differences()
        for line in found:
            self.stdout.write(line)
        if found and fix:
            statistics_check.rebuild()
            self.stdout.write(f"已按原始数据重建统计汇总（修正 {len(found)} 处）。")
            found = statistics_check.differences()
            for line in found:
                self.stdout.write(line)
        if found:
            raise CommandError(f"统计汇总与原始数据有 {len(found)} 处不一致。")
        self.stdout.write("统计汇总与原始数据一致。")
