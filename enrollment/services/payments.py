"""Money in: bank statements read and matched to invoices (DOMAIN.md §10), the manual queue,
undoing a match, refunds, and the coverages that start once an approved invoice is paid.

One entry point per use case, each one transaction with its audit rows. The page, the
command line (``import_bank_statement``) and the tests call the same functions.
"""

import copy
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from enrollment import summary
from enrollment.models import (
    SUFFIX_PAYER,
    ZERO,
    Application,
    ApplicationStatus,
    BankStatement,
    CashDeposit,
    Coverage,
    CoverageStatus,
    LineStatus,
    PayerKind,
    Payment,
    Plan,
    Refund,
    StatementLine,
)
from enrollment.services.coverages import waiting_words
from enrollment.services.payers import PayerPart, payer_parts, payer_parts_many
from enrollment.services.receipts import receipt_issue_many, receipt_reissue
from mutualaid import notices
from mutualaid.audit import recorded_by_service
from mutualaid.bulk import copy_insert
from mutualaid.lib.money import format_yuan
from mutualaid.lib.names import payer_is_person
from mutualaid.lib.sheet_import import (
    CONTROL_CHARS,
    FULL_WIDTH,
    RowError,
    UnreadableFile,
    find_header_by,
    read_rows,
    shown,
    text,
)
from mutualaid.models import audit, audit_many
from mutualaid.scoping import CITY_ROLES, require
from mutualaid.uploads import KeptFiles

# DOMAIN.md §10 columns, with the names Chinese banks' exports give them.
ALIASES = {
    "date": ("交易日期", "记账日期", "入账日期", "交易时间", "日期"),
    "txn_no": ("交易流水号", "流水号", "银行流水号", "交易参考号", "交易序号"),
    "payer_name": ("付款人名称", "对方户名", "对方名称", "付款方户名", "付款人", "对方单位"),
    "payer_account": ("付款人账号", "对方账号", "付款方账号", "对方账户"),
    "amount": ("金额", "贷方金额", "收入金额", "贷方发生额", "交易金额", "收入"),
    "debit": ("借方金额", "支出金额", "借方发生额", "支出"),
    "memo": ("摘要/附言", "摘要", "附言", "用途", "备注", "交易附言", "摘要附言"),
}
REQUIRED = ("date", "txn_no", "amount")
LABELS = {"date": "交易日期", "txn_no": "交易流水号", "amount": "金额"}
REFERENCE_RE = re.compile(r"(\d{1,3})-([A-Z]{1,10})-([A-Z0-9]{1,20})-(\d{1,4})(?:-(XZ|GH|GR)(?![A-Z0-9]))?")
MAX_AMOUNT = Decimal("100000000.00")
# The statement line's columns; a longer value is a row error, never cut short (two long
# transaction numbers cut to 60 characters would pass for one).
TEXT_LIMITS = {"txn_no": 60, "payer_name": 100, "payer_account": 40, "memo": 200}
TEXT_LABELS = {"txn_no": "交易流水号", "payer_name": "付款人名称", "payer_account": "付款人账号", "memo": "摘要/附言"}
# A row's problem by its column, for the RowError: the header as the file writes it, else this.
COLUMN_LABELS = {**TEXT_LABELS, "date": "交易日期", "amount": "金额", "debit": "借方金额"}
PAYABLE = (ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE)
# A statement kept between its preview and the handler's confirmation (the session holds its name);
# the folder also holds the previews older versions kept under a timestamp.
STATEMENT_PREVIEWS = KeptFiles("statements")


class StatementRefused(UnreadableFile):
    """The file is refused and nothing was stored: ``errors`` (the import's row errors, as a roster's)
    when it was read but some rows are wrong (bad amounts, dates), otherwise it could not be used."""

    def __init__(self, message: str, *, errors: Sequence[RowError] = ()):
        super().__init__(message)
        self.errors = list(errors)

    @property
    def row_errors(self) -> bool:
        return bool(self.errors)


