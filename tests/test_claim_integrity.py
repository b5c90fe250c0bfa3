"""The claim review holds DOMAIN.md §3's rules, through the services and through the pages.

Each test here is one finding of the review-integrity probe: it failed before the fix.
"""

import logging
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimDocument, ClaimStatus, DocumentKind
from demo.documents import PDF, attach_required
from enrollment.models import Coverage
from tests.helpers import submit

pytestmark = pytest.mark.django_db


def coverage(name: str, plan: str, period: int = 16) -> Coverage:
    return Coverage.objects.get(member__name=name, plan__code=plan, plan__period__number=period)


def stay(admitted, discharged, total, basic, **extra) -> dict:
    return {"kind": "hospital_stay", "admitted": admitted, "discharged": discharged,
            "total_cost": D(total), "basic_insurance_paid": D(basic), **extra}  # fmt: skip


# 王强 MED 16 (E = 20,000 so far): e = 2,000 at 50% -> 1,000.00.
SMALL = stay(date(2026, 8, 20), date(2026, 8, 22), "3000", "1000")


def filed(clerk, name="王强", plan="MED", **details) -> Claim:
    claim = services.claim_create(actor=clerk, coverage=coverage(name, plan), **(details or SMALL))
    return submit(clerk, claim)


def checked(claim, district, handler, **check) -> Claim:
    services.claim_district_approve(actor=district, claim=claim)
    return services.claim_check(actor=handler, claim=claim, **check)


# --- an adjustment belongs to its check ---------------------------------------------------------


def test_a_return_and_a_new_check_clear_the_adjustment(clerk_u001, district_hc, handler, head):
    claim = checked(filed(clerk_u001), district_hc, handler, adjusted_amount=D("100"), adjustment_reason="自费药")
    assert claim.amount_for_review == D("100.00")
    claim = services.claim_return(actor=head, claim=claim, reason="请补充发票")
    assert (claim.adjusted_amount, claim.adjustment_reason) == (None, "")
    claim = submit(clerk_u001, claim)
    claim = checked(claim, district_hc, handler)  # checked again, no adjustment this time
    claim = services.claim_approve(actor=head, claim=claim)
    assert claim.approved_amount == D("1000.00") == claim.computed_amount


# --- reviewers act only at their stage -----------------------------------------------------------


def test_a_district_officer_cannot_return_a_claim_at_the_centre(clerk_u001, district_hc, handler, login):
    claim = checked(filed(clerk_u001), district_hc, handler)
    assert claim.status == ClaimStatus.CENTRE_CHECKED
    with pytest.raises(ValidationError, match="不在办事处审核环节"):
        services.claim_return(actor=district_hc, claim=claim, reason="再看看")
    page = login(district_hc).get(reverse("claims:detail", args=[claim.reference])).text
    assert "退回修改" not in page
    login(district_hc).post(reverse("claims:action", args=[claim.reference, "return"]), {"reason": "再看看"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CENTRE_CHECKED


def test_the_head_cannot_reject_a_claim_still_at_the_district(clerk_u001, head, login):
    claim = filed(clerk_u001)
    with pytest.raises(ValidationError, match="不在市中心负责人审核环节"):
        services.claim_reject(actor=head, claim=claim, reason="不符合")
    response = login(head).post(reverse("claims:action", args=[claim.reference, "reject"]), {"reason": "不符合"})
    assert "不在市中心负责人审核环节" in login(head).get(response["Location"]).text
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_a_handler_who_filed_a_claim_does_not_check_it(handler, district_hc, login):
    claim = services.claim_create(actor=handler, coverage=coverage("王强", "MED"), **SMALL)
    claim = submit(handler, claim)
    services.claim_district_approve(actor=district_hc, claim=claim)
    with pytest.raises(PermissionDenied, match="另一位经办人"):
        services.claim_check(actor=handler, claim=claim)
    page = login(handler).get(reverse("claims:detail", args=[claim.reference])).text
    assert "审核通过，报负责人审批" not in page and "须由另一位经办人审核" in page


# --- the invoice-reuse warning does not leak ----------------------------------------------------


def test_the_estimate_does_not_name_another_units_claim(clerk_u001, clerk_u002, login, caplog):
    services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), invoice_numbers="INV1", **SMALL)
    fields = {"coverage": coverage("刘洋", "MED").pk, "kind": "hospital_stay", "cause": "illness",
              "admitted": "2026-09-01", "discharged": "2026-09-05", "total_cost": "3000",
              "basic_insurance_paid": "1000", "invoice_numbers": "INV1"}  # fmt: skip
    with caplog.at_level(logging.INFO, logger="mutualaid.security"):
        box = login(clerk_u002).post(reverse("claims:estimate"), fields).text
    assert "发票号 INV1 已在其他申领中使用" in box
    assert "U001" not in box
    assert any("INV1" in record.getMessage() and "clerk_u002" in record.getMessage() for record in caplog.records)
    # The unit that may see the earlier claim is told which one it is.
    fields["coverage"] = coverage("张伟", "MED").pk
    assert (
        "发票号 INV1 已在申领 16-MED-U001-C2 中使用" in login(clerk_u001).post(reverse("claims:estimate"), fields).text
    )


