"""Import a bank statement and match its credits to invoices, as the centre's page does.

    python manage.py import_bank_statement [--dry-run] [--json] FILE

Exit 0 when the file was imported (or previewed), 1 when some rows are wrong (nothing stored),
2 for unusable input (missing or unreadable file, no header).
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enrollment.services.payments import StatementRefused, statement_import
from mutualaid.lib.sheet_import import UnreadableFile


class Command(BaseCommand):
    help = "导入银行对账单（.xlsx/.csv，UTF-8 或 GBK）并自动匹配缴费；重复的流水只计一次。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只预览匹配结果，不写入")
        parser.add_argument("--json", action="store_true", dest="as_json", help="输出一个 JSON 对象")

    def handle(self, *args, file, dry_run, as_json, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}", returncode=2)
        try:
            result = statement_import(actor=None, data=path.read_bytes(), filename=path.name, dry_run=dry_run)
        except StatementRefused as exc:
            if exc.row_errors:
                self.stderr.write(str(exc))
                sys.exit(1)
            raise CommandError(str(exc), returncode=2) from exc
        except UnreadableFile as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"数据行 {result.lines}（支出 {result.debits} 行已跳过），自动匹配 {len(result.matched)} 笔，"
            f"待人工匹配 {len(result.unmatched)} 笔，重复流水 {len(result.duplicates)} 笔，多缴 {len(result.overpaid)} 笔。"
        )
        for item in result.matched[:50]:
            self.stdout.write(f"  第 {item['row']} 行 → {item['reference']}  {item['amount']} 元")
        if dry_run:
            self.stdout.write("（--dry-run：仅预览，未写入。）")
