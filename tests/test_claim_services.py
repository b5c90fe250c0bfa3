"""The claim review pipeline as clerks, district officers and the centre notice it (DOMAIN.md §3, §5, §7)."""

import io
from datetime import date
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from claims import services
from claims.models import Claim, ClaimStatus, PayoutBatch
from enrollment.models import Coverage
from mutualaid.models import AuditLog
from mutualaid.scoping import Role
from mutualaid.workflow import TransitionNotAllowed
from tests.helpers import submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def coverage(name: str, plan: str, period: int = 16) -> Coverage:
    return Coverage.objects.get(member__name=name, plan__code=plan, plan__period__number=period)


def stay(admitted: date, discharged: date, total, basic, excluded="0") -> dict:
    return {
        "kind": "hospital_stay",
        "admitted": admitted,
        "discharged": discharged,
        "total_cost": D(total),
        "basic_insurance_paid": D(basic),
        "excluded_self_pay": D(excluded),
        "hospital": "威海市立医院",
    }


# Example 2 of DOMAIN.md §8: 王强 MED 16, e = 28,000 on top of E = 20,000 -> 15,800.00.
EXAMPLE_2 = stay(date(2026, 8, 1), date(2026, 8, 15), "50000", "20000", "2000")
# A small stay for 王强 MED 16: e = 2,000 on top of E = 20,000 -> 1,000.00 (under the originals threshold).
SMALL = stay(date(2026, 8, 20), date(2026, 8, 22), "3000", "1000")


def file(clerk, cov, **details) -> Claim:
    claim = services.claim_create(actor=clerk, coverage=cov, **details)
    return submit(clerk, claim)


def to_checked(claim, *, district, handler, originals=True, **check) -> Claim:
    services.claim_district_approve(actor=district, claim=claim, comment="情况属实")
    claim = services.claim_check(actor=handler, claim=claim, comment="材料齐全", **check)
    if originals:
        claim = services.claim_receive_originals(actor=handler, claim=claim)
    return claim


@pytest.fixture
def approved(clerk_u001, district_hc, handler, head):
    """File and approve a claim for a U001 coverage: ``approved("王强", "MED", **details)``."""

    def _approved(name, plan, **details) -> Claim:
        claim = file(clerk_u001, coverage(name, plan), **details)
        claim = to_checked(claim, district=district_hc, handler=handler)
        return services.claim_approve(actor=head, claim=claim, comment="同意给付")

    return _approved


def actions(claim) -> list[str]:
    return [row.action for row in AuditLog.objects.for_object(claim)]


# --- references -------------------------------------------------------------------------


def test_references_count_per_unit_plan_and_period(clerk_u001, clerk_u002):
    # The demo already holds 15-DD-U001-C1 and 16-MED-U001-C1.
    first = services.claim_create(actor=clerk_u001, coverage=coverage("张伟", "MED"), **EXAMPLE_2)
    second = services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), **SMALL)
    dd = services.claim_create(
        actor=clerk_u001,
        coverage=coverage("张伟", "DD"),
        kind="diagnosis",
        diagnosis="DD01",
        event_date=date(2026, 8, 1),
    )
    earlier_period = services.claim_create(actor=clerk_u001, coverage=coverage("张伟", "MED", 15), **SMALL)
    other_unit = services.claim_create(actor=clerk_u002, coverage=coverage("刘洋", "MED"), **SMALL)
    assert [c.reference for c in (first, second, dd, earlier_period, other_unit)] == [
        "16-MED-U001-C2",
        "16-MED-U001-C3",
        "16-DD-U001-C1",
        "15-MED-U001-C1",
        "16-MED-U002-C1",
    ]
    assert first.status == ClaimStatus.DRAFT
    assert first.payee_name == "张伟" and first.payee_account  # defaulted from the member


# --- who may do what ------------------------------------------------------------------------


def test_clerk_of_another_unit_cannot_file_for_u001(clerk_u002):
    with pytest.raises(PermissionDenied):
        services.claim_create(actor=clerk_u002, coverage=coverage("张伟", "MED"), **EXAMPLE_2)
    assert not Claim.objects.filter(member__name="张伟", plan__code="MED").exists()


def test_clerk_of_another_unit_cannot_submit_a_u001_claim(clerk_u001, clerk_u002):
    claim = services.claim_create(actor=clerk_u001, coverage=coverage("王强", "MED"), **EXAMPLE_2)
    with pytest.raises(PermissionDenied):
        submit(clerk_u002, claim)


