"""Claim use cases: intake, the four-step review, payout batches.

One function per use case: keyword-only arguments, an ``actor``, one
transaction, row locks where totals change, an audit row, the object returned.
"""

import io
import logging
from collections.abc import Collection
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from claims import engine, summary
from claims.models import (
    COUNTED_STATUSES,
    ORIGINALS_THRESHOLD,
    PAYERS,
    REQUIRED_DOCUMENTS,
    Claim,
    ClaimDocument,
    ClaimStatus,
    DocumentKind,
    PayoutBatch,
)
from claims.rules import REASON_LABELS, RULES_VERSION, Result
from claims.rules.serialize import dump_result
from enrollment.models import ZERO, CatalogueItem, Coverage, CoverageStatus, Member, Unit
from mutualaid.audit import recorded_by_service
from mutualaid.lib.bank import normalise_account
from mutualaid.lib.money import format_yuan
from mutualaid.lib.phones import clean_phone
from mutualaid.models import audit
from mutualaid.roles import MEMBER
from mutualaid.scoping import Role, require, role_of
from mutualaid.uploads import document_fields
from mutualaid.workflow import transition

security_log = logging.getLogger("mutualaid.security")

EDITABLE_FIELDS = (
    "kind", "cause", "admitted", "discharged", "event_date", "diagnosis", "diagnosis_text", "disability_grade",
    "work_injury", "loss_amount", "hospital", "invoice_numbers", "total_cost", "basic_insurance_paid", "other_paid", "excluded_self_pay",
    "payee_name", "payee_bank", "payee_account", "payee_reason", "phone", "unit_opinion",
)  # fmt: skip
PAYEE_FIELDS = ("payee_name", "payee_bank", "payee_account")
# What a member fills in on their phone (/me/): the event, the money, where to pay it. The payee is the
# member themself; the contact phone, the unit's opinion and the invoice numbers are the clerk's.
MEMBER_FIELDS = (
    "kind", "cause", "admitted", "discharged", "event_date", "diagnosis", "diagnosis_text", "disability_grade",
    "hospital", "total_cost", "basic_insurance_paid", "other_paid", "excluded_self_pay", "payee_bank", "payee_account",
)  # fmt: skip
# A member files for a stay, a diagnosis or an accident's disability; a death is filed by the unit.
MEMBER_KINDS = ("hospital_stay", "diagnosis", "disability")
# Photos or scans a member sends at once (each at most settings.CLAIM_DOCUMENT_MAX_BYTES).
MEMBER_MAX_FILES = 20

# Which reviewer acts at which stage (DOMAIN.md §3), as the workflow's table says: nobody acts
# outside their stage.
STAGE_OF_ROLE = Claim.workflow.queues("return")


def yuan(amount) -> str:
    """An amount as every page shows it: 68,623.10 元."""
    return f"{format_yuan(amount)} 元"


def _require_stage(claim: Claim, role: Role, action: str) -> None:
    """Refuse unless the workflow lets ``role`` take ``action`` on ``claim`` now, whatever the page offered."""
    if not Claim.workflow.may(role, action, claim.status):
        raise ValidationError(f"该申领当前为“{claim.get_status_display()}”，不在{role.label}审核环节，不能办理。")


def _role_check(actor, claim: Claim, roles: Collection[str]):
    require(actor, roles, unit=claim.unit)


def may_edit(role, claim: Claim) -> bool:
    """Whoever may submit the claim now may still change its details and documents (the workflow's
    table says who: the filer of a draft or a returned claim, the unit's clerk for a member's claim)."""
    return Claim.workflow.may(role, "submit", claim.status) or (
        role == Role.ADMIN and claim.status in ClaimStatus.EDITABLE
    )


# A claim paid before going live (``claims.history``) is a record of what was paid, not a case to work.
IMPORTED_CLAIM = "这笔理赔由历史数据导入（上线前已给付），不能在系统中修改或办理。"


def _lock(claim: Claim) -> Claim:
    locked = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("plan__period", "coverage__plan", "unit", "member")
        .get(pk=claim.pk)
    )
    if locked.imported_from_id:
        raise PermissionDenied(IMPORTED_CLAIM)
    return locked


def _transition(actor, claim: Claim, action: str, comment: str = "", data=None) -> None:
    if claim.imported_from_id:
        raise PermissionDenied(IMPORTED_CLAIM)
    transition(actor=actor, obj=claim, action=action, comment=comment, data=data)
    claim.queue_since = timezone.now()
    claim.last_comment = comment or claim.last_comment


def _save(claim: Claim) -> None:
    """Save a claim whose state or details changed: the statistics' summary follows in this transaction."""
    claim.save()
    summary.refresh_claims([claim.pk])


