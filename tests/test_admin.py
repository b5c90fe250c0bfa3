"""The Django admin where the city admin configures periods, plans, catalogues and users.

Own fixtures use codes the demo never uses (period 90, catalogue TST, district ZZ,
unit T001), so the tests hold with or without the seeded demo.
"""

from datetime import date
from decimal import Decimal

import pytest
import tablib
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, ClaimDocument, PayoutBatch
from enrollment.admin import UnitResource
from enrollment.models import (
    Application,
    Catalogue,
    CatalogueItem,
    Coverage,
    District,
    Member,
    Payment,
    Period,
    Plan,
    PlanKind,
    PlanLumpSum,
    PlanTier,
    RosterLine,
    Unit,
)
from enrollment.services.periods import period_copy
from mutualaid.lib.idcard import make_id
from mutualaid.lib.numerals import period_name
from mutualaid.lib.uscc import make_uscc
from mutualaid.models import AuditLog, StaffProfile, audit
from mutualaid.scoping import Role

pytestmark = pytest.mark.django_db

D = Decimal
PASSWORD = "Admin-test-pass-2040"


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture
def catalogue():
    catalogue = Catalogue.objects.create(code="TST", name="测试疾病目录")
    CatalogueItem.objects.create(catalogue=catalogue, code="T01", name="测试恶性肿瘤")
    CatalogueItem.objects.create(catalogue=catalogue, code="T02", name="测试冠状动脉支架植入术")
    return catalogue


@pytest.fixture
def period():
    return Period.objects.create(
        number=90,
        name="第九十期",
        coverage_start=date(2040, 3, 12),
        coverage_end=date(2041, 3, 11),
        enrollment_start=date(2040, 3, 1),
        enrollment_end=date(2040, 4, 30),
    )


@pytest.fixture
def med_plan(period):
    plan = Plan.objects.create(
        period=period,
        code="TMED",
        name="测试住院医疗",
        kind=PlanKind.REIMBURSEMENT,
        premium=D("60"),
        union_subsidy=D("10"),
        waiting_days=90,
        participation_rate=D("0.80"),
        participation_all_below=20,
        deductible=D("6000"),
        cap=D("100000"),
        priority=1,
    )
    for up_to, rate in [(D("30000"), D("0.5")), (D("80000"), D("0.6")), (None, D("0.7"))]:
        PlanTier.objects.create(plan=plan, up_to=up_to, rate=rate)
    return plan


@pytest.fixture
def dd_plan(period, catalogue):
    plan = Plan.objects.create(
        period=period,
        code="TDD",
        name="测试指定疾病",
        kind=PlanKind.LUMP_SUM,
        premium=D("40"),
        max_shares=5,
        max_shares_mixed=3,
        waiting_days=120,
        exclusive_group="TDD",
        condolence=D("500"),
        priority=3,
    )
    items = {item.code: item for item in catalogue.items.all()}
    PlanLumpSum.objects.create(plan=plan, item=items["T01"], amount_per_share=D("15000"))
    PlanLumpSum.objects.create(plan=plan, item=items["T02"], amount_per_share=D("3000"))
    return plan


@pytest.fixture
def unit():
    district = District.objects.create(code="ZZ", name="测试区")
    return Unit.objects.create(
        code="T001", name="测试示例有限公司", uscc=make_uscc("91371000MA3T00001"), district=district, declared_staff=3
    )


@pytest.fixture
def member(unit):
    number = make_id("371002", date(1985, 6, 1), 123, "M")
    return Member.objects.create(
        id_number=number, name="测试员", sex="M", birth_date=date(1985, 6, 1), unit=unit, insurance_card="W1"
    )


