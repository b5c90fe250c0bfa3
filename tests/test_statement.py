"""The decision in plain words on the claim page and the review sheet (issue #20)."""

from datetime import date
from decimal import Decimal as D

import pytest

from claims import services
from enrollment.models import Coverage
from reports import documents
from tests.helpers import submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]


def _claim(clerk, name, **details):
    coverage = Coverage.objects.get(member__name=name, plan__code="MED", plan__period__number=16)
    base = {
        "kind": "hospital_stay",
        "hospital": "威海市立医院",
        "discharged": details["admitted"] + (date(2026, 1, 5) - date(2026, 1, 1)),
    }
    return submit(clerk, services.claim_create(actor=clerk, coverage=coverage, **{**base, **details}))


def test_example_1_in_plain_words_on_the_page_and_the_sheet(login, clerk_u001, handler):
    claim = _claim(clerk_u001, "张伟", admitted=date(2026, 4, 2), discharged=date(2026, 4, 30),
                   total_cost=D("168033"), basic_insurance_paid=D("50000"))  # fmt: skip
    words = documents.review_sheet(claim, full_id=False).statement
    assert words[0].startswith("本次合规费用 118,033.00 元")
    assert "起付线 6,000.00 元，每保障期只扣一次：此前已用 0.00 元，本次用 6,000.00 元，已扣满。" in words
    assert "累计合规费用 6,000.00 至 30,000.00 元的部分：24,000.00 元 × 50% = 12,000.00 元。" in words
    assert "累计合规费用 80,000.00 元以上的部分：38,033.00 元 × 70% = 26,623.10 元。" in words
    assert "封顶线 100,000.00 元：此前已付 0.00 元，本次 68,623.10 元，本保障期尚余 31,376.90 元。" in words
    html = login(handler).get(f"/claims/{claim.reference}/").content.decode()
    assert "本次用 6,000.00 元，已扣满。" in html
    sheet = login(handler).get(f"/reports/claims/{claim.reference}/review-sheet.pdf")
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")


def test_a_second_stay_uses_what_is_left_of_the_deductible(clerk_u001):
    # 王强 has E = 20,000 paid already: the deductible is used up, 10,000 of tier 1 is left.
    claim = _claim(clerk_u001, "王强", admitted=date(2026, 8, 1), total_cost=D("50000"),
                   basic_insurance_paid=D("20000"), excluded_self_pay=D("2000"))  # fmt: skip
    words = documents.review_sheet(claim, full_id=False).statement
    assert "起付线 6,000.00 元，每保障期只扣一次：此前已用 6,000.00 元，本次用 0.00 元，已扣满。" in words
    assert "封顶线 100,000.00 元：此前已付 7,000.00 元，本次 15,800.00 元，本保障期尚余 77,200.00 元。" in words


def test_waiting_period_refusal_names_the_first_day_that_would_pay(login, clerk_u001):
    # DOMAIN.md §8 example 3: 李娜 MED 16 from 2026-04-15, admitted 2026-07-10 -> 0, payable from 2026-07-14.
    claim = _claim(
        clerk_u001, "李娜", admitted=date(2026, 7, 10), total_cost=D("20000"), basic_insurance_paid=D("5000")
    )
    html = login(clerk_u001).get(f"/claims/{claim.reference}/").content.decode()
    assert "若于 2026-07-14 及以后入院，可按规定给付" in html
    assert "若于 2026-07-14 及以后入院，可按规定给付。" in documents.review_sheet(claim, full_id=False).statement