# --- nothing to pay ---------------------------------------------------------------------------


def test_a_stay_below_the_deductible_is_closed_and_still_counts(clerk_u001, district_hc, handler, head, login):
    # 张伟 MED 16 has no claim yet: a stay with e = 4,000 is below the 6,000 deductible.
    first = services.claim_create(
        actor=clerk_u001, coverage=coverage("张伟", "MED"), **stay(date(2026, 7, 1), date(2026, 7, 3), "5000", "1000")
    )
    assert (first.computed_amount, first.decision, first.reasons) == (D("0.00"), "not_payable", ["below_deductible"])
    first = checked(submit(clerk_u001, first), district_hc, handler)
    page = login(head).get(reverse("claims:detail", args=[first.reference])).text
    assert "结案，不予给付" in page and "审批通过" not in page
    login(head).post(reverse("claims:action", args=[first.reference, "approve"]), {"comment": ""})
    first.refresh_from_db()
    assert (first.status, first.approved_amount) == (ClaimStatus.CLOSED, D("0.00"))
    assert first.get_status_display() == "结案，不予给付"
    # A 0.00 claim never waits for a payout batch.
    assert not Claim.objects.filter(status=ClaimStatus.APPROVED, approved_amount=0).exists()
    # The second stay pays from where the first left off: E = 4,000 + 4,000 = 8,000 -> 2,000 over the deductible.
    second = services.claim_create(
        actor=clerk_u001, coverage=coverage("张伟", "MED"), **stay(date(2026, 8, 1), date(2026, 8, 3), "5000", "1000")
    )
    assert second.computed_amount == D("1000.00")


# --- documents -------------------------------------------------------------------------------


