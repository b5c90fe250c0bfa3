"""Offices as a tree (DOMAIN.md §15): a prefecture office over WD and RC (``make_prefecture``) sees
everything of its districts and nothing of HC's, changes nothing, and reads its statistics grouped
by district and prefecture. The admin edits the tree and creates its accounts."""

import io
from datetime import date

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from claims import services as claim_services
from claims.models import Claim
from enrollment import services
from enrollment.models import Application, Coverage, District, Member, Prefecture, Unit, UnitRegistration
from mutualaid.roles import Role
from reports.statistics import compute
from tests.helpers import PREFECTURE_DISTRICTS, make_prefecture
from tests.test_admin import PASSWORD, content, group, inline_post

pytestmark = pytest.mark.django_db

SCOPED_MODELS = (Unit, Member, Application, Coverage, Claim, UnitRegistration, District)


def _codes(queryset, path):
    return set(queryset.values_list(path, flat=True))


def test_it_sees_exactly_what_its_districts_offices_see(prefecture_px, district_wd, district_rc):
    for model in SCOPED_MODELS:
        own = set(model.objects.visible_to(prefecture_px).values_list("pk", flat=True))
        offices = set(model.objects.visible_to(district_wd).values_list("pk", flat=True)) | set(
            model.objects.visible_to(district_rc).values_list("pk", flat=True)
        )
        assert own == offices, model
    assert _codes(Unit.objects.visible_to(prefecture_px), "code") == {"U002", "U003"}
    assert _codes(Coverage.objects.visible_to(prefecture_px), "unit__district__code") == set(PREFECTURE_DISTRICTS)
    assert list(Prefecture.objects.visible_to(prefecture_px).values_list("code", flat=True)) == ["PX"]


def test_its_districts_pages_open_and_another_districts_are_404(login, prefecture_px):
    client = login(prefecture_px)
    inside = Application.objects.get(reference="16-ALW-U002-1")
    outside = Application.objects.get(reference="16-MED-U001-1")
    page = client.get(reverse("enrollment:application", args=[inside.reference]))
    assert page.status_code == 200 and "文登示例商店" in page.text
    assert client.get(reverse("enrollment:application", args=[outside.reference])).status_code == 404
    assert client.get(reverse("claims:detail", args=["16-MED-U001-C1"])).status_code == 404
    hc_member = Member.objects.get(id_number="371002198005120137")
    assert client.get(reverse("member", args=[hc_member.pk])).status_code == 404
    # Its lists hold its districts' records only.
    listing = client.get(reverse("enrollment:applications"), {"status": "all"}).text
    assert "16-ALW-U002-1" in listing and "-U001-" not in listing


def test_no_workflow_lets_it_act_at_any_stage():
    tables = [model.workflow for model in apps.get_models() if hasattr(model, "workflow")]
    assert len(tables) >= 3
    for table in tables:
        for action, transition in table.transitions.items():
            for state in transition.sources:
                assert not table.may(Role.PREFECTURE, action, state), (action, state)


def test_every_service_refuses_it_in_its_own_districts(prefecture_px, clerk_u002, september_2026):
    application = Application.objects.get(reference="16-ALW-U002-1")
    coverage = Coverage.objects.filter(unit__code="U002").first()
    with pytest.raises(PermissionDenied):
        claim_services.claim_create(actor=prefecture_px, coverage=coverage, kind="hospital_stay",
                                    admitted=date(2026, 8, 1), discharged=date(2026, 8, 5))  # fmt: skip
    claim = claim_services.claim_create(actor=clerk_u002, coverage=coverage, kind="hospital_stay",
                                        admitted=date(2026, 8, 1), discharged=date(2026, 8, 5))  # fmt: skip
    for refused in (
        lambda: claim_services.claim_district_approve(actor=prefecture_px, claim=claim),
        lambda: services.application_district_approve(actor=prefecture_px, application=application),
        lambda: services.application_create(
            actor=prefecture_px, unit=application.unit, plan=application.plan, declared_staff=2
        ),
    ):
        with pytest.raises((PermissionDenied, ValidationError)):
            refused()
    assert Claim.objects.get(pk=claim.pk).status == "draft"


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


ENROLLED_IN_PREFECTURE = ("SELECT count(*) FROM enrollment_coverage c JOIN enrollment_unit u ON u.id = c.unit_id "
                          "JOIN enrollment_district d ON d.id = u.district_id WHERE d.prefecture_id = %s")  # fmt: skip