class _Wrong(ValueError):
    """What is wrong with one cell of a row, as the RowError it becomes."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code = field, code


@dataclass
class Line:
    row: int
    txn_no: str
    txn_date: date
    payer_name: str
    payer_account: str
    amount: Decimal
    memo: str


@dataclass
class ImportResult:
    lines: int = 0
    debits: int = 0
    matched: list = field(default_factory=list)  # {"row", "reference", "amount"}
    unmatched: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    overpaid: list = field(default_factory=list)
    statement: BankStatement | None = None

    def as_dict(self) -> dict:
        return {"lines": self.lines, "matched": self.matched, "unmatched": self.unmatched,
                "duplicates": self.duplicates, "overpaid": self.overpaid}  # fmt: skip


# --- Reading ----------------------------------------------------------------------------


def normalise_name(value: str) -> str:
    """A payer or unit name compared as a person would: no spaces, one kind of brackets."""
    value = (value or "").translate(FULL_WIDTH).replace("\u3000", "")
    return re.sub(r"\s+", "", value).replace("（", "(").replace("）", ")").upper()


def _amount(value, field: str = "amount") -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    cleaned = str(value).translate(FULL_WIDTH).replace(",", "").replace("¥", "").replace("￥", "").strip()
    if cleaned == "":
        return None
    try:
        amount = Decimal(cleaned)
        if not amount.is_finite():
            raise InvalidOperation
        if abs(amount) > MAX_AMOUNT:
            raise _Wrong(field, "amount_too_large", f"金额“{shown(str(value))}”过大")
        return amount.quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise _Wrong(field, "amount_invalid", f"金额“{shown(str(value))}”不是数字") from exc


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    cleaned = text(value).replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    cleaned = cleaned.split(" ")[0].split("T")[0]
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise _Wrong("date", "date_invalid", f"交易日期“{shown(text(value))}”无法识别，应为 2026-09-03 这样的日期")


def read_statement(data: bytes, filename: str) -> tuple[list[Line], int, int]:
    """(credit lines, data rows read, debit rows skipped), or StatementRefused naming what is wrong."""
    rows = read_rows(data, filename, what="银行对账单")
    sheet = find_header_by(rows, ALIASES, required=REQUIRED)
    if sheet.header_row is None:
        raise StatementRefused(
            "前 10 行中找不到表头：对账单须有“交易日期”“交易流水号”“金额”（或“贷方金额”“收入金额”）三列。"
        )
    rows, columns = sheet.rows, sheet.columns or {}  # only the known columns from here on

    def cell(raw, name):
        position = columns.get(name)
        return raw[position] if position is not None and position < len(raw) else None

    lines, errors, read, debits = [], [], 0, 0
    for index in range(sheet.header_row + 1, len(rows)):
        raw = rows[index]
        if all(text(value) == "" for value in raw):
            continue
        read += 1
        excel_row = index + 1
        try:
            amount = _amount(cell(raw, "amount"))
            debit = _amount(cell(raw, "debit"), "debit") if "debit" in columns else None
            if (amount is None or amount == 0) and debit:
                debits += 1
                continue
            if amount is None:
                raise _Wrong("amount", "amount_missing", "金额为空")
            if amount <= 0:
                raise _Wrong("amount", "amount_not_positive",
                             f"金额 {amount} 不是正数（支出请放在“借方金额”列，本系统只导入收入）")  # fmt: skip
            txn_no = text(cell(raw, "txn_no"))
            if not txn_no:
                raise _Wrong("txn_no", "txn_no_missing", "交易流水号为空")
            texts = {name: text(cell(raw, name)) for name in TEXT_LIMITS}
            texts["txn_no"] = txn_no
            for name, limit in TEXT_LIMITS.items():
                if len(texts[name]) > limit:
                    raise _Wrong(name, "value_too_long",
                                 f"{TEXT_LABELS[name]}过长（{len(texts[name]):,} 个字符，最多 {limit} 个）")  # fmt: skip
                if CONTROL_CHARS.search(texts[name]):
                    raise _Wrong(name, "control_character", f"{TEXT_LABELS[name]}含有不可见的控制字符（如 NUL）")
            lines.append(
                Line(excel_row, txn_no, _date(cell(raw, "date")), texts["payer_name"], texts["payer_account"],
                     amount, texts["memo"])
            )  # fmt: skip
        except _Wrong as exc:
            column = (sheet.headers or {}).get(exc.field) or COLUMN_LABELS[exc.field]
            errors.append(RowError(excel_row, column, exc.code, str(exc)))
    if errors:
        listed = "；".join(f"第 {e.row} 行：{e.message}" for e in errors[:10])
        more = f"；另有 {len(errors) - 10} 行" if len(errors) > 10 else ""
        raise StatementRefused(f"对账单有 {len(errors)} 行无法读取，未导入任何流水。{listed}{more}。", errors=errors)
    if read == 0:
        raise StatementRefused("对账单表头下面没有流水。")
    return lines, read, debits


# --- Matching ---------------------------------------------------------------------------


def _references(memo: str) -> list[str]:
    """The payment references a memo names, a payer's suffix kept (1-HOME-B002-1-GH)."""
    memo = memo.translate(FULL_WIDTH).upper().replace("—", "-").replace("－", "-")
    return ["-".join(part for part in match if part) for match in REFERENCE_RE.findall(memo)]


