"""The printed forms of DOMAIN.md §11 as typed contexts, built from the records.

Each form is a dataclass filled here and an HTML template in ``templates/reports/``;
tests check the dataclass without rendering, and ``reports.pdf`` turns template and
context into an A4 PDF. Amounts carry their capitals (大写) ready for the form.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from enrollment.models.funding import PayerKind
from mutualaid.lib.idcard import mask_account, mask_id
from mutualaid.lib.money import amount_in_capitals, format_yuan


@dataclass(frozen=True)
class Money:
    amount: Decimal

    @property
    def figures(self) -> str:
        return format_yuan(self.amount)

    @property
    def capitals(self) -> str:
        return amount_in_capitals(self.amount)


@dataclass(frozen=True)
class Step:
    """One review step's opinion, with who signed it and when."""

    opinion: str
    name: str
    on: date | None


@dataclass(frozen=True)
class ClaimRound:
    number: int  # 申请次数 1-4
    reference: str
    amount: Money | None
    cumulative: Money | None


@dataclass
class ReviewSheet:
    """互助补充保险金申请审核表."""

    reference: str
    period: str
    plan: str
    name: str
    sex: str
    age: int
    basic_insurance: str
    id_number: str
    phone: str
    unit: str
    treatment: str
    total_cost: Money
    basic_insurance_paid: Money
    unit_opinion: str
    district: Step
    handler: Step
    head: Step
    rounds: list[ClaimRound] = field(default_factory=list)
    approved: Money | None = None
    printed_on: date = field(default_factory=timezone.localdate)
    statement: list[str] = field(default_factory=list)  # the decision in plain words


def _step(history, actions, default="") -> Step:
    entry = next((e for e in reversed(history) if e.action in actions), None)
    if entry is None:
        return Step(default, "", None)
    name = entry.actor.get_full_name() or entry.actor.username if entry.actor else ""
    return Step(entry.comment or "同意", name, timezone.localdate(entry.at))


def review_sheet(claim, *, full_id: bool) -> ReviewSheet:
    from claims.engine import statement_of
    from claims.models import COUNTED_STATUSES, Claim
    from mutualaid.models import AuditLog

    member = claim.member
    history = list(AuditLog.objects.for_object(claim).order_by("at", "pk"))
    if claim.admitted and claim.discharged:
        treatment = f"{claim.admitted:%Y-%m-%d} 至 {claim.discharged:%Y-%m-%d}"
    else:
        treatment = f"{claim.event_date:%Y-%m-%d}" if claim.event_date else ""
    earlier = list(
        Claim.objects.filter(coverage=claim.coverage)
        .filter(status__in=COUNTED_STATUSES)
        .exclude(pk=claim.pk)
        .filter(pk__lt=claim.pk)
        .order_by("pk")
        .values_list("reference", "approved_amount")
    )
    own = claim.approved_amount if claim.approved_amount is not None else claim.checked_amount
    rounds, running = [], Decimal("0.00")
    for number, (reference, amount) in enumerate([*earlier, (claim.reference, own)], start=1):
        running += amount or Decimal("0.00")
        known = amount is not None
        rounds.append(ClaimRound(number, reference, Money(amount) if known else None,
                                 Money(running) if known else None))  # fmt: skip
    rounds = rounds[-4:]  # the form has four boxes: the latest four claims of this coverage
    while len(rounds) < 4:
        rounds.append(ClaimRound(len(rounds) + 1, "", None, None))
    age_day = claim.admitted or claim.event_date or timezone.localdate()
    return ReviewSheet(
        reference=claim.reference, period=claim.plan.period.name, plan=claim.plan.name, name=member.name,
        sex=member.get_sex_display(), age=member.age_on(age_day),
        basic_insurance="是" if member.has_basic_insurance else "否",
        id_number=member.id_number if full_id else mask_id(member.id_number), phone=claim.phone or member.phone,
        unit=claim.unit.name, treatment=treatment, total_cost=Money(claim.total_cost),
        basic_insurance_paid=Money(claim.basic_insurance_paid), unit_opinion=claim.unit_opinion or "",
        district=_step(history, {"district_approve"}), handler=_step(history, {"centre_check"}),
        head=_step(history, {"approve", "close"}),
        rounds=rounds, approved=Money(claim.approved_amount) if claim.approved_amount is not None else None,
        statement=statement_of(claim),
    )  # fmt: skip


