"""The claim pages as the clerk and the reviewers use them."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimStatus
from demo.documents import attach_required
from enrollment.models import Coverage
from mutualaid.models import AuditLog
from tests.helpers import submit


def coverage(name, plan, period=16):
    return Coverage.objects.get(member__name=name, plan__code=plan, plan__period__number=period)


def estimate_page(client, cov, **fields):
    data = {"coverage": cov.pk, "cause": "illness", **{k: str(v) for k, v in fields.items()}}
    response = client.post(reverse("claims:estimate"), data)
    assert response.status_code == 200
    return response.content.decode()


# The worked examples of DOMAIN.md §8, typed into the claim form's 试算 box.
PAGE_EXAMPLES = [
    ("clerk_u001", "张伟", "MED", {"kind": "hospital_stay", "admitted": "2026-04-02", "discharged": "2026-04-30",
                                  "total_cost": "168033", "basic_insurance_paid": "50000"}, "68,623.10"),
    ("clerk_u001", "王强", "MED", {"kind": "hospital_stay", "admitted": "2026-08-01", "discharged": "2026-08-15",
                                  "total_cost": "50000", "basic_insurance_paid": "20000",
                                  "excluded_self_pay": "2000"}, "15,800.00"),
    ("clerk_u001", "李娜", "MED", {"kind": "hospital_stay", "admitted": "2026-07-10", "discharged": "2026-07-20",
                                  "total_cost": "20000", "basic_insurance_paid": "5000"}, "0.00"),
    ("clerk_u001", "张伟", "DD", {"kind": "diagnosis", "event_date": "2026-06-01", "diagnosis": "DD01"}, "45,000.00"),
    ("clerk_u001", "张伟", "DD", {"kind": "diagnosis", "event_date": "2026-08-01", "diagnosis": "dd01"}, "75,000.00"),
    ("clerk_u001", "张伟", "DD", {"kind": "diagnosis", "event_date": "2026-08-01", "diagnosis": "DD15"}, "0.00"),
    ("clerk_u003", "赵敏", "MW", {"kind": "diagnosis", "event_date": "2026-07-01", "diagnosis": "DD02"}, "260.00"),
    ("clerk_u002", "刘洋", "ACC", {"kind": "disability", "cause": "accident", "event_date": "2026-06-01",
                                  "disability_grade": "8"}, "9,000.00"),
    ("clerk_u001", "王强", "ALW", {"kind": "hospital_stay", "admitted": "2026-06-01", "discharged": "2026-07-06",
                                  "diagnosis": "A15"}, "3,000.00"),
    ("clerk_u004", "周芳", "GIG", {"kind": "hospital_stay", "cause": "traffic_accident", "admitted": "2026-09-01",
                                  "discharged": "2026-09-11"}, "800.00"),
]  # fmt: skip


@pytest.mark.parametrize(("username", "member", "plan", "fields", "amount"), PAGE_EXAMPLES)
def test_worked_examples_in_the_estimate_box(username, member, plan, fields, amount, client, django_user_model):
    client.force_login(django_user_model.objects.get(username=username))
    html = estimate_page(client, coverage(member, plan), **fields)
    assert f'<div class="amount">{amount} 元</div>' in html


def test_waiting_period_is_explained_to_the_clerk(login, clerk_u001):
    html = estimate_page(
        login(clerk_u001), coverage("李娜", "MED"), kind="hospital_stay", admitted="2026-07-10",
        discharged="2026-07-20", total_cost="20000", basic_insurance_paid="5000",
    )  # fmt: skip
    assert "2026-07-14" in html
    assert "不予给付" in html


def test_period_15_deductible_through_the_page(login, clerk_u001):
    client = login(clerk_u001)
    with time_machine.travel(datetime(2025, 11, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        html = estimate_page(
            client, coverage("张伟", "MED", period=15), kind="hospital_stay", admitted="2025-10-02",
            discharged="2025-10-30", total_cost="168033", basic_insurance_paid="50000",
        )  # fmt: skip
    assert '<div class="amount">67,623.10 元</div>' in html


def test_needy_after_med_through_the_page(login, clerk_u001, district_hc, handler, head):
    med = services.claim_create(
        actor=clerk_u001, coverage=coverage("王强", "MED"), kind="hospital_stay", admitted=date(2026, 8, 1),
        discharged=date(2026, 8, 15), total_cost=Decimal("50000"), basic_insurance_paid=Decimal("20000"),
        excluded_self_pay=Decimal("2000"),
    )  # fmt: skip
    submit(clerk_u001, med)
    services.claim_district_approve(actor=district_hc, claim=med)
    services.claim_check(actor=handler, claim=med)
    services.claim_receive_originals(actor=handler, claim=med)
    services.claim_approve(actor=head, claim=med)
    html = estimate_page(
        login(clerk_u001), coverage("王强", "NEEDY"), kind="hospital_stay", admitted="2026-08-01",
        discharged="2026-08-15", total_cost="50000", basic_insurance_paid="20000", excluded_self_pay="2000",
    )  # fmt: skip
    assert '<div class="amount">6,100.00 元</div>' in html


def test_clerk_files_a_claim_and_sees_it_in_the_queue(login, clerk_u001, district_hc):
    client = login(clerk_u001)
    form = client.get(reverse("claims:create")).content.decode()
    assert "张伟" in form and "刘洋" not in form  # only the unit's own covered members
    response = client.post(
        reverse("claims:create"),
        {"coverage": coverage("张伟", "MED").pk, "kind": "hospital_stay", "cause": "illness",
         "admitted": "2026-09-01", "discharged": "2026-09-10", "total_cost": "40000", "basic_insurance_paid": "10000",
         "other_paid": "0", "excluded_self_pay": "0", "invoice_numbers": "37100026050001"},
    )  # fmt: skip
    claim = Claim.objects.get(reference="16-MED-U001-C2")
    assert response.status_code == 302 and response["Location"] == reverse("claims:detail", args=[claim.reference])
    detail = client.get(response["Location"]).content.decode()
    assert "发票号 37100026050001 已在申领 16-MED-U001-C1 中使用" in detail
    attach_required(claim, clerk_u001)
    client.post(reverse("claims:action", args=[claim.reference, "submit"]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    queue = login(district_hc).get(reverse("claims:list")).content.decode()
    assert claim.reference in queue


def test_form_errors_are_in_chinese_and_nothing_is_saved(login, clerk_u001):
    before = Claim.objects.count()
    response = login(clerk_u001).post(
        reverse("claims:create"),
        {"coverage": coverage("张伟", "MED").pk, "kind": "hospital_stay", "cause": "illness",
         "admitted": "2026-09-10", "discharged": "2026-09-01", "total_cost": "-5"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "出院日期不能早于入院日期" in html
    assert Claim.objects.count() == before


def test_full_review_through_the_pages(login, clerk_u001, district_hc, handler, head):
    claim = services.claim_create(
        actor=clerk_u001, coverage=coverage("王强", "ALW"), kind="hospital_stay", admitted=date(2026, 6, 1),
        discharged=date(2026, 7, 6), diagnosis="A15",
    )  # fmt: skip
    submit(clerk_u001, claim)
    url = reverse("claims:action", args=[claim.reference, "district_approve"])
    login(district_hc).post(url, {"comment": "属实"})
    login(handler).post(reverse("claims:action", args=[claim.reference, "check"]), {"comment": "材料齐全"})
    # 3,000.00 needs the originals first: the head is told so and nothing changes.
    client = login(head)
    response = client.post(reverse("claims:action", args=[claim.reference, "approve"]), follow=True)
    assert "须先登记收到纸质原件" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CENTRE_CHECKED
    client.post(reverse("claims:action", args=[claim.reference, "originals"]))
    client.post(reverse("claims:action", args=[claim.reference, "approve"]), {"comment": "同意"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.approved_amount == Decimal("3000.00")
    detail = client.get(reverse("claims:detail", args=[claim.reference])).content.decode()
    for text in ("办事处审核通过", "中心经办人审核", "负责人审批通过", "属实", "30 天", "3,000.00"):
        assert text in detail, text
    assert AuditLog.objects.for_object(claim).count() >= 6


def test_return_needs_a_reason_the_clerk_then_sees(login, clerk_u001, district_hc):
    claim = services.claim_create(
        actor=clerk_u001, coverage=coverage("张伟", "MED"), kind="hospital_stay", admitted=date(2026, 9, 1),
        discharged=date(2026, 9, 3), total_cost=Decimal("9000"),
    )  # fmt: skip
    submit(clerk_u001, claim)
    client = login(district_hc)
    url = reverse("claims:action", args=[claim.reference, "return"])
    assert "请填写原因" in client.post(url, {"reason": ""}, follow=True).content.decode()
    client.post(url, {"reason": "缺少出院记录"})
    page = login(clerk_u001).get(reverse("claims:detail", args=[claim.reference])).content.decode()
    assert "退回原因" in page and "缺少出院记录" in page


def test_upload_rejects_files_that_are_not_documents(login, clerk_u001, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    claim = services.claim_create(actor=clerk_u001, coverage=coverage("张伟", "MED"), kind="hospital_stay",
                                  admitted=date(2026, 9, 1), discharged=date(2026, 9, 3))  # fmt: skip
    client = login(clerk_u001)
    url = reverse("claims:upload", args=[claim.reference])
    bad = SimpleUploadedFile("invoice.exe", b"MZ\x90\x00binary", content_type="application/pdf")
    page = client.post(url, {"kind": "invoice", "file": bad}, follow=True).content.decode()
    assert "不是 PDF、JPG 或 PNG 格式" in page
    good = SimpleUploadedFile("发票.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    page = client.post(url, {"kind": "invoice", "file": good}, follow=True).content.decode()
    assert "发票.pdf" in page and claim.documents.count() == 1


def test_payout_batch_pages(login, handler):
    client = login(handler)
    response = client.get(reverse("claims:batches"))
    assert response.status_code == 200
    batch = Claim.objects.get(reference="16-MED-U001-C1").payout_batch
    page = client.get(reverse("claims:batch", args=[batch.reference])).content.decode()
    assert "16-MED-U001-C1" in page and "7,000.00" in page
    export = client.get(reverse("claims:batch_export", args=[batch.reference]))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("name", ["claims:estimate"])
def test_post_only_endpoints_refuse_get(name, login, clerk_u001):
    assert login(clerk_u001).get(reverse(name)).status_code == 405


def test_actions_refuse_get(login, head):
    assert login(head).get(reverse("claims:action", args=["16-MED-U001-C1", "approve"])).status_code == 405


def test_claim_list_query_count_does_not_grow_with_rows(login, handler, django_assert_max_num_queries):
    client = login(handler)
    with django_assert_max_num_queries(12):
        client.get(reverse("claims:list") + "?status=")


def test_payee_defaults_to_the_members_bank_details_when_left_blank(login, clerk_u001):
    login(clerk_u001).post(
        reverse("claims:create"),
        {"coverage": coverage("张伟", "MED").pk, "kind": "hospital_stay", "cause": "illness",
         "admitted": "2026-09-01", "discharged": "2026-09-10", "payee_name": "", "payee_account": ""},
    )  # fmt: skip
    claim = Claim.objects.get(reference="16-MED-U001-C2")
    assert claim.payee_name == "张伟"
    assert claim.payee_account == claim.member.bank_account != ""