def _store_result(claim: Claim, result: Result, inputs: dict) -> None:
    claim.computed_amount = result.payable
    claim.decision = result.decision
    claim.reasons = list(result.reasons)
    claim.explanation = dump_result(result)["lines"]
    claim.inputs = inputs
    claim.rules_version = RULES_VERSION
    claim.eligible_expense = result.eligible_expense
    claim.days = result.days
    claim.condition = result.condition or ""
    claim.is_condolence = result.condolence
    claim.accident_medical = result.accident_medical
    claim.disability_amount = result.disability
    claim.property_loss_amount = result.property_loss


def reason_labels(codes) -> list[str]:
    return [REASON_LABELS.get(code, code) for code in codes]


# --- Intake --------------------------------------------------------------------------


def _clean_details(details: dict) -> dict:
    unknown = set(details) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown claim fields: {sorted(unknown)}")
    for money in ("total_cost", "basic_insurance_paid", "other_paid", "excluded_self_pay", "loss_amount"):
        if details.get(money) is not None and details[money] < 0:
            raise ValidationError({money: "金额不能为负数。"})
    if details.get("admitted") and details.get("discharged") and details["discharged"] < details["admitted"]:
        raise ValidationError({"discharged": "出院日期不能早于入院日期。"})
    paid = sum((details.get(f) or ZERO) for f in ("basic_insurance_paid", "other_paid", "excluded_self_pay"))
    if details.get("total_cost") is not None and paid > details["total_cost"]:
        raise ValidationError({"total_cost": "医保支付、其他报销与自费之和不能超过医疗费用总额。"})
    grade = details.get("disability_grade")
    if grade is not None and not 1 <= grade <= 10:
        raise ValidationError({"disability_grade": "伤残等级应为 1–10 级。"})
    for name in ("payee_name", "payee_bank", "payee_account", "payee_reason", "phone", "unit_opinion"):
        if isinstance(details.get(name), str):
            details[name] = details[name].strip()
    if details.get("payee_account"):
        try:
            details["payee_account"] = normalise_account(details["payee_account"])
        except ValueError as exc:
            raise ValidationError({"payee_account": str(exc)}) from exc
    phone = details.get("phone")
    if phone:
        try:
            details["phone"] = clean_phone(phone)
        except ValueError as exc:
            raise ValidationError({"phone": str(exc)}) from exc
    return {k: ("" if v is None and k in ("diagnosis", "diagnosis_text") else v) for k, v in details.items()}


def _default_payee(claim: Claim) -> bool:
    """A claim paid to the member with no account of its own takes the member's account on record
    (the clerk may have recorded it on the member page since the claim was saved). True if it did."""
    member = claim.member.payee  # a child's claim is paid to the parent (DOMAIN.md §14)
    if (claim.payee_name or member.name) != member.name:
        return False
    claim.payee_name = member.name
    if claim.payee_account or not member.bank_account:
        return False
    claim.payee_bank = claim.payee_bank or member.bank_name
    claim.payee_account = member.bank_account
    return True


def payee_problem(claim: Claim) -> str | None:
    """Why the claim cannot go on towards payment for want of a payee, in words for the page (which
    then does not offer the step); None when it names a payee and an account. The services refuse
    submission, each review step and the payout batch with the same words. A draft paid to the
    member counts the member's account on record, which submission copies onto it."""
    name, account = claim.payee_name, claim.payee_account
    draft = claim.status in ClaimStatus.EDITABLE | ClaimStatus.FROM_MEMBER
    payee = claim.member.payee
    if draft and not account and (name or payee.name) == payee.name:
        name, account = payee.name, payee.bank_account
    missing = [label for value, label in ((name, "收款人"), (account, "收款账号")) if not value]
    if not missing:
        return None
    lacking = "和".join(missing)
    if draft:
        return (
            f"申领缺少{lacking}，不能提交：请在会员页登记{payee.name}本人的银行账户，或修改申领填写收款人和收款账号。"
        )
    if claim.status == ClaimStatus.APPROVED:
        return f"申领 {claim.reference} 缺少{lacking}，不能放入支付批次。"
    return f"申领缺少{lacking}，银行无法支付，不能审核通过：请退回申领人补充。"


def _require_payee(claim: Claim) -> None:
    problem = payee_problem(claim)
    if problem:
        raise ValidationError(problem)


def _check_payee(actor, claim: Claim, *, reason_changed: bool) -> None:
    """The payee is the member, unless the member died (a beneficiary, with proof) or the
    centre handler records why; a third party never inherits the member's own account."""
    if reason_changed:
        require(actor, {Role.CENTRE_HANDLER}, message="收款人非会员本人的原因由市中心经办人填写。")
    if (claim.payee_name or claim.member.payee.name) == claim.member.payee.name:
        _default_payee(claim)
        return
    missing = [
        label for field, label in (("payee_bank", "开户行"), ("payee_account", "收款账号")) if not getattr(claim, field)
    ]
    if missing:
        raise ValidationError({"payee_account": f"收款人不是会员本人，须填写收款人自己的{'和'.join(missing)}。"})
    if claim.kind != "death" and not claim.payee_reason:
        raise ValidationError(
            {"payee_name": "收款人须为会员本人；会员身故的由受益人领取。其他情况请联系市中心经办人登记原因。"}
        )


