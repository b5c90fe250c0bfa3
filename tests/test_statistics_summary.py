"""The statistics read summary rows that each change keeps in its own transaction (``enrollment.summary``,
``claims.summary``): after every kind of change — an application through review, return, rejection and
centre approval, credits, an undo, a refund, claims through review, return, rejection, payment and a
bank's return, a unit moved to another district — the page shows what the raw tables say and
``check_statistics`` finds no difference; nor after the demo's whole life cycle, which the session's
demo ran through the services."""

import io
import re
from datetime import date
from decimal import Decimal as D

import pytest
import tablib
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from claims import services as claim_services
from enrollment import services
from enrollment.admin import UnitResource
from enrollment.models import (
    Application,
    Coverage,
    District,
    Member,
    Payment,
    Plan,
    PlanDistrictSummary,
    Unit,
)
from enrollment.services.payments import statement_import
from reports.statistics import compute
from reports.statistics_check import differences
from tests.helpers import press, submit, typed_in
from tests.test_payments import line, statement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]


def agreed(handler, **filters):
    """The page's figures, once the summary is shown to be what the raw tables say."""
    assert differences() == []
    return compute(handler, **filters)


def pay(handler, txn: str, amount, application: Application, payer: str):
    statement_import(actor=handler, filename="对账单.xlsx", data=statement(
        [line(txn, amount, memo=application.reference, payer=payer, day="2026-08-31")]))  # fmt: skip


def test_check_statistics_finds_the_demo_in_agreement_and_names_a_figure_written_past_the_services(login, handler):
    out = io.StringIO()
    call_command("check_statistics", stdout=out)
    assert "统计汇总与原始数据一致" in out.getvalue()
    page = login(handler).get(reverse("reports:statistics")).text
    assert "统计随每笔业务即时更新，最近一次变动于 " in page
    med15 = PlanDistrictSummary.objects.get(plan__period__number=15, plan__code="MED", district__code="HC")
    PlanDistrictSummary.objects.filter(pk=med15.pk).update(enrolled=med15.enrolled + 1)
    out = io.StringIO()
    with pytest.raises(CommandError, match="有 1 处不一致"):
        call_command("check_statistics", stdout=out)
    said = f"第十五期 住院医疗（MED） · 环翠区：参保人次 汇总为 {med15.enrolled + 1}，按原始数据为 {med15.enrolled}"
    assert said in out.getvalue()
    call_command("check_statistics", fix=True, stdout=io.StringIO())
    assert differences() == []


def test_an_application_moves_the_figures_at_centre_approval_and_payment_only(clerk_u002, district_wd, handler):
    before = agreed(handler, period=16, plan="MW")
    offices_before = {o.district: o.units for o in agreed(handler).offices}
    unit = clerk_u002.staff_profile.unit
    mw = services.application_create(actor=clerk_u002, plan=Plan.objects.get(period__number=16, code="MW"), unit=unit,
                                     declared_staff=2)  # fmt: skip
    services.roster_add_person(actor=clerk_u002, application=mw, person=typed_in(Member.objects.get(name="刘洋")))
    services.application_submit(actor=clerk_u002, application=mw)
    services.application_return(actor=district_wd, application=mw, reason="请补充社保证明")
    services.application_submit(actor=clerk_u002, application=mw)
    services.application_district_approve(actor=district_wd, application=mw)
    fem = services.application_create(actor=clerk_u002, plan=Plan.objects.get(period__number=16, code="FEM"),
                                      unit=unit, declared_staff=2)  # fmt: skip
    services.roster_add_person(actor=clerk_u002, application=fem, person=typed_in(Member.objects.get(name="陈静")))
    services.application_submit(actor=clerk_u002, application=fem)
    services.application_reject(actor=district_wd, application=fem, reason="本单位已参加其他项目")
    assert agreed(handler, period=16, plan="MW").totals == before.totals  # nothing invoiced yet
    services.application_centre_approve(actor=handler, application=mw)
    mw.refresh_from_db()
    approved = agreed(handler, period=16, plan="MW").totals
    assert (approved.units, approved.due, approved.enrolled, approved.collected) == (
        before.totals.units + 1, before.totals.due + mw.amount_due, before.totals.enrolled, before.totals.collected)  # fmt: skip
    # 文登示例商店 held other plans already: the office rows count it once, the plan rows once a plan.
    assert {o.district: o.units for o in agreed(handler).offices} == offices_before
    pay(handler, "S1", mw.amount_due, mw, payer=unit.name)
    paid = agreed(handler, period=16, plan="MW").totals
    assert (paid.enrolled, paid.collected) == (before.totals.enrolled + 1, before.totals.collected + mw.amount_due)