def split_reference(reference: str) -> tuple[str, str | None]:
    """(the application's reference, the payer its suffix names or None)."""
    base, _, suffix = reference.strip().upper().rpartition("-")
    if base and suffix in SUFFIX_PAYER:
        return base, SUFFIX_PAYER[suffix]
    return reference.strip(), None


@dataclass
class _Invoice:
    """One payer's part of an open invoice (the whole invoice when the unit alone pays)."""

    application: Application
    owed: Decimal  # what is still owed, as lines of this file are applied in order
    payer: str = PayerKind.UNIT


def _open_parts(applications: list[Application]) -> list[_Invoice]:
    parts = payer_parts_many(applications)
    return [_Invoice(a, part.balance, part.kind) for a in applications for part in parts[a.pk]]


@transaction.atomic(durable=True)
def statement_import(*, actor, data: bytes, filename: str, dry_run: bool = False) -> ImportResult:
    """Store every new credit line once and match what can be matched (§10 order); the rest waits
    in the manual queue. With ``dry_run`` the same work is done and rolled back: a preview."""
    return statement_import_within(actor=actor, data=data, filename=filename, dry_run=dry_run)


@recorded_by_service
@summary.kept
def statement_import_within(*, actor, data: bytes, filename: str, dry_run: bool = False) -> ImportResult:
    """``statement_import`` inside the caller's transaction: ``benchmark_statement`` runs it in one
    it rolls back, beside the invoices it made up."""
    if actor is not None:
        require(actor, CITY_ROLES, message="只有市中心可以导入银行对账单。")
    lines, read, debits = read_statement(data, filename)
    result = ImportResult(lines=read, debits=debits)
    with connection.cursor() as cursor:
        # One import at a time: a second confirmation of the same file (two tabs, a double click)
        # waits for the first, then finds its lines stored and counts them as duplicates.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('enrollment.statement_import', 0))")

    known: set[str] = set()
    numbers = [line.txn_no for line in lines]
    for start in range(0, len(numbers), 5000):
        known.update(StatementLine.objects.filter(txn_no__in=numbers[start : start + 5000])
                     .values_list("txn_no", flat=True))  # fmt: skip
    fresh, seen = [], set()
    for line in lines:
        if line.txn_no in known or line.txn_no in seen:
            result.duplicates.append(line.row)
            continue
        seen.add(line.txn_no)
        fresh.append(line)

    # Every invoice a line could go to, locked: a clerk matching by hand waits for this import.
    # Each payer's part is found by its own reference; the plain reference names the first payer.
    invoices: dict[str, _Invoice] = {}
    for part in _open_parts(
        list(Application.objects.select_for_update(of=("self",)).select_related("unit", "plan__period")
             .filter(status__in=PAYABLE).order_by("pk"))
    ):  # fmt: skip
        invoices[part.application.payer_reference(part.payer)] = part
        invoices.setdefault(part.application.reference, part)
    by_name: dict[str, list[_Invoice]] = defaultdict(list)
    for open_invoice in invoices.values():  # a part listed twice (its plain reference) counts once
        if open_invoice.application.status == ApplicationStatus.CENTRE_APPROVED:
            named = by_name[normalise_name(open_invoice.application.unit.name)]
            if not any(other is open_invoice for other in named):
                named.append(open_invoice)

    statement = BankStatement.objects.create(filename=filename[:200], imported_by=actor if actor else None,
                                             lines_read=read, debits_skipped=debits,
                                             duplicates=len(result.duplicates))  # fmt: skip
    # Decide every line's invoice first (in file order, each invoice owing less after each line),
    # then write lines, credits and audit rows in three bulk statements.
    decided: list[tuple[Line, _Invoice | None]] = []
    for line in fresh:
        invoice: _Invoice | None = None
        if payer_is_person(line.payer_name):  # cash paid in by a person: only with its proof (§14)
            result.unmatched.append(line.row)
            decided.append((line, None))
            continue
        for reference in _references(line.memo):  # (1) the payment reference in the memo
            invoice = invoices.get(reference)
            if invoice is not None:
                break
        if invoice is None:  # (2) the unit's name, and the amount of exactly one open part of an invoice
            candidates = [i for i in by_name.get(normalise_name(line.payer_name), ()) if i.owed == line.amount]
            invoice = candidates[0] if len(candidates) == 1 else None
        if invoice is None:
            result.unmatched.append(line.row)
        else:
            if line.amount > invoice.owed:
                result.overpaid.append(line.row)
            invoice.owed -= line.amount
            result.matched.append({"row": line.row, "reference": invoice.application.payer_reference(invoice.payer),
                                   "amount": str(line.amount)})  # fmt: skip
        decided.append((line, invoice))
    line_ids = copy_insert(StatementLine, (
        {"statement": statement, "row": line.row, "txn_no": line.txn_no, "txn_date": line.txn_date,
         "payer_name": line.payer_name, "payer_account": line.payer_account, "amount": line.amount,
         "memo": line.memo, "status": LineStatus.MATCHED if invoice else LineStatus.WAITING}
        for line, invoice in decided
    ), ids=True)  # fmt: skip
    payments: list[dict] = []
    touched: dict[int, Application] = {}
    audits: list = []
    for line_id, (line, invoice) in zip(line_ids, decided, strict=True):
        if invoice is None:
            continue
        application = invoice.application
        payments.append({"application": application, "line_id": line_id, "amount": line.amount,
                         "paid_on": line.txn_date, "bank_txn_no": line.txn_no, "payer_name": line.payer_name,
                         "memo": line.memo, "payer_kind": invoice.payer, "created_by": actor if actor else None})  # fmt: skip
        touched[application.pk] = application
        audits.append({"obj": application, "action": "payment",
                       "comment": f"到账 {format_yuan(line.amount)} 元{_whose(application, invoice.payer)}"
                                  f"（流水 {line.txn_no}，自动匹配）",
                       "data": {"txn_no": line.txn_no, "amount": str(line.amount), "payer": invoice.payer}})  # fmt: skip
    copy_insert(Payment, payments)
    audit_many(actor=actor, entries=audits)
    statement.matched = len(payments)
    statement.save(update_fields=["matched"])
    _settle_many(actor, list(touched.values()))
    result.statement = statement
    if dry_run:
        transaction.set_rollback(True)
        result.statement = None
    return result