def _numbered(coverage: Coverage, *, created_by) -> Claim:
    """A new, unsaved claim on ``coverage`` with the next number of its unit, plan and period."""
    Member.objects.select_for_update().filter(pk=coverage.member_id).exists()
    Unit.objects.select_for_update().filter(pk=coverage.unit_id).exists()  # serialises numbering
    seq = (Claim.objects.filter(plan=coverage.plan, unit=coverage.unit).aggregate(m=Max("seq"))["m"] or 0) + 1
    return Claim(
        reference=Claim.make_reference(coverage.plan, coverage.unit, seq),
        seq=seq,
        coverage=coverage,
        member=coverage.member,
        plan=coverage.plan,
        unit=coverage.unit,
        created_by=created_by,
        phone=coverage.member.phone,
    )


@transaction.atomic
@recorded_by_service
def claim_create(*, actor, coverage: Coverage, **details) -> Claim:
    """A draft claim for a member's coverage, numbered per unit, plan and period."""
    coverage = Coverage.objects.select_related("plan__period", "unit", "member").get(pk=coverage.pk)
    require(actor, {Role.CLERK, Role.CENTRE_HANDLER, Role.ADMIN}, unit=coverage.unit, message="您没有录入申领的权限。")
    details = _clean_details(details)
    claim = _numbered(coverage, created_by=actor)
    for field, value in details.items():
        if value in ("", None) and field in ("phone", "unit_opinion"):
            continue  # left blank: the member's phone, the default opinion
        setattr(claim, field, value)
    _check_payee(actor, claim, reason_changed=bool(details.get("payee_reason")))
    claim.save()
    result, inputs = engine.estimate(claim)
    _store_result(claim, result, inputs)
    claim.save()
    audit(actor=actor, obj=claim, action="create", to_state=claim.status)
    return claim


@transaction.atomic
@recorded_by_service
def claim_update(*, actor, claim: Claim, **details) -> Claim:
    claim = _lock(claim)
    _role_check(actor, claim, {Role.CLERK, Role.CENTRE_HANDLER, Role.ADMIN})
    if not may_edit(role_of(actor), claim):
        raise ValidationError("申领已提交，不能修改。")
    details = _clean_details(details)
    reason_changed = details.get("payee_reason", claim.payee_reason) != claim.payee_reason
    changes = {field: [str(getattr(claim, field) or ""), str(value or "")] for field, value in details.items()
               if getattr(claim, field) != value}  # fmt: skip
    for field, value in details.items():
        setattr(claim, field, value)
    _check_payee(actor, claim, reason_changed=reason_changed)
    result, inputs = engine.estimate(claim)
    _store_result(claim, result, inputs)
    _save(claim)
    audit(actor=actor, obj=claim, action="update", data={"fields": sorted(details), "changes": changes})
    return claim


@transaction.atomic
def claim_attach(*, actor, claim: Claim, kind: str, upload) -> ClaimDocument:
    """Store one document of a draft or returned claim, under a random name, if its
    content is a PDF, JPEG or PNG and its extension says the same."""
    from django.conf import settings

    claim = _lock(claim)
    _role_check(actor, claim, {Role.CLERK, Role.CENTRE_HANDLER, Role.ADMIN})
    if not may_edit(role_of(actor), claim):
        raise ValidationError("申领已提交，不能再上传材料；被退回后可以补充。")
    if kind not in DocumentKind.values:
        raise ValidationError("请选择材料类型。")
    document = ClaimDocument.objects.create(
        claim=claim, kind=kind, uploaded_by=actor,
        **document_fields(upload, max_bytes=settings.CLAIM_DOCUMENT_MAX_BYTES),
    )  # fmt: skip
    audit(actor=actor, obj=claim, action="attach", comment=f"{document.get_kind_display()}：{document.original_name}")
    return document


def _is_surgery(claim: Claim) -> bool:
    if claim.kind != "diagnosis" or not claim.diagnosis:
        return False
    return CatalogueItem.objects.filter(code=claim.diagnosis, name__contains="术").exists()


def document_checklist(claim: Claim) -> list[dict]:
    """What DOMAIN.md §3 requires for this claim, each with whether it is attached."""
    groups = REQUIRED_DOCUMENTS.get(claim.kind, []) + (REQUIRED_DOCUMENTS["surgery"] if _is_surgery(claim) else [])
    groups = groups + REQUIRED_DOCUMENTS["always"]
    attached = set(claim.documents.values_list("kind", flat=True)) if claim.pk else set()
    return [
        {
            "label": " 或 ".join(DocumentKind(kind).label for kind in group),
            "done": bool(attached & set(group)),
        }
        for group in groups
    ]


