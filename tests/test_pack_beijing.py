"""Beijing's pack (DOMAIN.md §14): a member's child insured on the unit's application (KID) and
paid to the parent, household fire loss (HOME), and the roster of dependants."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from claims import services as claim_services
from enrollment import services
from enrollment.models import Application, Coverage, Member, Plan
from tests.helpers import estimate_json
from tests.packs import pack_for_module

MA_LI = "11010519860412336X"
MA_XIAOMING = "110105201506014498"
GAO = "110108197809305516"
ADULT_CHILD = "110105200712010039"  # born 2007-12-01: 18 on 2026-01-01
SECOND_CHILD = "110105201803010020"


@pytest.fixture(scope="module", autouse=True)
def beijing(django_db_setup, django_db_blocker):
    with pack_for_module("beijing", django_db_blocker):
        yield


@pytest.fixture
def estimate(tmp_path, db):
    def _estimate(**data) -> dict:
        return estimate_json(tmp_path, {"period": 1, **data})

    return _estimate


@pytest.fixture
def december_2025():
    with time_machine.travel(datetime(2025, 12, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def clerk(code: str) -> User:
    return User.objects.get(username=f"clerk_{code.lower()}")


def test_the_pack_holds_seven_plans_and_the_child_of_ma_li(db):
    assert set(Plan.objects.values_list("code", flat=True)) == {"KID", "HOME", "FEM", "ACC", "DD", "MED", "ALW"}
    child = Coverage.objects.get(plan__code="KID")
    assert (child.member.name, child.member.id_number, child.unit.code) == ("马小明", MA_XIAOMING, "B001")
    assert child.member.parent.id_number == MA_LI
    assert child.application.lines.get().parent.name == "马丽"
    home = Coverage.objects.get(plan__code="HOME")
    assert (home.member.name, home.shares, home.effective_from) == ("高峰", 2, date(2026, 1, 1))


def test_ma_xiaoming_disability_grade_5_is_paid_to_ma_li(db, estimate):
    result = estimate(id_number=MA_XIAOMING, plan="KID", kind="disability", cause="accident",
                      event_date="2026-05-01", disability_grade=5, submitted="2026-05-20")  # fmt: skip
    assert (result["payable"], result["decision"]) == ("12000.00", "payable")  # 20,000 × 60%
    coverage = Coverage.objects.get(plan__code="KID")
    claim = claim_services.claim_create(actor=clerk("B001"), coverage=coverage, kind="disability", cause="accident",
                                        event_date=date(2026, 5, 1), disability_grade=5)  # fmt: skip
    ma_li = Member.objects.get(id_number=MA_LI)
    assert claim.member.name == "马小明"
    assert (claim.payee_name, claim.payee_account) == ("马丽", ma_li.bank_account)
    assert claim_services.payee_problem(claim) is None


def test_ma_xiaoming_accident_medical(estimate):
    result = estimate(id_number=MA_XIAOMING, plan="KID", kind="hospital_stay", cause="accident",
                      admitted="2026-03-02", discharged="2026-03-04", total_cost="1100", submitted="2026-03-20")  # fmt: skip
    assert result["payable"] == "800.00"  # (1,100 − 100) × 80%


def test_gao_feng_fire_loss(estimate):
    result = estimate(id_number=GAO, plan="HOME", kind="property_loss", event_date="2026-03-01", loss_amount="8200",
                      submitted="2026-03-20")  # fmt: skip
    assert (result["payable"], result["reasons"]) == ("6400.00", [])


def test_gao_feng_fire_in_the_30_day_waiting(estimate):
    result = estimate(id_number=GAO, plan="HOME", kind="property_loss", event_date="2026-01-20", loss_amount="8200",
                      submitted="2026-02-20")  # fmt: skip
    assert (result["payable"], result["reasons"]) == ("0.00", ["in_waiting_period"])


def test_gao_feng_work_injury_is_excluded(estimate):
    result = estimate(id_number=GAO, plan="HOME", kind="disability", cause="accident", event_date="2026-05-01",
                      disability_grade=5, work_injury=True, submitted="2026-06-01")  # fmt: skip
    assert (result["payable"], result["reasons"]) == ("0.00", ["work_injury_excluded"])


def roster(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.mark.usefixtures("december_2025")
@pytest.mark.parametrize("parent_header", ["职工身份证号码", "父母身份证号码", "职工身份证号", "父（母）身份证号码"])
def test_a_roster_of_children_names_each_parent(db, parent_header):
    data = roster(f"序号,姓名,身份证号码,{parent_header},职工姓名", f"1,马小红,{SECOND_CHILD},{MA_LI},马丽")
    result = services.roster_import(actor=clerk("B001"), plan=Plan.objects.get(code="KID"),
                                    unit=Application.objects.get(reference="1-KID-B001-1").unit, data=data,
                                    filename="子女.csv")  # fmt: skip
    assert result.errors == []
    line = result.application.lines.get()
    assert (line.member.name, line.parent.name) == ("马小红", "马丽")


@pytest.mark.usefixtures("december_2025")
def test_roster_row_errors_for_a_parent_off_the_staff_and_a_child_over_age(db):
    data = roster(
        "序号,姓名,身份证号码,职工身份证号码",
        f"1,高小峰,{SECOND_CHILD},{GAO}",  # 高峰 works at B002, not B001
        f"2,马大明,{ADULT_CHILD},{MA_LI}",
        f"3,马小红,{SECOND_CHILD[:-1]}1,",
    )
    result = services.roster_import(actor=clerk("B001"), plan=Plan.objects.get(code="KID"),
                                    unit=Member.objects.get(id_number=MA_LI).unit, data=data, filename="子女.csv")  # fmt: skip
    codes = {(error.row, error.code) for error in result.errors}
    assert (2, "parent_not_staff") in codes
    assert (3, "dependant_age_ineligible") in codes
    assert (4, "parent_not_staff") in codes  # no parent given
    assert not any(code == "age_ineligible" for _, code in codes)
    message = next(e.message for e in result.errors if e.row == 2)
    assert "不是本单位的职工" in message and "高峰" not in message
    assert not Member.objects.filter(name__in=["高小峰", "马大明"]).exists()


@pytest.mark.usefixtures("december_2025")
def test_a_child_typed_in_without_a_parent_is_refused_on_the_parent_field(db):
    application = services.application_create(actor=clerk("B002"), plan=Plan.objects.get(code="KID"),
                                               unit=Member.objects.get(id_number=GAO).unit, declared_staff=5)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.roster_add_person(actor=clerk("B002"), application=application,
                                   person={"name": "马小红", "id_number": SECOND_CHILD, "basic": False,
                                           "parent_id": MA_LI})  # fmt: skip
    assert "parent_id" in refused.value.message_dict
    line = services.roster_add_person(actor=clerk("B002"), application=application,
                                      person={"name": "高小峰", "id_number": SECOND_CHILD, "basic": False,
                                              "parent_id": GAO})  # fmt: skip
    assert line.parent.name == "高峰"
    services.application_submit(actor=clerk("B002"), application=application)  # 1 child of 5 staff: no share rule
