"""Delete stale roster uploads and stored roster files nothing refers to (the worker does it nightly)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from enrollment.roster import pending


class Command(BaseCommand):
    help = "删除过期的待处理人员手册（错误报告、待确认的名单）及无人引用的人员手册文件。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=pending.KEEP.days, help="保留天数（默认 %(default)s 天）")

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days 不能为负数。")
        deleted = pending.cleanup(keep=timedelta(days=days))
        self.stdout.write(f"已删除待处理的人员手册 {deleted['uploads']} 份，无人引用的文件 {deleted['files']} 个。")
