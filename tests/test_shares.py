"""Shares (份数, DOMAIN.md §4): 1..limit, the limit set by what the roster holds — the same shares for
everyone (uniform) or not — never by the box the clerk ticked; checked on every way in and again at
submission and at the centre's approval, and held by the database."""

from datetime import date
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from enrollment import services
from enrollment.models import Application, Coverage, Member, Plan, RosterLine, Unit
from enrollment.roster.rules import roster_share_problems
from tests.helpers import typed_in
from tests.test_enrollment_pages import upload
from tests.test_roster_import import codes, person, row, run, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def dd(clerk, uniform=True):
    return services.application_create(
        actor=clerk, plan=Plan.objects.get(period__number=16, code="DD"), unit=clerk.staff_profile.unit,
        declared_staff=5, uniform_shares=uniform,
    )  # fmt: skip


def someone(k, unit="U003") -> Member:
    number = person(300 + k)
    return Member.objects.create(id_number=number, name=f"份数{'一二三四五六七八九'[k]}", sex="M",
                                 birth_date=date(1985, 3, 1), unit=Unit.objects.get(code=unit), insurance_card=f"C{k}")  # fmt: skip


def add_person(client, application, k, shares):
    data = {"name": f"份数{'一二三四五六七八九'[k]}", "id_number": person(300 + k), "sex": "", "card": f"C{k}",
            "phone": "", "shares": str(shares), "basic": "on", "occupation": ""}  # fmt: skip
    return client.post(reverse("enrollment:person_add", args=[application.reference]), data, follow=True)


# --- 0 is never a share count -------------------------------------------------------------------


def test_a_roster_row_with_zero_shares_is_a_row_error_and_nothing_is_imported(login, clerk_u003):
    result = run(xlsx([row(1, shares="2"), row(2, shares="0")]), plan="DD")
    assert codes(result) == {5: {"shares_invalid"}}
    assert "份数“0”应为不小于 1 的整数" in result.errors[0].message and result.created == 0
    client = login(clerk_u003)
    application = dd(clerk_u003)
    page = upload(client, application, xlsx([row(1, shares="0")])).text
    assert "未导入任何人员" in page and "份数“0”应为不小于 1 的整数" in page
    assert not application.lines.exists()


def test_zero_shares_typed_in_are_refused(login, clerk_u003):
    client = login(clerk_u003)
    application = dd(clerk_u003)
    page = add_person(client, application, 1, 0).text
    assert "已加入名单" not in page and not application.lines.exists()
    with pytest.raises(ValidationError):
        services.roster_add_person(actor=clerk_u003, application=application, person=typed_in(someone(1), shares=0))
    assert not application.lines.exists()


def test_the_database_refuses_a_line_or_a_coverage_without_shares():
    line = RosterLine.objects.filter(application__reference="16-DD-U001-1").first()
    coverage = Coverage.objects.filter(application__reference="16-DD-U001-1").first()
    for model, pk in ((RosterLine, line.pk), (Coverage, coverage.pk)):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=pk).update(shares=0, renewed_shares=0)


# --- uniform or not is what the roster holds ------------------------------------------------------


def test_the_share_rules_judge_the_whole_roster():
    dd = SimpleNamespace(max_shares=5, mixed_max_shares=3, renewal_keeps_shares=True, uniform_shares_required=False)
    assert roster_share_problems(dd, [(1, 5, 0), (2, 5, 0)]) == {}  # uniform: up to 5
    wrong = roster_share_problems(dd, [(1, 5, 0), (2, 3, 0)])  # mixed: up to 3
    assert list(wrong) == [1] and "上限 3 份" in wrong[1] and "各人份数不同" in wrong[1]
    assert roster_share_problems(dd, [(1, 5, 5), (2, 3, 0)]) == {}  # a renewal keeps last period's 5
    assert "续保可保留上期的 4 份" in roster_share_problems(dd, [(1, 5, 4), (2, 1, 0)])[1]
    assert "不小于 1" in roster_share_problems(dd, [(1, 0, 0)])[1]
    acc = SimpleNamespace(max_shares=5, mixed_max_shares=5, renewal_keeps_shares=True, uniform_shares_required=True)
    wrong = roster_share_problems(acc, [(1, 2, 0), (2, 2, 0), (3, 1, 0)])
    assert list(wrong) == [3] and "每人份数相同" in wrong[3] and "多数人为 2 份" in wrong[3]


def test_a_file_with_different_shares_under_a_plan_requiring_uniform_shares(db):
    result = run(xlsx([row(1, shares="2"), row(2, shares="2"), row(3, shares="1")]), plan="ACC")
    assert codes(result) == {6: {"shares_invalid"}} and "多数人为 2 份" in result.errors[0].message


# --- 5 shares, then the box unticked --------------------------------------------------------------


