"""Import a roster file (人员手册) into a unit's draft application, as the page does.

    python manage.py import_roster --period 16 --plan MED --unit U001 [--shares N] [--staff N]
                                   [--dry-run] [--json] FILE

Exit 0 with no errors, 1 with row errors (nothing written), 2 for unusable input.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enrollment.models import Plan, Unit
from enrollment.roster import UnreadableFile, group_errors
from enrollment.services.rosters import roster_import


class Command(BaseCommand):
    help = "导入人员手册（.xlsx/.xls/.csv）到单位的申请草稿；有任何错误则不写入。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--period", type=int, required=True)
        parser.add_argument("--plan", required=True)
        parser.add_argument("--unit", required=True)
        parser.add_argument("--shares", type=int, default=None, help="份数一栏为空时的份数")
        parser.add_argument("--staff", type=int, default=None, help="在职人数")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--json", action="store_true", dest="as_json", help="输出一个 JSON 对象")

    def handle(self, *args, file, period, plan, unit, shares, staff, dry_run, as_json, **options):
        fail = lambda message: CommandError(message, returncode=2)  # noqa: E731
        path = Path(file)
        if not path.is_file():
            raise fail(f"找不到文件：{file}")
        plan_obj = Plan.objects.select_related("period").filter(period__number=period, code=plan.upper()).first()
        if plan_obj is None:
            raise fail(f"第 {period} 期没有保障项目 {plan}。")
        unit_obj = Unit.objects.filter(code=unit.upper()).first()
        if unit_obj is None:
            raise fail(f"没有编码为 {unit} 的单位。")
        if shares is not None and shares < 1:
            raise fail("--shares 应为不小于 1 的整数。")
        try:
            result = roster_import(
                actor=None, plan=plan_obj, unit=unit_obj, data=path.read_bytes(), filename=path.name,
                shares=shares, staff=staff, dry_run=dry_run,
            )  # fmt: skip
        except UnreadableFile as exc:
            raise fail(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self._report(result, dry_run)
        if result.errors:
            sys.exit(1)

    def _report(self, result, dry_run):
        self.stdout.write(f"数据行 {result.rows}，无误 {result.valid}。")
        for group in group_errors(result.errors):
            self.stdout.write(f"{group['label']}（{group['code']}）：{group['count']} 处")
            for error in group["rows"][:20]:
                where = f"第 {error.row} 行" if error.row else "文件"
                self.stdout.write(f"  {where} {error.column or ''}：{error.message}")
        if not result.errors:
            if dry_run:
                self.stdout.write("校验通过（--dry-run，未写入）。")
            else:
                self.stdout.write(f"已写入 {result.created} 人到申请 {result.application.reference}。")