def missing_documents(claim: Claim) -> list[str]:
    return [item["label"] for item in document_checklist(claim) if not item["done"]]


def duplicate_claims(claim: Claim):
    """Live claims of the same member and plan for the same stay or the same event day."""
    others = Claim.objects.filter(member_id=claim.member_id, plan_id=claim.plan_id).exclude(pk=claim.pk)
    others = others.exclude(status__in=(ClaimStatus.REJECTED,))
    if claim.admitted:
        return others.filter(admitted=claim.admitted, discharged=claim.discharged)
    if claim.event_date:
        return others.filter(kind=claim.kind, event_date=claim.event_date)
    return others.none()


def claim_warnings(claim: Claim, user=None) -> list[str]:
    """Things a reviewer should look at twice: overlapping stays, invoice numbers used before,
    a payee who is not the member. Another claim is named only if ``user`` may see it."""

    def named(references: list[str]) -> list[str]:
        if user is None:
            return [f"申领 {ref} " for ref in references]
        seen = set(Claim.objects.visible_to(user).filter(reference__in=references).values_list("reference", flat=True))
        return [f"申领 {ref} " if ref in seen else "其他申领" for ref in references]

    warnings = []
    others = Claim.objects.filter(plan__code=claim.plan.code).exclude(pk=claim.pk).exclude(status=ClaimStatus.REJECTED)
    if claim.admitted:
        end = claim.discharged or claim.admitted
        overlapping = others.filter(
            member_id=claim.member_id, admitted__lte=end, discharged__gte=claim.admitted
        ).values_list("reference", flat=True)
        for label in dict.fromkeys(named(list(overlapping))):
            warnings.append(f"住院时间与{label}重叠，请核实是否重复申领。")
    for number in claim.invoice_list:
        reused = list(others.sharing_invoices(number).values_list("reference", flat=True))
        if user is not None and reused:
            # Matches outside the user's scope are not named, but the probe is on record.
            security_log.info("invoice number %r checked by %s: used in %d other claim(s)", number, user, len(reused))
        for label in dict.fromkeys(named(reused)):
            warnings.append(f"发票号 {number} 已在{label}中使用。")
    if claim.member_id and claim.payee_name and claim.payee_name != claim.member.name:
        reason = claim.payee_reason or ("会员身故，由受益人领取" if claim.kind == "death" else "未填写原因")
        warnings.append(f"收款人 {claim.payee_name} 不是会员本人（{reason}）。")
    elif claim.member_id and claim.payee_account and claim.payee_account != claim.member.bank_account:
        warnings.append("收款账号与会员登记的银行账号不同，请核实。")
    if claim.duplicate_reason:
        warnings.append(f"与已有申领日期相同，申领人说明：{claim.duplicate_reason}")
    return warnings


@transaction.atomic
@recorded_by_service
def claim_submit(*, actor, claim: Claim, duplicate_reason: str = "") -> Claim:
    claim = _lock(claim)
    _role_check(actor, claim, Claim.workflow.roles("submit"))
    Claim.workflow.target("submit", claim.status)
    if not Claim.workflow.may(role_of(actor), "submit", claim.status):
        raise PermissionDenied("职工本人提交的申领由所在单位的经办人确认后提交。")
    missing = missing_documents(claim)
    if missing:
        raise ValidationError(f"还缺少以下材料，请上传后再提交：{'、'.join(missing)}。")
    member_account = _default_payee(claim)
    _require_payee(claim)
    duplicate_reason = duplicate_reason.strip()
    duplicates = list(duplicate_claims(claim).values_list("reference", flat=True))
    if duplicates and not duplicate_reason:
        raise ValidationError(
            f"该会员已有同一{'住院时间' if claim.admitted else '事件日期'}的申领（{'、'.join(duplicates)}）。"
            "如确需再次申领（如补充申报），请填写说明后提交。"
        )
    if duplicate_reason:
        claim.duplicate_reason = duplicate_reason[:300]
    claim.submitted_at = timezone.now()
    result, inputs = engine.estimate(claim)
    _store_result(claim, result, inputs)
    data = {"estimate": str(result.payable), "decision": result.decision}
    if member_account:
        data["payee_account"] = "会员登记的银行账户"
    _transition(actor, claim, "submit", data=data)
    _save(claim)
    return claim


# --- Review -------------------------------------------------------------------------


def _clear_check(claim: Claim) -> None:
    """A handler's adjustment belongs to that check only."""
    claim.adjusted_amount = None
    claim.adjustment_reason = ""
    claim.checked_amount = None