def test_district_of_another_district_cannot_approve(clerk_u001, district_wd, district_hc):
    claim = file(clerk_u001, coverage("王强", "MED"), **EXAMPLE_2)
    with pytest.raises(PermissionDenied):
        services.claim_district_approve(actor=district_wd, claim=claim)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    claim = services.claim_district_approve(actor=district_hc, claim=claim)
    assert claim.status == ClaimStatus.DISTRICT_APPROVED


def test_only_the_handler_checks_and_only_the_head_approves(clerk_u001, district_hc, handler, head):
    claim = file(clerk_u001, coverage("王强", "MED"), **SMALL)
    services.claim_district_approve(actor=district_hc, claim=claim)
    for actor in (head, district_hc, clerk_u001):
        with pytest.raises(PermissionDenied):
            services.claim_check(actor=actor, claim=claim)
    services.claim_check(actor=handler, claim=claim)
    for actor in (handler, district_hc, clerk_u001):
        with pytest.raises(PermissionDenied):
            services.claim_approve(actor=actor, claim=claim)
    assert services.claim_approve(actor=head, claim=claim).status == ClaimStatus.APPROVED


def test_checker_cannot_also_approve(clerk_u001, district_hc, handler, head):
    claim = file(clerk_u001, coverage("王强", "MED"), **SMALL)
    claim = to_checked(claim, district=district_hc, handler=handler)
    assert claim.checked_by == handler
    # The handler is then also given the head's role: still not for a claim they checked.
    handler.groups.add(Group.objects.get(name=Role.CENTRE_HEAD.group_name))
    both = User.objects.get(pk=handler.pk)  # fresh object: no cached role
    with pytest.raises(PermissionDenied, match="同一人"):
        services.claim_approve(actor=both, claim=claim)
    claim.refresh_from_db()
    assert (claim.status, claim.approved_amount) == (ClaimStatus.CENTRE_CHECKED, None)
    assert services.claim_approve(actor=head, claim=claim).approved_by == head


# --- originals, adjustments ------------------------------------------------------------------


def test_3000_or_more_needs_originals_before_approval(clerk_u001, district_hc, handler, head):
    claim = file(clerk_u001, coverage("王强", "MED"), **EXAMPLE_2)
    claim = to_checked(claim, district=district_hc, handler=handler, originals=False)
    assert claim.computed_amount == D("15800.00") and claim.needs_originals
    with pytest.raises(ValidationError, match="原件"):
        services.claim_approve(actor=head, claim=claim)
    claim.refresh_from_db()
    assert (claim.status, claim.approved_amount) == (ClaimStatus.CENTRE_CHECKED, None)
    services.claim_receive_originals(actor=handler, claim=claim)
    claim = services.claim_approve(actor=head, claim=claim)
    assert (claim.status, claim.approved_amount) == (ClaimStatus.APPROVED, D("15800.00"))


def test_under_3000_is_approved_without_originals(clerk_u001, district_hc, handler, head):
    claim = file(clerk_u001, coverage("王强", "MED"), **SMALL)
    claim = to_checked(claim, district=district_hc, handler=handler, originals=False)
    claim = services.claim_approve(actor=head, claim=claim)
    assert (claim.approved_amount, claim.originals_received_at) == (D("1000.00"), None)


def test_originals_are_registered_once(clerk_u001, handler):
    claim = file(clerk_u001, coverage("王强", "MED"), **SMALL)
    services.claim_receive_originals(actor=handler, claim=claim)
    with pytest.raises(ValidationError):
        services.claim_receive_originals(actor=handler, claim=claim)


def test_handler_can_lower_the_amount_with_a_reason(clerk_u001, district_hc, handler, head):
    claim = file(clerk_u001, coverage("王强", "MED"), **EXAMPLE_2)
    services.claim_district_approve(actor=district_hc, claim=claim)
    with pytest.raises(ValidationError, match="不能高于"):
        services.claim_check(actor=handler, claim=claim, adjusted_amount=D("15800.01"), adjustment_reason="多报")
    with pytest.raises(ValidationError, match="原因"):
        services.claim_check(actor=handler, claim=claim, adjusted_amount=D("15000.00"), adjustment_reason="  ")
    with pytest.raises(ValidationError, match="负数"):
        services.claim_check(actor=handler, claim=claim, adjusted_amount=D("-1"), adjustment_reason="错误")
    claim.refresh_from_db()
    assert (claim.status, claim.adjusted_amount) == (ClaimStatus.DISTRICT_APPROVED, None)

    claim = services.claim_check(
        actor=handler, claim=claim, adjusted_amount=D("15000.00"), adjustment_reason="部分自费药品不予补偿"
    )
    assert (claim.computed_amount, claim.adjusted_amount, claim.amount_for_review) == (
        D("15800.00"),
        D("15000.00"),
        D("15000.00"),
    )
    check_row = AuditLog.objects.for_object(claim).get(action="centre_check")
    assert check_row.data["adjusted"] == "15000.00" and check_row.data["reason"] == "部分自费药品不予补偿"
    services.claim_receive_originals(actor=handler, claim=claim)
    claim = services.claim_approve(actor=head, claim=claim)
    assert claim.approved_amount == D("15000.00")


