"""The fund's standing per period and plan (以收定支, issue #20): collected, paid, approved not yet
paid, in review at the engine's current figure, and the estimate of claims not yet filed from this
scheme's own submission lags of past periods (``mutualaid.lib.lag``), so the expected loss ratio."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.models import Claim, ClaimStatus
from enrollment.models import Application, ApplicationStatus, Period, Plan
from mutualaid.lib.lag import LagEstimate, PastPeriod, estimate

ZERO = Decimal("0.00")
INVOICED = (ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE)


@dataclass
class Standing:
    plan: Plan
    collected: Decimal
    paid: Decimal
    approved: Decimal  # approved, not yet paid
    in_review: Decimal  # at the engine's (or the handler's) current figure
    lag: LagEstimate

    @property
    def filed(self) -> Decimal:
        return self.paid + self.approved + self.in_review

    @property
    def expected(self) -> Decimal:
        return self.lag.final if self.lag.final is not None else self.filed

    @property
    def loss_ratio(self) -> Decimal | None:
        return self.expected / self.collected if self.collected else None


def _sum(queryset, field="approved_amount") -> Decimal:
    return queryset.aggregate(s=Sum(field))["s"] or ZERO


def _past(plan: Plan, before: Period) -> list[PastPeriod]:
    periods = []
    for past in Plan.objects.filter(code=plan.code, period__coverage_end__lt=before.coverage_start).select_related(
        "period"
    ):
        rows = Claim.objects.filter(plan=past, status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID],
                                    submitted_at__isnull=False).values_list("submitted_at", "approved_amount")  # fmt: skip
        end = past.period.coverage_end
        claims = [((timezone.localdate(at) - end).days, amount or ZERO) for at, amount in rows]
        periods.append(PastPeriod(past.period.name, claims))
    return periods


def standing(period: Period) -> list[Standing]:
    today = timezone.localdate()
    out = []
    for plan in Plan.objects.filter(period=period).order_by("priority", "code"):
        claims = Claim.objects.filter(plan=plan)
        apps = Application.objects.filter(plan=plan, status__in=INVOICED).aggregate(
            paid=Sum("amount_paid"), refunded=Sum("amount_refunded")
        )
        in_review = (
            claims.filter(status__in=ClaimStatus.OPEN).aggregate(
                s=Sum(Coalesce("checked_amount", "adjusted_amount", "computed_amount"))
            )["s"]
            or ZERO
        )
        paid = _sum(claims.filter(status=ClaimStatus.PAID))
        approved = _sum(claims.filter(status=ClaimStatus.APPROVED))
        lag = estimate(_past(plan, period), days=(today - period.coverage_end).days, filed=paid + approved + in_review)
        out.append(Standing(plan, (apps["paid"] or ZERO) - (apps["refunded"] or ZERO), paid, approved, in_review, lag))
    return out