@transaction.atomic
@recorded_by_service
def claim_district_approve(*, actor, claim: Claim, comment: str = "") -> Claim:
    claim = _lock(claim)
    _role_check(actor, claim, Claim.workflow.roles("district_approve"))
    _require_stage(claim, Role.DISTRICT, "district_approve")
    _require_payee(claim)
    _transition(actor, claim, "district_approve", comment)
    claim.district_approved_at = timezone.now()
    _save(claim)
    return claim


@transaction.atomic
@recorded_by_service
def claim_check(*, actor, claim: Claim, comment: str = "", adjusted_amount=None, adjustment_reason: str = "") -> Claim:
    """The centre handler recomputes and may lower the amount, with a reason."""
    claim = _lock(claim)
    _role_check(actor, claim, Claim.workflow.roles("centre_check"))
    _require_stage(claim, Role.CENTRE_HANDLER, "centre_check")
    if claim.created_by_id == actor.pk:
        raise PermissionDenied("您录入了这笔申领，须由另一位经办人审核。")
    _require_payee(claim)
    _clear_check(claim)
    result, inputs = engine.estimate(claim)
    _store_result(claim, result, inputs)
    if adjusted_amount is not None:
        if adjusted_amount < 0:
            raise ValidationError({"adjusted_amount": "金额不能为负数。"})
        if adjusted_amount > result.payable:
            raise ValidationError({"adjusted_amount": f"调整后金额不能高于核算金额 {yuan(result.payable)}。"})
        if not adjustment_reason.strip():
            raise ValidationError({"adjustment_reason": "调整金额须填写原因。"})
        claim.adjusted_amount = adjusted_amount
        claim.adjustment_reason = adjustment_reason.strip()
    claim.checked_amount = result.payable if adjusted_amount is None else adjusted_amount
    _transition(
        actor,
        claim,
        "centre_check",
        comment,
        data={
            "computed": str(result.payable),
            "adjusted": None if adjusted_amount is None else str(adjusted_amount),
            "reason": adjustment_reason,
        },
    )
    claim.checked_by = actor
    claim.checked_at = timezone.now()
    _save(claim)
    return claim


@transaction.atomic
@recorded_by_service
def claim_receive_originals(*, actor, claim: Claim) -> Claim:
    claim = _lock(claim)
    _role_check(actor, claim, {Role.CENTRE_HANDLER, Role.CENTRE_HEAD})
    if claim.originals_received_at:
        raise ValidationError("已登记收到原件。")
    if claim.status not in ClaimStatus.OPEN:
        raise ValidationError("该申领不在审核中。")
    claim.originals_received_at = timezone.now()
    claim.save(update_fields=["originals_received_at"])
    audit(actor=actor, obj=claim, action="originals_received", comment="已收到纸质原件")
    return claim


def approval_blocker(claim: Claim, actor) -> str | None:
    """Why the head may not approve this claim now, in words for the page; None if they may."""
    if not Claim.workflow.can("approve", claim.status):
        return f"该申领当前为“{claim.get_status_display()}”，不在负责人审批环节。"
    if claim.checked_by_id == actor.pk:
        return "该申领由您审核，须由另一位负责人审批。"
    payee = payee_problem(claim)
    if payee:
        return payee
    amount = claim.checked_amount if claim.checked_amount is not None else claim.amount_for_review
    if amount is not None and amount >= ORIGINALS_THRESHOLD and not claim.originals_received_at:
        return f"审核金额 {yuan(amount)}，达到 {yuan(ORIGINALS_THRESHOLD)}，须先登记收到纸质原件。"
    return None


