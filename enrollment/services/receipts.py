"""Receipts (DOMAIN.md §14): issued once a payer's part of an invoice is paid in full (the whole
invoice when the unit alone pays), in the transaction that records
the payment; voided and issued again for what remains paid when money goes back (a refund).

Numbers come from the centre's active series, per year, without gaps: the counter row is advanced
in the issuing transaction (two confirmations at once queue on its row lock, and a rolled-back
issue takes its numbers with it). These run inside the payment's or refund's transaction, as
``activate_ready`` does: they are not entry points of their own.
"""

from decimal import Decimal

from django.db import connection
from django.db.models import prefetch_related_objects
from django.utils import timezone

from enrollment.models import ZERO, Application, CentreAccount, PayerKind, Receipt, ReceiptSeries, ReceiptStatus
from enrollment.services.payers import PayerPart, payer_part, payer_parts_many
from mutualaid.bulk import copy_insert
from mutualaid.lib.money import format_yuan
from mutualaid.models import audit, audit_many

# The series used until the admin sets the centre's own (收据编号序列), named after its account.
FALLBACK_PREFIX = "RC"


def receipt_series() -> ReceiptSeries:
    series = ReceiptSeries.objects.filter(active=True).first()
    if series is not None:
        return series
    account = CentreAccount.objects.filter(active=True).first()
    with connection.cursor() as cursor:  # two first receipts at once create it once
        cursor.execute(
            """INSERT INTO enrollment_receiptseries (prefix, issuer_name, active) VALUES (%s, %s, true)
               ON CONFLICT DO NOTHING""",
            [FALLBACK_PREFIX, account.account_name if account else "职工互助保障服务中心"],
        )
    return ReceiptSeries.objects.get(active=True)


def _reserve(series: ReceiptSeries, year: int, count: int) -> range:
    """``count`` consecutive numbers of the series' year, held by this transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO enrollment_receiptcounter (series_id, year, last_number) VALUES (%s, %s, %s)
               ON CONFLICT (series_id, year) DO UPDATE
               SET last_number = enrollment_receiptcounter.last_number + EXCLUDED.last_number
               RETURNING last_number""",
            [series.pk, year, count],
        )
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


def received(application: Application) -> Decimal:
    return application.amount_paid - application.amount_refunded


def payer_title(application: Application, kind: str) -> tuple[str, str]:
    """(title, tax number) of a payer's receipt: the unit's administration takes the application's
    票据抬头 (else the unit's name and credit code); its union and its members are named after it."""
    unit = application.unit
    if kind == PayerKind.UNION:
        return f"{unit.name}工会", ""
    if kind == PayerKind.PERSONAL:
        return f"{unit.name}（职工个人缴纳部分）", ""
    return application.invoice_title or unit.name, application.invoice_tax_number or unit.uscc


def _items(application: Application, part: PayerPart) -> list[dict]:
    plan = application.plan
    name = f"职工互助保障 {plan.period.name} {plan.name}"
    if application.shared_funding:
        name += f"（{part.label}承担部分）"
    amount = part.received
    items = [{"plan": name, "persons": application.member_count, "shares": application.share_count,
              "price": str(part.per_share), "amount": str(min(amount, part.due))}]  # fmt: skip
    if amount > part.due:  # paid more than due: receipted, and refunded later
        items.append({"plan": "多缴款项（待退还）", "persons": None, "shares": None, "price": None,
                      "amount": str(amount - part.due)})  # fmt: skip
    return items


def _fields(application, part: PayerPart, series, year, seq, actor, replaces=None) -> dict:
    """A new receipt's fields, for one ``Receipt`` or a row of ``copy_insert``."""
    title, tax_number = payer_title(application, part.kind)
    return dict(
        number=f"{series.prefix}{year}-{seq:06d}", series=series, year=year, seq=seq, application=application,
        payer_kind=part.kind, payer_title=title, payer_tax_number=tax_number,
        issuer_name=series.issuer_name, amount=part.received, items=_items(application, part),
        issued_on=timezone.localdate(), issued_by=actor if actor else None, replaces=replaces,
    )  # fmt: skip


