"""Plans of several components in the database (DOMAIN.md §14): Guangxi's CMP and Beijing's HOME
built as configuration, assessed through estimate_claim --json and the claim service."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from claims import engine, services
from claims.models import ClaimStatus
from claims.rules import Bundle
from enrollment.models import Plan
from enrollment.schemes import plan_from_spec
from tests.helpers import estimate_json, submit
from tests.schemes import GAO_FENG, HOME_SPEC, HUANG_HAI, scheme_plans

pytestmark = pytest.mark.django_db

HUANG = HUANG_HAI[0]
GAO = GAO_FENG[0]


@pytest.fixture
def plans():
    return scheme_plans()


@pytest.fixture
def estimate(tmp_path, plans):
    def _estimate(**data) -> dict:
        return estimate_json(tmp_path, {"period": 1, **data})

    return _estimate


def test_the_plans_read_as_bundles_of_their_components(plans):
    cmp_bundle = engine.bundle_for(plans["CMP"].plan)
    assert [(c.kind, c.component) for c in cmp_bundle.components] == [
        ("LUMP_SUM", "指定疾病"),
        ("ACCIDENT", "意外伤害"),
        ("DEATH", "身故"),
    ]
    assert cmp_bundle.components[2].death_per_share == D("5000.00")
    # Weihai's plans are bundles of their own benefit alone.
    med = Plan.objects.get(period__number=16, code="MED")
    assert engine.bundle_for(med) == Bundle("MED", (engine.schedule_for(med),))


def test_huang_hai_dd01_after_waiting(estimate):
    result = estimate(id_number=HUANG, plan="CMP", kind="diagnosis", event_date="2026-06-01", diagnosis="DD01",
                      submitted="2026-06-20")  # fmt: skip
    assert (result["payable"], result["decision"], result["reasons"]) == ("45000.00", "payable", [])
    assert set(result) == {"payable", "decision", "reasons", "lines"}
    assert all(line["label"].startswith(("【指定疾病】", "合计")) for line in result["lines"])


def test_huang_hai_dd01_in_waiting_gets_the_condolence(estimate):
    result = estimate(id_number=HUANG, plan="CMP", kind="diagnosis", event_date="2026-04-01", diagnosis="DD01",
                      submitted="2026-04-20")  # fmt: skip
    assert (result["payable"], result["decision"]) == ("500.00", "condolence")
    assert "in_waiting_period" in result["reasons"]


def test_huang_hai_accidental_death_pays_both_parts(estimate):
    result = estimate(id_number=HUANG, plan="CMP", kind="death", cause="accident", event_date="2026-03-01",
                      submitted="2026-03-20")  # fmt: skip
    assert (result["payable"], result["decision"]) == ("30000.00", "payable")
    paid = [line for line in result["lines"] if line["amount"] == "15000.00" and "意外身故" in line["label"]]
    assert [line["label"].split("】")[0] for line in paid] == ["【意外伤害", "【身故"]


def test_huang_hai_accident_hospital_expense(estimate):
    result = estimate(id_number=HUANG, plan="CMP", kind="hospital_stay", cause="accident", admitted="2026-03-02",
                      discharged="2026-03-09", total_cost="2100", submitted="2026-03-20")  # fmt: skip
    assert result["payable"] == "1600.00"
    assert any("3 份 × 9,000.00 = 27,000.00" in line["label"] for line in result["lines"])


def test_gao_feng_fire_loss(estimate):
    result = estimate(id_number=GAO, plan="HOME", kind="property_loss", event_date="2026-03-01", loss_amount="8200",
                      submitted="2026-03-20")  # fmt: skip
    assert (result["payable"], result["decision"], result["reasons"]) == ("6400.00", "payable", [])
    assert all(line["label"].startswith(("【家财火灾】", "合计")) for line in result["lines"])


def test_gao_feng_fire_in_waiting(estimate):
    result = estimate(id_number=GAO, plan="HOME", kind="property_loss", event_date="2026-01-20", loss_amount="8200",
                      submitted="2026-02-20")  # fmt: skip
    assert (result["payable"], result["decision"], result["reasons"]) == ("0.00", "not_payable", ["in_waiting_period"])
    assert any("2026-01-31" in line["label"] for line in result["lines"])


def test_gao_feng_work_injury_is_excluded(estimate):
    claim = {"id_number": GAO, "plan": "HOME", "kind": "disability", "cause": "accident", "event_date": "2026-05-01",
             "disability_grade": 5, "submitted": "2026-06-01"}  # fmt: skip
    excluded = estimate(**claim, work_injury=True)
    assert (excluded["payable"], excluded["reasons"]) == ("0.00", ["work_injury_excluded"])
    assert estimate(**claim)["payable"] == "12000.00"  # the same accident off work: 2 × 10,000 × 60%


def test_work_injury_must_be_true_or_false(estimate):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="工伤"):
        estimate(id_number=GAO, plan="HOME", kind="disability", cause="accident", event_date="2026-05-01",
                 disability_grade=5, work_injury="yes")  # fmt: skip


def test_a_fire_filed_and_assessed_through_the_claim_service(plans, clerk_u001):
    claim = services.claim_create(
        actor=clerk_u001,
        coverage=plans["HOME"],
        kind="property_loss",
        event_date=date(2026, 3, 1),
        loss_amount=D("8200"),
    )
    assert (claim.computed_amount, claim.decision) == (D("6400.00"), "payable")
    assert claim.explanation[-1] == {"label": "合计应付互助金 【家财火灾】6,400.00 = 6,400.00", "amount": "6400.00"}
    assert {"火灾事故认定书", "财产损失清单"} <= set(services.missing_documents(claim))
    claim = submit(clerk_u001, claim)
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.property_loss_amount == D("6400.00")
    assert "bundle" in claim.inputs


def test_a_component_of_the_plan_own_kind_is_refused(plans):
    spec = dict(HOME_SPEC, code="HOME2", components=[{"kind": "ACCIDENT", "name": "意外", "death_per_share": "1"}])
    with pytest.raises(ValidationError):
        plan_from_spec(plans["period"], spec)


def test_a_value_in_another_kind_field_is_refused(plans):
    spec = dict(HOME_SPEC, code="HOME3")
    spec["components"] = [{**HOME_SPEC["components"][0], "death_any_cause_per_share": "5000"}]
    with pytest.raises(ValidationError, match="不属于家庭财产火灾损失"):
        plan_from_spec(plans["period"], spec)


def test_the_admin_edits_a_plan_with_its_components_on_one_page(plans, admin_client):
    from django.urls import reverse

    from tests.test_admin import inline_post

    plan = plans["HOME"].plan
    url = reverse("admin:enrollment_plan_change", args=[plan.pk])
    page = admin_client.get(url).content.decode()
    assert "其他给付组成部分" in page
    assert "仅“家庭财产火灾损失”组成部分填写" in page
    component = plan.components.get()
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["work_injury_excluded"] = "on"
    data = {k: v for k, v in data.items() if v is not False}
    row = {"id": component.pk, "plan": plan.pk, "kind": "PROPERTY_LOSS", "name": "家财火灾", "waiting_days": "30",
           "property_deductible": "200", "property_rate": "0.80", "property_cap_per_share": "6000",
           "death_per_share": "0", "disability_per_share": "0", "accident_medical_cap_per_share": "0",
           "accident_medical_deductible": "100", "accident_medical_rate": "0.80", "death_any_cause_per_share": "0",
           "condolence": "0"}  # fmt: skip
    data.update(inline_post("components", [row], initial=1))
    response = admin_client.post(url, {**data, "_save": "保存"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    component.refresh_from_db()
    assert component.property_cap_per_share == D("6000.00")

    row["death_any_cause_per_share"] = "5000"  # a death amount on a fire component
    data.update(inline_post("components", [row], initial=1))
    response = admin_client.post(url, {**data, "_save": "保存"})
    assert response.status_code == 200
    assert "不属于家庭财产火灾损失" in response.content.decode()