def test_handler_may_keep_the_computed_amount_exactly(clerk_u001, district_hc, handler):
    claim = file(clerk_u001, coverage("王强", "MED"), **EXAMPLE_2)
    services.claim_district_approve(actor=district_hc, claim=claim)
    claim = services.claim_check(actor=handler, claim=claim, adjusted_amount=D("15800.00"), adjustment_reason="核实")
    assert claim.adjusted_amount == D("15800.00")


# --- return, reject, audit -------------------------------------------------------------------


def test_return_needs_a_reason_and_is_audited(clerk_u001, district_hc):
    claim = file(clerk_u001, coverage("王强", "MED"), **SMALL)
    with pytest.raises(ValidationError, match="原因"):
        services.claim_return(actor=district_hc, claim=claim, reason=" ")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    claim = services.claim_return(actor=district_hc, claim=claim, reason="缺少出院记录")
    assert (claim.status, claim.last_comment) == (ClaimStatus.RETURNED, "缺少出院记录")
    row = AuditLog.objects.for_object(claim).get(action="return")
    assert (row.actor, row.from_state, row.to_state, row.comment) == (
        district_hc,
        ClaimStatus.SUBMITTED,
        ClaimStatus.RETURNED,
        "缺少出院记录",
    )
    # The clerk corrects and submits again.
    before = claim.hospital
    services.claim_update(actor=clerk_u001, claim=claim, hospital="威海市中心医院")
    row = AuditLog.objects.for_object(claim).filter(action="update").last()
    assert row.actor == clerk_u001 and row.data["changes"] == {"hospital": [before, "威海市中心医院"]}
    claim = submit(clerk_u001, claim)
    assert claim.status == ClaimStatus.SUBMITTED


def test_reject_needs_a_reason_and_is_audited(clerk_u001, district_hc, handler, head):
    claim = file(clerk_u001, coverage("王强", "MED"), **SMALL)
    services.claim_district_approve(actor=district_hc, claim=claim)
    services.claim_check(actor=handler, claim=claim)
    with pytest.raises(ValidationError):
        services.claim_reject(actor=head, claim=claim, reason="")
    claim = services.claim_reject(actor=head, claim=claim, reason="非因病住院")
    assert claim.status == ClaimStatus.REJECTED
    row = AuditLog.objects.for_object(claim).get(action="reject")
    assert (row.actor, row.from_state, row.to_state, row.comment) == (
        head,
        ClaimStatus.CENTRE_CHECKED,
        ClaimStatus.REJECTED,
        "非因病住院",
    )
    with pytest.raises(TransitionNotAllowed):  # a rejected claim is closed
        submit(clerk_u001, claim)


def test_clerk_cannot_return_or_reject(clerk_u001):
    claim = file(clerk_u001, coverage("王强", "MED"), **SMALL)
    with pytest.raises(PermissionDenied):
        services.claim_return(actor=clerk_u001, claim=claim, reason="撤回")
    with pytest.raises(PermissionDenied):
        services.claim_reject(actor=clerk_u001, claim=claim, reason="撤回")


def test_every_transition_leaves_an_audit_row(approved, handler, clerk_u001, district_hc, head):
    claim = approved("王强", "MED", **EXAMPLE_2)
    batch = services.payout_batch_create(actor=handler, claims=[claim])
    services.payout_batch_mark_paid(actor=head, batch=batch, paid_on=date(2026, 9, 1), bank_reference="HD0901")
    rows = list(AuditLog.objects.for_object(claim).exclude(action="attach"))
    assert [row.action for row in rows] == [
        "create",
        "submit",
        "district_approve",
        "centre_check",
        "originals_received",
        "approve",
        "pay",
    ]
    transitions = [(row.actor, row.from_state, row.to_state) for row in rows if row.from_state]
    assert transitions == [
        (clerk_u001, "draft", "submitted"),
        (district_hc, "submitted", "district_approved"),
        (handler, "district_approved", "centre_checked"),
        (head, "centre_checked", "approved"),
        (head, "approved", "paid"),
    ]
    assert all(row.at is not None for row in rows)
    approve_row = rows[5]
    assert approve_row.data["approved"] == "15800.00"