@pytest.fixture
def records(admin_user, med_plan, unit, member):
    """One effective application with its coverage, payment, claim and payout batch.

    Written straight to the tables: the admin only shows them.
    """
    application = Application.objects.create(
        reference="90-TMED-T001-1",
        plan=med_plan,
        unit=unit,
        seq=1,
        status="effective",
        declared_staff=3,
        member_count=1,
        share_count=1,
        amount_due=D("50.00"),
        subsidy_total=D("10.00"),
        amount_paid=D("50.00"),
        paid_on=date(2040, 3, 10),
        contact_name="原经办人",
    )
    RosterLine.objects.create(application=application, plan=application.plan, member=member, row_number=1, shares=1)
    coverage = Coverage.objects.create(
        member=member,
        plan=med_plan,
        application=application,
        unit=unit,
        effective_from=date(2040, 3, 12),
        effective_to=date(2041, 3, 11),
    )
    Payment.objects.create(
        application=application, amount=D("50.00"), paid_on=date(2040, 3, 10), bank_txn_no="TEST-TXN-90001"
    )
    batch = PayoutBatch.objects.create(reference="PB-TEST-90", created_by=admin_user)
    claim = Claim.objects.create(
        reference="90-TMED-T001-C1",
        seq=1,
        coverage=coverage,
        member=member,
        plan=med_plan,
        unit=unit,
        status="submitted",
        kind="hospital_stay",
        admitted=date(2040, 8, 1),
        discharged=date(2040, 8, 15),
        total_cost=D("50000"),
        payout_batch=batch,
    )
    ClaimDocument.objects.create(
        claim=claim, kind="invoice", file="claims/90-TMED-T001-C1/fapiao.pdf", original_name="fapiao.pdf", size=10
    )
    audit(actor=admin_user, obj=application, action="test_marker", comment="测试记录 90-TMED-T001-1")
    return {"application": application, "coverage": coverage, "claim": claim, "batch": batch}


def plan_post(period, *, tiers=(), lump_sums=(), existing_tiers=(), **overrides):
    """The plan change form as a browser would post it (a valid MED-like plan by default)."""
    data = {
        "period": period.pk,
        "code": "NMED",
        "name": "新住院医疗",
        "kind": PlanKind.REIMBURSEMENT,
        "description": "",
        "premium": "60",
        "union_subsidy": "10",
        "max_shares": "1",
        "max_shares_mixed": "",
        "renewal_keeps_shares": "on",
        "exclusive_group": "",
        "min_age": "16",
        "max_age": "60",
        "requires_basic_insurance": "on",
        "sex_required": "",
        "occupations": "",
        "participation_rate": "0.80",
        "participation_all_below": "20",
        "waiting_days": "90",
        "claim_deadline_days": "180",
        "deductible": "6000",
        "cap": "100000",
        "priority": "1",
        "day_rate": "0",
        "high_day_rate": "0",
        "high_rate_catalogue": "",
        "accident_day_rate": "",
        "traffic_day_rate": "",
        "stay_day_cap": "",
        "coverage_day_cap": "",
        "condolence": "0",
        "death_per_share": "0",
        "disability_per_share": "0",
        "accident_medical_cap_per_share": "0",
        "accident_medical_deductible": "100",
        "accident_medical_rate": "0.80",
        "_save": "保存",
    }
    data.update({key: value for key, value in overrides.items() if value is not None})
    for key in [key for key, value in overrides.items() if value is None]:
        data.pop(key, None)
    rows = [{"id": t.pk, "plan": t.plan_id, "up_to": t.up_to or "", "rate": t.rate} for t in existing_tiers]
    rows += [{"id": "", "up_to": "" if up_to is None else up_to, "rate": rate} for up_to, rate in tiers]
    data.update(inline_post("tiers", rows, initial=len(existing_tiers)))
    rows = [{"id": "", "item": item.pk, "amount_per_share": amount} for item, amount in lump_sums]
    data.update(inline_post("lump_sums", rows))
    return data


