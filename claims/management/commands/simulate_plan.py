"""What-if: replay a period's claims under a changed schedule, without writing anything.

    python manage.py simulate_plan --period 16 --plan MED --set deductible=8000 --set tier.2.rate=0.65 --json
    python manage.py simulate_plan --period 16 --plan MED --schedule-from 15 --json

``--set NAME=VALUE`` changes one part of the plan's schedule (``deductible``, ``cap``,
``tier.N.rate``, ``tier.N.up_to``, ``waiting_days``, ``claim_deadline_days``, ``day_rate``,
``lump.DD01`` …); without ``--plan`` every plan of the period is replayed and a change names its
plan (``MED.deductible=8000``). ``--schedule-from N`` starts from period N's schedules of the same
plan codes. ``--json`` prints ``claims``, ``before``, ``after``, ``difference`` (amounts as strings),
``changed_decisions`` and the rest of the comparison. Bad input: exit 2 with a message on stderr.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from claims.simulation import ScheduleChangeError, outcome_label, parse_changes, simulate


class Command(BaseCommand):
    help = "按调整后的给付方案重算一期的申领（不写入数据库）"

    def add_arguments(self, parser):
        parser.add_argument("--period", type=int, required=True)
        parser.add_argument("--plan", help="项目代码，如 MED；不填则重算该期全部项目")
        parser.add_argument("--set", dest="changes", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("--schedule-from", type=int, help="以另一期同代码项目的方案为起点")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, period, plan, changes, schedule_from, json: bool, **options):
        plan = plan.strip().upper() if plan else None
        try:
            parsed = parse_changes(changes)
            by_plan: dict[str, dict[str, str]] = {}
            for name, value in parsed.items():
                code, dot, part = name.partition(".")
                if plan:
                    by_plan.setdefault(plan, {})[name] = value
                elif dot and code.isupper():
                    by_plan.setdefault(code, {})[part] = value
                else:
                    raise ScheduleChangeError(f"未指定 --plan 时，请写明项目代码，如 MED.{name}={value}")
            result = simulate(period=period, plan=plan, changes=by_plan, schedule_from=schedule_from)
        except ScheduleChangeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if json:
            self.stdout.write(_dumps(result.as_json()))
            return
        self.stdout.write(
            f"申领 {result.claims} 件：调整前 {result.before}，调整后 {result.after}，差额 {result.difference}"
        )
        self.stdout.write(
            f"给付结论改变 {result.changed_decisions} 件；受益 {result.gainers} 人，减少 {result.losers} 人"
        )
        for key, count in result.transitions:
            was, _, now = key.partition(" → ")
            self.stdout.write(f"  {outcome_label(was)} → {outcome_label(now)}：{count} 件")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
