"""An application's use cases: create and edit the draft, attach its papers, submit, review at each
stage, withdraw; the share rules as the roster stands, and what its roster declares about people.

One function each, one transaction, one audit row. Views, admin actions, commands and the demo
seeder call these; none of them changes an application's status or creates a coverage by itself.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from enrollment import summary
from enrollment.models import (
    FUNDING_PAYERS,
    ZERO,
    Application,
    ApplicationDocument,
    ApplicationDocumentKind,
    ApplicationStatus,
    Coverage,
    CoverageStatus,
    FundingWay,
    Member,
    PayerKind,
    Plan,
    RosterLine,
    Unit,
    invoice_figures,
)
from enrollment.models.funding import PART_FIELDS
from enrollment.roster.rules import roster_share_problems
from enrollment.roster.validate import renewed_shares
from enrollment.services.payments import activate_ready
from mutualaid import notices
from mutualaid.audit import acting_as, recorded_by_service
from mutualaid.lib.idcard import mask_account
from mutualaid.lib.money import format_yuan
from mutualaid.models import audit
from mutualaid.scoping import CITY_ROLES, Role, district_of, is_city, require
from mutualaid.uploads import document_fields
from mutualaid.workflow import transition


def today() -> date:
    return timezone.localdate()


def _transition(actor, obj, action: str, comment: str = "", data=None) -> str:
    return transition(actor=actor, obj=obj, action=action, comment=comment, data=data)


# --- Renewal (续保) ---------------------------------------------------------------


def renewed_shares_for(member: Member, plan: Plan) -> int:
    """Shares the member held under the same plan code in the previous period, to its end."""
    previous = plan.period.previous()
    if previous is None:
        return 0
    held = (
        Coverage.objects.filter(
            member=member,
            plan__period=previous,
            plan__code=plan.code,
            status=CoverageStatus.ACTIVE,
            effective_to__gte=previous.coverage_end,
        )
        .values_list("shares", flat=True)
        .first()
    )
    return held or 0


# --- What a roster declares about people already registered ------------------------------

# (roster line field, member field, label): a blank or None on the line declares nothing.
DECLARED_DETAILS = (
    ("phone", "phone", "手机号"),
    ("insurance_card", "insurance_card", "医保卡号"),
    ("has_basic_insurance", "has_basic_insurance", "参加基本医保"),
    ("needy", "needy", "困难职工"),
    ("occupation", "occupation", "职业"),
    ("bank_name", "bank_name", "开户行"),
    ("bank_account", "bank_account", "银行卡号"),
)


def _differs(line_field: str, member_field: str) -> Q:
    declared = Q(**{f"{line_field}__isnull": False}) & ~Q(**{line_field: ""})
    return declared & ~Q(**{line_field: F(f"member__{member_field}")})


def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return mask_account(value) if field == "bank_account" else str(value)


def declared_changes(application: Application, *, viewer, limit: int = 200) -> tuple[list[dict], int]:
    """The people whose roster line declares something other than their record holds, with old → new
    per field, for the district and centre reviewers (the record changes at centre approval). The old
    values of a person registered in another district are the centre's to see, not this district's."""
    own_district = None if is_city(viewer) else getattr(district_of(viewer), "pk", None)
    condition = Q()
    for line_field, member_field, _label in DECLARED_DETAILS:
        condition |= _differs(line_field, member_field)
    lines = application.lines.filter(condition).select_related("member__unit").order_by("row_number")
    changes = []
    for line in lines[:limit]:
        unit = line.member.unit
        old_shown = own_district is None or (unit is not None and unit.district_id == own_district)
        fields = [
            {"label": label, "old": _shown(member_field, getattr(line.member, member_field)) if old_shown else "（其他辖区登记，不显示）",
             "new": _shown(member_field, getattr(line, line_field))}
            for line_field, member_field, label in DECLARED_DETAILS
            if getattr(line, line_field) not in (None, "") and getattr(line, line_field) != getattr(line.member, member_field)
        ]  # fmt: skip
        # Someone registered by another unit (changing employer, §4 — or a mistake): say so, since the
        # phone on record is how a member signs in and the account is where the money goes.
        changes.append({"line": line, "member": line.member, "fields": fields,
                        "other_unit": line.member.unit_id != application.unit_id})  # fmt: skip
    return changes, lines.count()


def apply_declared_details(*, actor, application: Application) -> int:
    """At centre approval: what the application's roster declares becomes the people's record (the audit
    triggers keep old and new of each changed member, and who approved). Returns the people changed. A
    member whose mobile number changes is told so on the old one (the notices module sends it)."""
    old_phones = dict(
        application.lines.filter(_differs("phone", "phone")).exclude(member__phone="")
        .values_list("member_id", "member__phone")
    )  # fmt: skip
    with acting_as(actor, f"审核通过 {application.reference}"), connection.cursor() as cursor:
        cursor.execute(
            """UPDATE enrollment_member m SET
                   phone = COALESCE(NULLIF(l.phone, ''), m.phone),
                   insurance_card = COALESCE(NULLIF(l.insurance_card, ''), m.insurance_card),
                   has_basic_insurance = COALESCE(l.has_basic_insurance, m.has_basic_insurance),
                   needy = COALESCE(l.needy, m.needy),
                   occupation = COALESCE(NULLIF(l.occupation, ''), m.occupation),
                   bank_name = COALESCE(NULLIF(l.bank_name, ''), m.bank_name),
                   bank_account = COALESCE(NULLIF(l.bank_account, ''), m.bank_account),
                   parent_id = COALESCE(l.parent_id, m.parent_id)
               FROM enrollment_rosterline l
               WHERE l.application_id = %s AND l.member_id = m.id
                 AND (COALESCE(NULLIF(l.phone, ''), m.phone), COALESCE(NULLIF(l.insurance_card, ''), m.insurance_card),
                      COALESCE(l.has_basic_insurance, m.has_basic_insurance), COALESCE(l.needy, m.needy),
                      COALESCE(NULLIF(l.occupation, ''), m.occupation),
                      COALESCE(NULLIF(l.bank_account, ''), m.bank_account),
                      COALESCE(NULLIF(l.bank_name, ''), m.bank_name), COALESCE(l.parent_id, m.parent_id))
                     IS DISTINCT FROM (m.phone, m.insurance_card, m.has_basic_insurance, m.needy, m.occupation,
                                       m.bank_account, m.bank_name, m.parent_id)""",
            [application.pk],
        )
        changed = cursor.rowcount
    for member in Member.objects.filter(pk__in=list(old_phones)):
        notices.emit("member_phone_changed", member=member, old_phone=old_phones[member.pk], new_phone=member.phone,
                     actor=actor)  # fmt: skip
    return changed


# --- Applications --------------------------------------------------------------------


@transaction.atomic(durable=True)
def application_create(
    *,
    actor,
    plan: Plan,
    unit: Unit,
    declared_staff: int,
    uniform_shares: bool = True,
    contact_name: str = "",
    contact_phone: str = "",
    invoice_title: str = "",
    invoice_tax_number: str = "",
) -> Application:
    """A new draft for the unit and plan, numbered in its sequence (DOMAIN.md §7's references)."""
    return draft_create(actor=actor, plan=plan, unit=unit, declared_staff=declared_staff,
                        uniform_shares=uniform_shares, contact_name=contact_name, contact_phone=contact_phone,
                        invoice_title=invoice_title, invoice_tax_number=invoice_tax_number)  # fmt: skip


@recorded_by_service
def draft_create(*, actor, plan: Plan, unit: Unit, declared_staff: int, uniform_shares: bool = True,
                 contact_name: str = "", contact_phone: str = "", invoice_title: str = "",
                 invoice_tax_number: str = "") -> Application:  # fmt: skip
    """``application_create`` inside the caller's transaction: a roster import or a renewal that
    finds no open draft starts one as part of its own write."""
    if actor is not None:  # None: the operator's command line (import_roster)
        require(actor, CITY_ROLES | {Role.CLERK}, unit=unit)
    Unit.objects.select_for_update().get(pk=unit.pk)  # serialises the per-unit sequence
    seq = (Application.objects.filter(plan=plan, unit=unit).aggregate(m=Max("seq"))["m"] or 0) + 1
    application = Application.objects.create(
        reference=Application.make_reference(plan, unit, seq),
        plan=plan,
        unit=unit,
        seq=seq,
        declared_staff=declared_staff,
        uniform_shares=uniform_shares,
        contact_name=contact_name or unit.contact_name,
        contact_phone=contact_phone or unit.contact_phone,
        invoice_title=invoice_title,
        invoice_tax_number=invoice_tax_number,
        created_by=actor,
    )
    audit(actor=actor, obj=application, action="create", to_state=application.status)
    return application


def require_editable(application: Application):
    if application.status not in ApplicationStatus.EDITABLE:
        raise ValidationError("申请已提交，名单已冻结，不能再修改。")


@dataclass(frozen=True)
class ShareLine:
    """One line as the share rules see it: ``key`` is the line's id (None for one being added)."""

    key: int | None
    row: int
    shares: int
    renewed: int
    name: str = ""


def share_lines(application: Application, *, without: int | None = None) -> list[ShareLine]:
    lines = application.lines.exclude(pk=without) if without else application.lines.all()
    return [ShareLine(*values) for values in lines.values_list("pk", "row_number", "shares", "renewed_shares")]


def roster_share_problem(application: Application, lines: list[ShareLine] | None = None) -> str | None:
    """Every line whose shares the plan refuses on this application as it stands (or as ``lines``
    would make it) — uniform or not from the lines themselves, whatever box was ticked (§4) — as one
    message naming them by 序号 and name; or None when every line is right."""
    if lines is None:
        lines = share_lines(application)
    wrong = roster_share_problems(application.plan, [(n, line.shares, line.renewed) for n, line in enumerate(lines)])
    if not wrong:
        return None
    shown = sorted(wrong, key=lambda n: (lines[n].row, n))[:10]
    keys = [key for n in shown if (key := lines[n].key)]
    names: dict[int | None, str] = dict(RosterLine.objects.filter(pk__in=keys).values_list("pk", "member__name"))
    listed = "；".join(
        f"序号 {lines[n].row} {lines[n].name or names.get(lines[n].key, '')}（{lines[n].shares} 份）："
        f"{wrong[n].rstrip('。')}"
        for n in shown
    )
    more = f"……（共 {len(wrong)} 人）" if len(wrong) > len(shown) else ""
    return f"名单中有 {len(wrong)} 人的份数不符合本项目规定：{listed}{more}。"


def _lock_draft(actor, application: Application) -> Application:
    application = Application.objects.select_for_update().select_related("plan__period", "unit").get(pk=application.pk)
    require(actor, CITY_ROLES | {Role.CLERK}, unit=application.unit, message="只有本单位经办人可以修改申请。")
    require_editable(application)
    return application


@transaction.atomic(durable=True)
def application_remove_line(*, actor, application: Application, line_id: int) -> None:
    """Take one person off a draft's roster."""
    application = _lock_draft(actor, application)
    line = application.lines.select_related("member").filter(pk=line_id).first()
    if line is None:
        raise ValidationError("名单中没有这个人，可能已被删除。")
    line.delete()
    audit(actor=actor, obj=application, action="roster_remove", comment=line.member.name,
          data={"row": line.row_number})  # fmt: skip


@transaction.atomic(durable=True)
def application_set_shares(*, actor, application: Application, line_id: int, shares: int) -> RosterLine:
    """Change one person's shares on a draft, held to the plan's share rules like a file is: the
    roster as it would stand, uniform or not from its lines."""
    application = _lock_draft(actor, application)
    line = application.lines.select_related("member").filter(pk=line_id).first()
    if line is None:
        raise ValidationError("名单中没有这个人，可能已被删除。")
    renewed = min(renewed_shares_for(line.member, application.plan), shares)
    changed = ShareLine(line.pk, line.row_number, shares, renewed, line.member.name)
    problem = roster_share_problem(application, [*share_lines(application, without=line.pk), changed])
    if problem:
        hint = (
            f"如要每人都改为 {shares} 份，请用名单上方的“全部人员改为”。"
            if shares <= application.plan.max_shares
            else ""
        )
        raise ValidationError(problem + hint)
    before = line.shares
    line.shares, line.renewed_shares = shares, renewed
    line.save(update_fields=["shares", "renewed_shares"])
    audit(actor=actor, obj=application, action="roster_shares", comment=f"{line.member.name} {before} → {shares} 份")
    return line


@transaction.atomic(durable=True)
def application_set_all_shares(*, actor, application: Application, shares: int) -> int:
    """Give everyone on a draft the same shares (a uniform roster), each renewal keeping what it
    renews; refused, with the lines named, when the plan does not allow that many."""
    application = _lock_draft(actor, application)
    lines = list(application.lines.select_related("member").only("pk", "row_number", "member__id_number",
                                                                  "member__name"))  # fmt: skip
    if not lines:
        raise ValidationError("名单为空。")
    held = renewed_shares(application.plan, [line.member.id_number for line in lines])
    changed = [
        ShareLine(line.pk, line.row_number, shares, min(held.get(line.member.id_number, 0), shares), line.member.name)
        for line in lines
    ]
    problem = roster_share_problem(application, changed)
    if problem:
        raise ValidationError(problem)
    for line, after in zip(lines, changed, strict=True):
        line.shares, line.renewed_shares = after.shares, after.renewed
    RosterLine.objects.bulk_update(lines, ["shares", "renewed_shares"], batch_size=2000)
    audit(actor=actor, obj=application, action="roster_shares", comment=f"全部人员改为 {shares} 份",
          data={"lines": len(lines)})  # fmt: skip
    return len(lines)


APPLICATION_DETAILS = ("declared_staff", "uniform_shares", "contact_name", "contact_phone", "invoice_title",
                       "invoice_tax_number")  # fmt: skip


@transaction.atomic(durable=True)
@recorded_by_service
def application_update(*, actor, application: Application, **details) -> Application:
    """The clerk's own details of a draft: staff declared, contacts, the receipt's title."""
    application = _lock_draft(actor, application)
    unknown = set(details) - set(APPLICATION_DETAILS)
    if unknown:
        raise ValidationError(f"不能修改：{', '.join(sorted(unknown))}")
    changed = {name: value for name, value in details.items() if getattr(application, name) != value}
    changes = {name: [str(getattr(application, name)), str(value)] for name, value in changed.items()}
    for name, value in changed.items():
        setattr(application, name, value)
    if changed:
        application.save(update_fields=list(changed))
        audit(actor=actor, obj=application, action="update", data={"fields": sorted(changed), "changes": changes})
    return application


def funding_parts(plan: Plan, funding: str, parts: dict[str, Decimal | None]) -> dict[str, Decimal]:
    """The application's part fields for a way of paying (DOMAIN.md §14), or ValidationError saying
    what is wrong: the way decides which payers have a part, each such part is more than 0, the others
    none, and together they make the premium per share the application pays (会费 − 工会补贴)."""
    if funding not in FundingWay.values:
        raise ValidationError("请选择缴费方式。")
    payers = FUNDING_PAYERS[funding]
    premium = plan.clerk_premium
    if len(payers) == 1:  # one payer pays the whole premium: nothing to type
        return {field: premium if kind == payers[0] else ZERO for kind, field in PART_FIELDS.items()}
    values: dict[str, Decimal] = {str(kind): parts.get(kind) or ZERO for kind in PART_FIELDS}
    way = FundingWay(funding).label
    for kind, value in values.items():
        label = PayerKind(kind).label
        if value < 0 or value != value.quantize(Decimal("0.01")):
            raise ValidationError(f"{label}每份金额应为不小于 0、最多两位小数的金额。")
        if kind in payers and value <= 0:
            raise ValidationError(f"“{way}”须填写{label}每份承担的金额。")
        if kind not in payers and value:
            raise ValidationError(f"“{way}”不含{label}承担的部分，{label}每份金额应为空。")
    total = sum(values.values(), ZERO)
    if total != premium:
        shown = " + ".join(f"{PayerKind(kind).label} {format_yuan(values[kind])}" for kind in payers)
        raise ValidationError(
            f"各方每份金额合计 {format_yuan(total)} 元（{shown}），应等于每份单位缴 {format_yuan(premium)} 元。"
        )
    return {PART_FIELDS[PayerKind(kind)]: value for kind, value in values.items()}


def funding_problem(application: Application) -> str | None:
    """A shared way whose parts no longer make the plan's premium (the plan changed since)."""
    if not application.shared_funding:
        return None
    try:
        funding_parts(application.plan, application.funding,
                      {kind: getattr(application, field) for kind, field in PART_FIELDS.items()})  # fmt: skip
    except ValidationError as exc:
        return f"缴费方式：{exc.messages[0]}请在“缴费方式”中更正后再提交。"
    return None


@transaction.atomic(durable=True)
@recorded_by_service
def application_set_funding(
    *, actor, application: Application, funding: str, parts: dict[str, Decimal | None] | None = None
) -> Application:
    """Who pays the draft's premium: the way and, when payers share it, each payer's part per share
    (``parts`` by payer kind: unit, union, personal)."""
    application = _lock_draft(actor, application)
    values = funding_parts(application.plan, funding, parts or {})
    before = {"funding": application.funding, **{f: str(getattr(application, f)) for f in values}}
    application.funding = funding
    for name, value in values.items():
        setattr(application, name, value)
    after = {"funding": application.funding, **{f: str(v) for f, v in values.items()}}
    if before != after:
        application.save(update_fields=["funding", *values])
        shown = "，".join(f"{PayerKind(kind).label} {format_yuan(application.part_per_share(kind))} 元/份"
                         for kind in application.payer_kinds)  # fmt: skip
        audit(actor=actor, obj=application, action="update", comment=f"缴费方式：{application.get_funding_display()}（{shown}）",
              data={"fields": sorted(k for k in after if before[k] != after[k]), "changes": {
                  k: [before[k], after[k]] for k in after if before[k] != after[k]}})  # fmt: skip
    return application


@transaction.atomic(durable=True)
def application_attach(*, actor, application: Application, kind: str, upload) -> ApplicationDocument:
    """Attach a scan: the social-insurance proof to a draft, a transfer slip once the invoice is fixed."""
    application = Application.objects.select_for_update().select_related("unit").get(pk=application.pk)
    require(actor, CITY_ROLES | {Role.CLERK}, unit=application.unit, message="只有本单位经办人可以上传材料。")
    if kind == ApplicationDocumentKind.INSURANCE_PROOF:
        require_editable(application)
    elif kind == ApplicationDocumentKind.TRANSFER_SLIP:
        if application.status not in (ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE):
            raise ValidationError("市中心审核通过、确定应缴金额后，才能上传转账凭证。")
    else:
        raise ValidationError("请选择材料类型。")
    document = ApplicationDocument.objects.create(
        application=application, kind=kind, uploaded_by=actor,
        **document_fields(upload, max_bytes=settings.CLAIM_DOCUMENT_MAX_BYTES),
    )  # fmt: skip
    audit(
        actor=actor,
        obj=application,
        action="attach",
        comment=f"{document.get_kind_display()}：{document.original_name}",
    )
    return document


def _enrolled_count(application: Application) -> int:
    """The unit's people in all its live applications for the plan and period (§4's participation)."""
    return (
        RosterLine.objects.filter(application__unit=application.unit, application__plan=application.plan)
        .filter(application__status__in=sorted(ApplicationStatus.LIVE))
        .values("member")
        .distinct()
        .count()
    )


def _staff_problem(application: Application, enrolled: int) -> str | None:
    staff = application.declared_staff
    if enrolled <= staff or application.plan.insures_dependants:  # children are not staff
        return None
    return (
        f"本单位参加本期“{application.plan.name}”的有 {enrolled} 人，多于申请填写的在职人数 {staff} 人"
        f"（参保比例不能超过 100%）：请在“修改申请信息”中更正在职人数后再提交。"
    )


def _participation_problem(application: Application, enrolled: int) -> str | None:
    plan = application.plan
    if plan.is_addon or plan.insures_dependants:
        return None  # chosen person by person (§14): no share of the staff to reach
    if plan.participation_rate is None and plan.participation_all_below is None:
        return None
    staff = application.declared_staff
    if plan.participation_all_below and staff < plan.participation_all_below:
        if enrolled < staff:
            return (
                f"{plan.participation_all_below} 人以下的单位须全体参加（在职人数少于 {plan.participation_all_below} 人"
                f"须全员参加）：在职 {staff} 人，已参加 {enrolled} 人。"
            )
        return None
    if plan.participation_rate is not None and enrolled < plan.participation_rate * staff:
        return f"参加人数须达到在职人数的 {plan.participation_rate:.0%}：在职 {staff} 人，已参加 {enrolled} 人。"
    return None


def _fix_invoice(application: Application, lines) -> None:
    figures = invoice_figures(application.plan, members=len(lines), shares=sum(line.shares for line in lines))
    application.member_count, application.share_count = figures.members, figures.shares
    application.amount_due, application.subsidy_total = figures.due, figures.subsidy


@transaction.atomic(durable=True)
@recorded_by_service
def application_submit(*, actor, application: Application) -> Application:
    application = Application.objects.select_for_update().select_related("plan__period", "unit").get(pk=application.pk)
    require(actor, Application.workflow.roles("submit"), unit=application.unit)
    Application.workflow.target("submit", application.status)
    period = application.plan.period
    if not period.enrollment_start <= today() <= period.enrollment_end:
        raise ValidationError(
            f"{period.name}的参保受理期为 {period.enrollment_start} 至 {period.enrollment_end}，今天不在受理期内。"
        )
    lines = list(application.lines.all())
    if not lines:
        raise ValidationError("名单为空，请先导入人员手册。")
    if (
        application.plan.requires_insurance_proof
        and not application.documents.filter(kind=ApplicationDocumentKind.INSURANCE_PROOF).exists()
    ):
        raise ValidationError("本项目须附单位的社会保险缴纳证明：请在“申请材料”中上传后再提交。")
    problem = roster_share_problem(application)
    if problem:
        raise ValidationError(f"{problem}请修改份数后再提交。")
    enrolled = _enrolled_count(application)
    problem = (_staff_problem(application, enrolled) or _participation_problem(application, enrolled)
               or funding_problem(application))  # fmt: skip
    if problem:
        raise ValidationError(problem)
    _fix_invoice(application, lines)
    application.uniform_shares = len({line.shares for line in lines}) == 1  # what the roster is, not the box
    application.submitted_at = timezone.now()
    _transition(actor, application, "submit", data={"members": len(lines), "due": str(application.amount_due),
                                                   "uniform": application.uniform_shares})  # fmt: skip
    application.save()
    return application


def _require_application_stage(actor, application: Application, action: str) -> Role:
    """Who reviews an application at which stage is the workflow's table (a district officer, for
    their district's units, at submitted; the centre at district_approved): nobody acts outside it."""
    role = require(actor, Application.workflow.roles(action), unit=application.unit, message="您没有审核申请的权限。")
    if not Application.workflow.may(role, action, application.status):
        raise ValidationError(f"该申请当前为“{application.get_status_display()}”，不在{role.label}审核环节，不能办理。")
    return role


@transaction.atomic(durable=True)
@recorded_by_service
def application_district_approve(*, actor, application: Application, comment: str = "") -> Application:
    application = Application.objects.select_for_update().select_related("unit").get(pk=application.pk)
    require(actor, Application.workflow.roles("district_approve"), unit=application.unit,
            message="由办事处审核本辖区单位的申请。")  # fmt: skip
    _require_application_stage(actor, application, "district_approve")
    _transition(actor, application, "district_approve", comment)
    application.last_comment = comment
    application.save()
    return application


@transaction.atomic(durable=True)
@recorded_by_service
@summary.kept
def application_centre_approve(*, actor, application: Application, comment: str = "") -> Application:
    require(actor, Application.workflow.roles("centre_approve"), message="由市中心审核办事处已审核的申请。")
    application = Application.objects.select_for_update().select_related("plan__period", "unit").get(pk=application.pk)
    _require_application_stage(actor, application, "centre_approve")
    # The invoice is fixed here, on lines checked again as they stand: nothing is approved (and paid)
    # at shares the plan refuses, whatever was let through before.
    lines = list(application.lines.all())
    problem = roster_share_problem(application)
    if problem:
        raise ValidationError(f"{problem}不能审核通过，请退回申请单位修改份数。")
    _fix_invoice(application, lines)
    # People who changed employer belong to this unit from now on (DOMAIN.md §4); their earlier
    # claims stay with the unit that filed them (a claim records its own unit).
    moved = Member.objects.filter(roster_lines__application=application).exclude(unit=application.unit)
    moved_count = moved.update(unit=application.unit)
    updated_count = apply_declared_details(actor=actor, application=application)
    _transition(actor, application, "centre_approve", comment,
                data={"due": str(application.amount_due), "moved_members": moved_count,
                      "updated_members": updated_count})  # fmt: skip
    application.centre_approved_at = timezone.now()
    application.last_comment = comment
    application.save()
    _activate_if_ready(actor, application)
    summary.refresh_applications([application.pk])  # the invoice fixed: units, due, subsidies
    return application


@transaction.atomic(durable=True)
@recorded_by_service
def application_return(*, actor, application: Application, reason: str) -> Application:
    return _close_with_reason(actor, application, "return", reason)


@transaction.atomic(durable=True)
@recorded_by_service
def application_reject(*, actor, application: Application, reason: str) -> Application:
    return _close_with_reason(actor, application, "reject", reason)


@transaction.atomic(durable=True)
@recorded_by_service
def application_withdraw(*, actor, application: Application, reason: str = "") -> Application:
    require(actor, Application.workflow.roles("withdraw"), unit=application.unit, message="由申请单位撤回申请。")
    application = Application.objects.select_for_update().get(pk=application.pk)
    _transition(actor, application, "withdraw", reason)
    application.save()
    application.lines.update(live=False)  # the people may enroll again, in this or another unit
    return application


def _close_with_reason(actor, application, action, reason):
    if not reason.strip():
        raise ValidationError("请填写原因，申请单位会看到。")
    application = Application.objects.select_for_update().select_related("unit").get(pk=application.pk)
    _require_application_stage(actor, application, action)
    reason = reason.strip()
    _transition(actor, application, action, reason)
    application.last_comment = reason
    application.save()
    if application.status == ApplicationStatus.REJECTED:
        application.lines.update(live=False)
    return application


def _activate_if_ready(actor, application: Application) -> list[Application]:
    return activate_ready(actor, [application])