# --- The invoice's totals and activation -------------------------------------------------


def _settle(actor, application: Application) -> None:
    _settle_many(actor, [application])


def _settle_many(actor, applications: list[Application]) -> None:
    """Recount what each invoice received and refunded; approved invoices now fully paid take effect
    (their clerks are told so: "保费已缴清，保障自 … 起生效")."""
    if not applications:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE enrollment_application a SET
                   amount_paid = COALESCE((SELECT SUM(p.amount) FROM enrollment_payment p
                                           WHERE p.application_id = a.id AND p.undone_at IS NULL), 0),
                   amount_refunded = COALESCE((SELECT SUM(r.amount) FROM enrollment_refund r
                                               WHERE r.application_id = a.id), 0)
               WHERE a.id = ANY(%s)
               RETURNING a.id, a.amount_paid, a.amount_refunded""",
            [[a.pk for a in applications]],
        )
        totals = {pk: (paid, refunded) for pk, paid, refunded in cursor.fetchall()}
    for application in applications:
        application.amount_paid, application.amount_refunded = totals[application.pk]
    ready = {a.pk for a in activate_ready(actor, applications)}
    # A payer who paid its whole part has its receipt now, before the others pay theirs (§14).
    receipt_issue_many(actor=actor, applications=[a for a in applications if a.shared_funding and a.pk not in ready
                                                  and a.status in PAYABLE])  # fmt: skip
    summary.refresh_applications(a.pk for a in applications)  # collected, by payer: in this transaction


def activate_ready(actor, applications: list[Application]) -> list[Application]:
    """Approved and fully paid → effective, with coverages from the day after (or the coverage
    start) and the receipt, for any number of applications in a few set-based statements (a statement import may
    complete thousands of invoices at once). The caller holds the transaction and the row locks."""
    ready = [a for a in applications
             if a.status == ApplicationStatus.CENTRE_APPROVED and a.amount_paid >= a.amount_due]  # fmt: skip
    # When payers share the premium, every one of them must have paid its own part.
    parts = payer_parts_many([a for a in ready if a.shared_funding])
    ready = [a for a in ready if all(part.settled for part in parts.get(a.pk, ()))]
    if not ready:
        return []
    last_paid = dict(
        Payment.objects.filter(application__in=ready, undone_at__isnull=True)
        .values("application")
        .annotate(last=Max("paid_on"))
        .values_list("application", "last")
    )
    coverage_start = dict(
        Plan.objects.filter(pk__in={a.plan_id for a in ready}).values_list("pk", "period__coverage_start")
    )
    audits = []
    for application in ready:
        approved_on = timezone.localdate(application.centre_approved_at)
        ready_on = max(d for d in (approved_on, last_paid.get(application.pk)) if d is not None)
        application.effective_on = max(coverage_start[application.plan_id], ready_on + timedelta(days=1))
        application.paid_on = last_paid.get(application.pk) or approved_on
        source, application.status = application.status, Application.workflow.target("activate", application.status)
        audits.append({"obj": application, "action": "activate", "from_state": source, "to_state": application.status,
                       "data": {"effective_on": str(application.effective_on)}})  # fmt: skip
    audit_many(actor=actor, entries=audits)
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE enrollment_application a SET status = %s, effective_on = v.effective_on, paid_on = v.paid_on
               FROM unnest(%s::bigint[], %s::date[], %s::date[]) AS v(id, effective_on, paid_on)
               WHERE a.id = v.id""",
            [ApplicationStatus.EFFECTIVE, [a.pk for a in ready], [a.effective_on for a in ready],
             [a.paid_on for a in ready]],
        )  # fmt: skip
        # The coverages, and how many each plan and district gained, for the statistics' summary.
        cursor.execute(
            """WITH written AS (
                 INSERT INTO enrollment_coverage (member_id, plan_id, application_id, unit_id, shares, renewed_shares,
                                                  effective_from, effective_to, status)
                 SELECT l.member_id, a.plan_id, a.id, a.unit_id, l.shares, l.renewed_shares, a.effective_on,
                        period.coverage_end, %s
                 FROM enrollment_rosterline l
                 JOIN enrollment_application a ON a.id = l.application_id
                 JOIN enrollment_plan plan ON plan.id = a.plan_id
                 JOIN enrollment_period period ON period.id = plan.period_id
                 WHERE a.id = ANY(%s)
                 RETURNING plan_id, unit_id)
               SELECT w.plan_id, u.district_id, count(*) FROM written w JOIN enrollment_unit u ON u.id = w.unit_id
               GROUP BY 1, 2""",
            [CoverageStatus.ACTIVE, [a.pk for a in ready]],
        )
        summary.add_enrolled({(plan, district): count for plan, district, count in cursor.fetchall()})
    # The unit's clerks (one message per application) and every member (one per coverage) are told;
    # the messages are written here in a few bulk inserts and sent by the worker after the commit.
    notices.emit_many("application_effective", ready, actor=actor)
    coverages = (
        Coverage.objects.filter(application__in=ready)
        .select_related("member", "plan__period")
        .only("shares", "renewed_shares", "effective_from", "member__phone", "member__notices_opted_out",
              "member__name", "plan__name", "plan__waiting_days", "plan__period__name")
    )  # fmt: skip
    notices.emit_many("coverage_effective", coverages, actor=actor, context=lambda c: {"waiting": waiting_words(c)})
    receipt_issue_many(actor=actor, applications=ready)  # paid in full: its receipt, in this transaction
    return ready


