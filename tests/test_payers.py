"""Who pays (DOMAIN.md §14, Beijing's five ways): the application records the way and each payer's
part per share; each part is invoiced, matched, receipted and refunded on its own; the application
takes effect once every part is paid. The worked example: 高峰's HOME application (2 shares, 20 a
share) paid 行政、工会与个人分担 10 + 5 + 5 invoices 20 + 10 + 10 to three payers. Built on a HOME
plan of its own period (tests/schemes.py's HOME_SPEC) in the demo's unit U002 (文登示例商店)."""

import io
import re
from datetime import date, datetime
from decimal import Decimal as D

import openpyxl
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from enrollment import services
from enrollment.models import Application, Member, Period, StatementLine, Unit
from enrollment.schemes import plan_from_spec
from reports import documents, statistics
from tests.helpers import typed_in
from tests.schemes import GAO_FENG, HOME_SPEC
from tests.test_payments import SHANGHAI, line, statement

pytestmark = pytest.mark.django_db

SHARED = {"unit": D("10"), "union": D("5"), "personal": D("5")}
UNIT_NAME = "文登示例商店"


@pytest.fixture(autouse=True)
def _january_2026():
    with time_machine.travel(datetime(2026, 1, 10, 10, tzinfo=SHANGHAI), tick=False):
        yield


def home_draft(clerk) -> Application:
    """高峰 (U002) on a draft HOME application with 2 shares, in HOME's own period."""
    period = Period.objects.create(number=1, name="2026年度", coverage_start=date(2026, 1, 1),
                                   coverage_end=date(2026, 12, 31), enrollment_start=date(2025, 12, 1),
                                   enrollment_end=date(2026, 3, 31))  # fmt: skip
    plan = plan_from_spec(period, HOME_SPEC)
    unit = Unit.objects.get(code="U002")
    id_number, name, sex, born = GAO_FENG
    member = Member.objects.create(
        id_number=id_number, name=name, sex=sex, birth_date=born, unit=unit, insurance_card="BJ0000001"
    )
    application = services.application_create(actor=clerk, plan=plan, unit=unit, declared_staff=1)
    services.roster_add_person(actor=clerk, application=application, person=typed_in(member, shares=2))
    return application


def approved(application, clerk, district, head) -> Application:
    services.application_submit(actor=clerk, application=application)
    services.application_district_approve(actor=district, application=application)
    services.application_centre_approve(actor=head, application=application)
    return Application.objects.get(pk=application.pk)


def pay(handler, *rows):
    return services.statement_import(actor=handler, data=statement(list(rows)), filename="对账单.xlsx")


@pytest.fixture
def home(clerk_u002, district_wd, head):
    application = home_draft(clerk_u002)
    services.application_set_funding(actor=clerk_u002, application=application, funding="admin_union_personal",
                                     parts=SHARED)  # fmt: skip
    return approved(application, clerk_u002, district_wd, head)


def owed(application):
    return [(p.label, p.per_share, p.due, p.reference) for p in services.payer_parts(application)]


def test_the_worked_example_invoices_twenty_ten_ten_to_three_payers(home):
    assert home.get_funding_display() == "行政、工会与个人分担"
    assert home.amount_due == D("40.00")
    assert owed(home) == [
        ("单位行政", D("10.00"), D("20.00"), "1-HOME-U002-1-XZ"),
        ("单位工会", D("5.00"), D("10.00"), "1-HOME-U002-1-GH"),
        ("职工个人", D("5.00"), D("10.00"), "1-HOME-U002-1-GR"),
    ]


