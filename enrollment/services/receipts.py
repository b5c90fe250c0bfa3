"""Receipts (DOMAIN.md §14): issued once an invoice is paid in full, in the transaction that records
the payment; voided and issued again for what remains paid when money goes back (a refund).

Numbers come from the centre's active series, per year, without gaps: the counter row is advanced
in the issuing transaction (two confirmations at once queue on its row lock, and a rolled-back
issue takes its numbers with it). These run inside the payment's or refund's transaction, as
``activate_ready`` does: they are not entry points of their own.
"""

from decimal import Decimal

from django.db import connection
from django.utils import timezone

from enrollment.models import ZERO, Application, CentreAccount, Receipt, ReceiptSeries, ReceiptStatus
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


def _items(application: Application, amount: Decimal) -> list[dict]:
    plan = application.plan
    items = [{"plan": f"职工互助保障 {plan.period.name} {plan.name}", "persons": application.member_count,
              "shares": application.share_count, "price": str(plan.clerk_premium),
              "amount": str(min(amount, application.amount_due))}]  # fmt: skip
    if amount > application.amount_due:  # paid more than due: receipted, and refunded later
        items.append({"plan": "多缴款项（待退还）", "persons": None, "shares": None, "price": None,
                      "amount": str(amount - application.amount_due)})  # fmt: skip
    return items


def _new(application, series, year, seq, actor, replaces=None) -> Receipt:
    unit = application.unit
    amount = received(application)
    return Receipt(
        number=f"{series.prefix}{year}-{seq:06d}", series=series, year=year, seq=seq, application=application,
        payer_title=application.invoice_title or unit.name, payer_tax_number=application.invoice_tax_number or unit.uscc,
        issuer_name=series.issuer_name, amount=amount, items=_items(application, amount),
        issued_on=timezone.localdate(), issued_by=actor if actor else None, replaces=replaces,
    )  # fmt: skip


def receipt_issue_many(*, actor, applications: list[Application]) -> list[Receipt]:
    """A receipt for each of these invoices that is paid in full and has none valid yet, numbered in
    order; the caller holds the transaction and the applications' row locks."""
    pks = [a.pk for a in applications]
    if not pks:
        return []
    has_one = set(Receipt.objects.filter(application__in=pks, status=ReceiptStatus.VALID)
                  .values_list("application", flat=True))  # fmt: skip
    due = [a for a in Application.objects.filter(pk__in=pks).select_related("unit", "plan__period").order_by("pk")
           if a.pk not in has_one and received(a) > ZERO and received(a) >= a.amount_due]  # fmt: skip
    if not due:
        return []
    series, year = receipt_series(), timezone.localdate().year
    receipts = Receipt.objects.bulk_create(
        _new(application, series, year, seq, actor) for application, seq in zip(due, _reserve(series, year, len(due)),
                                                                                  strict=True)
    )  # fmt: skip
    audit_many(actor=actor, entries=[
        {"obj": r.application, "action": "receipt_issue",
         "comment": f"开具收据 {r.number}，金额 {format_yuan(r.amount)} 元",
         "data": {"receipt": r.number, "amount": str(r.amount)}} for r in receipts
    ])  # fmt: skip
    return receipts


def receipt_reissue(*, actor, application: Application, reason: str) -> tuple[Receipt | None, Receipt | None]:
    """After money went back: the valid receipt is voided and, while anything remains paid, a new one
    is issued for it (the new one names the one it replaces). Returns (voided, new); the caller holds
    the transaction and the application's row lock, its totals recounted."""
    old = Receipt.objects.select_for_update().filter(application=application, status=ReceiptStatus.VALID).first()
    if old is None:
        return None, None
    application = Application.objects.select_related("unit", "plan__period").get(pk=application.pk)
    old.status, old.voided_at, old.voided_by, old.void_reason = (
        ReceiptStatus.VOID, timezone.now(), actor, reason[:200])  # fmt: skip
    old.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    audit(actor=actor, obj=application, action="receipt_void", comment=f"作废收据 {old.number}：{reason}",
          data={"receipt": old.number})  # fmt: skip
    if received(application) <= ZERO:
        return old, None
    series, year = receipt_series(), timezone.localdate().year
    (seq,) = _reserve(series, year, 1)
    new = _new(application, series, year, seq, actor, replaces=old)
    new.save()
    audit(actor=actor, obj=application, action="receipt_issue",
          comment=f"开具收据 {new.number}，金额 {format_yuan(new.amount)} 元（替代已作废的 {old.number}）",
          data={"receipt": new.number, "amount": str(new.amount), "replaces": old.number})  # fmt: skip
    return old, new
