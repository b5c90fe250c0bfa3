"""Use cases on periods (期次) run by the city admin: copy a period with all its plans; export a
period's plans to a JSON file and import such a file (another city's, or next year's).

The admin is the only caller today; its action only collects the form and calls
:func:`period_copy`.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from enrollment.models import Period, Plan, PlanComponent, PlanLumpSum, PlanTier
from enrollment.schemes import plan_from_spec, spec_from_plan
from mutualaid.lib.numerals import period_name
from mutualaid.models import audit


def shift_year(day: date, years: int = 1) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_copy_defaults(source: Period) -> dict:
    """What the copy form proposes: the next free number, every date one year on."""
    last = Period.objects.order_by("-number").values_list("number", flat=True).first() or source.number
    number = max(last, source.number) + 1
    return {
        "number": number,
        "name": period_name(number),
        "coverage_start": shift_year(source.coverage_start),
        "coverage_end": shift_year(source.coverage_end),
        "enrollment_start": shift_year(source.enrollment_start),
        "enrollment_end": shift_year(source.enrollment_end),
    }


@transaction.atomic(durable=True)
def period_copy(
    *,
    actor,
    source: Period,
    number: int,
    name: str,
    coverage_start: date,
    coverage_end: date,
    enrollment_start: date,
    enrollment_end: date,
    schedules: dict[str, dict] | None = None,
) -> Period:
    """Create period ``number`` with a copy of every plan of ``source``.

    Plans are copied with their whole schedule: tier table (PlanTier) and
    lump-sum amounts (PlanLumpSum). Applications, coverages and claims stay
    with the source period. ``schedules`` replaces a plan's benefit schedule in the copy, by plan
    code: ``{"fields": {name: value}, "tiers": [(up_to, rate)], "lump_sums": {item code: amount}}``
    (the what-if simulator's tried schedule, ``claims.simulation.plan_values``). Raises ``ValidationError`` (nothing written) when
    the number is taken or the dates are incoherent.
    """
    if Period.objects.filter(number=number).exists():
        raise ValidationError({"number": f"第 {number} 期已存在，不能重复创建。"})
    new_period = Period(
        number=number,
        name=name,
        coverage_start=coverage_start,
        coverage_end=coverage_end,
        enrollment_start=enrollment_start,
        enrollment_end=enrollment_end,
    )
    new_period.full_clean()
    try:
        with transaction.atomic():
            new_period.save()
    except IntegrityError as exc:
        # Another admin created the same number between the check and the insert.
        raise ValidationError({"number": f"第 {number} 期已存在，不能重复创建。"}) from exc

    plans = list(
        Plan.objects.filter(period=source)
        .prefetch_related("tiers", "lump_sums__item", "components")
        .order_by("priority", "code")
    )
    tiers: list[PlanTier] = []
    lump_sums: list[PlanLumpSum] = []
    components: list[PlanComponent] = []
    schedules = schedules or {}
    unknown = set(schedules) - {plan.code for plan in plans}
    if unknown:
        raise ValidationError(f"{source.name}没有保障项目：{'、'.join(sorted(unknown))}")
    for plan in plans:
        old_tiers = list(plan.tiers.all())
        old_lump_sums = list(plan.lump_sums.all())
        tried = schedules.get(plan.code)
        if tried:
            for name, value in tried["fields"].items():
                setattr(plan, name, value)
            old_tiers = [PlanTier(up_to=up_to, rate=rate) for up_to, rate in tried["tiers"]]
            amounts = tried["lump_sums"]
            for ls in old_lump_sums:
                ls.amount_per_share = amounts.get(ls.item.code, ls.amount_per_share)
        old_components = list(plan.components.all())
        plan.pk = None
        plan._state.adding = True
        plan.period = new_period
        plan.occupations = list(plan.occupations or [])
        if tried:
            plan.full_clean(exclude=["period"])
        plan.save()
        tiers += [PlanTier(plan=plan, up_to=t.up_to, rate=t.rate) for t in old_tiers]
        lump_sums += [
            PlanLumpSum(plan=plan, item_id=ls.item_id, amount_per_share=ls.amount_per_share) for ls in old_lump_sums
        ]
        for component in old_components:
            component.pk = None
            component._state.adding = True
            component.plan = plan
            components.append(component)
    PlanTier.objects.bulk_create(tiers)
    PlanLumpSum.objects.bulk_create(lump_sums)
    PlanComponent.objects.bulk_create(components)

    codes = [plan.code for plan in plans]
    audit(
        actor=actor,
        obj=new_period,
        action="period_copy",
        comment=f"由{source.name}（第 {source.number} 期）复制 {len(plans)} 个保障项目：{'、'.join(codes) or '无'}。",
        data={
            "source_period": source.number,
            "plans": codes,
            "tiers": len(tiers),
            "lump_sums": len(lump_sums),
            "components": len(components),
            "schedules": {
                code: {name: str(value) for name, value in tried["fields"].items()} for code, tried in schedules.items()
            },
        },
    )
    return new_period


PLANS_FILE_FORMAT = "mutualaid.plans"
PLANS_FILE_VERSION = 1
_PERIOD_FIELDS = ("number", "name", "coverage_start", "coverage_end", "enrollment_start", "enrollment_end")


def period_plans_export(period: Period) -> dict:
    """Every plan of ``period`` with its whole schedule, as the JSON document ``period_plans_import``
    reads. Catalogues are named by code, not copied: the importing system has its own."""
    plans = period.plans.select_related("high_rate_catalogue").prefetch_related("tiers", "components")
    return {
        "format": PLANS_FILE_FORMAT,
        "version": PLANS_FILE_VERSION,
        "period": {
            name: str(getattr(period, name)) if "_" in name else getattr(period, name) for name in _PERIOD_FIELDS
        },
        "plans": [spec_from_plan(plan) for plan in plans.order_by("priority", "code")],
    }


def _refuse(message: str):
    return ValidationError(f"不能导入：{message}")


def _file_period(data: dict) -> Period:
    values = data.get("period")
    if not isinstance(values, dict) or set(_PERIOD_FIELDS) - set(values):
        raise _refuse("文件中缺少期次（期数、名称、保障期和受理期）。")
    try:
        period = Period(
            number=int(values["number"]), name=str(values["name"]),
            **{name: date.fromisoformat(str(values[name])) for name in _PERIOD_FIELDS[2:]},
        )  # fmt: skip
    except (TypeError, ValueError) as exc:
        raise _refuse(f"文件中的期次有误（{exc}）。") from exc
    if Period.objects.filter(number=period.number).exists():
        raise _refuse(f"第 {period.number} 期已存在：请选择导入到该期，或另选一个期次。")
    try:
        period.full_clean()
    except ValidationError as exc:
        raise _refuse(f"文件中的期次有误：{'；'.join(exc.messages)}") from exc
    period.save()
    return period


@transaction.atomic(durable=True)
def period_plans_import(*, actor, data, period: Period | None = None) -> Period:
    """Create the plans of a file made by ``period_plans_export`` in ``period`` (or in the file's own
    period, created here when ``period`` is None). All or nothing: a plan without a code, a code the
    period already has, a catalogue or item this system lacks, or any value the admin would refuse
    refuses the whole file with a message naming the plan (ValidationError)."""
    if not isinstance(data, dict) or data.get("format") != PLANS_FILE_FORMAT:
        raise _refuse("这不是本系统导出的保障项目文件（格式标记不符）。")
    if data.get("version") != PLANS_FILE_VERSION:
        raise _refuse(f"文件版本 {data.get('version')!r} 不受支持（本系统读取第 {PLANS_FILE_VERSION} 版）。")
    specs = data.get("plans")
    if not isinstance(specs, list) or not specs or not all(isinstance(spec, dict) for spec in specs):
        raise _refuse("文件中没有保障项目。")
    for index, spec in enumerate(specs, start=1):
        if not str(spec.get("code") or "").strip():
            raise _refuse(f"第 {index} 个项目缺少项目代码（code）。")
    codes = [spec["code"] for spec in specs]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise _refuse(f"项目代码重复：{'、'.join(repeated)}。")
    if period is None:
        period = _file_period(data)
    else:
        taken = sorted(period.plans.filter(code__in=codes).values_list("code", flat=True))
        if taken:
            raise _refuse(f"{period.name}已有项目 {'、'.join(taken)}，不能重复导入。")
    for spec in specs:
        spec = dict(spec)
        spec["tiers"] = [tuple(tier) for tier in spec.get("tiers", [])]
        spec["lump_sums"] = [tuple(entry) for entry in spec.get("lump_sums", [])]
        try:
            plan_from_spec(period, spec)
        except ValidationError as exc:
            raise _refuse(f"项目 {spec['code']}：{'；'.join(exc.messages)}") from exc
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise _refuse(f"项目 {spec['code']} 的设置有误（{exc}）。") from exc
    audit(actor=actor, obj=period, action="plans_import",
          comment=f"导入 {len(codes)} 个保障项目：{'、'.join(codes)}。", data={"plans": codes})  # fmt: skip
    return period
