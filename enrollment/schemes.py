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


# What a spec may set: the models' own columns (a file from another version may carry more).
PLAN_FIELDS = {f.name for f in Plan._meta.concrete_fields} - {"id", "period", "high_rate_catalogue"}
COMPONENT_FIELDS = {f.name for f in PlanComponent._meta.concrete_fields} - {"id", "plan"}


def _values(spec: dict) -> dict:
    return {
        key: Decimal(str(value)) if key in _DECIMAL_FIELDS and value is not None else value
        for key, value in spec.items()
    }


def _item(entry: tuple) -> tuple[CatalogueItem, Decimal]:
    if len(entry) == 3:
        catalogue, code, amount = entry
        if not Catalogue.objects.filter(code=catalogue).exists():
            raise ValidationError(f"没有编码为 {catalogue} 的疾病目录：请先在“疾病目录”中添加。")
        item = CatalogueItem.objects.filter(catalogue__code=catalogue, code=code).first()
        if item is None:
            raise ValidationError(f"疾病目录 {catalogue} 中没有编码为 {code} 的条目：请先在该目录中添加。")
        return item, Decimal(str(amount))
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
    unknown = set(spec) - PLAN_FIELDS
    if unknown:
        raise ValidationError(f"{spec.get('code') or '项目'}：不认识的设置 {'、'.join(sorted(unknown))}。")
    plan = Plan(period=period, **_values(spec))
    if high:
        plan.high_rate_catalogue = Catalogue.objects.filter(code=high).first()
        if plan.high_rate_catalogue is None:
            raise ValidationError(f"没有编码为 {high} 的疾病目录（高额津贴疾病目录）：请先在“疾病目录”中添加。")
    plan.full_clean()
    plan.validate_tiers([(None if up_to is None else Decimal(str(up_to)), Decimal(str(rate))) for up_to, rate in tiers])
    plan.save()
    for up_to, rate in tiers:
        PlanTier.objects.create(plan=plan, up_to=up_to, rate=rate)
    for entry in lump_sums:
        item, amount = _item(entry)
        PlanLumpSum.objects.create(plan=plan, item=item, amount_per_share=amount)
    for component_spec in components:
        unknown = set(component_spec) - COMPONENT_FIELDS
        if unknown:
            raise ValidationError(f"{plan.code}：组成部分有不认识的设置 {'、'.join(sorted(unknown))}。")
        component = PlanComponent(plan=plan, **_values(component_spec))
        if component.kind == plan.kind:
            raise ValidationError(
                f"{plan.code}：组成部分的给付类型不能与项目本身相同（{component.get_kind_display()}）。"
            )
        component.full_clean()
        component.save()
    return plan


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def spec_from_plan(plan: Plan) -> dict:
    """The inverse of ``plan_from_spec``: a plan as plain JSON values (amounts as strings), its
    lump sums named by catalogue and item code, each component with its own kind's fields only."""
    spec = {name: _plain(getattr(plan, name)) for name in sorted(PLAN_FIELDS)}
    spec["occupations"] = list(plan.occupations or [])
    if plan.high_rate_catalogue_id:
        spec["high_rate_catalogue"] = plan.high_rate_catalogue.code
    spec["tiers"] = [[_plain(tier.up_to), _plain(tier.rate)] for tier in plan.tiers.all()]
    spec["lump_sums"] = [
        [lump.item.catalogue.code, lump.item.code, _plain(lump.amount_per_share)]
        for lump in plan.lump_sums.select_related("item__catalogue")
    ]
    spec["components"] = [
        {
            "kind": c.kind,
            "name": c.name,
            **{name: _plain(getattr(c, name)) for name in PlanComponent.KIND_FIELDS[c.kind]},
        }
        for c in plan.components.all()
    ]
    return spec