def inline_post(prefix, rows, *, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = str(value)
    return data


def content(response) -> str:
    return response.content.decode()


def plan_add(admin_client, data):
    return admin_client.post(reverse("admin:enrollment_plan_add"), data)


# --- every page loads -----------------------------------------------------------------

CHANGELISTS = [
    ("enrollment_period", "第九十期"),
    ("enrollment_plan", "测试住院医疗"),
    ("enrollment_catalogue", "测试疾病目录"),
    ("enrollment_catalogueitem", "测试恶性肿瘤"),
    ("enrollment_district", "测试区"),
    ("enrollment_unit", "测试示例有限公司"),
    ("enrollment_member", "测试员"),
    ("enrollment_application", "90-TMED-T001-1"),
    ("enrollment_coverage", "测试员"),
    ("enrollment_payment", "TEST-TXN-90001"),
    ("claims_claim", "90-TMED-T001-C1"),
    ("claims_claimdocument", "fapiao.pdf"),
    ("claims_payoutbatch", "PB-TEST-90"),
    ("mutualaid_auditlog", "测试记录 90-TMED-T001-1"),
    ("auth_user", "admin"),
    ("auth_group", ""),
]


@pytest.mark.parametrize(("name", "row_text"), CHANGELISTS, ids=[name for name, _ in CHANGELISTS])
def test_changelist_loads_for_superuser(admin_client, records, dd_plan, name, row_text):
    response = admin_client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200
    assert row_text in content(response)


def test_admin_index_lists_the_configuration(admin_client):
    page = content(admin_client.get(reverse("admin:index")))
    for label in ("期次", "保障项目", "疾病目录", "单位", "会员", "团体申请", "理赔申领", "操作记录", "用户"):
        assert label in page


def test_change_pages_load(admin_client, records, dd_plan, catalogue, unit, member, period):
    pages = [
        ("admin:enrollment_period_change", period.pk),
        ("admin:enrollment_plan_change", dd_plan.pk),
        ("admin:enrollment_catalogue_change", catalogue.pk),
        ("admin:enrollment_unit_change", unit.pk),
        ("admin:enrollment_member_change", member.pk),
        ("admin:enrollment_application_change", records["application"].pk),
        ("admin:enrollment_coverage_change", records["coverage"].pk),
        ("admin:claims_claim_change", records["claim"].pk),
        ("admin:claims_payoutbatch_change", records["batch"].pk),
        ("admin:auth_user_add", None),
        ("admin:enrollment_plan_add", None),
    ]
    for url_name, pk in pages:
        url = reverse(url_name, args=[pk] if pk else [])
        assert admin_client.get(url).status_code == 200, url


def test_numbers_and_codes_in_use_cannot_be_changed(admin_client, period, med_plan, dd_plan, records):
    """Application and claim references embed the period number and plan code."""
    page = content(admin_client.get(reverse("admin:enrollment_period_change", args=[period.pk])))
    assert 'name="number"' not in page and 'name="name"' in page
    page = content(admin_client.get(reverse("admin:enrollment_plan_change", args=[med_plan.pk])))
    assert 'name="code"' not in page and 'name="kind"' not in page and 'name="premium"' in page
    page = content(admin_client.get(reverse("admin:enrollment_plan_change", args=[dd_plan.pk])))
    assert 'name="code"' in page


def test_plan_page_shows_only_the_sections_of_its_kind(admin_client, med_plan, dd_plan):
    page = content(admin_client.get(reverse("admin:enrollment_plan_change", args=[med_plan.pk])))
    for heading in ("基本信息", "缴费与份数", "参保条件", "期限", "医疗费用补偿"):
        assert f'class="fieldset-heading">{heading}<' in page
    for heading in ("住院津贴", "一次性给付", "意外伤害"):
        assert f'class="fieldset-heading">{heading}<' not in page
    assert 'name="tiers-TOTAL_FORMS"' in page and 'name="lump_sums-TOTAL_FORMS"' not in page
    assert 'name="accident_medical_rate"' not in page  # no 0.80 on a medical plan
    page = content(admin_client.get(reverse("admin:enrollment_plan_change", args=[dd_plan.pk])))
    assert 'class="fieldset-heading">一次性给付<' in page and 'class="fieldset-heading">医疗费用补偿<' not in page
    assert 'name="lump_sums-TOTAL_FORMS"' in page
    # A new plan's page has every section, each marked with its kind for the page script to toggle.
    page = content(admin_client.get(reverse("admin:enrollment_plan_add")))
    assert "kind-REIMBURSEMENT" in page and "kind-LUMP_SUM" in page and "js/plan_admin.js" in page


def test_plan_list_filters_by_period_and_kind(admin_client, med_plan, dd_plan):
    url = reverse("admin:enrollment_plan_changelist")
    response = admin_client.get(url, {"period__id__exact": med_plan.period_id, "kind__exact": PlanKind.LUMP_SUM})
    assert [plan.code for plan in response.context["cl"].result_list] == ["TDD"]


def test_changelist_queries_do_not_grow_with_rows(admin_client, records, med_plan, unit):
    """List pages fetch related rows in the main query, not once per row."""
    url = reverse("admin:enrollment_application_changelist")
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url, {"q": "90-TMED-T001"})
    for seq in range(2, 6):
        Application.objects.create(reference=f"90-TMED-T001-{seq}", plan=med_plan, unit=unit, seq=seq, declared_staff=3)
    with CaptureQueriesContext(connection) as five:
        response = admin_client.get(url, {"q": "90-TMED-T001"})
    assert response.context["cl"].result_count == 5
    assert len(five) == len(one)


# --- plan validation --------------------------------------------------------------------