def test_two_parts_paid_do_not_activate_the_third_does_and_three_receipts_exist(home, handler):
    result = pay(handler, line("B1", 20, memo="1-HOME-U002-1-XZ", payer=UNIT_NAME, day="2026-01-08"),
                 line("B2", 10, memo="1-HOME-U002-1-GH 工会经费", payer=UNIT_NAME, day="2026-01-08"))  # fmt: skip
    assert [m["reference"] for m in result.matched] == ["1-HOME-U002-1-XZ", "1-HOME-U002-1-GH"]
    home.refresh_from_db()
    assert (home.status, home.amount_paid, home.effective_on) == ("centre_approved", D("30.00"), None)
    assert [p.settled for p in services.payer_parts(home)] == [True, True, False]
    # Each paid part has its receipt already, titled with its payer; the members' part has none yet.
    assert sorted(home.receipts.values_list("payer_kind", "payer_title", "amount")) == [
        ("union", f"{UNIT_NAME}工会", D("10.00")), ("unit", UNIT_NAME, D("20.00"))]  # fmt: skip

    # The members' part, collected by the unit and sent as one transfer with its own reference.
    pay(handler, line("B3", 10, memo="1-HOME-U002-1-GR", payer=UNIT_NAME, day="2026-01-09"))
    home.refresh_from_db()
    assert (home.status, home.effective_on) == ("effective", date(2026, 1, 11))  # the day after approval
    assert home.coverages.get().shares == 2
    receipts = {r.payer_kind: r for r in home.receipts.filter(status="valid")}
    assert sorted(receipts) == ["personal", "union", "unit"]
    assert receipts["personal"].payer_title == f"{UNIT_NAME}（职工个人缴纳部分）"
    assert receipts["personal"].items[0]["price"] == "5.00" and receipts["personal"].amount == D("10.00")
    assert len({r.number for r in receipts.values()}) == 3


def test_a_refund_to_one_payer_voids_and_reissues_only_its_receipt(home, handler):
    pay(handler, line("C1", 20, memo="1-HOME-U002-1-XZ", payer=UNIT_NAME),
        line("C2", 15, memo="1-HOME-U002-1-GH", payer=UNIT_NAME),  # the union sent 5 too many
        line("C3", 10, memo="1-HOME-U002-1-GR", payer=UNIT_NAME))  # fmt: skip
    home.refresh_from_db()
    assert home.status == "effective"
    before = {r.payer_kind: r.number for r in home.receipts.all()}
    services.refund_record(actor=handler, application_id=home.pk, amount=D("5"), refunded_on=date(2026, 1, 10),
                           reference="TK-1", payer_kind="union")  # fmt: skip
    union = home.receipts.filter(payer_kind="union")
    old, new = union.get(number=before["union"]), union.get(status="valid")
    assert (old.status, old.amount, new.amount, new.replaces) == ("void", D("15.00"), D("10.00"), old)
    for kind in ("unit", "personal"):  # the other payers' receipts are untouched
        assert home.receipts.get(payer_kind=kind).number == before[kind]
        assert home.receipts.get(payer_kind=kind).status == "valid"
    assert home.refunds.get().payer_kind == "union"
    # Refunding a payer that paid exactly its part is refused, naming that part.
    with pytest.raises(ValidationError, match="单位行政部分没有多缴的款项"):
        services.refund_record(actor=handler, application_id=home.pk, amount=D("1"), refunded_on=date(2026, 1, 10),
                               reference="TK-2", payer_kind="unit")  # fmt: skip


def test_by_name_only_a_transfer_goes_to_the_one_part_of_its_amount(home, handler):
    # No reference: 20 is the administration's part alone; 10 could be the union's or the members'.
    result = pay(handler, line("D1", 20, payer=UNIT_NAME), line("D2", 10, payer=UNIT_NAME))
    assert [m["reference"] for m in result.matched] == ["1-HOME-U002-1-XZ"]
    assert len(result.unmatched) == 1
    # The manual queue offers the two parts of 10 that still owe, each under its own reference.
    waiting = StatementLine.objects.get(txn_no="D2")
    offered = [c["reference"] for c in services.line_candidates(waiting) if c["application"].pk == home.pk]
    assert sorted(offered) == ["1-HOME-U002-1-GH", "1-HOME-U002-1-GR"]


