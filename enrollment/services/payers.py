"""Each payer's part of an invoice (DOMAIN.md §14, who pays): what it owes, what it paid and got
back, and the reference its transfer carries. Read by reconciliation, receipts, refunds and the
application page; the way and the parts themselves are set by ``application_set_funding``.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from enrollment.models import ZERO, Application, PayerKind, Payment, Refund


@dataclass(frozen=True)
class PayerPart:
    kind: str
    per_share: Decimal
    due: Decimal
    paid: Decimal
    refunded: Decimal
    reference: str

    @property
    def label(self) -> str:
        return PayerKind(self.kind).label

    @property
    def received(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def balance(self) -> Decimal:
        """What this payer still owes; negative when it paid more (and was not refunded yet)."""
        return self.due - self.received

    @property
    def settled(self) -> bool:
        return self.received >= self.due

    @property
    def overpaid(self) -> Decimal:
        return max(-self.balance, ZERO)


def payer_totals(applications) -> dict[int, dict[str, tuple[Decimal, Decimal]]]:
    """(paid, refunded) per payer of each application, in two grouped queries."""
    pks = [a.pk for a in applications]
    totals: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(lambda: [ZERO, ZERO]))
    if pks:
        for pk, kind, paid in (
            Payment.objects.filter(application__in=pks, undone_at__isnull=True)
            .values("application", "payer_kind").annotate(total=Sum("amount"))
            .values_list("application", "payer_kind", "total")
        ):  # fmt: skip
            totals[pk][kind][0] = paid
        for pk, kind, refunded in (
            Refund.objects.filter(application__in=pks)
            .values("application", "payer_kind").annotate(total=Sum("amount"))
            .values_list("application", "payer_kind", "total")
        ):  # fmt: skip
            totals[pk][kind][1] = refunded
    return {pk: {kind: (v[0], v[1]) for kind, v in by_kind.items()} for pk, by_kind in totals.items()}


def payer_parts(application: Application, totals: dict[str, tuple[Decimal, Decimal]] | None = None) -> list[PayerPart]:
    """The application's payers in the invoice's order. With one payer its totals are the
    application's own (no query); ``totals``: this application's entry of ``payer_totals``."""
    kinds = application.payer_kinds
    if not application.shared_funding:
        (kind,) = kinds
        return [PayerPart(kind, application.part_per_share(kind), application.payer_due(kind),
                          application.amount_paid, application.amount_refunded, application.reference)]  # fmt: skip
    if totals is None:
        totals = payer_totals([application]).get(application.pk, {})
    return [
        PayerPart(kind, application.part_per_share(kind), application.payer_due(kind),
                  *totals.get(kind, (ZERO, ZERO)), application.payer_reference(kind))
        for kind in kinds
    ]  # fmt: skip


def payer_parts_many(applications) -> dict[int, list[PayerPart]]:
    """``payer_parts`` of many applications, the shared ones' totals read together."""
    shared = [a for a in applications if a.shared_funding]
    totals = payer_totals(shared)
    return {a.pk: payer_parts(a, totals.get(a.pk, {}) if a.shared_funding else None) for a in applications}


def payer_part(application: Application, kind: str) -> PayerPart:
    for part in payer_parts(application):
        if part.kind == kind:
            return part
    raise KeyError(kind)
