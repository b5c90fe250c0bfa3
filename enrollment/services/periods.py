"""Use cases on periods (期次) run by the city admin: copy a period with all its plans.

The admin is the only caller today; its action only collects the form and calls
:func:`period_copy`.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from enrollment.models import Period, Plan, PlanComponent, PlanLumpSum, PlanTier
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
