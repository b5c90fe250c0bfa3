"""Add-on plans (DOMAIN.md §14, Weihai 2018 健康包 4 yuan): chosen person by person (no participation
rule), paying on top of the other plans for the same event, outside §5's indemnity limit."""

import io
import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from enrollment import services
from enrollment.models import Application, Coverage, Member, Period, Unit
from enrollment.schemes import plan_from_spec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]

ZHANG = "371002198005120137"
HEALTH_PACK = {
    "code": "HP", "name": "健康包", "kind": "LUMP_SUM", "premium": "4", "is_addon": True, "waiting_days": 0,
    "component_name": "肿瘤", "lump_sums": [("DD01", "10000"), ("DD03", "10000")],
    "components": [{"kind": "ACCIDENT", "name": "意外伤残", "disability_per_share": "10000"}],
}  # fmt: skip


@pytest.fixture
def health_pack():
    return plan_from_spec(Period.objects.get(number=16), HEALTH_PACK)


def covered(plan, member: Member) -> Coverage:
    unit = member.unit
    application = Application.objects.create(
        reference=f"16-{plan.code}-{unit.code}-1", plan=plan, unit=unit, seq=1, status="effective", declared_staff=3,
        member_count=1, share_count=1, amount_due=plan.premium, amount_paid=plan.premium, paid_on=date(2026, 3, 10),
    )  # fmt: skip
    return Coverage.objects.create(member=member, plan=plan, application=application, unit=unit, shares=1,
                                   effective_from=date(2026, 3, 12), effective_to=date(2027, 3, 11))  # fmt: skip


def estimate(**data) -> dict:
    out = io.StringIO()
    path = io.StringIO(json.dumps({"period": 16, **data}, ensure_ascii=False))
    from unittest import mock

    with mock.patch("sys.stdin", path):
        call_command("estimate_claim", "--json", "-", stdout=out)
    return json.loads(out.getvalue())


def test_one_person_of_three_may_take_the_add_on_where_a_plan_for_everyone_refuses(clerk_u001, health_pack):
    zhang = Member.objects.get(id_number=ZHANG)
    unit = Unit.objects.get(code="U001")
    everyone = plan_from_spec(Period.objects.get(number=16), {**HEALTH_PACK, "code": "HPN", "is_addon": False,
                                                               "participation_all_below": 20})  # fmt: skip
    person = {"name": "张伟", "id_number": ZHANG, "card": zhang.insurance_card}
    applications = {}
    for plan in (health_pack, everyone):
        applications[plan.code] = services.application_create(actor=clerk_u001, plan=plan, unit=unit, declared_staff=3)
        services.roster_add_person(actor=clerk_u001, application=applications[plan.code], person=person)
    with pytest.raises(ValidationError, match="须全体参加"):
        services.application_submit(actor=clerk_u001, application=applications["HPN"])
    services.application_submit(actor=clerk_u001, application=applications["HP"])
    applications["HP"].refresh_from_db()
    assert (applications["HP"].status, applications["HP"].amount_due) == ("submitted", 4)


def test_the_add_on_pays_a_named_tumour_on_top_of_dd(health_pack):
    covered(health_pack, Member.objects.get(id_number=ZHANG))
    claim = {"id_number": ZHANG, "kind": "diagnosis", "event_date": "2026-08-01", "diagnosis": "DD01",
             "submitted": "2026-08-20"}  # fmt: skip
    assert estimate(plan="DD", **claim)["payable"] == "75000.00"  # DOMAIN.md §8 example 4, unchanged
    assert estimate(plan="HP", **claim)["payable"] == "10000.00"


def test_the_add_on_pays_accident_disability_by_the_grade_on_top_of_acc(health_pack):
    covered(health_pack, Member.objects.get(name="刘洋"))
    claim = {"id_number": "371003198502280496", "kind": "disability", "cause": "accident",
             "event_date": "2026-06-01", "disability_grade": 8, "submitted": "2026-06-20"}  # fmt: skip
    assert estimate(plan="ACC", **claim)["payable"] == "9000.00"  # §8 example 6
    assert estimate(plan="HP", **claim)["payable"] == "3000.00"  # 10,000 × 30%


def test_an_add_on_is_not_a_reimbursement_nor_bound_to_a_share_of_the_staff():
    period = Period.objects.get(number=16)
    with pytest.raises(ValidationError, match="附加项目"):
        plan_from_spec(period, {"code": "HPX", "name": "x", "kind": "REIMBURSEMENT", "premium": "4", "is_addon": True,
                                "cap": "1000", "tiers": [(None, "0.5")]})  # fmt: skip
    with pytest.raises(ValidationError, match="不设参保比例"):
        plan_from_spec(period, {**HEALTH_PACK, "code": "HPY", "participation_rate": "0.8"})