def test_five_shares_then_unticked_is_refused_at_submission_and_at_approval(clerk_u003, district_rc, handler):
    application = dd(clerk_u003, uniform=True)
    for k in (1, 2):
        services.roster_add_person(actor=clerk_u003, application=application, person=typed_in(someone(k), shares=5))
    services.application_update(actor=clerk_u003, application=application, uniform_shares=False)
    # Three at 3 would be fine alone; beside two at 5 it makes the roster mixed, where 3 is the most.
    third = someone(3)
    with pytest.raises(ValidationError, match="序号 1 份数二（5 份）"):
        services.roster_add_person(actor=clerk_u003, application=application, person=typed_in(third, shares=3))
    # A roster let through before (a line written without these checks) is refused at submission ...
    line = services.roster_add_person(actor=clerk_u003, application=application, person=typed_in(third, shares=5))
    RosterLine.objects.filter(pk=line.pk).update(shares=3, renewed_shares=0)
    with pytest.raises(ValidationError) as refused:
        services.application_submit(actor=clerk_u003, application=application)
    message = refused.value.messages[0]
    assert "名单中有 2 人的份数不符合本项目规定" in message and "序号 1 份数二（5 份）" in message
    assert "序号 2 份数三（5 份）" in message and "上限 3 份" in message and "请修改份数后再提交" in message
    application.refresh_from_db()
    assert application.status == "draft" and application.amount_due == 0
    # ... and at the centre, whatever happened to the lines after the district office saw them.
    RosterLine.objects.filter(pk=line.pk).update(shares=5)
    services.application_submit(actor=clerk_u003, application=application)
    application.refresh_from_db()
    assert application.uniform_shares is True  # what the roster is, not what the box said
    services.application_district_approve(actor=district_rc, application=application)
    RosterLine.objects.filter(pk=line.pk).update(shares=3)
    with pytest.raises(ValidationError, match=r"名单中有 2 人的份数不符合本项目规定.*不能审核通过"):
        services.application_centre_approve(actor=handler, application=application)
    application.refresh_from_db()
    assert application.status == "district_approved" and application.centre_approved_at is None


def test_five_shares_then_unticked_through_the_pages(login, clerk_u003):
    client = login(clerk_u003)
    application = dd(clerk_u003, uniform=True)
    for k in (1, 2):
        assert "已加入名单" in add_person(client, application, k, 5).text
    client.post(reverse("enrollment:application_edit", args=[application.reference]), {
        "declared_staff": "5", "contact_name": "孙梅", "contact_phone": "13900000003", "invoice_title": "",
        "invoice_tax_number": ""})  # fmt: skip
    application.refresh_from_db()
    assert application.uniform_shares is False
    page = add_person(client, application, 3, 3).text
    assert "已加入名单" not in page and "序号 1 份数二（5 份）" in page and "上限 3 份" in page
    assert application.lines.count() == 2
    # Changing one person's shares is judged on the roster as it would stand, too.
    first = application.lines.order_by("row_number").first()
    page = client.post(reverse("enrollment:line_shares", args=[application.reference, first.pk]), {"shares": "3"},
                       follow=True).text  # fmt: skip
    assert "序号 2 份数三（5 份）" in page and "请用名单上方的“全部人员改为”" in page
    assert sorted(application.lines.values_list("shares", flat=True)) == [5, 5]
    # A line written before these checks shows on the page and holds the submission.
    RosterLine.objects.filter(pk=first.pk).update(shares=3)
    page = client.get(reverse("enrollment:application", args=[application.reference])).text
    assert "名单中有 1 人的份数不符合本项目规定" in page
    page = client.post(reverse("enrollment:action", args=[application.reference, "submit"]), follow=True).text
    assert "名单中有 1 人的份数不符合本项目规定" in page and "申请已提交" not in page
    application.refresh_from_db()
    assert application.status == "draft"
    # Everyone at 3 together is a uniform roster again.
    page = client.post(reverse("enrollment:shares_all", args=[application.reference]), {"shares": "3"},
                       follow=True).text  # fmt: skip
    assert "已把名单中每人的份数改为 3 份" in page
    page = client.post(reverse("enrollment:action", args=[application.reference, "submit"]), follow=True).text
    assert "申请已提交" in page
    assert Application.objects.get(pk=application.pk).share_count == 6


def test_everyone_at_more_than_the_limit_is_refused(login, clerk_u003):
    client = login(clerk_u003)
    application = dd(clerk_u003)
    add_person(client, application, 1, 3)
    page = client.post(reverse("enrollment:shares_all", args=[application.reference]), {"shares": "6"},
                       follow=True).text  # fmt: skip
    assert "份数 6 超过上限 5 份" in page and list(application.lines.values_list("shares", flat=True)) == [3]
    assert login(clerk_u003).post(reverse("enrollment:shares_all", args=["16-DD-U001-1"]), {"shares": "1"}
                                  ).status_code == 404  # fmt: skip
