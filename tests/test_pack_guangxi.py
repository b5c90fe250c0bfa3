"""Guangxi's pack (DOMAIN.md §14): 苍梧县总工会 with G001, and 黄海's four worked examples on it."""

import pytest

from enrollment.models import Coverage, Plan, Unit
from tests.helpers import estimate_json
from tests.packs import pack_for_module

HUANG = "450421198203151137"


@pytest.fixture(scope="module", autouse=True)
def guangxi(django_db_setup, django_db_blocker):
    with pack_for_module("guangxi", django_db_blocker):
        yield


@pytest.fixture
def estimate(tmp_path, db):
    def _estimate(**data) -> dict:
        return estimate_json(tmp_path, {"period": 1, **data})

    return _estimate


def test_the_pack_holds_the_seed_records_and_nothing_of_weihai(db):
    assert list(Unit.objects.values_list("code", "name", "declared_staff", "district__name")) == [
        ("G001", "苍梧示例水泥厂", 12, "苍梧县")
    ]
    assert set(Plan.objects.values_list("code", flat=True)) == {"CMP", "DD", "MW", "FEM", "ACC"}
    assert set(Plan.objects.filter(exclusive_group="DD-MW").values_list("code", flat=True)) == {"CMP", "DD", "MW"}
    held = {(c.member.name, c.plan.code, c.shares, c.effective_from.isoformat()) for c in Coverage.objects.all()}
    assert held == {("黄海", "CMP", 3, "2026-01-01"), ("韦兰", "FEM", 2, "2026-01-01")}
    assert Plan.objects.get(code="FEM").lump_sums.get(item__code="F01").amount_per_share == 12000


def test_huang_hai_dd01_after_the_waiting_period(estimate):
    result = estimate(id_number=HUANG, plan="CMP", kind="diagnosis", event_date="2026-06-01", diagnosis="DD01",
                      submitted="2026-06-20")  # fmt: skip
    assert (result["payable"], result["decision"], result["reasons"]) == ("45000.00", "payable", [])


def test_huang_hai_dd01_in_waiting_gets_the_condolence(estimate):
    result = estimate(id_number=HUANG, plan="CMP", kind="diagnosis", event_date="2026-04-01", diagnosis="DD01",
                      submitted="2026-04-20")  # fmt: skip
    assert (result["payable"], result["decision"]) == ("500.00", "condolence")
    assert "in_waiting_period" in result["reasons"]


def test_huang_hai_accidental_death_pays_the_accident_and_the_death_part(estimate):
    result = estimate(id_number=HUANG, plan="CMP", kind="death", cause="accident", event_date="2026-03-01",
                      submitted="2026-03-20")  # fmt: skip
    assert (result["payable"], result["decision"]) == ("30000.00", "payable")


def test_huang_hai_accident_hospital_expense_under_his_three_shares_cap(estimate):
    result = estimate(id_number=HUANG, plan="CMP", kind="hospital_stay", cause="accident", admitted="2026-03-02",
                      discharged="2026-03-09", total_cost="2100", submitted="2026-03-20")  # fmt: skip
    assert result["payable"] == "1600.00"
    assert any("3 份 × 9,000.00 = 27,000.00" in line["label"] for line in result["lines"])
