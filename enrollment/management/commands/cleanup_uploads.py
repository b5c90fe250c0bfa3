"""Delete the uploads kept for a next step that never came (the worker does it nightly): roster error
reports and previews, statement previews, the admin's pending imports, and stored files nothing
refers to."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from enrollment.roster import pending
from enrollment.tasks import cleanup_kept_uploads


class Command(BaseCommand):
    help = "删除过期的待处理上传（人员手册的错误报告和待确认名单、对账单预览、后台导入暂存）及无人引用的文件。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=pending.KEEP.days, help="保留天数（默认 %(default)s 天）")

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days 不能为负数。")
        deleted = cleanup_kept_uploads(keep=timedelta(days=days))
        self.stdout.write(
            f"已删除待处理的人员手册 {deleted['uploads']} 份，无人引用的文件 {deleted['files']} 个；"
            f"过期的对账单预览 {deleted['statements']} 个，后台导入的暂存文件 {deleted['admin_imports']} 个，"
            f"历史数据导入的暂存文件 {deleted['history_imports']} 个。"
        )
