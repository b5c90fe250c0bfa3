"""Hubei's pack (DOMAIN.md §14): H001's draft MED application, which a unit under 100 staff may
submit only with all of them, and the plans' age range."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from enrollment import services
from enrollment.models import Application, District, Plan
from tests.packs import pack_for_module

SIXTY_ONE = "422826196306010012"  # born 1963-06-01: 61 on 2025-01-01


@pytest.fixture(scope="module", autouse=True)
def hubei(django_db_setup, django_db_blocker):
    with pack_for_module("hubei", django_db_blocker):
        yield


@pytest.fixture
def january_2025():
    with time_machine.travel(datetime(2025, 1, 6, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def test_the_pack_holds_the_two_counties_and_h001_draft(db):
    # 恩施州 over them needs a district's parent (DOMAIN.md §15), not on main yet.
    assert set(District.objects.values_list("code", "name")) == {("XF", "咸丰县"), ("ESS", "恩施市")}
    assert set(Plan.objects.values_list("code", flat=True)) == {"MED", "CI", "FEM", "ACC"}
    draft = Application.objects.get(reference="1-MED-H001-1")
    assert (draft.status, draft.declared_staff) == ("draft", 5)
    assert sorted(draft.lines.values_list("member__name", flat=True)) == ["田勇", "谭静"]


@pytest.mark.usefixtures("january_2025")
def test_h001_cannot_submit_med_with_2_of_5_staff(db):
    draft = Application.objects.get(reference="1-MED-H001-1")
    with pytest.raises(ValidationError) as refused:
        services.application_submit(actor=User.objects.get(username="clerk_h001"), application=draft)
    assert "100 人以下的单位须全体参加" in refused.value.messages[0]
    assert "在职 5 人，已参加 2 人" in refused.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.usefixtures("january_2025")
def test_a_61_year_old_is_age_ineligible(db):
    draft = Application.objects.get(reference="1-MED-H001-1")
    data = f"姓名,身份证号码,医保卡号\n谭静,422826198811116861,S1\n向华,{SIXTY_ONE},S2\n".encode()
    result = services.roster_import(actor=User.objects.get(username="clerk_h001"), plan=draft.plan,
                                    unit=draft.unit, data=data, filename="名单.csv")  # fmt: skip
    assert [(error.row, error.code) for error in result.errors] == [(3, "age_ineligible")]
    assert "61 岁" in result.errors[0].message