@dataclass(frozen=True)
class PayerLine:
    """One payer's part on the 团体申请表 (DOMAIN.md §14): per share and for all the shares."""

    payer: str
    per_share: Money
    total: Money
    reference: str


@dataclass
class ApplicationForm:
    """团体申请表."""

    reference: str
    period: str
    plan: str
    unit_name: str
    unit_code: str
    paid_on: date | None
    chair_name: str
    chair_phone: str
    contact_name: str
    contact_phone: str
    address: str
    premium: Money  # 缴费标准（元/人·期）: per share, the unit's part
    members: int
    shares: int
    amount: Money
    subsidy: Money
    ratio: str  # 参加活动的人数占会员总数比例
    staff: int
    district_opinion: Step
    invoice_title: str
    funding: str = "单位行政全额"  # 缴费方式
    payers: list[PayerLine] = field(default_factory=list)
    printed_on: date = field(default_factory=timezone.localdate)


def application_form(application) -> ApplicationForm:
    from mutualaid.models import AuditLog

    unit, plan = application.unit, application.plan
    figures = application.figures  # a draft's counted from its lines, as the invoice will be
    members, shares = figures.members, figures.shares
    staff = application.declared_staff
    history = list(AuditLog.objects.for_object(application).order_by("at", "pk"))
    return ApplicationForm(
        reference=application.reference, period=plan.period.name, plan=plan.name, unit_name=unit.name,
        unit_code=unit.code, paid_on=application.paid_on, chair_name=unit.chair_name, chair_phone=unit.chair_phone,
        contact_name=application.contact_name, contact_phone=application.contact_phone, address=unit.address,
        premium=Money(plan.clerk_premium), members=members, shares=shares,
        amount=Money(figures.due), subsidy=Money(figures.subsidy),
        ratio=f"{members / staff:.0%}" if staff else "—", staff=staff,
        district_opinion=_step(history, {"district_approve"}),
        invoice_title=application.invoice_title or unit.name, funding=application.get_funding_display(),
        payers=[PayerLine(PayerKind(kind).label, Money(application.part_per_share(kind)),
                          Money(application.payer_due(kind)), application.payer_reference(kind))
                for kind in application.payer_kinds],
    )  # fmt: skip


@dataclass(frozen=True)
class RosterRow:
    number: int
    name: str
    sex: str
    id_number: str
    card: str
    shares: int


@dataclass
class Roster:
    """人员手册 (and the 会员名单 of a confirmation): the header repeats on every page."""

    reference: str
    title: str
    unit_name: str
    plan: str
    period: str
    rows: list[RosterRow]
    total: int
    effective_on: date | None = None
    coverage_end: date | None = None
    printed_on: date = field(default_factory=timezone.localdate)


def roster_rows(application, *, full_id: bool, start: int = 0, stop: int | None = None) -> list[RosterRow]:
    lines = application.lines.order_by("row_number").values_list(
        "row_number", "member__name", "member__sex", "member__id_number", "insurance_card", "shares"
    )
    sexes = {"M": "男", "F": "女"}
    return [
        RosterRow(number, name, sexes.get(sex, sex), number_id if full_id else mask_id(number_id), card, shares)
        for number, name, sex, number_id, card, shares in lines[start:stop]
    ]


def roster(application, *, full_id: bool, title: str = "人员手册", rows=None) -> Roster:
    plan = application.plan
    return Roster(
        reference=application.reference, title=title, unit_name=application.unit.name, plan=plan.name,
        period=plan.period.name, rows=rows if rows is not None else roster_rows(application, full_id=full_id),
        total=application.lines.count(), effective_on=application.effective_on,
        coverage_end=plan.period.coverage_end,
    )  # fmt: skip