def test_a_claim_without_its_documents_cannot_be_submitted(clerk_u001, login):
    claim = services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), **SMALL)
    with pytest.raises(ValidationError, match="出院小结、费用发票、医保结算单、会员身份证、收款人银行卡"):
        services.claim_submit(actor=clerk_u001, claim=claim)
    page = login(clerk_u001).get(reverse("claims:detail", args=[claim.reference])).text
    assert "✘ 出院小结" in page and "请先上传：出院小结" in page
    login(clerk_u001).post(reverse("claims:action", args=[claim.reference, "submit"]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT
    attach_required(claim, clerk_u001)
    page = login(clerk_u001).get(reverse("claims:detail", args=[claim.reference])).text
    assert "✔ 出院小结" in page and "✘" not in page


def test_diagnosis_of_a_surgery_needs_the_surgery_record(clerk_u001):
    claim = services.claim_create(
        actor=clerk_u001,
        coverage=coverage("张伟", "DD"),
        kind="diagnosis",
        diagnosis="DD04",
        event_date=date(2026, 8, 1),
    )
    assert services.missing_documents(claim) == ["诊断证明 或 病理报告", "手术记录", "会员身份证", "收款人银行卡"]


def test_a_returned_claim_takes_more_documents_and_reviewers_see_them(clerk_u001, district_hc, login):
    claim = filed(clerk_u001)
    upload = SimpleUploadedFile("补充.pdf", PDF, content_type="application/pdf")
    with pytest.raises(ValidationError, match="被退回后可以补充"):
        services.claim_attach(actor=clerk_u001, claim=claim, kind=DocumentKind.OTHER, upload=upload)
    claim = services.claim_return(actor=district_hc, claim=claim, reason="请补充费用清单")
    page = login(clerk_u001).get(reverse("claims:detail", args=[claim.reference])).text
    assert 'enctype="multipart/form-data"' in page
    upload = SimpleUploadedFile("费用清单.pdf", PDF, content_type="application/pdf")
    login(clerk_u001).post(reverse("claims:upload", args=[claim.reference]), {"kind": "other", "file": upload})
    page = login(district_hc).get(reverse("claims:detail", args=[claim.reference])).text
    assert "费用清单.pdf" in page and "出院小结.pdf" in page


def test_documents_keep_their_chinese_names_and_open_in_the_page(clerk_u001, district_hc, login):
    claim = filed(clerk_u001)
    document = claim.documents.get(kind=DocumentKind.DISCHARGE_SUMMARY)
    assert claim.reference not in document.file.name and "出院" not in document.file.name  # random stored name
    url = reverse("claims:document", args=[claim.reference, document.pk])
    viewed = login(district_hc).get(url)
    assert viewed["Content-Type"] == "application/pdf"
    assert viewed["Content-Disposition"].startswith("inline")
    assert "filename*=utf-8''%E5%87%BA%E9%99%A2%E5%B0%8F%E7%BB%93.pdf" in viewed["Content-Disposition"]
    assert viewed["X-Content-Type-Options"] == "nosniff" and "sandbox" in viewed["Content-Security-Policy"]
    downloaded = login(district_hc).get(url + "?download=1")
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert b"".join(downloaded.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.html", b"%PDF-1.4 <script>alert(1)</script>", "扩展名与内容不符"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n....", "扩展名与内容不符"),
        ("invoice.pdf", b"<html><script>alert(1)</script>", "不是 PDF、JPG 或 PNG"),
    ],
)
def test_disguised_files_are_refused(clerk_u001, name, content, message):
    claim = services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), **SMALL)
    with pytest.raises(ValidationError, match=message):
        services.claim_attach(
            actor=clerk_u001, claim=claim, kind="invoice", upload=SimpleUploadedFile(name, content, "application/pdf")
        )
    assert not ClaimDocument.objects.filter(claim=claim).exists()


def test_media_files_are_not_served_outside_the_scoped_view(clerk_u001, client, settings):
    import importlib

    import mutualaid.urls

    settings.DEBUG = True  # as under `make run`
    patterns = importlib.reload(mutualaid.urls).urlpatterns
    assert not [p for p in patterns if str(p.pattern).startswith(settings.MEDIA_URL.strip("/"))]
    claim = filed(clerk_u001)
    assert client.get("/media/" + claim.documents.first().file.name).status_code in (302, 404)


# --- duplicates ---------------------------------------------------------------------------------


def test_an_identical_stay_needs_a_reason_the_reviewers_see(clerk_u001, district_hc, login):
    filed(clerk_u001)
    again = services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), **SMALL)
    attach_required(again, clerk_u001)
    with pytest.raises(ValidationError, match="同一住院时间的申领"):
        services.claim_submit(actor=clerk_u001, claim=again)
    page = login(clerk_u001).get(reverse("claims:detail", args=[again.reference])).text
    assert "重复申领说明" in page
    login(clerk_u001).post(
        reverse("claims:action", args=[again.reference, "submit"]),
        {"duplicate_reason": "第一次申领的发票有误，重新申报"},
    )
    again.refresh_from_db()
    assert again.status == ClaimStatus.SUBMITTED
    page = login(district_hc).get(reverse("claims:detail", args=[again.reference])).text
    assert "申领人说明：第一次申领的发票有误，重新申报" in page


# --- the payee ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("payee_account", "abc-not-an-account", "10–30 位数字"), ("phone", "12", "11 位手机号")],
)
def test_payee_account_and_phone_are_validated(clerk_u001, login, field, value, message):
    with pytest.raises(ValidationError, match=message):
        services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), **{**SMALL, field: value})
    fields = {"coverage": coverage("王强", "MED").pk, "kind": "hospital_stay", "cause": "illness",
              "admitted": "2026-08-20", "discharged": "2026-08-22", "total_cost": "3000",
              "basic_insurance_paid": "1000", field: value}  # fmt: skip
    response = login(clerk_u001).post(reverse("claims:create"), fields, follow=True)
    assert message in response.text
    assert not Claim.objects.filter(member__name="王强", admitted=date(2026, 8, 20)).exists()