def _lock_line(line_id: int) -> StatementLine:
    line = StatementLine.objects.select_for_update().filter(pk=line_id).first()
    if line is None:
        raise ValidationError("找不到这笔流水。")
    if line.status != LineStatus.WAITING:
        raise ValidationError(f"这笔流水已处理（{line.get_status_display()}），请刷新页面。")
    return line


def _lock_invoice(application_id: int) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("unit", "plan__period")
        .get(pk=application_id)
    )
    if application.status not in PAYABLE:
        raise ValidationError(f"申请 {application.reference} 尚未经市中心审核确定应缴金额，不能登记到账。")
    return application


def _whose(application: Application, payer: str) -> str:
    """The payer named in the trail when payers share the invoice (nothing when the unit alone pays)."""
    return f"（{PayerKind(payer).label}部分）" if application.shared_funding else ""


def _payer_of(application: Application, payer: str | None) -> PayerPart:
    """The part a credit goes to: the payer named, else the first one that still owes (else the first)."""
    parts = payer_parts(application)
    if payer is None:
        return next((part for part in parts if part.balance > 0), parts[0])
    for part in parts:
        if part.kind == payer:
            return part
    raise ValidationError(
        f"申请 {application.reference} 的缴费方式是“{application.get_funding_display()}”，没有{PayerKind(payer).label}的部分。"
    )