def test_valid_reimbursement_plan_saves_with_its_tiers(admin_client, period):
    data = plan_post(period, tiers=[(30000, "0.5"), (80000, "0.6"), (None, "0.7")])
    response = plan_add(admin_client, data)
    assert response.status_code == 302
    plan = Plan.objects.get(period=period, code="NMED")
    assert [(t.up_to, t.rate) for t in plan.tiers.all()] == [
        (D("30000.00"), D("0.500")),
        (D("80000.00"), D("0.600")),
        (None, D("0.700")),
    ]


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        # A bound at or below the deductible: the band would be empty.
        ([(5000, "0.5"), (None, "0.7")], "第 1 段：分段上限 5,000.00 元必须高于起付线和上一段上限 6,000.00 元"),
        (
            [(30000, "0.5"), (30000, "0.6"), (None, "0.7")],
            "第 2 段：分段上限 30,000.00 元必须高于起付线和上一段上限 30,000.00 元",
        ),
        # A typo: 20,000 typed after 30,000 is refused, not re-sorted into another schedule.
        ([(30000, "0.5"), (20000, "0.6"), (None, "0.7")], "请按从低到高的顺序填写各段上限"),
        ([(None, "0.7"), (30000, "0.5")], "只有最后一段可以不设上限"),
        ([(None, "0.5"), (None, "0.7")], "只有最后一段可以不设上限"),
        ([], "医疗费用补偿项目至少需要一个分段"),
    ],
)
def test_incoherent_tier_table_is_rejected_and_nothing_saved(admin_client, period, tiers, message):
    tiers_before = PlanTier.objects.count()
    response = plan_add(admin_client, plan_post(period, tiers=tiers))
    assert response.status_code == 200
    assert "分段比例有误" in content(response)
    assert message in content(response)
    assert not Plan.objects.filter(period=period, code="NMED").exists()
    assert PlanTier.objects.count() == tiers_before


def test_raising_the_deductible_above_the_first_tier_is_rejected(admin_client, med_plan):
    """The tiers are checked against the deductible typed on the same page."""
    data = plan_post(
        med_plan.period,
        code="TMED",
        deductible="40000",
        existing_tiers=list(med_plan.tiers.all()),
    )
    response = admin_client.post(reverse("admin:enrollment_plan_change", args=[med_plan.pk]), data)
    assert response.status_code == 200
    assert "第 1 段：分段上限 30,000.00 元必须高于起付线和上一段上限 40,000.00 元" in content(response)
    med_plan.refresh_from_db()
    assert med_plan.deductible == D("6000.00")


def test_an_admin_edit_is_in_the_audit_trail_with_old_and_new_values_and_who(admin_client, admin_user, med_plan):
    data = plan_post(med_plan.period, code="TMED", premium="66", existing_tiers=list(med_plan.tiers.all()))
    response = admin_client.post(reverse("admin:enrollment_plan_change", args=[med_plan.pk]), data)
    assert response.status_code == 302
    row = AuditLog.objects.filter(action="row_update", content_type__model="plan", object_id=med_plan.pk).last()
    assert row.actor == admin_user
    assert (D(str(row.data["old"]["premium"])), D(str(row.data["new"]["premium"]))) == (D("60"), D("66"))
    assert row.data["via"] == f"POST /admin/enrollment/plan/{med_plan.pk}/change/"


def test_tiers_on_a_plan_that_is_not_reimbursement_are_rejected(admin_client, period):
    data = plan_post(period, kind=PlanKind.ALLOWANCE, cap="", day_rate="50", tiers=[(None, "0.5")])
    response = plan_add(admin_client, data)
    assert response.status_code == 200
    assert "只有医疗费用补偿项目设置分段比例" in content(response)
    assert not Plan.objects.filter(code="NMED").exists()


def test_negative_premium_is_rejected(admin_client, period):
    response = plan_add(admin_client, plan_post(period, premium="-10", tiers=[(None, "0.5")]))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "大于或等于" in errors["premium"][0]
    assert errors["premium"][0] in content(response)
    assert not Plan.objects.filter(code="NMED").exists()


def test_accident_plan_with_a_waiting_period_is_rejected(admin_client, period):
    accident = {
        "code": "NACC",
        "kind": PlanKind.ACCIDENT,
        "cap": "",
        "deductible": "0",
        "death_per_share": "10000",
        "disability_per_share": "10000",
        "accident_medical_cap_per_share": "1000",
    }
    response = plan_add(admin_client, plan_post(period, waiting_days="30", **accident))
    assert response.status_code == 200
    assert "意外伤害项目不设免责期。" in content(response)
    assert not Plan.objects.filter(code="NACC").exists()

    response = plan_add(admin_client, plan_post(period, waiting_days="0", **accident))
    assert response.status_code == 302
    assert Plan.objects.get(code="NACC").waiting_days == 0


LUMP_SUM_PLAN = {"code": "NDD", "kind": PlanKind.LUMP_SUM, "cap": "", "deductible": "0", "condolence": "500"}