def test_the_manual_queue_credits_the_part_chosen_and_never_beyond_it(home, handler):
    pay(handler, line("E1", 10, memo="工会互助费", payer="文登某工会"), line("E2", 8, payer="文登某工会"))
    first, second = StatementLine.objects.get(txn_no="E1"), StatementLine.objects.get(txn_no="E2")
    assert (first.status, second.status) == ("waiting", "waiting")
    payment = services.line_match(actor=handler, line_id=first.pk, application_id=home.pk, payer_kind="union")
    assert payment.payer_kind == "union"
    with pytest.raises(ValidationError, match=re.escape("单位工会部分（1-HOME-U002-1-GH）只欠 0.00 元")):
        services.line_match(actor=handler, line_id=second.pk, application_id=home.pk, payer_kind="union")
    # Split: the unit sends its own part and the members' in one transfer of 30.
    pay(handler, line("E3", 30, payer=UNIT_NAME))
    third = StatementLine.objects.get(txn_no="E3")
    services.line_split(actor=handler, line_id=third.pk, parts=[(home.pk, D("20"), "unit"),
                                                                (home.pk, D("10"), "personal")])  # fmt: skip
    home.refresh_from_db()
    assert home.status == "effective" and home.receipts.filter(status="valid").count() == 3


@pytest.mark.parametrize(
    ("funding", "parts", "message"),
    [
        ("admin_union_personal", {"unit": D("10"), "union": D("5"), "personal": D("4")}, "合计 19.00 元"),
        ("admin_union", {"unit": D("10"), "union": D("5"), "personal": D("5")}, "不含职工个人承担的部分"),
        ("admin_union", {"unit": D("20")}, "须填写单位工会每份承担的金额"),
        ("nobody", {}, "请选择缴费方式"),
    ],
)
def test_parts_must_make_the_premium_and_follow_the_way(clerk_u002, funding, parts, message):
    application = home_draft(clerk_u002)
    with pytest.raises(ValidationError, match=message):
        services.application_set_funding(actor=clerk_u002, application=application, funding=funding, parts=parts)
    assert Application.objects.get(pk=application.pk).funding == "admin"


@pytest.mark.parametrize(("funding", "payer", "title"), [("union", "union", f"{UNIT_NAME}工会"),
                                                         ("personal", "personal", f"{UNIT_NAME}（职工个人缴纳部分）"),
                                                         ("admin", "unit", UNIT_NAME)])  # fmt: skip
def test_one_payer_pays_the_whole_under_its_plain_reference(clerk_u002, district_wd, head, handler, funding, payer,
                                                            title):  # fmt: skip
    application = home_draft(clerk_u002)
    services.application_set_funding(actor=clerk_u002, application=application, funding=funding)
    application = approved(application, clerk_u002, district_wd, head)
    assert [(p.kind, p.due, p.reference) for p in services.payer_parts(application)] == [
        (payer, D("40.00"), "1-HOME-U002-1")]  # fmt: skip
    pay(handler, line("F1", 40, memo="1-HOME-U002-1", payer=UNIT_NAME))
    application.refresh_from_db()
    assert application.status == "effective"
    assert list(application.receipts.values_list("payer_kind", "payer_title")) == [(payer, title)]
    assert application.payments.get().payer_kind == payer


def test_the_way_is_fixed_once_the_application_is_submitted(home, clerk_u002):
    with pytest.raises(ValidationError, match="已提交"):
        services.application_set_funding(actor=clerk_u002, application=home, funding="admin")


def test_another_units_clerk_cannot_set_the_way(clerk_u001, clerk_u002):
    application = home_draft(clerk_u002)
    with pytest.raises(PermissionDenied):
        services.application_set_funding(actor=clerk_u001, application=application, funding="union")


def test_the_clerk_sets_the_way_on_the_funding_page_and_the_page_shows_each_payers_reference(
    login, clerk_u002, district_wd, head
):
    application = home_draft(clerk_u002)
    client = login(clerk_u002)
    url = reverse("enrollment:application_funding", args=[application.reference])
    page = client.get(reverse("enrollment:application", args=[application.reference])).content.decode()
    assert url in page and "单位行政全额" in page  # the default way
    refused = client.post(url, {"funding": "admin_union", "unit": "10", "union": "5"}, follow=True).content.decode()
    assert "各方每份金额合计 15.00 元（单位行政 10.00 + 单位工会 5.00），应等于每份单位缴 20.00 元。" in refused
    client.post(url, {"funding": "admin_union_personal", "unit": "10", "union": "5", "personal": "5"})
    application.refresh_from_db()
    assert (application.funding, application.part_unit, application.part_union, application.part_personal) == (
        "admin_union_personal", D("10.00"), D("5.00"), D("5.00"))  # fmt: skip
    application = approved(application, clerk_u002, district_wd, head)
    page = client.get(reverse("enrollment:application", args=[application.reference])).content.decode()
    assert "行政、工会与个人分担（每份" in page
    for reference, owed_now in (("1-HOME-U002-1-XZ", "20.00"), ("1-HOME-U002-1-GH", "10.00"),
                                ("1-HOME-U002-1-GR", "10.00")):  # fmt: skip
        assert f"<strong>{owed_now} 元</strong>，附言 <strong>{reference}</strong>" in page
    # Submitted: the way is fixed, and the page says so.
    refused = client.post(url, {"funding": "admin"}, follow=True).content.decode()
    assert "申请已提交" in refused
    assert Application.objects.get(pk=application.pk).funding == "admin_union_personal"