def _credit(actor, line, application, amount: Decimal, how: str, payer: str | None = None) -> Payment:
    if amount <= 0:
        raise ValidationError("金额必须大于 0。")
    part = _payer_of(application, payer)
    if amount > part.balance:
        whose = f"{part.label}部分（{part.reference}）" if application.shared_funding else ""
        raise ValidationError(
            f"申请 {application.reference} {whose}只欠 {format_yuan(max(part.balance, ZERO))} 元，"
            f"不能计入 {format_yuan(amount)} 元：多出的部分请拆分到同一单位的其他申请，或到账后办理退款。"
        )
    payment = Payment.objects.create(application=application, line=line, amount=amount, paid_on=line.txn_date,
                                     bank_txn_no=line.txn_no, payer_name=line.payer_name, memo=line.memo,
                                     payer_kind=part.kind, created_by=actor)  # fmt: skip
    audit(actor=actor, obj=application, action="payment",
          comment=f"到账 {format_yuan(amount)} 元{_whose(application, part.kind)}（流水 {line.txn_no}，{how}）",
          data={"txn_no": line.txn_no, "amount": str(amount), "payer": part.kind})  # fmt: skip
    _settle(actor, application)
    return payment


@transaction.atomic(durable=True)
@recorded_by_service
@summary.kept
def line_match(
    *, actor, line_id: int, application_id: int, deposit_id: int | None = None, payer_kind: str | None = None
) -> Payment:
    """Credit a waiting line, whole, to one invoice (never beyond what it owes): to ``payer_kind``'s
    part when payers share it (default: the first part still owed). A line paid in a
    person's name is cash a unit deposited: it is credited only with that unit's deposit proof
    (``deposit_id``, of the same amount), which it then closes."""
    require(actor, CITY_ROLES, message="只有市中心可以匹配到账。")
    line = _lock_line(line_id)
    application = _lock_invoice(application_id)
    how = "人工匹配"
    if payer_is_person(line.payer_name) or deposit_id is not None:
        deposit = _lock_deposit(line, application, deposit_id)
        deposit.line = line
        deposit.save(update_fields=["line"])
        how = f"凭现金存款证明，存款人 {deposit.depositor_name}"
    payment = _credit(actor, line, application, line.amount, how, payer_kind)
    line.status = StatementLine.workflow.target("payment", line.status)
    line.save(update_fields=["status"])
    return payment


def _lock_deposit(line: StatementLine, application: Application, deposit_id: int | None) -> CashDeposit:
    if deposit_id is None:
        raise ValidationError(
            f"付款人“{line.payer_name}”是个人：这是无对公账户单位的现金存款，须凭该单位上传的存款证明匹配。"
            "单位尚未上传的，请等待上传后再匹配。"
        )
    deposit = CashDeposit.objects.select_for_update().filter(pk=deposit_id).first()
    if deposit is None or deposit.application_id != application.pk:
        raise ValidationError(f"这份存款证明不属于申请 {application.reference}。")
    if deposit.line_id is not None:
        raise ValidationError("这份存款证明已与另一笔流水匹配，请刷新页面。")
    if deposit.amount != line.amount:
        raise ValidationError(
            f"存款证明金额 {format_yuan(deposit.amount)} 元与流水金额 {format_yuan(line.amount)} 元不符。"
        )
    return deposit