@dataclass(frozen=True)
class NoticeLine:
    number: int
    claim: str
    name: str
    unit: str
    payee: str
    account: str
    amount: Money


@dataclass
class PayoutNotice:
    """互助金支付通知: one batch, each payee and amount, the total in capitals."""

    reference: str
    status: str
    lines: list[NoticeLine]
    total: Money
    created_on: date
    paid_on: date | None
    bank_reference: str
    printed_on: date = field(default_factory=timezone.localdate)


def payout_notice(batch) -> PayoutNotice:

    claims = batch.claims.select_related("member", "unit").order_by("pk")
    lines = [
        NoticeLine(number, claim.reference, claim.member.name, claim.unit.name, claim.payee_name or claim.member.name,
                   mask_account(claim.payee_account), Money(claim.approved_amount or Decimal("0")))
        for number, claim in enumerate(claims, start=1)
    ]  # fmt: skip
    return PayoutNotice(
        reference=batch.reference, status=batch.get_status_display(), lines=lines,
        total=Money(sum((line.amount.amount for line in lines), Decimal("0.00"))),
        created_on=timezone.localdate(batch.created_at), paid_on=batch.paid_on, bank_reference=batch.bank_reference,
    )  # fmt: skip


@dataclass(frozen=True)
class ReceiptItem:
    name: str
    persons: int | None
    shares: int | None
    price: Money | None
    amount: Money


@dataclass
class ReceiptForm:
    """收据: the receipt as issued (a snapshot), with the QR code's address of its public check page."""

    number: str
    issuer: str
    payer_title: str
    payer_tax_number: str
    reference: str
    unit_name: str
    items: list[ReceiptItem]
    amount: Money
    issued_on: date
    valid: bool
    void_reason: str
    replaces: str
    check_url: str
    qr_svg: str  # a data: URI


def receipt_form(receipt, *, check_url: str) -> ReceiptForm:
    import segno

    items = [
        ReceiptItem(item["plan"], item.get("persons"), item.get("shares"),
                    Money(Decimal(item["price"])) if item.get("price") else None, Money(Decimal(item["amount"])))
        for item in receipt.items
    ]  # fmt: skip
    return ReceiptForm(
        number=receipt.number, issuer=receipt.issuer_name, payer_title=receipt.payer_title,
        payer_tax_number=receipt.payer_tax_number, reference=receipt.application.reference,
        unit_name=receipt.application.unit.name, items=items, amount=Money(receipt.amount),
        issued_on=receipt.issued_on, valid=receipt.is_valid, void_reason=receipt.void_reason,
        replaces=receipt.replaces.number if receipt.replaces_id else "", check_url=check_url,
        qr_svg=segno.make(check_url, error="m").svg_data_uri(scale=4, border=2),
    )  # fmt: skip


@dataclass
class DepositProof:
    """无对公账户存款证明: what the clerk takes to the bank with the cash, and brings back stamped."""

    reference: str
    period: str
    plan: str
    unit_name: str
    unit_code: str
    district: str
    amount: Money
    account_name: str
    bank: str
    account_number: str
    contact_name: str
    contact_phone: str
    printed_on: date = field(default_factory=timezone.localdate)


def deposit_proof(application, account) -> DepositProof:
    unit, plan = application.unit, application.plan
    return DepositProof(
        reference=application.reference, period=plan.period.name, plan=plan.name, unit_name=unit.name,
        unit_code=unit.code, district=unit.district.name, amount=Money(max(application.balance, Decimal("0.00"))),
        account_name=account.account_name if account else "", bank=account.bank if account else "",
        account_number=account.number if account else "",
        contact_name=application.contact_name or unit.contact_name,
        contact_phone=application.contact_phone or unit.contact_phone,
    )  # fmt: skip