def test_lump_sum_plan_saves_with_its_amounts(admin_client, period, catalogue):
    t01, t02 = catalogue.items.order_by("code")
    data = plan_post(period, lump_sums=[(t01, "15000"), (t02, "3000")], **LUMP_SUM_PLAN)
    assert plan_add(admin_client, data).status_code == 302
    plan = Plan.objects.get(code="NDD")
    assert {(ls.item.code, ls.amount_per_share) for ls in plan.lump_sums.all()} == {
        ("T01", D("15000.00")),
        ("T02", D("3000.00")),
    }


def test_lump_sum_plan_needs_at_least_one_amount(admin_client, period):
    response = plan_add(admin_client, plan_post(period, **LUMP_SUM_PLAN))
    assert response.status_code == 200
    assert "至少需要一条一次性给付标准" in content(response)
    assert not Plan.objects.filter(code="NDD").exists()


def test_lump_sum_amount_must_be_positive(admin_client, period, catalogue):
    t01 = catalogue.items.get(code="T01")
    response = plan_add(admin_client, plan_post(period, lump_sums=[(t01, "0")], **LUMP_SUM_PLAN))
    assert response.status_code == 200
    assert "每份给付金额必须大于 0。" in content(response)
    assert not Plan.objects.filter(code="NDD").exists()


def test_lump_sums_only_on_lump_sum_plans(admin_client, period, catalogue):
    t01 = catalogue.items.get(code="T01")
    response = plan_add(admin_client, plan_post(period, tiers=[(None, "0.5")], lump_sums=[(t01, "1000")]))
    assert response.status_code == 200
    assert "只有“特定疾病一次性给付”项目可以设置一次性给付标准" in content(response)
    assert not Plan.objects.filter(code="NMED").exists()
    assert not PlanLumpSum.objects.filter(item=t01, plan__code="NMED").exists()


def test_catalogue_items_are_searchable_for_autocomplete(admin_client, dd_plan):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "T01", "app_label": "enrollment", "model_name": "planlumpsum", "field_name": "item"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["T01 测试恶性肿瘤"]


# --- copying a period ---------------------------------------------------------------------


def copy_form(number, name, start=date(2041, 3, 12)):
    return {
        "number": str(number),
        "name": name,
        "coverage_start": start.isoformat(),
        "coverage_end": date(start.year + 1, 3, 11).isoformat(),
        "enrollment_start": date(start.year, 3, 1).isoformat(),
        "enrollment_end": date(start.year, 4, 30).isoformat(),
    }


def select_copy(period, **extra):
    return {"action": "copy_period", "_selected_action": [str(period.pk)], **extra}


def schedule(plan) -> dict:
    fields = model_to_dict(plan, exclude=["id", "period"])
    fields["tiers"] = [(t.up_to, t.rate) for t in plan.tiers.all()]
    fields["lump_sums"] = sorted((ls.item_id, ls.amount_per_share) for ls in plan.lump_sums.all())
    return fields


def test_copy_action_proposes_the_next_number_and_dates_a_year_on(admin_client, period, med_plan, dd_plan):
    url = reverse("admin:enrollment_period_changelist")
    response = admin_client.post(url, select_copy(period, index="0"))
    assert response.status_code == 200
    page = content(response)
    assert "复制为新一期" in page
    assert "TMED 测试住院医疗" in page and "TDD 测试指定疾病" in page
    next_number = max(Period.objects.values_list("number", flat=True)) + 1
    initial = response.context["form"].initial
    assert initial["number"] == next_number
    assert initial["name"] == period_name(next_number)
    assert initial["coverage_start"] == date(2041, 3, 12)
    assert initial["coverage_end"] == date(2042, 3, 11)
    assert initial["enrollment_start"] == date(2041, 3, 1)
    assert initial["enrollment_end"] == date(2041, 4, 30)
    assert 'value="2041-03-12"' in page
    assert Period.objects.filter(number=next_number).count() == 0