def test_statistics_of_a_prefecture_are_its_districts_and_their_subtotal(login, prefecture_px, handler):
    px = Prefecture.objects.get(code="PX")
    page = login(prefecture_px).get(reverse("reports:statistics"))
    figures = page.context["figures"]
    assert figures.totals.enrolled == sql(ENROLLED_IN_PREFECTURE, [px.pk]) > 0
    assert figures.totals.enrolled == compute(handler, prefecture=px).totals.enrolled
    offices = [(o.prefecture, o.district) for o in figures.offices]
    assert offices == [("测试市州", "荣成市"), ("测试市州", "文登区"), ("测试市州", "")]
    *districts, subtotal = figures.offices
    assert subtotal.enrolled == sum(o.enrolled for o in districts) == figures.totals.enrolled
    assert subtotal.collected == figures.totals.collected and subtotal.paid == figures.totals.paid
    assert "按办事处" in page.text and "小计" in page.text and "环翠区" not in page.text
    # Asking for a district outside it finds nothing to narrow to: still its own figures, never HC's.
    hc = District.objects.get(code="HC")
    assert (
        login(prefecture_px).get(reverse("reports:statistics"), {"district": hc.pk}).context["figures"].totals.enrolled
        == figures.totals.enrolled
    )


def test_the_centre_reads_statistics_by_prefecture_and_district(login, prefecture_px, handler):
    px = Prefecture.objects.get(code="PX")
    figures = login(handler).get(reverse("reports:statistics")).context["figures"]
    rows = {(o.prefecture, o.district): o for o in figures.offices}
    assert rows[("测试市州", "")].enrolled == sql(ENROLLED_IN_PREFECTURE, [px.pk])
    assert rows[("未设市州", "")].enrolled == rows[("未设市州", "环翠区")].enrolled + sum(
        o.enrolled for (p, d), o in rows.items() if p == "未设市州" and d not in ("", "环翠区")
    )
    assert sum(o.enrolled for o in figures.offices if o.is_subtotal) == figures.totals.enrolled
    chosen = login(handler).get(reverse("reports:statistics"), {"prefecture": px.pk}).context["figures"]
    assert chosen.totals.enrolled == sql(ENROLLED_IN_PREFECTURE, [px.pk])
    export = login(handler).get(reverse("reports:statistics"), {"format": "xlsx"})
    sheet = list(openpyxl.load_workbook(io.BytesIO(export.content))["按办事处"].iter_rows(values_only=True))
    assert sheet[0][:4] == ("市州", "办事处", "参保单位", "参保人次")
    assert ("测试市州", "小计", rows[("测试市州", "")].enrolled) == (sheet[3][0], sheet[3][1], sheet[3][3])


def test_a_city_without_prefectures_shows_districts_without_subtotals(handler):
    assert not Prefecture.objects.exists()
    offices = compute(handler).offices
    assert offices and not any(o.is_subtotal for o in offices)
    assert sum(o.enrolled for o in offices) == compute(handler).totals.enrolled


def test_clerks_and_districts_have_no_prefecture_choice(login, district_wd, prefecture_px):
    page = login(district_wd).get(reverse("reports:statistics"))
    assert 'name="prefecture"' not in page.text
    assert [o.district for o in page.context["figures"].offices] == ["文登区"]


def test_the_admin_builds_the_tree_and_creates_a_prefecture_account(admin_client):
    response = admin_client.post(reverse("admin:enrollment_prefecture_add"), {
        "code": "ES", "name": "恩施州", "districts-TOTAL_FORMS": "0", "districts-INITIAL_FORMS": "0",
        "_save": "保存",
    })  # fmt: skip
    assert response.status_code == 302, content(response)
    es = Prefecture.objects.get(code="ES")
    wd = District.objects.get(code="WD")
    response = admin_client.post(reverse("admin:enrollment_district_change", args=[wd.pk]),
                                 {"code": "WD", "name": wd.name, "prefecture": es.pk, "_save": "保存"})  # fmt: skip
    assert response.status_code == 302, content(response)
    assert "文登区" in content(admin_client.get(reverse("admin:enrollment_prefecture_changelist")))
    data = {
        "username": "t_prefecture", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD,
        "last_name": "李", "first_name": "查看", "email": "", "groups": [str(group(Role.PREFECTURE).pk)],
        "_save": "保存",
        **inline_post("staff_profile", [{"id": "", "unit": "", "district": "", "prefecture": es.pk, "phone": ""}]),
    }  # fmt: skip
    assert admin_client.post(reverse("admin:auth_user_add"), data).status_code == 302
    user = User.objects.get(username="t_prefecture")
    assert set(Unit.objects.visible_to(user).values_list("district__code", flat=True)) == {"WD"}
    # One office per account: a prefecture and a district together are refused.
    data["username"] = "t_prefecture2"
    data.update(inline_post("staff_profile", [{"id": "", "unit": "", "district": wd.pk, "prefecture": es.pk,
                                               "phone": ""}]))  # fmt: skip
    response = admin_client.post(reverse("admin:auth_user_add"), data)
    assert response.status_code == 200 and "单位、办事处和市州只能选其一" in content(response)


def test_a_prefecture_account_without_its_prefecture_sees_nothing(db):
    user = make_prefecture("t_lonely")
    user.staff_profile.prefecture = None
    user.staff_profile.save()
    user = User.objects.get(pk=user.pk)
    assert not Unit.objects.visible_to(user).exists() and not Claim.objects.visible_to(user).exists()