@transaction.atomic
@recorded_by_service
def claim_approve(*, actor, claim: Claim, comment: str = "") -> Claim:
    """Final approval of the amount the handler checked.

    The amount is recomputed with the member's ledger row locked, so concurrent
    approvals for one member run one after another. If the recomputation differs
    from what the handler checked (another claim was approved meanwhile, the
    schedule changed), the claim goes back to the handler with both figures:
    nothing is ever paid at a figure nobody checked. Nothing to pay closes the
    claim (结案，不予给付) instead of approving 0.00.
    """
    claim = _lock(claim)
    _role_check(actor, claim, Claim.workflow.roles("approve"))
    _require_stage(claim, Role.CENTRE_HEAD, "approve")
    if claim.checked_by_id == actor.pk:
        raise PermissionDenied("审批人不能与审核该申领的经办人为同一人。")
    _require_payee(claim)
    Member.objects.select_for_update().get(pk=claim.member_id)  # the member's ledger
    if claim.admitted and claim.plan.kind == "REIMBURSEMENT":
        waiting = engine.same_stay_claims(claim).filter(
            plan__priority__lt=claim.plan.priority,
            status__in=sorted(ClaimStatus.EDITABLE | ClaimStatus.FROM_MEMBER | ClaimStatus.OPEN),
        )
        first = waiting.values_list("reference", flat=True).first()
        if first:
            raise ValidationError(f"同次住院的申领 {first} 尚未审批：请先审批补偿顺序在前的项目。")
    checked_computed = claim.computed_amount
    checked = claim.checked_amount if claim.checked_amount is not None else claim.amount_for_review
    result, inputs = engine.estimate(claim)
    if result.payable != checked_computed:
        _store_result(claim, result, inputs)
        note = (
            f"重新核算金额 {yuan(result.payable)}，与经办人审核金额 {yuan(checked)} 不一致"
            "（期间有其他申领获批或给付标准有变化），退回经办人复核。"
        )
        _transition(actor, claim, "recheck", note, data={"checked": str(checked), "recomputed": str(result.payable)})
        _clear_check(claim)
        claim.checked_by = None
        _save(claim)
        return claim
    _store_result(claim, result, inputs)
    # The handler's figure; without one, the engine's, which the recheck above just confirmed.
    amount = checked if checked is not None else result.payable
    if amount >= ORIGINALS_THRESHOLD and not claim.originals_received_at:
        raise ValidationError(f"给付金额 {yuan(amount)} 达到 {yuan(ORIGINALS_THRESHOLD)}，须先登记收到纸质原件。")
    claim.approved_amount = amount
    claim.approved_by = actor
    claim.approved_at = timezone.now()
    if amount == 0:
        claim.decision = "not_payable"
        reason = "；".join(reason_labels(claim.reasons)) or f"经办人调整为 0（{claim.adjustment_reason}）"
        _transition(actor, claim, "close", comment or f"结案，不予给付：{reason}", data={"approved": "0.00"})
    else:
        _transition(actor, claim, "approve", comment, data={"approved": str(amount), "rules": RULES_VERSION})
    _save(claim)
    return claim


def _close(actor, claim, action, reason):
    if not reason.strip():
        raise ValidationError("请填写原因，申领人会看到。")
    claim = _lock(claim)
    role = require(actor, Claim.workflow.roles(action), unit=claim.unit)
    _require_stage(claim, role, action)
    _transition(actor, claim, action, reason.strip())
    _clear_check(claim)
    _save(claim)
    return claim


@transaction.atomic
@recorded_by_service
def claim_return(*, actor, claim: Claim, reason: str) -> Claim:
    return _close(actor, claim, "return", reason)


@transaction.atomic
@recorded_by_service
def claim_reject(*, actor, claim: Claim, reason: str) -> Claim:
    return _close(actor, claim, "reject", reason)


@transaction.atomic
@recorded_by_service
def claim_return_to_member(*, actor, claim: Claim, reason: str) -> Claim:
    """The unit's clerk sends a member's own claim back to them, saying what is missing or wrong (the
    member is told by SMS, with the reason: the notices' table, on this action)."""
    return _close(actor, claim, "return_to_member", reason)


# --- A member's own claims (/me/, DOMAIN.md §13) ----------------------------------------------


def check_member_uploads(uploads) -> None:
    """Every file a member sends, checked before anything is stored: at most 20 at once, each a PDF, JPEG
    or PNG (by content and extension) of at most 10 MB, under a document kind the claim knows."""
    from django.conf import settings

    if len(uploads) > MEMBER_MAX_FILES:
        raise ValidationError(f"一次最多上传 {MEMBER_MAX_FILES} 个文件，您选择了 {len(uploads)} 个。")
    for kind, upload in uploads:
        if kind not in DocumentKind.values:
            raise ValidationError("请选择材料类型。")
        document_fields(upload, max_bytes=settings.CLAIM_DOCUMENT_MAX_BYTES)


def _store_member_uploads(claim: Claim, uploads, by: dict) -> None:
    from django.conf import settings

    for kind, upload in uploads:
        document = ClaimDocument.objects.create(
            claim=claim, kind=kind, uploaded_by=None,
            **document_fields(upload, max_bytes=settings.CLAIM_DOCUMENT_MAX_BYTES),
        )  # fmt: skip
        audit(actor=None, obj=claim, action="attach", data=by,
              comment=f"{document.get_kind_display()}：{document.original_name}")  # fmt: skip


def _member_transition(member: Member, claim: Claim, comment: str = "") -> None:
    if not Claim.workflow.may(MEMBER, "member_file", claim.status):
        raise ValidationError(f"该申领当前为“{claim.get_status_display()}”，不能由本人提交。")
    _transition(None, claim, "member_file", comment, data={"by_member": member.pk})


