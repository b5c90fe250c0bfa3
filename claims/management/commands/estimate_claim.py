"""Estimate one claim against the database as it stands, without saving anything.

    python manage.py estimate_claim --json claim.json
    echo '{"id_number": "...", ...}' | python manage.py estimate_claim --json -

Prints the engine's result as one JSON object: ``payable``, ``decision``, ``reasons`` and ``lines``
(each line of a plan of several components starts with its component's name, ``【意外伤害】…``).
A fire: ``"kind": "property_loss"`` with ``"event_date"`` and ``"loss_amount"``; any accident may
carry ``"work_injury": true``. Bad input is a CommandError
(exit code 2) with a message in Chinese on stderr.
"""

import json
import sys
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from claims import engine
from claims.models import Cause, Claim, ClaimKind
from claims.rules import History, evaluate_bundle
from claims.rules.serialize import dump_result
from enrollment.models import Coverage, CoverageStatus, Member, Period, Plan
from mutualaid.lib.idcard import normalize_id

REQUIRED = ("id_number", "period", "plan", "kind")
DATE_FIELDS = ("admitted", "discharged", "event_date", "submitted")
MONEY_FIELDS = ("total_cost", "basic_insurance_paid", "other_paid", "excluded_self_pay", "loss_amount")
FIELD_LABELS = {
    "id_number": "身份证号码",
    "period": "期数",
    "plan": "保障项目",
    "kind": "申领类型",
    "admitted": "入院日期",
    "discharged": "出院日期",
    "total_cost": "医疗费用总额",
    "basic_insurance_paid": "基本医保支付",
    "other_paid": "其他已报销",
    "excluded_self_pay": "自费（不予报销）",
    "cause": "原因",
    "diagnosis": "疾病编码",
    "event_date": "确诊/事故/身故日期",
    "disability_grade": "伤残等级",
    "submitted": "申领日期",
    "loss_amount": "财产损失核定金额",
    "work_injury": "工伤",
}
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 12  # what DecimalField(max_digits=14, decimal_places=2) can hold


def fail(message: str):
    return CommandError(message, returncode=2)


def _label(field: str) -> str:
    return f"{FIELD_LABELS[field]}（{field}）"


def parse_date(field: str, raw) -> date | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise fail(f"{_label(field)}应为 YYYY-MM-DD 格式的日期字符串，收到：{raw!r}")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise fail(f"{_label(field)}“{raw}”不是有效日期，请使用 YYYY-MM-DD 格式，如 2026-04-02。") from None


def parse_money(field: str, raw) -> Decimal:
    if raw is None or raw == "":
        return Decimal("0.00")
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise fail(f'{_label(field)}应为金额字符串，如 "168033.00"，收到：{raw!r}')
    try:
        amount = Decimal(raw.strip().replace(",", "")) if isinstance(raw, str) else Decimal(raw)
    except InvalidOperation:
        raise fail(f"{_label(field)}“{raw}”不是有效金额，请填写数字，如 168033.00。") from None
    if not amount.is_finite():
        raise fail(f"{_label(field)}“{raw}”不是有效金额，请填写数字，如 168033.00。")
    if amount < 0:
        raise fail(f"{_label(field)}不能为负数：{raw}")
    if amount >= MAX_AMOUNT:
        raise fail(f"{_label(field)}“{raw}”超出范围：金额须小于 1,000,000,000,000 元（万亿）。请检查是否多输了位数。")
    if amount != amount.quantize(CENT):
        raise fail(f"{_label(field)}“{raw}”最多保留两位小数（精确到分）。")
    return amount.quantize(CENT)


def parse_grade(raw) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 10:
        raise fail(f"{_label('disability_grade')}应为 1 到 10 的整数，收到：{raw!r}")
    return raw


def parse_flag(field: str, raw) -> bool:
    if raw is None:
        return False
    if not isinstance(raw, bool):
        raise fail(f"{_label(field)}应为 true 或 false，收到：{raw!r}")
    return raw


def parse_choice(field: str, raw, choices) -> str:
    values = [value for value, _ in choices]
    if raw not in values:
        options = "、".join(f"{value}（{label}）" for value, label in choices)
        raise fail(f"{_label(field)}“{raw}”无法识别，应为：{options}")
    return raw


def parse_text(field: str, raw) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise fail(f"{_label(field)}应为字符串，收到：{raw!r}")
    return str(raw).strip()