def test_a_third_party_payee_never_inherits_the_members_account(clerk_u001, handler, district_hc, login):
    with pytest.raises(ValidationError, match="须填写收款人自己的开户行和收款账号"):
        services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), payee_name="李四", **SMALL)
    with pytest.raises(ValidationError, match="收款人须为会员本人"):
        services.claim_create(
            actor=clerk_u001, coverage=coverage("王强", "MED"), payee_name="李四", payee_bank="农业银行",
            payee_account="6228480012345678901", **SMALL,
        )  # fmt: skip
    with pytest.raises(PermissionDenied, match="市中心经办人"):
        services.claim_create(
            actor=clerk_u001, coverage=coverage("王强", "MED"), payee_name="李四", payee_bank="农业银行",
            payee_account="6228480012345678901", payee_reason="本人委托", **SMALL,
        )  # fmt: skip
    claim = services.claim_create(
        actor=handler, coverage=coverage("王强", "MED"), payee_name="李四", payee_bank="农业银行",
        payee_account="6228480012345678901", payee_reason="会员住院期间委托配偶代领，有委托书", **SMALL,
    )  # fmt: skip
    submit(handler, claim)
    page = login(district_hc).get(reverse("claims:detail", args=[claim.reference])).text
    assert "收款人 李四 不是会员本人（会员住院期间委托配偶代领，有委托书）" in page


def test_the_member_as_payee_gets_their_own_account_and_a_new_account_is_flagged(clerk_u001, district_hc, login):
    member_claim = services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), **SMALL)
    assert (member_claim.payee_name, member_claim.payee_account) == ("王强", member_claim.member.bank_account)
    other = services.claim_create(
        actor=clerk_u001, coverage=coverage("王强", "MED"), payee_account="6228 4800 1234 5678 901",
        **stay(date(2026, 9, 1), date(2026, 9, 3), "3000", "1000"),
    )  # fmt: skip
    assert other.payee_account == "6228480012345678901"
    submit(clerk_u001, other)
    page = login(district_hc).get(reverse("claims:detail", args=[other.reference])).text
    assert "收款账号与会员登记的银行账号不同" in page


# --- the head's page --------------------------------------------------------------------------


def test_the_head_is_not_offered_approval_before_the_originals(clerk_u001, district_hc, handler, head, login):
    example_2 = stay(date(2026, 8, 1), date(2026, 8, 15), "50000", "20000", excluded_self_pay=D("2000"))
    claim = checked(filed(clerk_u001, **example_2), district_hc, handler)
    page = login(head).get(reverse("claims:detail", args=[claim.reference])).text
    assert "审批通过" not in page
    assert "审核金额 15,800.00 元，达到 3,000.00 元，须先登记收到纸质原件" in page
    with pytest.raises(ValidationError, match=r"15,800\.00 元"):
        services.claim_approve(actor=head, claim=claim)
    services.claim_receive_originals(actor=handler, claim=claim)
    page = login(head).get(reverse("claims:detail", args=[claim.reference])).text
    assert "审批通过（15,800.00 元）" in page


def test_history_uses_the_same_words_as_the_status(clerk_u001, login):
    claim = filed(clerk_u001)
    page = login(clerk_u001).get(reverse("claims:detail", args=[claim.reference])).text
    assert claim.get_status_display() == "待办事处审核"
    assert "草稿 → 待办事处审核" in page


# --- the command line --------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e30", "1000000000000", "NaN", "-5"])
def test_estimate_claim_refuses_absurd_amounts_with_a_message(amount, tmp_path):
    path = tmp_path / "claim.json"
    path.write_text(
        '{"id_number": "371002198005120137", "period": 16, "plan": "MED", "kind": "hospital_stay",'
        f' "admitted": "2026-04-02", "discharged": "2026-04-30", "total_cost": "{amount}"}}',
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("estimate_claim", "--json", str(path))
    assert excinfo.value.returncode == 2
    assert "医疗费用总额" in str(excinfo.value)
