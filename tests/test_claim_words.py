"""One word for one thing on every page, reviewers by name, search that finds what clerks type."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim
from enrollment.models import Coverage
from tests.helpers import submit

pytestmark = pytest.mark.django_db


def test_a_period_has_one_name_in_lists_and_detail_pages(login, clerk_u001):
    client = login(clerk_u001)
    for url in (reverse("claims:list"), reverse("claims:detail", args=["16-MED-U001-C1"]), reverse("home"),
                reverse("enrollment:applications")):  # fmt: skip
        page = client.get(url).text
        assert "第十六期" in page, url
        assert "第16期" not in page, url


def test_traffic_accident_is_called_the_same_on_the_form_and_in_the_estimate(login, clerk_u004):
    form = login(clerk_u004).get(reverse("claims:create")).text
    assert "交通事故" in form
    coverage = Coverage.objects.get(member__name="周芳", plan__code="GIG")
    box = login(clerk_u004).post(
        reverse("claims:estimate"),
        {"coverage": coverage.pk, "kind": "hospital_stay", "cause": "traffic_accident",
         "admitted": "2026-09-01", "discharged": "2026-09-11"},
    ).text  # fmt: skip
    assert "800.00" in box and "交通事故" in box and "交通意外" not in box


def test_reviewers_appear_by_name_not_login(login, clerk_u001):
    page = login(clerk_u001).get(reverse("claims:detail", args=["16-MED-U001-C1"])).text
    for username in ("clerk_u001", "district_hc", "centre_handler", "centre_head"):
        assert f"{username}：" not in page


def test_the_unit_union_opinion_is_recorded_and_shown(login, clerk_u001, district_hc):
    coverage = Coverage.objects.get(member__name="王强", plan__code="MED", plan__period__number=16)
    claim = services.claim_create(
        actor=clerk_u001, coverage=coverage, kind="hospital_stay", admitted=date(2026, 8, 20),
        discharged=date(2026, 8, 22), total_cost=D("3000"), basic_insurance_paid=D("1000"),
        unit_opinion="经核实，情况属实，同意申报。",
    )  # fmt: skip
    submit(clerk_u001, claim)
    page = login(district_hc).get(reverse("claims:detail", args=[claim.reference])).text
    assert "所在单位工会意见" in page and "经核实，情况属实，同意申报。" in page
    assert "所在单位工会意见" in login(clerk_u001).get(reverse("claims:create")).text


@pytest.mark.parametrize(("query", "expected"), [("威海示例科技", True), ("0379", True), ("文登示例", False)])
def test_claims_are_found_by_unit_name_and_the_last_digits_of_an_id(login, handler, query, expected):
    page = login(handler).get(reverse("claims:list"), {"status": "", "q": query}).text
    assert ("16-MED-U001-C1" in page) is expected


def test_a_clerk_searching_another_units_name_finds_nothing(login, clerk_u002):
    page = login(clerk_u002).get(reverse("claims:list"), {"status": "", "q": "威海示例科技"}).text
    assert "16-MED-U001-C1" not in page and "没有符合条件的申领" in page


def test_lists_are_cards_on_a_phone_and_the_estimate_sits_by_the_figures(login, clerk_u001):
    page = login(clerk_u001).get(reverse("claims:list")).text
    assert 'class="cards"' in page and 'data-label="金额（元）"' in page
    form = login(clerk_u001).get(reverse("claims:create")).text
    assert 'class="claim-layout"' in form and 'class="card estimate-aside"' in form
    # On a phone the estimate comes straight after the expenses, before the payee (CSS order).
    assert form.index("2. 医疗费用") < form.index("3. 收款信息")


def test_plain_words_in_the_explanation(login, clerk_u001):
    claim = Claim.objects.get(reference="16-MED-U001-C1")
    page = login(clerk_u001).get(reverse("claims:detail", args=[claim.reference])).text
    assert "累计合规费用" in page and "f(" not in page and "E =" not in page


def test_no_line_of_the_estimate_says_its_amount_twice(login, clerk_u001):
    import re

    coverage = Coverage.objects.get(member__name="张伟", plan__code="MED", plan__period__number=16)
    box = login(clerk_u001).post(
        reverse("claims:estimate"),
        {"coverage": coverage.pk, "kind": "hospital_stay", "cause": "illness", "admitted": "2026-09-01",
         "discharged": "2026-09-10", "total_cost": "40000", "basic_insurance_paid": "10000"},
    ).text  # fmt: skip
    lines = re.findall(r"<li>(.*?)</li>", box, re.S)
    assert any("本次应付互助金 12,000.00" in line for line in lines)
    for line in lines:  # a bold result is added only when the words have not said it already
        bold = re.search(r"：<strong>(.*?)</strong>", line)
        if bold:
            assert bold.group(1) not in line[: bold.start()], line