@transaction.atomic(durable=True)
@recorded_by_service
@summary.kept
def line_split(*, actor, line_id: int, parts: list[tuple]) -> list[Payment]:
    """Spread one line over several invoices of the same unit, or over several payers' parts of one
    (the unit transferring its own part and the members' together): each part is (application id,
    amount) or (application id, amount, payer); they add up to the line."""
    require(actor, CITY_ROLES, message="只有市中心可以匹配到账。")
    line = _lock_line(line_id)
    if payer_is_person(line.payer_name):
        raise ValidationError(f"付款人“{line.payer_name}”是个人：现金存款须凭存款证明整笔计入一个申请，不能拆分。")
    parts = [(part[0], part[1], part[2] if len(part) > 2 else None) for part in parts if part[1]]
    if len(parts) < 2:
        raise ValidationError("拆分至少要分到两个申请（或同一申请的两个缴费方）。")
    if len({(pk, payer) for pk, _, payer in parts}) != len(parts):
        raise ValidationError("同一个申请（缴费方）只能出现一次。")
    total = sum((amount for _, amount, _ in parts), ZERO)
    if total != line.amount:
        raise ValidationError(f"拆分金额合计 {format_yuan(total)} 元，与流水金额 {format_yuan(line.amount)} 元不符。")
    applications = [_lock_invoice(pk) for pk in sorted({pk for pk, _, _ in parts})]
    if len({application.unit_id for application in applications}) > 1:
        raise ValidationError("只能拆分到同一单位的申请。")
    by_pk = {application.pk: application for application in applications}
    payments = [_credit(actor, line, by_pk[pk], amount, "拆分", payer) for pk, amount, payer in parts]
    line.status = StatementLine.workflow.target("payment", line.status)
    line.save(update_fields=["status"])
    return payments


@transaction.atomic(durable=True)
def line_not_ours(*, actor, line_id: int, reason: str) -> StatementLine:
    require(actor, CITY_ROLES, message="只有市中心可以处理到账。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请说明这笔款项是什么（如：其他业务收入）。")
    line = _lock_line(line_id)
    line.status, line.note = StatementLine.workflow.target("not_ours", line.status), reason[:200]
    line.save(update_fields=["status", "note"])
    audit(actor=actor, obj=line, action="not_ours", comment=reason)
    return line


@transaction.atomic(durable=True)
@recorded_by_service
@summary.kept
def payment_undo(*, actor, payment_id: int, reason: str) -> Payment:
    """Take back a credit (matched to the wrong invoice): the line returns to the manual queue."""
    require(actor, CITY_ROLES, message="只有市中心可以撤销到账。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写撤销原因。")
    payment = Payment.objects.select_for_update().filter(pk=payment_id, undone_at__isnull=True).first()
    if payment is None:
        raise ValidationError("这笔到账已撤销或不存在。")
    application = Application.objects.select_for_update(of=("self",)).get(pk=payment.application_id)
    if application.status == ApplicationStatus.EFFECTIVE:
        raise ValidationError(f"申请 {application.reference} 已生效，不能撤销到账；多收的款项请办理退款。")
    payment.undone_at, payment.undone_by, payment.undo_reason = timezone.now(), actor, reason[:200]
    payment.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    if payment.line_id and not Payment.objects.filter(line_id=payment.line_id, undone_at__isnull=True).exists():
        line = StatementLine.objects.select_for_update().get(pk=payment.line_id)
        line.status = StatementLine.workflow.target("payment_undo", line.status)
        line.save(update_fields=["status"])
    audit(actor=actor, obj=application, action="payment_undo",
          comment=f"撤销到账 {format_yuan(payment.amount)} 元（流水 {payment.bank_txn_no or '—'}）：{reason}")  # fmt: skip
    _settle(actor, application)
    return payment


@transaction.atomic(durable=True)
@recorded_by_service
@summary.kept
def refund_record(
    *, actor, application_id: int, amount: Decimal, refunded_on: date, reference: str, payer_kind: str | None = None
) -> Refund:
    """Record that an overpayment went back to the payer who made it (``payer_kind``; default: the
    one payer who overpaid), with the transfer's date and reference; only that payer's receipt is
    voided and issued again."""
    require(actor, CITY_ROLES, message="只有市中心可以办理退款。")
    application = (Application.objects.select_for_update(of=("self",)).select_related("plan__period")
                   .get(pk=application_id))  # fmt: skip
    parts = payer_parts(application)
    if payer_kind is None:
        overpaid = [part for part in parts if part.overpaid > 0]
        part = overpaid[0] if len(overpaid) == 1 else _payer_of(application, None)
        if len(overpaid) > 1:
            raise ValidationError("多个缴费方都有多缴的款项，请选择退给哪一方。")
    else:
        part = _payer_of(application, payer_kind)
    over = part.overpaid
    whose = f"{part.label}部分" if application.shared_funding else ""
    if over <= 0:
        raise ValidationError(f"申请 {application.reference} {whose}没有多缴的款项。")
    if amount <= 0 or amount > over:
        raise ValidationError(f"退款金额应在 0.01 至 {format_yuan(over)} 元之间（多缴的部分）。")
    if not (reference or "").strip():
        raise ValidationError("请填写退款的银行凭证号。")
    if refunded_on > timezone.localdate():
        raise ValidationError("退款日期不能晚于今天。")
    refund = Refund.objects.create(application=application, amount=amount, refunded_on=refunded_on,
                                   payer_kind=part.kind, reference=reference.strip()[:60], created_by=actor)  # fmt: skip
    audit(actor=actor, obj=application, action="refund",
          comment=f"退款 {format_yuan(amount)} 元{_whose(application, part.kind)}"
                  f"（{refunded_on:%Y-%m-%d}，凭证 {refund.reference}）",
          data={"payer": part.kind})  # fmt: skip
    _settle(actor, application)
    # What this payer paid is now less: its receipt is voided and one issued for what remains.
    receipt_reissue(actor=actor, application=application, payer_kind=part.kind,
                    reason=f"退款 {format_yuan(amount)} 元（凭证 {refund.reference}）")  # fmt: skip
    return refund


