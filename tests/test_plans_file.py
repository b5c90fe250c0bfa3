"""A period's plans exported to a JSON file from the admin and imported again (DOMAIN.md §14:
another city, next year), and the files it refuses with a message."""

import json

import pytest

from enrollment.models import Catalogue, Period, Plan
from enrollment.services import period_plans_export
from mutualaid.models import AuditLog

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/enrollment/period/"
IMPORT = "/admin/enrollment/period/import-plans/"


def exported(admin_client, number: int) -> dict:
    period = Period.objects.get(number=number)
    response = admin_client.post(CHANGELIST, {"action": "export_plans", "_selected_action": [period.pk]})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="plans-period-{number}.json"'
    return json.loads(response.content)


def upload(admin_client, data, period=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    post = {"file": SimpleUploadedFile("plans.json", body, content_type="application/json")}
    if period is not None:
        post["period"] = period.pk
    return admin_client.post(IMPORT, post)


def plan_of(data: dict, code: str) -> dict:
    return next(plan for plan in data["plans"] if plan["code"] == code)


def schedule(plan: Plan) -> dict:
    """Everything a plan pays by, without its identity."""
    from enrollment.schemes import spec_from_plan

    return spec_from_plan(plan)


def test_period_16_round_trips_into_a_new_period(admin_client):
    data = exported(admin_client, 16)
    assert sorted(plan["code"] for plan in data["plans"]) == ["ACC", "ALW", "DD", "FEM", "GIG", "MED", "MW", "NEEDY"]
    data["period"] = {**data["period"], "number": 17, "name": "第十七期", "coverage_start": "2027-03-12",
                      "coverage_end": "2028-03-11", "enrollment_start": "2027-03-01", "enrollment_end": "2028-01-31"}  # fmt: skip
    response = upload(admin_client, data)
    new = Period.objects.get(number=17)
    assert response.status_code == 302 and response["Location"] == f"/admin/enrollment/period/{new.pk}/change/"
    old = {plan.code: schedule(plan) for plan in Plan.objects.filter(period__number=16)}
    assert {plan.code: schedule(plan) for plan in new.plans.all()} == old
    assert old["MED"]["tiers"] == [["30000.00", "0.500"], ["80000.00", "0.600"], [None, "0.700"]]
    assert AuditLog.objects.filter(action="plans_import", object_id=str(new.pk)).exists()


def test_a_bundle_round_trips_into_an_existing_period(admin_client):
    from enrollment.schemes import plan_from_spec
    from tests.schemes import HOME_SPEC

    plan_from_spec(Period.objects.get(number=15), HOME_SPEC)
    data = exported(admin_client, 15)
    data["plans"] = [plan for plan in data["plans"] if plan["code"] == "HOME"]
    response = upload(admin_client, data, period=Period.objects.get(number=16))
    assert response.status_code == 302
    copied = Plan.objects.get(period__number=16, code="HOME")
    assert schedule(copied) == schedule(Plan.objects.get(period__number=15, code="HOME"))
    assert copied.components.get().property_cap_per_share == 5000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["plans"][0].pop("code"), "第 1 个项目缺少项目代码"),
        (lambda d: d.update(format="other"), "这不是本系统导出的保障项目文件"),
        (
            lambda d: plan_of(d, "DD")["lump_sums"].append(["DD", "DD99", "1"]),
            "疾病目录 DD 中没有编码为 DD99 的条目",
        ),
        (
            lambda d: plan_of(d, "DD")["lump_sums"].append(["ZZ", "Z01", "1"]),
            "没有编码为 ZZ 的疾病目录",
        ),
        (
            lambda d: plan_of(d, "ALW").update(high_rate_catalogue="B"),
            "没有编码为 B 的疾病目录",
        ),
        (lambda d: d["plans"][0].update(colour="red"), "不认识的设置 colour"),
    ],
)
def test_a_file_missing_what_it_needs_is_refused_and_imports_nothing(admin_client, change, message):
    data = period_plans_export(Period.objects.get(number=16))
    data["period"]["number"] = 18  # a new period, created only if the whole file imports
    change(data)
    plans_before = Plan.objects.count()
    response = upload(admin_client, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Plan.objects.count() == plans_before
    assert not Period.objects.filter(number=18).exists()


def test_a_code_the_period_has_and_a_taken_number_are_refused(admin_client):
    data = period_plans_export(Period.objects.get(number=16))
    assert "已有项目 DD、MED" in upload(admin_client, data, period=Period.objects.get(number=15)).content.decode()
    assert "第 16 期已存在" in upload(admin_client, data).content.decode()
    assert "不是有效的 JSON" in upload(admin_client, b"{not json").content.decode()
    assert Catalogue.objects.count() == 3  # nothing was created on the way


def test_the_changelist_offers_the_import(admin_client):
    assert IMPORT in admin_client.get(CHANGELIST).content.decode()
    assert admin_client.get(IMPORT).status_code == 200