def test_credits_an_undo_and_a_refund_move_what_was_collected(handler):
    med = Application.objects.get(reference="16-MED-U003-1")  # 赵敏 and 孙磊, 100.00 due
    before = agreed(handler, period=16, plan="MED").totals
    statement_import(actor=handler, filename="对账单.xlsx", dry_run=True, data=statement(
        [line("P0", 100, memo=med.reference, day="2026-08-31")]))  # fmt: skip
    assert agreed(handler, period=16, plan="MED").totals == before  # a preview keeps nothing
    pay(handler, "P1", 60, med, payer=med.unit.name)
    part = agreed(handler, period=16, plan="MED").totals
    assert (part.collected, part.by_payer[0], part.enrolled) == (before.collected + 60, before.by_payer[0] + 60,
                                                                 before.enrolled)  # fmt: skip
    services.payment_undo(actor=handler, payment_id=Payment.objects.get(bank_txn_no="P1").pk, reason="应为另一单位")
    assert agreed(handler, period=16, plan="MED").totals == before
    pay(handler, "P2", 120, med, payer=med.unit.name)  # 20.00 more than due: it takes effect, 20.00 to refund
    over = agreed(handler, period=16, plan="MED").totals
    assert (over.collected, over.enrolled) == (before.collected + 120, before.enrolled + 2)
    services.refund_record(actor=handler, application_id=med.pk, amount=D("20"), refunded_on=date(2026, 9, 1),
                           reference="TK20260901")  # fmt: skip
    refunded = agreed(handler, period=16, plan="MED").totals
    assert (refunded.collected, refunded.by_payer[0]) == (before.collected + 100, before.by_payer[0] + 100)


def test_claims_move_the_figures_when_filed_paid_and_returned_by_the_bank(clerk_u001, district_hc, handler, head):
    before = agreed(handler, period=16, plan="MED")
    coverage = Coverage.objects.get(member__name="王强", plan__code="MED", plan__period__number=16)

    def filed(admitted, **details):
        claim = claim_services.claim_create(actor=clerk_u001, coverage=coverage, kind="hospital_stay", admitted=admitted,
                                            discharged=admitted, total_cost=D("3000"), basic_insurance_paid=D("1000"),
                                            **details)  # fmt: skip
        return submit(clerk_u001, claim)

    claim = filed(date(2026, 8, 20), diagnosis_text="肺炎")
    returned = filed(date(2026, 8, 22), diagnosis_text="肺炎")
    rejected = filed(date(2026, 8, 24))
    claim_services.claim_return(actor=district_hc, claim=returned, reason="出院小结缺第二页")
    claim_services.claim_reject(actor=district_hc, claim=rejected, reason="非住院治疗")
    review = agreed(handler, period=16, plan="MED")
    assert review.totals.claims_filed == before.totals.claims_filed + 3  # returned and rejected were filed too
    assert ("肺炎", 2) in review.top_diagnoses
    claim_services.claim_update(actor=clerk_u001, claim=returned, diagnosis_text="支气管炎")
    assert {("肺炎", 1), ("支气管炎", 1)} <= set(agreed(handler, period=16, plan="MED").top_diagnoses)
    claim_services.claim_district_approve(actor=district_hc, claim=claim)
    claim = claim_services.claim_approve(actor=head, claim=claim_services.claim_check(actor=handler, claim=claim))
    batch = claim_services.payout_batch_create(actor=handler, claims=[claim])
    claim_services.payout_batch_mark_paid(actor=head, batch=batch, paid_on=date(2026, 9, 1), bank_reference="HD1")
    paid = agreed(handler, period=16, plan="MED").totals
    assert (paid.claims_paid, paid.paid) == (before.totals.claims_paid + 1, before.totals.paid + claim.approved_amount)
    assert paid.days_to_pay < before.totals.days_to_pay  # submitted and paid the same morning
    claim_services.payout_line_bounce(actor=handler, batch=batch, claim=claim, reason="账户已销户")
    bounced = agreed(handler, period=16, plan="MED").totals
    assert (bounced.claims_paid, bounced.paid, bounced.days_to_pay) == (
        before.totals.claims_paid, before.totals.paid, before.totals.days_to_pay)  # fmt: skip