class Command(BaseCommand):
    help = "按数据库当前状态试算一笔申领（只读，不保存任何数据），以 JSON 输出核算结果。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", dest="json_file", required=True, metavar="FILE", help="申领 JSON 文件；“-” 表示从标准输入读取"
        )

    def handle(self, *args, json_file, **options):
        data = self.read(json_file)
        with transaction.atomic():
            try:
                result = self.estimate(data)
            finally:
                transaction.set_rollback(True)  # an estimate never writes
        dumped = dump_result(result)
        output = {key: dumped[key] for key in ("payable", "decision", "reasons", "lines")}
        self.stdout.write(json.dumps(output, ensure_ascii=False))

    # --- input ---------------------------------------------------------------------------

    def read(self, json_file: str) -> dict:
        try:
            if json_file == "-":
                text = sys.stdin.read()
            else:
                with open(json_file, encoding="utf-8-sig") as handle:
                    text = handle.read()
        except OSError as exc:
            raise fail(f"无法读取文件“{json_file}”：{exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise fail(f"文件“{json_file}”不是 UTF-8 编码的文本。") from None
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise fail(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}") from None
        if not isinstance(data, dict):
            raise fail('输入应为一个 JSON 对象，如 {"id_number": "…", "period": 16, …}。')
        unknown = sorted(set(data) - set(FIELD_LABELS))
        if unknown:
            raise fail(f"无法识别的字段：{'、'.join(unknown)}。可用字段：{'、'.join(FIELD_LABELS)}")
        missing = [_label(field) for field in REQUIRED if data.get(field) in (None, "")]
        if missing:
            raise fail(f"缺少必填字段：{'、'.join(missing)}")
        return data

    # --- lookup and evaluation -------------------------------------------------------------

    def estimate(self, data: dict):
        id_number = normalize_id(parse_text("id_number", data["id_number"]))
        member = Member.objects.filter(id_number=id_number).first()
        if member is None:
            raise fail(f"未找到身份证号码为 {id_number} 的会员。")
        period = self.period(data["period"])
        plan_code = parse_text("plan", data["plan"]).upper()
        plan = Plan.objects.select_related("period").filter(period=period, code=plan_code).first()
        if plan is None:
            codes = "、".join(Plan.objects.filter(period=period).values_list("code", flat=True)) or "无"
            raise fail(f"{period.name}没有保障项目 {plan_code}（本期项目：{codes}）。")

        submitted = parse_date("submitted", data.get("submitted")) or timezone.localdate()
        claim = Claim(
            member=member,
            plan=plan,
            kind=parse_choice("kind", data["kind"], ClaimKind.choices),
            cause=parse_choice("cause", data.get("cause") or Cause.ILLNESS, Cause.choices),
            admitted=parse_date("admitted", data.get("admitted")),
            discharged=parse_date("discharged", data.get("discharged")),
            event_date=parse_date("event_date", data.get("event_date")),
            diagnosis=parse_text("diagnosis", data.get("diagnosis")).upper(),
            disability_grade=parse_grade(data.get("disability_grade")),
            work_injury=parse_flag("work_injury", data.get("work_injury")),
            # The engine reads the submission date from submitted_at, in local time.
            submitted_at=timezone.make_aware(datetime.combine(submitted, time(12))),
            **{field: parse_money(field, data.get(field)) for field in MONEY_FIELDS},
        )
        coverage = (
            Coverage.objects.select_related("plan", "unit")
            .filter(member=member, plan=plan, status=CoverageStatus.ACTIVE)
            .first()
        )
        if coverage is None:
            # The engine answers not_covered; there is no history to gather.
            facts = engine.claim_facts(claim, submitted=submitted)
            return evaluate_bundle(engine.bundle_for(plan), None, History(), facts)
        claim.coverage = coverage
        claim.unit = coverage.unit
        result, _inputs = engine.estimate(claim)
        return result

    def period(self, raw) -> Period:
        number = raw
        if isinstance(raw, str) and raw.strip().isdigit():
            number = int(raw.strip())
        if isinstance(number, bool) or not isinstance(number, int):
            raise fail(f"{_label('period')}应为整数，如 16，收到：{raw!r}")
        period = Period.objects.filter(number=number).first()
        if period is None:
            raise fail(f"没有第 {number} 期。")
        return period
