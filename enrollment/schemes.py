"""A plan built from a plain dict: its own fields, tiers, lump sums and further components.

The format of ``demo.records.plan_specs`` plus ``components`` (DOMAIN.md §14), so a scheme pack
(``seed_demo --scheme …``) or a test can state a plan as data::

    plan_from_spec(period, {
        "code": "HOME", "name": "非工伤意外伤害及家财火灾损失", "kind": "ACCIDENT", "premium": "20",
        "death_per_share": "10000", "disability_per_share": "10000", "work_injury_excluded": True,
        "component_name": "非工伤意外伤害",
        "components": [{"kind": "PROPERTY_LOSS", "name": "家财火灾", "waiting_days": 30,
                        "property_cap_per_share": "5000"}],
    })

Lump sums are ``(item code, amount per share)``, the item found by its code in any catalogue
(``(catalogue code, item code, amount)`` when a code is in several). Every row is validated as
the admin validates it; nothing here is a use case of its own (no audit row: the caller's is).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError

from enrollment.models import Catalogue, CatalogueItem, Period, Plan, PlanComponent, PlanLumpSum, PlanTier

_DECIMAL_FIELDS = {
    field.name
    for model in (Plan, PlanComponent)
    for field in model._meta.get_fields()
    if getattr(field, "get_internal_type", lambda: "")() == "DecimalField"
}


def _values(spec: dict) -> dict:
    return {
        key: Decimal(str(value)) if key in _DECIMAL_FIELDS and value is not None else value
        for key, value in spec.items()
    }


def _item(entry: tuple) -> tuple[CatalogueItem, Decimal]:
    if len(entry) == 3:
        catalogue, code, amount = entry
        return CatalogueItem.objects.get(catalogue__code=catalogue, code=code), Decimal(str(amount))
    code, amount = entry
    items = list(CatalogueItem.objects.filter(code=code)[:2])
    if len(items) != 1:
        raise ValidationError(f"疾病目录中{'没有' if not items else '有多个'}编码为 {code} 的条目。")
    return items[0], Decimal(str(amount))


def plan_from_spec(period: Period, spec: dict) -> Plan:
    spec = dict(spec)
    tiers = spec.pop("tiers", [])
    lump_sums = spec.pop("lump_sums", [])
    components = spec.pop("components", [])
    high = spec.pop("high_rate_catalogue", None)
    plan = Plan(period=period, **_values(spec))
    if high:
        plan.high_rate_catalogue = Catalogue.objects.get(code=high)
    plan.full_clean()
    plan.validate_tiers([(None if up_to is None else Decimal(str(up_to)), Decimal(str(rate))) for up_to, rate in tiers])
    plan.save()
    for up_to, rate in tiers:
        PlanTier.objects.create(plan=plan, up_to=up_to, rate=rate)
    for entry in lump_sums:
        item, amount = _item(entry)
        PlanLumpSum.objects.create(plan=plan, item=item, amount_per_share=amount)
    for component_spec in components:
        component = PlanComponent(plan=plan, **_values(component_spec))
        if component.kind == plan.kind:
            raise ValidationError(
                f"{plan.code}：组成部分的给付类型不能与项目本身相同（{component.get_kind_display()}）。"
            )
        component.full_clean()
        component.save()
    return plan