# --- The manual queue -----------------------------------------------------------------------


def open_invoices() -> list[Application]:
    """The invoices a transfer could still pay: centre-approved, something due (the queue reads
    them once for all its lines)."""
    return list(
        Application.objects.filter(status=ApplicationStatus.CENTRE_APPROVED, amount_due__gt=0)
        .select_related("unit", "plan__period")
        .order_by("pk")
    )


def open_deposits() -> list[CashDeposit]:
    """The deposit proofs still waiting for their cash line (the queue reads them once a page)."""
    return list(CashDeposit.objects.open().filter(application__status__in=PAYABLE)
                .select_related("application__unit", "proof", "slip").order_by("pk"))  # fmt: skip


def line_deposits(
    line: StatementLine, limit: int = 5, *, deposits: list[CashDeposit] | None = None
) -> list[CashDeposit]:
    """The open deposit proofs a line paid in a person's name may go with, best first: the same
    amount, then the depositor's name as the statement writes it, then the nearest date.
    ``deposits``: the open proofs read once for a page of lines (default: read them now)."""
    payer = normalise_name(line.payer_name)
    ranked = [copy.copy(deposit) for deposit in (open_deposits() if deposits is None else deposits)]
    agrees = {}  # deposit pk -> (same amount, same name), marked on each line's own copies for the queue
    for deposit in ranked:
        agrees[deposit.pk] = (deposit.amount == line.amount,
                              bool(payer) and normalise_name(deposit.depositor_name) in payer)  # fmt: skip
        deposit.same_amount, deposit.same_name = agrees[deposit.pk]  # type: ignore[attr-defined]
    ranked.sort(
        key=lambda d: (not agrees[d.pk][0], not agrees[d.pk][1], abs((d.deposited_on - line.txn_date).days), d.pk)
    )
    return ranked[:limit]


def line_candidates(line: StatementLine, limit: int = 5, *, invoices: list[Application] | None = None) -> list[dict]:
    """Open invoices for a waiting line, best first, with the parts that agree marked: the amount
    (equal to what is owed), the payer (the unit's name), the memo (names the reference or unit).
    ``invoices``: the open invoices read once for a page of lines (default: read them now)."""
    memo = line.memo.translate(FULL_WIDTH).upper()
    payer = normalise_name(line.payer_name)
    open_ones = open_invoices() if invoices is None else invoices
    ranked: list[dict] = []
    for part in _open_parts(open_ones):  # each payer's part of a shared invoice is a candidate of its own
        application, owed = part.application, part.owed
        if owed <= 0:
            continue
        name = normalise_name(application.unit.name)
        reference = application.payer_reference(part.payer)
        agrees = {
            "amount": owed == line.amount,
            "payer": bool(payer) and payer == name,
            "payer_part": bool(payer) and payer != name and (payer in name or name in payer),
            "memo": (reference in memo if application.shared_funding else application.reference in memo)
            or application.unit.code.upper() in memo,
        }
        score = 3 * agrees["amount"] + 3 * agrees["payer"] + 2 * agrees["payer_part"] + 2 * agrees["memo"]
        if line.amount < owed:
            score += 1  # a partial payment is possible
        if score:
            ranked.append({"application": application, "owed": owed, "score": score, "reference": reference,
                           "payer_kind": part.payer if application.shared_funding else "",
                           "payer_label": PayerKind(part.payer).label if application.shared_funding else "",
                           **agrees})  # fmt: skip
    ranked.sort(key=lambda c: (-c["score"], c["application"].pk))
    return ranked[:limit]