def test_copy_action_creates_the_period_with_plans_tiers_lump_sums_and_audit(
    admin_client, admin_user, period, med_plan, dd_plan
):
    url = reverse("admin:enrollment_period_changelist")
    response = admin_client.post(url, select_copy(period, apply="1", **copy_form(91, "第九十一期")), follow=True)
    assert response.status_code == 200
    new = Period.objects.get(number=91)
    assert "已由第九十期复制创建第九十一期（第 91 期），共 2 个保障项目" in content(response)
    assert (new.name, new.coverage_start, new.coverage_end) == ("第九十一期", date(2041, 3, 12), date(2042, 3, 11))
    assert (new.enrollment_start, new.enrollment_end) == (date(2041, 3, 1), date(2041, 4, 30))

    copies = {plan.code: plan for plan in new.plans.all()}
    assert set(copies) == {"TMED", "TDD"}
    assert schedule(copies["TMED"]) == schedule(med_plan)
    assert schedule(copies["TDD"]) == schedule(dd_plan)
    assert len(schedule(copies["TMED"])["tiers"]) == 3
    assert len(schedule(copies["TDD"])["lump_sums"]) == 2
    # The source keeps its own rows.
    assert med_plan.tiers.count() == 3 and dd_plan.lump_sums.count() == 2

    log = AuditLog.objects.get(action="period_copy", object_id=new.pk)
    assert log.content_type == ContentType.objects.get_for_model(Period)
    assert log.actor == admin_user
    assert "第九十期" in log.comment and "TMED" in log.comment


def test_copy_action_refuses_an_existing_number(admin_client, period, med_plan):
    periods_before = Period.objects.count()
    url = reverse("admin:enrollment_period_changelist")
    response = admin_client.post(url, select_copy(period, apply="1", **copy_form(90, "第九十期")))
    assert response.status_code == 200
    assert "第 90 期已存在" in content(response)
    assert Period.objects.count() == periods_before
    assert Plan.objects.filter(code="TMED").count() == 1
    assert not AuditLog.objects.filter(action="period_copy").exists()


def test_copy_action_rejects_incoherent_dates(admin_client, period, med_plan):
    data = copy_form(91, "第九十一期") | {"coverage_end": "2041-01-01"}
    response = admin_client.post(reverse("admin:enrollment_period_changelist"), select_copy(period, apply="1", **data))
    assert response.status_code == 200
    assert "保障终止日必须晚于起始日。" in content(response)
    assert not Period.objects.filter(number=91).exists()


def test_copy_action_takes_exactly_one_period(admin_client, period, med_plan):
    other = Period.objects.create(
        number=89,
        name="第八十九期",
        coverage_start=date(2039, 3, 12),
        coverage_end=date(2040, 3, 11),
        enrollment_start=date(2039, 3, 1),
        enrollment_end=date(2039, 4, 30),
    )
    periods_before = Period.objects.count()
    data = {"action": "copy_period", "_selected_action": [str(period.pk), str(other.pk)], "index": "0"}
    response = admin_client.post(reverse("admin:enrollment_period_changelist"), data, follow=True)
    assert "请只选择一个期次作为复制模板。" in content(response)
    assert Period.objects.count() == periods_before


def test_copy_action_from_the_period_page(admin_client, period, med_plan):
    url = reverse("admin:enrollment_period_change", args=[period.pk])
    response = admin_client.post(url, {"CHANGE_FORM-action": "copy_period", "_selected_action": str(period.pk)})
    assert response.status_code == 200
    assert 'name="CHANGE_FORM-action"' in content(response)
    data = {"CHANGE_FORM-action": "copy_period", "_selected_action": str(period.pk), "apply": "1"}
    response = admin_client.post(url, data | copy_form(92, "第九十二期"))
    new = Period.objects.get(number=92)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:enrollment_period_change", args=[new.pk])
    assert list(new.plans.values_list("code", flat=True)) == ["TMED"]


def test_period_copy_service_writes_nothing_when_the_number_exists(admin_user, period, med_plan):
    plans_before = Plan.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        period_copy(
            actor=admin_user, source=period, **{**copy_form(90, "第九十期"), "coverage_start": date(2041, 3, 12)}
        )
    assert "第 90 期已存在" in str(excinfo.value)
    assert Plan.objects.count() == plans_before


def test_period_names_in_chinese():
    assert [period_name(n) for n in (9, 10, 15, 16, 20, 101, 110)] == [
        "第九期",
        "第十期",
        "第十五期",
        "第十六期",
        "第二十期",
        "第一百零一期",
        "第一百一十期",
    ]


# --- members, units, read-only records ---------------------------------------------------


def test_member_list_masks_the_id_number(admin_client, member):
    url = reverse("admin:enrollment_member_changelist")
    page = content(admin_client.get(url, {"q": "测试员"}))
    assert member.masked_id in page
    assert member.id_number not in page
    # Searching by the full number finds the member.
    response = admin_client.get(url, {"q": member.id_number})
    assert list(response.context["cl"].result_list) == [member]


