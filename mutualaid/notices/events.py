"""What the system tells whom, in one table (DOMAIN.md §13): event → recipients → templates.

Each ``Event`` names

- what causes it: a workflow action of a model (``on``; ``mutualaid.workflow.transition`` calls the
  notices for every state change, so a new action needs only a row here), or nothing, when the app
  that knows about it calls ``notices.emit(name, ...)`` (an invoice paid in full, coverage effective);
- what it is about (``kind``: a claim, an application ...), which says how to find the recipients —
  the subject's member, the clerks of its unit, the staff of its district or of the centre — and
  which values its texts may use;
- one text per recipient: ``member_sms`` (the member, by SMS, unless they opted out), ``clerk_sms`` and
  ``clerk_app`` (the unit's clerks, by SMS to their account's mobile and in the app), ``phone_sms`` (a
  number given with the event: a registering union, a member's old number), ``staff_app`` (in the app,
  to the people of ``staff`` roles whose queue it lands in; district staff only of the subject's district).

Texts are ``${name}`` templates (the syntax Alibaba Cloud's SMS templates use, so a text can be
registered at the provider as it stands; Tencent Cloud receives the same values in order). An SMS holds
only its recipient's own data: a member's SMS names their own claim, amount and account's last four
digits; a clerk's SMS names the reference and what happened, never the member (the app, behind the
sign-in, says more). ``tests/test_notices.py`` sends every event and reads every SMS for ID numbers,
passwords, long digit runs and other people's names.

This module imports no app: the subjects are read by attribute (``claim.reference``,
``claim.member.phone``), as the audit trail reads any object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from mutualaid.lib.money import format_yuan
from mutualaid.roles import Role

# --- Values the texts may use, per kind of subject ------------------------------------------------


def yuan(amount) -> str:
    return format_yuan(amount) if amount is not None else "—"


def day(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return value.isoformat() if isinstance(value, date) else str(value)


def last4(account: str) -> str:
    digits = "".join(ch for ch in (account or "") if ch.isalnum())
    return digits[-4:] if digits else "—"


def short(text: str, limit: int = 40) -> str:
    """A reason as an SMS can carry it (providers cap a variable's length): one line, cut with …"""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Facts:
    """What an event knows besides its subject: who acted, the comment of the transition (a return's
    reason), and the values the emitting app passed (``context``)."""

    actor: object = None
    comment: str = ""
    data: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)


Values = dict[str, Callable[[object, Facts], str]]


def _payout_day(claim, facts: Facts) -> str:
    batch = claim.payout_batch if claim.payout_batch_id else None
    return day(facts.context.get("paid_on") or (batch.paid_on if batch else None) or claim.paid_at or timezone.now())


def _claim_reason(claim, facts: Facts) -> str:
    reason = facts.comment or claim.last_comment
    return short(reason.removeprefix("结案，不予给付：").removeprefix("银行退票："))


CLAIM_VALUES: Values = {
    "ref": lambda c, f: c.reference,
    "plan": lambda c, f: c.plan.name,
    "name": lambda c, f: c.member.name,
    "unit": lambda c, f: c.unit.name,
    "amount": lambda c, f: yuan(c.approved_amount if c.approved_amount is not None else c.amount_for_review),
    "reason": _claim_reason,
    "paid_on": _payout_day,
    "last4": lambda c, f: last4(c.payee_account),
}
APPLICATION_VALUES: Values = {
    "ref": lambda a, f: a.reference,
    "plan": lambda a, f: a.plan.name,
    "period": lambda a, f: a.plan.period.name,
    "unit": lambda a, f: a.unit.name,
    "due": lambda a, f: yuan(a.amount_due),
    "paid": lambda a, f: yuan(a.amount_paid - a.amount_refunded),
    "from": lambda a, f: day(a.effective_on),
    "reason": lambda a, f: short(f.comment or a.last_comment),
}
COVERAGE_VALUES: Values = {
    "plan": lambda c, f: c.plan.name,
    "period": lambda c, f: c.plan.period.name,
    "from": lambda c, f: day(c.effective_from),
    # The app knows the waiting rules (renewed shares, accident cover); it says them in words.
    "waiting": lambda c, f: f.context.get("waiting", ""),
}
REGISTRATION_VALUES: Values = {
    "name": lambda r, f: r.name,
    "username": lambda r, f: f.context.get("username", ""),
    "district": lambda r, f: r.district.name,
    "reason": lambda r, f: short(f.comment or r.reason),
}
MEMBER_VALUES: Values = {
    "new_last4": lambda m, f: last4(f.context.get("new_phone", "")),
}
DIGEST_VALUES: Values = {
    "overdue": lambda d, f: str(f.context.get("overdue", 0)),
    "near": lambda d, f: str(f.context.get("near", 0)),
    "refs": lambda d, f: "、".join(f.context.get("references", [])[:5]) or "—",
    "today": lambda d, f: day(f.context.get("today")),
}

