"""Guangxi's 职工综合互助保障 (CMP) and Beijing's HOME as plan configuration (DOMAIN.md §14),
built through ``enrollment.schemes.plan_from_spec`` on a period of their own, with 黄海 and 高峰
covered in the demo's unit U001 (so its clerk files their claims). Not a scheme pack: just the
plans and people the worked examples need (the packs' own tests: tests/test_scheme_packs.py)."""

from datetime import date

from demo.packs import CMP_SPEC, HOME_SPEC
from enrollment.models import Application, Coverage, Member, Period, Unit
from enrollment.schemes import plan_from_spec

HUANG_HAI = ("450421198203151137", "黄海", "M", date(1982, 3, 15))
GAO_FENG = ("110108197809305516", "高峰", "M", date(1978, 9, 30))


def scheme_plans() -> dict:
    """Period 1 "2026年度" (2026) with CMP and HOME; 黄海 CMP 3 shares, 高峰 HOME 2 shares, from 2026-01-01."""
    period = Period.objects.create(
        number=1,
        name="2026年度",
        coverage_start=date(2026, 1, 1),
        coverage_end=date(2026, 12, 31),
        enrollment_start=date(2025, 12, 1),
        enrollment_end=date(2026, 3, 31),
    )
    unit = Unit.objects.get(code="U001")
    made = {"period": period}
    for spec, person, shares in ((CMP_SPEC, HUANG_HAI, 3), (HOME_SPEC, GAO_FENG, 2)):
        plan = plan_from_spec(period, spec)
        id_number, name, sex, born = person
        member = Member.objects.create(
            id_number=id_number, name=name, sex=sex, birth_date=born, unit=unit,
            bank_name="中国工商银行", bank_account="6222021614000000999",
        )  # fmt: skip
        application = Application.objects.create(
            reference=f"1-{plan.code}-U001-1", plan=plan, unit=unit, seq=1, status="effective", declared_staff=3,
            member_count=1, share_count=shares, amount_due=plan.premium * shares, amount_paid=plan.premium * shares,
            paid_on=date(2025, 12, 20),
        )  # fmt: skip
        coverage = Coverage.objects.create(
            member=member, plan=plan, application=application, unit=unit, shares=shares,
            effective_from=date(2026, 1, 1), effective_to=date(2026, 12, 31),
        )  # fmt: skip
        made[plan.code] = coverage
    return made