# --- approval recomputes ---------------------------------------------------------------------


def test_approval_recomputes_against_the_cap(clerk_u001, district_hc, handler, head):
    """Two NEEDY claims checked with the same estimate: the second pays only what remains of the 10,000 cap."""
    needy = coverage("王强", "NEEDY")
    first = file(clerk_u001, needy, **stay(date(2026, 8, 1), date(2026, 8, 10), "20000", "5000"))
    second = file(clerk_u001, needy, **stay(date(2026, 8, 20), date(2026, 8, 25), "20000", "5000"))
    first = to_checked(first, district=district_hc, handler=handler)
    second = to_checked(second, district=district_hc, handler=handler)
    assert first.computed_amount == second.computed_amount == D("7500.00")

    first = services.claim_approve(actor=head, claim=first)
    assert first.approved_amount == D("7500.00")
    # The second now recomputes to what is left of the cap: not what the handler checked, so it
    # goes back to the handler with both figures instead of being paid at either.
    second = services.claim_approve(actor=head, claim=second)
    assert (second.status, second.approved_amount) == (ClaimStatus.DISTRICT_APPROVED, None)
    assert second.computed_amount == D("2500.00") and "cap_reached" in second.reasons
    assert "2,500.00 元" in second.last_comment and "7,500.00 元" in second.last_comment
    assert services.coverage_paid_total(needy) == D("7500.00")

    second = services.claim_check(actor=handler, claim=second, comment="复核")
    second = services.claim_approve(actor=head, claim=second)
    assert second.approved_amount == D("2500.00")
    assert services.coverage_paid_total(needy) == D("10000.00")


def test_approval_recomputes_a_condition_paid_meanwhile(clerk_u001, district_hc, handler, head):
    dd = coverage("张伟", "DD")
    details = {"kind": "diagnosis", "diagnosis": "DD01", "event_date": date(2026, 8, 1)}
    first = to_checked(file(clerk_u001, dd, **details), district=district_hc, handler=handler)
    second = services.claim_create(actor=clerk_u001, coverage=dd, **details)
    second = submit(clerk_u001, second, duplicate_reason="医院补开的诊断证明")
    second = to_checked(second, district=district_hc, handler=handler)
    assert first.computed_amount == second.computed_amount == D("75000.00")
    services.claim_approve(actor=head, claim=first)
    second = services.claim_approve(actor=head, claim=second)
    assert second.status == ClaimStatus.DISTRICT_APPROVED  # 0.00 now, not the 75,000.00 checked
    second = services.claim_check(actor=handler, claim=second)
    second = services.claim_approve(actor=head, claim=second)
    assert (second.status, second.approved_amount, second.decision) == (ClaimStatus.CLOSED, D("0.00"), "not_payable")
    assert "already_paid_condition" in second.reasons


# --- payouts -------------------------------------------------------------------------------