# The fund's subject (reports.fund.Standing): a plan of a period whose expected loss ratio reached its line.
FUND_VALUES: Values = {
    "period": lambda a, f: a.plan.period.name,
    "plan": lambda a, f: a.plan.name,
    "ratio": lambda a, f: f"{a.ratio_percent}%",
    "threshold": lambda a, f: f"{a.threshold}%",
    "expected": lambda a, f: yuan(a.expected),
    "collected": lambda a, f: yuan(a.collected),
}


@dataclass(frozen=True)
class Kind:
    """A kind of subject: the values its texts use, its page, and how to reach its unit and district."""

    name: str
    values: Values
    link: Callable[[object], str] = lambda subject: ""
    unit_id: Callable[[object], int | None] = lambda subject: getattr(subject, "unit_id", None)
    district_id: Callable[[object], int | None] = lambda subject: subject.unit.district_id
    member: Callable[[object], object] = lambda subject: getattr(subject, "member", None)


CLAIM = Kind("claim", CLAIM_VALUES, link=lambda c: reverse("claims:detail", args=[c.reference]))
APPLICATION = Kind("application", APPLICATION_VALUES,
                   link=lambda a: reverse("enrollment:application", args=[a.reference]))  # fmt: skip
COVERAGE = Kind("coverage", COVERAGE_VALUES)
REGISTRATION = Kind(
    "registration", REGISTRATION_VALUES, link=lambda r: reverse("enrollment:registration", args=[r.pk]),
    district_id=lambda r: r.district_id,
)  # fmt: skip
MEMBER = Kind("member", MEMBER_VALUES, member=lambda m: m, unit_id=lambda m: m.unit_id)
# The digest's subject is the claim list's filter it links to: "late", or "near" when nothing is late.
DIGEST = Kind("digest", DIGEST_VALUES, link=lambda d: reverse("claims:list") + f"?deadline={d}",
              unit_id=lambda d: None, district_id=lambda d: None, member=lambda d: None)  # fmt: skip

FUND = Kind("fund", FUND_VALUES, link=lambda a: reverse("reports:fund") + f"?period={a.plan.period.number}",
            unit_id=lambda a: None, district_id=lambda a: None, member=lambda a: None)  # fmt: skip


# --- The table ----------------------------------------------------------------------------------------

CENTRE_REVIEW = (Role.CENTRE_HANDLER, Role.CENTRE_HEAD)


@dataclass(frozen=True)
class Event:
    name: str
    label: str
    kind: Kind
    on: tuple[tuple[str, str], ...] = ()
    member_sms: str = ""
    clerk_sms: str = ""
    clerk_app: str = ""
    phone_sms: str = ""
    phone: Callable[[object, Facts], str] | None = None
    staff: tuple[Role, ...] = ()
    staff_app: str = ""
    # Sent even to a member who opted out of notices: it protects the account, like a code.
    essential: bool = False

    def texts(self) -> dict[str, str]:
        """Every text of the event by template name (``<event>_<audience>``), as the providers register them."""
        named = {"member": self.member_sms, "clerk": self.clerk_sms, "clerk_app": self.clerk_app,
                 "phone": self.phone_sms, "staff_app": self.staff_app}  # fmt: skip
        return {f"{self.name}_{audience}": text for audience, text in named.items() if text}

    def sms_templates(self) -> dict[str, str]:
        return {name: text for name, text in self.texts().items() if not name.endswith("_app")}