@transaction.atomic
@recorded_by_service
def claim_member_file(*, member: Member, coverage: Coverage, uploads=(), **details) -> Claim:
    """A member files a claim on their own coverage from their phone: it goes to the clerk of the unit
    that enrolled them as 职工本人提交，待单位确认, paid to the member (their account on record unless they
    type another), with the photos they took."""
    coverage = (
        Coverage.objects.owned_by(member).filter(pk=coverage.pk, status=CoverageStatus.ACTIVE)
        .select_related("plan__period", "unit", "member").first()
    )  # fmt: skip
    if coverage is None:
        raise PermissionDenied("只能为本人的有效保障申领。")
    unknown = set(details) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"not a member's claim fields: {sorted(unknown)}")
    if details.get("kind") not in MEMBER_KINDS:
        raise ValidationError({"kind": "请选择申领类型：住院、确诊/手术或意外伤残。"})
    details = _clean_details(details)
    uploads = list(uploads)
    check_member_uploads(uploads)
    claim = _numbered(coverage, created_by=None)
    for field, value in details.items():
        setattr(claim, field, value)
    claim.payee_name = member.name
    _default_payee(claim)
    claim.save()
    result, inputs = engine.estimate(claim)
    _store_result(claim, result, inputs)
    by = {"by_member": member.pk}
    audit(actor=None, obj=claim, action="create", to_state=claim.status, data=by)
    _store_member_uploads(claim, uploads, by)
    _member_transition(member, claim)  # the unit's clerks are told (notices: member_claim_waiting)
    _save(claim)
    return claim


@transaction.atomic
@recorded_by_service
def claim_member_resend(*, member: Member, claim: Claim, uploads=(), comment: str = "") -> Claim:
    """A member adds documents to the claim their unit returned to them and sends it to the clerk again."""
    claim = _lock(claim)
    if claim.member_id != member.pk:
        raise PermissionDenied("只能办理本人的申领。")
    if not Claim.workflow.may(MEMBER, "member_file", claim.status) or claim.status == ClaimStatus.DRAFT:
        raise ValidationError(f"该申领当前为“{claim.get_status_display()}”，不能由本人重新提交。")
    uploads = list(uploads)
    check_member_uploads(uploads)
    by = {"by_member": member.pk}
    _store_member_uploads(claim, uploads, by)
    _member_transition(member, claim, (comment or "").strip()[:300])
    _save(claim)
    return claim


# --- Payouts ---------------------------------------------------------------------------


def _lock_batch_numbering() -> None:
    """Serialise batch numbering so two batches made at once never take the same reference."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x4D41_5042])  # "MAPB"


@transaction.atomic
@recorded_by_service
def payout_batch_create(*, actor, claims) -> PayoutBatch:
    require(actor, PAYERS, message="只有市中心可以生成支付批次。")
    pks = [c.pk for c in claims]
    locked = list(Claim.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    if not locked:
        raise ValidationError("请选择至少一笔已审批的申领。")
    bad = [c.reference for c in locked if c.status != ClaimStatus.APPROVED or c.payout_batch_id]
    if bad:
        raise ValidationError(f"以下申领不是“已审批待支付”状态或已在其他批次中：{'、'.join(bad)}")
    zero = [c.reference for c in locked if not c.approved_amount]
    if zero:
        raise ValidationError(f"以下申领核准金额为 0，无需支付：{'、'.join(zero)}")
    unpayable = [c.reference for c in locked if payee_problem(c)]
    if unpayable:
        raise ValidationError(f"以下申领缺少收款人或收款账号，不能放入支付批次：{'、'.join(unpayable)}")
    _lock_batch_numbering()
    now = timezone.localtime()
    prefix = f"P{now:%Y%m%d}"
    count = PayoutBatch.objects.filter(reference__startswith=prefix).count()
    batch = PayoutBatch.objects.create(
        reference=f"{prefix}-{count + 1:02d}",
        created_by=actor,
        total=sum((_approved_amount(c) for c in locked), ZERO),
        claim_count=len(locked),
    )
    Claim.objects.filter(pk__in=pks).update(payout_batch=batch)
    summary.refresh_claims(pks)  # no longer waiting for a batch
    audit(
        actor=actor, obj=batch, action="create", to_state=batch.status, data={"claims": [c.reference for c in locked]}
    )
    return batch


@transaction.atomic
@recorded_by_service
def payout_batch_mark_paid(*, actor, batch: PayoutBatch, paid_on: date, bank_reference: str) -> PayoutBatch:
    """Record that the bank paid the batch: its date and the bank's reference, confirmed by a
    second person (not the one who made the batch), so no one moves money alone."""
    require(actor, PayoutBatch.workflow.roles("pay"), message="只有市中心可以确认支付。")
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id == actor.pk:
        raise PermissionDenied("批次由您生成，须由另一位市中心工作人员核对银行回单后确认支付。")
    bank_reference = (bank_reference or "").strip()
    if not paid_on or not bank_reference:
        raise ValidationError("请填写银行支付日期和银行回单号。")
    if paid_on > timezone.localdate():
        raise ValidationError("银行支付日期不能晚于今天。")
    if paid_on < timezone.localdate(batch.created_at):
        raise ValidationError("银行支付日期不能早于批次生成日期。")
    transition(actor=actor, obj=batch, action="pay", data={"paid_on": str(paid_on), "bank_reference": bank_reference})
    batch.paid_at, batch.paid_on, batch.bank_reference, batch.paid_by = timezone.now(), paid_on, bank_reference, actor
    batch.save()
    paid = []
    for claim in Claim.objects.select_for_update().filter(payout_batch=batch).order_by("pk"):
        _transition(actor, claim, "pay", f"支付批次 {batch.reference}，银行回单 {bank_reference}")
        claim.paid_at = batch.paid_at
        claim.save()
        paid.append(claim.pk)
    summary.refresh_claims(paid)  # claims paid, the amount, the wait: once for the whole batch
    return batch


@transaction.atomic
@recorded_by_service
def payout_line_bounce(*, actor, batch: PayoutBatch, claim: Claim, reason: str) -> Claim:
    """The bank returned one transfer (wrong account, closed card): the claim goes back to
    approved, out of the batch, with the bank's reason, to be paid again in a later batch."""
    require(actor, Claim.workflow.roles("bounce"), message="只有市中心可以登记退票。")
    if not (reason or "").strip():
        raise ValidationError("请填写退票原因（如：账号有误、账户已销户）。")
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    claim = _lock(claim)
    if claim.payout_batch_id != batch.pk:
        raise ValidationError(f"申领 {claim.reference} 不在批次 {batch.reference} 中。")
    _transition(actor, claim, "bounce", f"银行退票：{reason.strip()}", data={"batch": batch.reference})
    claim.payout_batch = None
    claim.paid_at = None
    _save(claim)
    batch.total -= claim.approved_amount
    batch.claim_count -= 1
    batch.save(update_fields=["total", "claim_count"])
    audit(
        actor=actor, obj=batch, action="bounce", comment=f"{claim.reference} 退票：{reason.strip()}",
        data={"claim": claim.reference, "amount": str(claim.approved_amount)},
    )  # fmt: skip
    return claim