def test_payout_batch_file_and_mark_paid(approved, clerk_u001, district_hc, handler, head):
    big = approved("王强", "MED", **EXAMPLE_2)
    small = approved("张伟", "MED", **stay(date(2026, 7, 1), date(2026, 7, 5), "10000", "2000"))
    assert small.approved_amount == D("1000.00")  # e = 8,000 over the 6,000 deductible, 50%
    pending = to_checked(file(clerk_u001, coverage("王强", "ALW"), **SMALL), district=district_hc, handler=handler)

    with pytest.raises(ValidationError, match=pending.reference):
        services.payout_batch_create(actor=handler, claims=[big, pending])
    assert not PayoutBatch.objects.filter(claims__in=[big, small]).exists()
    with pytest.raises(PermissionDenied):
        services.payout_batch_create(actor=clerk_u001, claims=[big])

    batch = services.payout_batch_create(actor=handler, claims=[big, small])
    assert (batch.claim_count, batch.total, batch.status) == (2, D("16800.00"), "open")
    assert batch.reference == "P20260901-01"
    with pytest.raises(ValidationError):  # already in a batch
        services.payout_batch_create(actor=handler, claims=[big])

    sheet = load_workbook(io.BytesIO(services.payout_file(batch))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == ["序号", "收款人", "开户行", "收款账号", "金额", "申领编号", "单位"]
    body = {row[header.index("申领编号")]: row for row in rows[1:3]}
    assert set(body) == {big.reference, small.reference}
    for claim in (big, small):
        row = body[claim.reference]
        assert row[header.index("收款人")] == claim.member.name
        assert str(row[header.index("收款账号")]) == claim.member.bank_account
        assert D(str(row[header.index("金额")])) == claim.approved_amount
        assert row[header.index("单位")] == "威海示例科技有限公司"
    assert rows[3][3] == "合计" and D(str(rows[3][4])) == D("16800.00")

    for claim in (big, small):
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.APPROVED and claim.payout_batch == batch
    services.payout_batch_mark_paid(actor=head, batch=batch, paid_on=date(2026, 9, 1), bank_reference="HD0901")
    batch.refresh_from_db()
    assert batch.status == "paid" and batch.paid_at is not None
    for claim in (big, small):
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.PAID and claim.paid_at == batch.paid_at
    with pytest.raises(TransitionNotAllowed):  # paid once
        services.payout_batch_mark_paid(actor=head, batch=batch, paid_on=date(2026, 9, 1), bank_reference="HD0901")


# --- the coverage ledger (申请次数, 互助金额累计) ------------------------------------------------


def test_coverage_ledger_numbers_claims_and_runs_totals(approved, clerk_u001):
    med = coverage("王强", "MED")
    assert [(row["number"], row["amount"], row["cumulative"]) for row in services.coverage_ledger(med)] == [
        (1, D("7000.00"), D("7000.00")),  # the demo's paid claim 16-MED-U001-C1
    ]
    approved("王强", "MED", **EXAMPLE_2)
    file(clerk_u001, med, **SMALL)  # submitted, not approved: not on the ledger
    ledger = services.coverage_ledger(med)
    assert [(row["number"], row["amount"], row["cumulative"]) for row in ledger] == [
        (1, D("7000.00"), D("7000.00")),
        (2, D("15800.00"), D("22800.00")),
    ]
    assert ledger[0]["claim"].reference == "16-MED-U001-C1"
    assert ledger[1]["claim"].reference == "16-MED-U001-C2"
    # f(48,000) = 22,800: the running total is the benefit curve of the cumulative expense.
    approved("王强", "MED", **stay(date(2026, 8, 25), date(2026, 8, 28), "4000", "2000"))
    assert [(row["number"], row["cumulative"]) for row in services.coverage_ledger(med)] == [
        (1, D("7000.00")),
        (2, D("22800.00")),
        (3, D("24000.00")),  # e = 2,000 at 60%
    ]


# --- indemnity across reimbursement plans (MED before NEEDY) -----------------------------------


def test_indemnity_holds_whatever_the_approval_order(clerk_u001, district_hc, handler, head):
    # 王强, E = 20,000 so far; this stay's e = 20,000. MED alone: f(40,000) - f(20,000) = 11,000.
    details = stay(date(2026, 8, 1), date(2026, 8, 10), "30000", "10000")
    med = to_checked(file(clerk_u001, coverage("王强", "MED"), **details), district=district_hc, handler=handler)
    needy = to_checked(file(clerk_u001, coverage("王强", "NEEDY"), **details), district=district_hc, handler=handler)
    # NEEDY reaches the head first: it is refused until MED, earlier in priority, is decided.
    with pytest.raises(ValidationError, match="请先审批补偿顺序在前的项目"):
        services.claim_approve(actor=head, claim=needy)
    med = services.claim_approve(actor=head, claim=med)
    # NEEDY was checked before MED paid; its recomputation now sees MED's payout in other_paid,
    # differs from the check, and goes back to the handler before it is approved.
    needy = services.claim_approve(actor=head, claim=needy)
    assert needy.status == ClaimStatus.DISTRICT_APPROVED
    needy = services.claim_check(actor=handler, claim=needy)
    needy = services.claim_approve(actor=head, claim=needy)
    # MED 11,000, then NEEDY 50% of what is left (9,000) = 4,500: never more than e = 20,000.
    assert med.approved_amount == D("11000.00")
    assert needy.approved_amount == D("4500.00")
    assert med.approved_amount + needy.approved_amount <= D("20000.00")