EVENTS: tuple[Event, ...] = (
    # Claims: the member by SMS, the unit's clerks in the app and by SMS, the next reviewer in the app.
    Event(
        "claim_received",
        "单位已提交申领",
        CLAIM,
        on=(("claims.Claim", "submit"),),
        member_sms="您的${plan}互助金申领（编号 ${ref}）已由单位提交，进入审核。",
        staff=(Role.DISTRICT,),
        staff_app="申领 ${ref}（${unit} ${name}）已提交，待办事处审核。",
    ),
    Event(
        "member_claim_waiting",
        "会员本人提交的申领待单位确认",
        CLAIM,
        on=(("claims.Claim", "member_file"),),
        clerk_sms="有会员通过手机提交了互助金申领（编号 ${ref}），请登录系统确认后提交。",
        clerk_app="${name} 本人提交了申领 ${ref}（${plan}），待单位确认。",
    ),
    Event(
        "claim_returned_to_member",
        "单位将申领退回会员本人",
        CLAIM,
        on=(("claims.Claim", "return_to_member"),),
        member_sms="您提交的互助金申领 ${ref} 被单位退回，原因：${reason}。请修改或补充材料后重新提交。",
    ),
    Event(
        "claim_returned",
        "申领被退回",
        CLAIM,
        on=(("claims.Claim", "return"),),
        member_sms="您的互助金申领 ${ref} 被退回单位补充，原因：${reason}。",
        clerk_sms="申领 ${ref} 被退回，请登录系统查看原因并处理。",
        clerk_app="申领 ${ref}（${name}）被退回：${reason}",
    ),
    Event(
        "claim_district_approved",
        "申领待中心审核",
        CLAIM,
        on=(("claims.Claim", "district_approve"),),
        staff=(Role.CENTRE_HANDLER,),
        staff_app="申领 ${ref}（${unit} ${name}）办事处已审核，待中心经办人审核。",
    ),
    Event(
        "claim_checked",
        "申领待负责人审批",
        CLAIM,
        on=(("claims.Claim", "centre_check"),),
        staff=(Role.CENTRE_HEAD,),
        staff_app="申领 ${ref}（${name}，${amount} 元）经办人已审核，待负责人审批。",
    ),
    Event(
        "claim_recheck",
        "申领金额有变化，退回经办人复核",
        CLAIM,
        on=(("claims.Claim", "recheck"),),
        staff=(Role.CENTRE_HANDLER,),
        staff_app="申领 ${ref} 退回复核：${reason}",
    ),
    Event(
        "claim_approved",
        "申领审批通过",
        CLAIM,
        on=(("claims.Claim", "approve"),),
        member_sms="您的互助金申领 ${ref} 已审批通过，金额 ${amount} 元，支付后另行通知。",
        clerk_sms="申领 ${ref} 已审批通过，请登录系统查看。",
        clerk_app="申领 ${ref}（${name}）已审批通过，金额 ${amount} 元。",
        staff=(Role.CENTRE_HANDLER,),
        staff_app="申领 ${ref}（${amount} 元）已审批，待生成支付批次。",
    ),
    Event(
        "claim_paid",
        "互助金已支付",
        CLAIM,
        on=(("claims.Claim", "pay"),),
        member_sms="您的互助金申领 ${ref} 已于 ${paid_on} 支付 ${amount} 元，转入尾号 ${last4} 的账户。",
        clerk_sms="申领 ${ref} 的互助金已支付，请登录系统查看。",
        clerk_app="申领 ${ref}（${name}）已于 ${paid_on} 支付 ${amount} 元。",
    ),
    Event(
        "claim_rejected",
        "申领不予给付",
        CLAIM,
        on=(("claims.Claim", "reject"),),
        member_sms="您的互助金申领 ${ref} 经审核不予给付，原因：${reason}。如有疑问请联系单位工会。",
        clerk_sms="申领 ${ref} 经审核不予给付，请登录系统查看原因。",
        clerk_app="申领 ${ref}（${name}）不予给付：${reason}",
    ),
    Event(
        "claim_closed",
        "申领结案，不予给付",
        CLAIM,
        on=(("claims.Claim", "close"),),
        member_sms="您的互助金申领 ${ref} 经审核结案，本次无可给付金额，原因：${reason}。",
        clerk_app="申领 ${ref}（${name}）已结案，不予给付：${reason}",
    ),
    Event(
        "claim_bounced",
        "银行退票",
        CLAIM,
        on=(("claims.Claim", "bounce"),),
        clerk_app="申领 ${ref}（${name}）银行退票：${reason}。请核实会员的收款账户。",
    ),
    # Applications: the unit's clerks; the reviewer whose queue it enters.
    Event(
        "application_submitted",
        "团体申请待办事处审核",
        APPLICATION,
        on=(("enrollment.Application", "submit"),),
        staff=(Role.DISTRICT,),
        staff_app="团体申请 ${ref}（${unit} ${plan}）已提交，待办事处审核。",
    ),
    Event(
        "application_district_approved",
        "团体申请待中心审核",
        APPLICATION,
        on=(("enrollment.Application", "district_approve"),),
        staff=CENTRE_REVIEW,
        staff_app="团体申请 ${ref}（${unit} ${plan}）办事处已审核，待中心审核。",
    ),
    Event(
        "application_returned",
        "团体申请被退回",
        APPLICATION,
        on=(("enrollment.Application", "return"),),
        clerk_sms="团体申请 ${ref} 被退回修改，请登录系统查看原因。",
        clerk_app="团体申请 ${ref}（${plan}）被退回修改：${reason}",
    ),
    Event(
        "application_rejected",
        "团体申请未通过",
        APPLICATION,
        on=(("enrollment.Application", "reject"),),
        clerk_sms="团体申请 ${ref} 未通过审核，请登录系统查看原因。",
        clerk_app="团体申请 ${ref}（${plan}）未通过：${reason}",
    ),
    Event(
        "application_approved",
        "团体申请审核通过",
        APPLICATION,
        on=(("enrollment.Application", "centre_approve"),),
        clerk_sms="团体申请 ${ref} 已通过市中心审核，应缴 ${due} 元。请对公转账，附言填写 ${ref}。",
        clerk_app="团体申请 ${ref}（${plan}）已通过市中心审核，应缴 ${due} 元，转账附言请填写缴费编号 ${ref}。",
    ),
    # "Invoice paid in full" (DOMAIN.md §13) is this message: a transfer is credited only to an invoice
    # the centre approved, and an approved invoice paid in full takes effect in the same step.
    Event(
        "application_effective",
        "团体申请已生效",
        APPLICATION,
        clerk_sms="团体申请 ${ref} 保费已缴清，保障自 ${from} 起生效。",
        clerk_app="团体申请 ${ref}（${period} ${plan}）保费已缴清（${paid} 元），保障自 ${from} 起生效。",
    ),
    Event(
        "coverage_effective",
        "保障生效",
        COVERAGE,
        member_sms="您的${period}${plan}保障自 ${from} 起生效，${waiting}。",
    ),
    # Registrations: the union that registered (it has no account yet), its district office.
    Event(
        "registration_submitted",
        "单位注册待审核",
        REGISTRATION,
        on=(("enrollment.UnitRegistration", "resubmit"),),
        staff=(Role.DISTRICT,),
        staff_app="单位注册“${name}”待审核。",
    ),
    Event(
        "registration_approved",
        "单位注册审核通过",
        REGISTRATION,
        clerk_sms="您单位的注册已审核通过，登录账号：${username}。初始密码由${district}办事处告知，首次登录须修改。",
        clerk_app="单位注册已审核通过，欢迎使用。您的登录账号为 ${username}。",
    ),
    Event(
        "registration_returned",
        "单位注册被退回",
        REGISTRATION,
        on=(("enrollment.UnitRegistration", "return"),),
        phone_sms="您提交的单位注册被退回，原因：${reason}。请凭登记号修改后重新提交。",
        phone=lambda r, f: r.contact_phone,
    ),
    # A member's mobile number changed: the old number is told (it may be someone taking the account).
    Event(
        "member_phone_changed",
        "会员手机号变更",
        MEMBER,
        phone_sms="您在职工互助保障登记的手机号已改为尾号 ${new_last4} 的号码。如非本人要求，请联系单位工会。",
        phone=lambda m, f: f.context.get("old_phone", ""),
        essential=True,
    ),
    # The centre, every morning: claims near or past the 30-working-day payment deadline.
    Event(
        "deadline_digest",
        "付款期限提醒",
        DIGEST,
        staff=CENTRE_REVIEW,
        staff_app="${today} 付款期限提醒：已逾期 ${overdue} 笔，5 个工作日内到期 ${near} 笔（${refs}）。",
    ),
    # The centre, when a plan's expected final loss ratio reaches the line the admin set (以收定支).
    Event(
        "fund_alert",
        "赔付率预警",
        FUND,
        staff=CENTRE_REVIEW,
        staff_app="${period}${plan}预计最终赔付率 ${ratio}，已达到预警线 ${threshold}"
        "（预计最终给付 ${expected} 元，实收会费 ${collected} 元）。",
    ),
)

BY_NAME = {event.name: event for event in EVENTS}
BY_ACTION = {key: event for event in EVENTS for key in event.on}

# Codes go out at once, not through the queue (the person is waiting), and to anyone who asked,
# opted out or not. Their text names the code and its validity, nothing else.
CODE_TEMPLATES = {
    "member_login": ("login_code", "您的登录验证码为 ${code}，5 分钟内有效。如非本人操作，请忽略本短信。"),
    "password_reset": (
        "password_reset_code",
        "您正在重设登录密码，验证码为 ${code}，5 分钟内有效。如非本人操作，请忽略。",
    ),
}


def sms_templates() -> dict[str, str]:
    """Every SMS the system can send, by template name: what an operator registers at the provider."""
    templates = {name: text for name, text in CODE_TEMPLATES.values()}
    for event in EVENTS:
        templates.update(event.sms_templates())
    return templates