def _approved_amount(claim: Claim) -> Decimal:
    """What a payout pays for ``claim``: the amount approval set (a batch takes approved claims only)."""
    if claim.approved_amount is None:  # only a write behind the services' back gets here
        raise ValidationError(f"申领 {claim.reference} 没有核准金额，不能支付。")
    return claim.approved_amount


def payout_file(batch: PayoutBatch) -> bytes:
    """The bank payment file: one row per claim (payee, account, amount, reference).

    Amounts are written as exact two-decimal numbers; every text cell goes through
    safe_text, so a payee name such as =HYPERLINK(...) stays text in Excel.
    """
    from openpyxl import Workbook

    from mutualaid.lib.spreadsheet import safe_text

    workbook = Workbook()
    sheet = workbook.worksheets[0]  # the one sheet a new workbook has
    sheet.title = "支付明细"
    sheet.append(["序号", "收款人", "开户行", "收款账号", "金额", "申领编号", "单位"])
    claims = list(batch.claims.select_related("unit").order_by("reference"))
    unpayable = [claim.reference for claim in claims if payee_problem(claim)]
    if unpayable:  # only a write behind the services' back gets here: never hand the bank a blank line
        raise ValidationError(f"以下申领缺少收款人或收款账号，不能生成支付文件：{'、'.join(unpayable)}")
    for index, claim in enumerate(claims, start=1):
        sheet.append(
            [index, safe_text(claim.payee_name), safe_text(claim.payee_bank), safe_text(claim.payee_account),
             _approved_amount(claim), safe_text(claim.reference), safe_text(claim.unit.name)]
        )  # fmt: skip
        sheet.cell(row=index + 1, column=4).number_format = "@"
        sheet.cell(row=index + 1, column=5).number_format = "0.00"
    total_row = len(claims) + 2
    sheet.cell(row=total_row, column=4, value="合计")
    sheet.cell(row=total_row, column=5, value=sum((_approved_amount(c) for c in claims), ZERO)).number_format = "0.00"
    for column, width in zip("ABCDEFG", (6, 12, 20, 24, 14, 22, 30), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def coverage_ledger(coverage: Coverage) -> list[dict]:
    """申请次数 and 互助金额累计 for a coverage: its counted claims in approval order."""
    rows, running = [], ZERO
    counted = coverage.claims.filter(status__in=COUNTED_STATUSES).order_by("approved_at", "pk")
    for number, claim in enumerate(counted, start=1):
        running += claim.approved_amount or ZERO
        rows.append({"number": number, "claim": claim, "amount": claim.approved_amount, "cumulative": running})
    return rows


def coverage_paid_total(coverage: Coverage):
    return (
        coverage.claims.filter(status__in=(ClaimStatus.APPROVED, ClaimStatus.PAID)).aggregate(s=Sum("approved_amount"))[
            "s"
        ]
        or ZERO
    )