def receipt_issue_many(*, actor, applications: list[Application]) -> list[dict]:
    """A receipt for each payer's part of these invoices that is paid in full and has none valid yet
    (one payer: the invoice paid in full), numbered in order; the caller holds the transaction and
    the applications' row locks, their totals current (read under the lock, or just recounted by
    ``payments._settle_many``)."""
    if not applications:
        return []
    has_one = set(Receipt.objects.filter(application__in=[a.pk for a in applications], status=ReceiptStatus.VALID)
                  .values_list("application", "payer_kind"))  # fmt: skip
    # The caller's own objects, not read again (60,000 of them with their unit, plan and period cost
    # 5 s of a province's statement); a relation they were not loaded with is read once for all.
    fresh = sorted(applications, key=lambda a: a.pk)
    prefetch_related_objects(fresh, "unit", "plan__period")
    parts = payer_parts_many(fresh)
    due = [(application, part) for application in fresh for part in parts[application.pk]
           if (application.pk, part.kind) not in has_one and part.received > ZERO and part.settled]  # fmt: skip
    if not due:
        return []
    series, year = receipt_series(), timezone.localdate().year
    # Written by COPY: a model instance per receipt cost 10 s of a province's 60,000 (mutualaid.bulk).
    receipts = [_fields(application, part, series, year, seq, actor)
                for (application, part), seq in zip(due, _reserve(series, year, len(due)), strict=True)]  # fmt: skip
    copy_insert(Receipt, receipts)
    # The payer is named when several share the invoice (one payer: the receipt is the invoice's).
    audit_many(actor=actor, entries=[
        {"obj": r["application"], "action": "receipt_issue",
         "comment": f"开具收据 {r['number']}{f'（{r["payer_title"]}）' if r["application"].shared_funding else ''}，"
                    f"金额 {format_yuan(r['amount'])} 元",
         "data": {"receipt": r["number"], "amount": str(r["amount"]), "payer": r["payer_kind"]}} for r in receipts
    ])  # fmt: skip
    return receipts


def receipt_reissue(
    *, actor, application: Application, reason: str, payer_kind: str = PayerKind.UNIT
) -> tuple[Receipt | None, Receipt | None]:
    """After money went back to a payer: its valid receipt is voided and, while anything of its part
    remains paid, a new one is issued for it (the new one names the one it replaces); the other
    payers' receipts stay. Returns (voided, new); the caller holds the transaction and the
    application's row lock, its totals recounted."""
    old = (Receipt.objects.select_for_update()
           .filter(application=application, payer_kind=payer_kind, status=ReceiptStatus.VALID).first())  # fmt: skip
    if old is None:
        return None, None
    application = Application.objects.select_related("unit", "plan__period").get(pk=application.pk)
    part = payer_part(application, payer_kind)
    old.status, old.voided_at, old.voided_by, old.void_reason = (
        ReceiptStatus.VOID, timezone.now(), actor, reason[:200])  # fmt: skip
    old.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    audit(actor=actor, obj=application, action="receipt_void", comment=f"作废收据 {old.number}：{reason}",
          data={"receipt": old.number})  # fmt: skip
    if part.received <= ZERO:
        return old, None
    series, year = receipt_series(), timezone.localdate().year
    (seq,) = _reserve(series, year, 1)
    new = Receipt(**_fields(application, part, series, year, seq, actor, replaces=old))
    new.save()
    audit(actor=actor, obj=application, action="receipt_issue",
          comment=f"开具收据 {new.number}，金额 {format_yuan(new.amount)} 元（替代已作废的 {old.number}）",
          data={"receipt": new.number, "amount": str(new.amount), "replaces": old.number})  # fmt: skip
    return old, new
