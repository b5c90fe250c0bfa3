"""The fund's standing per period and plan (以收定支, issue #20): collected, paid, approved not yet
paid, in review at the engine's current figure, and the estimate of claims not yet filed from this
scheme's own submission lags of past periods (``mutualaid.lib.lag``), so the expected loss ratio."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, Sum
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

    @property
    def ratio_percent(self) -> Decimal | None:
        """The expected loss ratio in per cent, to one decimal (the unit of the plan's alert line)."""
        ratio = self.loss_ratio
        return (ratio * 100).quantize(Decimal("0.1")) if ratio is not None else None

    @property
    def threshold(self) -> Decimal | None:
        return self.plan.loss_ratio_alert

    @property
    def alerting(self) -> bool:
        return self.threshold is not None and self.ratio_percent is not None and self.ratio_percent >= self.threshold

    @property
    def reference(self) -> str:
        """The alert's subject in the send log: one notice per plan and line (a raised line alerts anew)."""
        return f"{self.plan.period.number}-{self.plan.code} ≥{self.threshold}%"


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
    for plan in Plan.objects.filter(period=period).select_related("period").order_by("priority", "code"):
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


def check_alerts(today: date | None = None) -> dict:
    """Tell the centre of every plan whose expected final loss ratio has reached its alert line, in the
    periods whose claims can still come in (to the last claim deadline). Once per plan and line: a
    second run adds nothing, a line the admin raises and the ratio reaches again is told again."""
    from mutualaid import notices
    from mutualaid.models import Notice

    today = today or timezone.localdate()
    periods = (
        Period.objects.filter(coverage_start__lte=today, plans__loss_ratio_alert__isnull=False)
        .annotate(last_window=Max("plans__claim_deadline_days"))
        .distinct()
        .order_by("number")
    )
    checked, alerts = 0, []
    for period in periods:
        if today > period.coverage_end + timedelta(days=period.last_window or 0):
            continue
        for row in standing(period):
            checked += row.threshold is not None
            if row.alerting and not Notice.objects.filter(event="fund_alert", subject=row.reference).exists():
                alerts.append(row)
    for row in alerts:
        notices.emit("fund_alert", row)
    return {"checked": checked, "alerts": [row.reference for row in alerts]}
