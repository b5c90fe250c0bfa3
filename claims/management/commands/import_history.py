"""Import the centre's past periods from its legacy spreadsheets (going live, issue 21).

    python manage.py import_history [--coverages FILE] [--claims FILE] [--dry-run] [--json] [--totals-xlsx FILE]

Every row of both files is checked first; with any error, or --dry-run, nothing is written.
Exit 0 when clean, 1 with row errors (nothing written), 2 for unusable input.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.history import history_import, totals_workbook
from enrollment.services.history import ERROR_CODES
from mutualaid.lib.sheet_import import UnreadableFile


class Command(BaseCommand):
    help = "导入历史参保记录和已给付的理赔（.xlsx/.csv）；有任何错误则不写入。"

    def add_arguments(self, parser):
        parser.add_argument("--coverages", help="历史参保记录文件")
        parser.add_argument("--claims", help="已给付理赔记录文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--json", action="store_true", dest="as_json", help="输出一个 JSON 对象")
        parser.add_argument("--totals-xlsx", help="把核对汇总写入这个 .xlsx 文件")

    def handle(self, *args, coverages, claims, dry_run, as_json, totals_xlsx, **options):
        fail = lambda message: CommandError(message, returncode=2)  # noqa: E731
        if not coverages and not claims:
            raise fail("请指定 --coverages 或 --claims（或两者）。")
        for file in (coverages, claims):
            if file and not Path(file).is_file():
                raise fail(f"找不到文件：{file}")
        try:
            result = history_import(actor=None, coverages=coverages, claims=claims, dry_run=dry_run)
        except UnreadableFile as exc:
            raise fail(str(exc)) from exc
        if totals_xlsx:
            Path(totals_xlsx).write_bytes(totals_workbook(result.totals))
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, default=str))
        else:
            self._report(result, dry_run)
        if result.error_count:
            sys.exit(1)

    def _report(self, result, dry_run):
        for label, summary in (("参保记录", result.coverages), ("理赔记录", result.claims)):
            if summary:
                self.stdout.write(f"{label} {summary['file']}：数据行 {summary['rows']:,}，新增 {summary['new']:,}，"
                                  f"已有 {summary['unchanged']:,}，跳过空行和合计行 {summary['skipped']:,}。")  # fmt: skip
        if result.converted.count:
            self.stdout.write(f"15 位身份证号码已转换为 18 位：{result.converted.count:,} 处。")
        for error in result.errors[:200]:
            where = f"第 {error['row']} 行" if error["row"] else "文件"
            self.stdout.write(f"{error['file']} {where} {error['column'] or ''}：{error['message']}"
                              f"（{ERROR_CODES.get(error['code'], error['code'])}，{error['code']}）")  # fmt: skip
        if result.error_count > 200:
            self.stdout.write(f"……共 {result.error_count:,} 处错误（--json 列出前 10,000 处）。")
        self.stdout.write("期数  项目  参保人数  份数  会费  理赔件数  给付金额")
        for t in result.totals:
            self.stdout.write(f"{t['period']}  {t['plan']}  {t['persons']:,}  {t['shares']:,}  {t['premium']:,}  "
                              f"{t['claims']:,}  {t['paid']:,}")  # fmt: skip
        if result.error_count:
            self.stdout.write("有错误，未写入任何记录。")
        elif dry_run:
            self.stdout.write("校验通过（--dry-run，未写入）。")
        elif result.written:
            self.stdout.write("已写入。")
        else:
            self.stdout.write("文件中的记录系统均已有，未作任何更改。")