def test_another_units_payer_parts_are_404(login, clerk_u001, home):
    client = login(clerk_u001)
    assert client.get(reverse("enrollment:application", args=[home.reference])).status_code == 404
    assert client.get(reverse("enrollment:application_funding", args=[home.reference])).status_code == 404
    assert client.post(reverse("enrollment:application_funding", args=[home.reference]),
                       {"funding": "admin"}).status_code == 404  # fmt: skip


def test_the_queue_offers_each_part_and_credits_the_one_pressed(login, handler, home):
    pay(handler, line("G1", 10, payer=UNIT_NAME))
    waiting = StatementLine.objects.get(txn_no="G1")
    client = login(handler)
    page = client.get(reverse("enrollment:payment_queue")).content.decode()
    assert "1-HOME-U002-1-GH（单位工会部分）" in page and "1-HOME-U002-1-GR（职工个人部分）" in page
    client.post(reverse("enrollment:line_action", args=[waiting.pk, "match"]),
                {"application": home.pk, "payer": "personal"})  # fmt: skip
    assert home.payments.get().payer_kind == "personal"
    assert [p.received for p in services.payer_parts(home)] == [D("0.00"), D("0.00"), D("10.00")]


def test_statistics_split_what_was_collected_by_payer(login, handler, home):
    pay(handler, line("S1", 20, memo="1-HOME-U002-1-XZ", payer=UNIT_NAME),
        line("S2", 10, memo="1-HOME-U002-1-GH", payer=UNIT_NAME))  # fmt: skip
    figures = statistics.compute(handler, period=1, plan="HOME")
    (row,) = figures.rows
    assert (row.by_payer, row.collected) == ([D("20.00"), D("10.00"), D("0.00")], D("30.00"))
    page = login(handler).get(reverse("reports:statistics") + "?period=1&plan=HOME").content.decode()
    assert "实收会费按缴费方" in page and '<th class="num">单位工会</th>' in page
    # On a phone the table is cards: each amount carries its payer's name, not one word for all.
    assert '<td class="num" data-label="单位工会">10.00</td>' in page
    book = openpyxl.load_workbook(io.BytesIO(statistics.workbook(figures)))
    sheet = book["实收会费按缴费方"]
    assert [c.value for c in sheet[1]] == ["期数", "项目", "单位行政", "单位工会", "职工个人", "合计"]
    assert [c.value for c in sheet[2]][2:] == [20, 10, 0, 30]


def test_the_application_form_prints_the_way_and_each_payers_part(login, clerk_u002, home):
    form = documents.application_form(home)
    assert form.funding == "行政、工会与个人分担"
    assert [(p.payer, p.per_share.figures, p.total.figures, p.reference) for p in form.payers] == [
        ("单位行政", "10.00", "20.00", "1-HOME-U002-1-XZ"), ("单位工会", "5.00", "10.00", "1-HOME-U002-1-GH"),
        ("职工个人", "5.00", "10.00", "1-HOME-U002-1-GR")]  # fmt: skip
    response = login(clerk_u002).get(reverse("reports:application", args=[home.reference]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for printed in ("行政、工会与个人分担", "单位工会：每份 ￥5.00 × 2 份 = ￥10.00", "1-HOME-U002-1-GR"):
        assert printed in text.replace("\n", "")