def waiting(client, title: str) -> int:
    """The count under ``title`` on the signed-in person's home page."""
    page = client.get(reverse("home")).content.decode()
    found = re.search(rf"<h2>{title}</h2>\s*<div class=\"stat\">(\d+)</div>", page)
    assert found, page[page.find("<main") :][:3000]
    return int(found[1])


def queue_total(client, status: str) -> int:
    """The total a queue says above its rows ("共 N 笔"), checked against its rows on one page."""
    page = client.get(reverse("claims:list"), {"status": status}).content.decode()
    total = int(re.search(r"共 ([\d,]+)\s*笔", page)[1].replace(",", ""))
    assert page.count('<tr>\n      <td data-label="申领编号">') == min(total, 50)
    return total


def test_the_home_pages_and_the_queues_count_what_waits_at_each_step(clerk_u001, district_hc, handler, head):
    """The counts come from the summary rows: each step moves a claim from one count to the next, and
    a payout batch takes it out of 已审批待支付, where the bank's return of the transfer puts it back."""
    district, centre = Client(), Client()
    district.force_login(district_hc)
    centre.force_login(handler)

    def counts():
        assert differences() == []
        return (waiting(district, "待审核申领"), queue_total(district, "submitted"),
                waiting(centre, "待中心审核申领"), queue_total(centre, "district_approved"),
                waiting(centre, "待负责人审批"), waiting(centre, "已审批待支付"))  # fmt: skip

    before = counts()
    coverage = Coverage.objects.get(member__name="王强", plan__code="MED", plan__period__number=16)
    claim = claim_services.claim_create(actor=clerk_u001, coverage=coverage, kind="hospital_stay",
                                        admitted=date(2026, 8, 20), discharged=date(2026, 8, 25),
                                        total_cost=D("3000"), basic_insurance_paid=D("1000"))  # fmt: skip
    claim = submit(clerk_u001, claim)
    step = [a - b for a, b in zip(counts(), before, strict=True)]
    assert step == [1, 1, 0, 0, 0, 0]
    claim = claim_services.claim_district_approve(actor=district_hc, claim=claim)
    assert [a - b for a, b in zip(counts(), before, strict=True)] == [0, 0, 1, 1, 0, 0]
    claim = claim_services.claim_check(actor=handler, claim=claim)
    assert [a - b for a, b in zip(counts(), before, strict=True)] == [0, 0, 0, 0, 1, 0]
    claim = claim_services.claim_approve(actor=head, claim=claim)
    assert [a - b for a, b in zip(counts(), before, strict=True)] == [0, 0, 0, 0, 0, 1]
    batch = claim_services.payout_batch_create(actor=handler, claims=[claim])
    assert counts() == before
    claim_services.payout_batch_mark_paid(actor=head, batch=batch, paid_on=date(2026, 9, 1), bank_reference="HD2")
    assert counts() == before
    claim_services.payout_line_bounce(actor=handler, batch=batch, claim=claim, reason="账号有误")
    assert [a - b for a, b in zip(counts(), before, strict=True)] == [0, 0, 0, 0, 0, 1]


def test_a_unit_moved_to_another_district_takes_its_figures_with_it(admin_client, handler):
    before = {o.district: o for o in agreed(handler).offices}
    unit = Unit.objects.get(code="U003")  # 荣成市's one unit
    wd, rc = District.objects.get(code="WD"), District.objects.get(code="RC")
    url = reverse("admin:enrollment_unit_change", args=[unit.pk])
    assert press(admin_client, url, "保存", district=wd.pk, address="荣成市").status_code == 302
    moved = {o.district: o for o in agreed(handler).offices}
    assert "荣成市" not in moved
    assert moved["文登区"].enrolled == before["文登区"].enrolled + before["荣成市"].enrolled
    assert moved["文登区"].units == before["文登区"].units + 1
    # Back by the admin's import (a sheet of units with their district codes): the figures follow.
    rows = tablib.Dataset(["U003", rc.code], headers=["code", "district"])
    assert not UnitResource().import_data(rows, dry_run=False).has_errors()
    assert {o.district: o.enrolled for o in agreed(handler).offices} == {d: o.enrolled for d, o in before.items()}