def test_unit_search_by_credit_code_and_bad_code_rejected(admin_client, unit):
    response = admin_client.get(reverse("admin:enrollment_unit_changelist"), {"q": unit.uscc})
    assert list(response.context["cl"].result_list) == [unit]

    bad = unit.uscc[:-1] + ("0" if unit.uscc[-1] != "0" else "1")
    data = {
        "code": "T002",
        "name": "校验位错误的单位",
        "uscc": bad,
        "district": unit.district_id,
        "declared_staff": "5",
        "_save": "保存",
    }
    response = admin_client.post(reverse("admin:enrollment_unit_add"), data)
    assert response.status_code == 200
    assert "统一社会信用代码校验位错误" in content(response)
    assert not Unit.objects.filter(code="T002").exists()


def test_application_status_and_amounts_cannot_be_edited(admin_client, records):
    application = records["application"]
    url = reverse("admin:enrollment_application_change", args=[application.pk])
    page = content(admin_client.get(url))
    assert 'name="contact_name"' in page
    for field in ("status", "amount_due", "amount_paid", "member_count"):
        assert f'name="{field}"' not in page
    line = application.lines.get()
    data = {
        "contact_name": "新经办人",
        "contact_phone": "0631-5200001",
        "status": "draft",
        "amount_due": "0",
        "_save": "保存",
        **inline_post("lines", [{"id": line.pk, "application": application.pk}], initial=1),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.contact_name == "新经办人"
    assert (application.status, application.amount_due) == ("effective", D("50.00"))
    assert admin_client.get(reverse("admin:enrollment_application_add")).status_code == 403


@pytest.mark.parametrize(
    "name", ["enrollment_coverage", "enrollment_payment", "claims_claim", "claims_payoutbatch", "mutualaid_auditlog"]
)
def test_service_records_are_read_only(admin_client, records, name):
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 403
    obj = {
        "enrollment_coverage": records["coverage"],
        "enrollment_payment": Payment.objects.get(bank_txn_no="TEST-TXN-90001"),
        "claims_claim": records["claim"],
        "claims_payoutbatch": records["batch"],
        "mutualaid_auditlog": AuditLog.objects.get(action="test_marker"),
    }[name]
    change = admin_client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in content(change)
    assert admin_client.post(reverse(f"admin:{name}_change", args=[obj.pk]), {}).status_code == 403
    assert admin_client.post(reverse(f"admin:{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


# --- reference data import ----------------------------------------------------------------


def unit_row(code, uscc, district="ZZ"):
    return [code, "导入测试单位", uscc, district, "", "", "", "", "", "5"]


def test_unit_import_checks_the_credit_code(unit):
    headers = ["code", "name", "uscc", "district", "address", "chair_name", "chair_phone", "contact_name"]
    headers += ["contact_phone", "declared_staff"]
    good = make_uscc("91371000MA3T00002")
    result = UnitResource().import_data(tablib.Dataset(unit_row("T900", good), headers=headers), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Unit.objects.get(code="T900").district == unit.district

    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    result = UnitResource().import_data(tablib.Dataset(unit_row("T901", bad), headers=headers), dry_run=False)
    assert result.has_validation_errors()
    assert "统一社会信用代码校验位错误" in str(result.invalid_rows[0].error_dict)
    assert not Unit.objects.filter(code="T901").exists()


@pytest.mark.parametrize("name", ["enrollment_district", "enrollment_unit", "enrollment_catalogueitem"])
def test_reference_data_import_and_export_pages_load(admin_client, unit, catalogue, name):
    assert admin_client.get(reverse(f"admin:{name}_import")).status_code == 200
    assert admin_client.get(reverse(f"admin:{name}_export")).status_code == 200


# --- users ------------------------------------------------------------------------------


def group(role: Role) -> Group:
    return Group.objects.get_or_create(name=role.group_name)[0]


def user_add(unit=None, district=None, **extra):
    return {
        "username": "t_new_clerk",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "last_name": "王",
        "first_name": "测试",
        "email": "",
        "groups": [str(group(Role.CLERK).pk)],
        "_save": "保存",
        **inline_post(
            "staff_profile",
            [{"id": "", "unit": unit.pk if unit else "", "district": district.pk if district else "", "phone": ""}],
        ),
        **extra,
    }


def test_admin_creates_a_unit_clerk_in_one_page(admin_client, unit):
    response = admin_client.post(reverse("admin:auth_user_add"), user_add(unit=unit))
    assert response.status_code == 302
    user = User.objects.get(username="t_new_clerk")
    assert user.staff_profile.unit == unit
    assert list(user.groups.values_list("name", flat=True)) == [Role.CLERK.group_name]
    assert not user.is_staff
    assert user.check_password(PASSWORD)


def test_profile_takes_a_unit_or_a_district_not_both(admin_client, unit):
    response = admin_client.post(reverse("admin:auth_user_add"), user_add(unit=unit, district=unit.district))
    assert response.status_code == 200
    assert "单位、办事处和市州只能选其一" in content(response)
    assert not User.objects.filter(username="t_new_clerk").exists()


def test_user_page_keeps_groups_editable(admin_client, admin_user):
    page = content(admin_client.get(reverse("admin:auth_user_change", args=[admin_user.pk])))
    assert 'name="groups"' in page
    assert 'name="staff_profile-TOTAL_FORMS"' in page


def test_non_staff_clerk_is_sent_away_from_admin(client, unit):
    clerk = User.objects.create_user("t_clerk", password=PASSWORD)
    clerk.groups.add(group(Role.CLERK))
    StaffProfile.objects.create(user=clerk, unit=unit)
    client.force_login(clerk)
    login = reverse("admin:login")
    for url in (reverse("admin:index"), reverse("admin:enrollment_plan_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login)


def test_occupations_are_edited_as_a_list(admin_client, period):
    data = plan_post(period, occupations="快递员\n外卖配送员、网约车司机", tiers=[(None, "0.5")])
    assert plan_add(admin_client, data).status_code == 302
    plan = Plan.objects.get(period=period, code="NMED")
    assert plan.occupations == ["快递员", "外卖配送员", "网约车司机"]
    page = content(admin_client.get(reverse("admin:enrollment_plan_change", args=[plan.pk])))
    assert "快递员\n外卖配送员\n网约车司机" in page and "[&quot;" not in page


def test_changing_a_plan_with_paid_claims_needs_a_confirmation_and_is_audited(admin_client):
    med = Plan.objects.get(period__number=16, code="MED")  # the demo paid 16-MED-U001-C1 under it
    url = reverse("admin:enrollment_plan_change", args=[med.pk])
    page = content(admin_client.get(url))
    assert "已有已支付的申领" in page
    data = plan_post(med.period, code="MED", name=med.name, deductible="5000", existing_tiers=list(med.tiers.all()))
    for name in ("period", "code", "kind"):
        data.pop(name)
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "笔已支付的申领" in content(response)
    med.refresh_from_db()
    assert med.deductible == D("6000.00")
    response = admin_client.post(url, {**data, "confirm_paid_claims": "on"})
    assert response.status_code == 302
    med.refresh_from_db()
    assert med.deductible == D("5000.00")
    row = AuditLog.objects.for_object(med).last()
    assert row.action == "update" and row.data["changes"]["deductible"] == ["6000.00", "5000"]


def test_no_english_slips_into_the_admin(admin_client):
    page = content(admin_client.get(reverse("admin:enrollment_plan_add")))
    assert "Select an option" not in page and "请选择" in page
    page = content(admin_client.get(reverse("admin:enrollment_payment_changelist")))
    assert "Filter by" not in page and "CREATED BY" not in page.upper().replace("CREATED_BY", "")
    assert "登记人" in page


def test_changing_a_period_with_paid_claims_needs_a_confirmation(admin_client):
    period = Period.objects.get(number=16)
    url = reverse("admin:enrollment_period_change", args=[period.pk])
    data = {"name": "第十六期", "coverage_start": "2026-03-12", "coverage_end": "2027-03-11",
            "enrollment_start": "2026-03-01", "enrollment_end": "2027-02-28",
            "plans-TOTAL_FORMS": "0", "plans-INITIAL_FORMS": "0"}  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "笔已支付的申领" in content(response)
    assert admin_client.post(url, {**data, "confirm_paid_claims": "on"}).status_code == 302
    period.refresh_from_db()
    assert str(period.enrollment_end) == "2027-02-28"
    assert AuditLog.objects.for_object(period).last().data["changes"]["enrollment_end"] == ["2027-01-31", "2027-02-28"]


def test_the_plan_page_sets_whether_an_application_needs_the_social_insurance_proof(admin_client, med_plan):
    url = reverse("admin:enrollment_plan_change", args=[med_plan.pk])
    page = content(admin_client.get(url))
    assert 'name="requires_insurance_proof"' in page and "申请须附社会保险缴纳证明" in page
    assert page.index('name="requires_basic_insurance"') < page.index('name="requires_insurance_proof"')
    data = plan_post(
        med_plan.period, code="TMED", requires_insurance_proof="on", existing_tiers=list(med_plan.tiers.all())
    )
    assert admin_client.post(url, data).status_code == 302
    med_plan.refresh_from_db()
    assert med_plan.requires_insurance_proof is True
