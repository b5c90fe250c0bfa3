"""Statistics of DOMAIN.md §12, per period and plan, filtered by period, plan and district.

A handful of grouped queries, whatever the volume (a test bounds the count); every
queryset goes through ``visible_to`` so a district office sees its own district only.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum

from claims.models import Claim, ClaimStatus
from enrollment.models import Application, ApplicationStatus, Coverage, PayerKind, Payment, Plan, Refund

ZERO = Decimal("0.00")
INVOICED = (ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE)


@dataclass
class Row:
    period: int
    plan: str
    plan_name: str
    units: int = 0
    enrolled: int = 0  # 参保人次
    due: Decimal = ZERO
    collected: Decimal = ZERO
    subsidies: Decimal = ZERO
    claims_filed: int = 0
    claims_paid: int = 0  # 理赔人次
    paid: Decimal = ZERO  # 赔付
    days_to_pay: float | None = None
    # 实收会费 by who paid it (DOMAIN.md §14): 单位行政, 单位工会, 职工个人.
    collected_by: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(PayerKind.values, ZERO))

    @property
    def by_payer(self) -> list[Decimal]:
        return [self.collected_by[kind] for kind in PayerKind.values]

    @property
    def fund(self) -> Decimal:
        """互助金规模: premiums collected plus the union's subsidies."""
        return self.collected + self.subsidies

    @property
    def loss_ratio(self) -> float | None:
        return float(self.paid / self.collected) if self.collected else None


@dataclass
class Statistics:
    rows: list[Row] = field(default_factory=list)
    totals: Row | None = None
    top_diagnoses: list[tuple[str, int]] = field(default_factory=list)


def _filter(queryset, *, plans=None, district=None):
    if plans is not None:
        queryset = queryset.filter(plan__in=plans)
    if district:
        queryset = queryset.filter(unit__district=district)
    return queryset


def compute(user, *, period=None, plan=None, district=None) -> Statistics:
    chosen = None  # the period and plan filters become a list of plan ids: no join over 500,000 coverages
    if period or plan:
        chosen = Plan.objects.all()
        if period:
            chosen = chosen.filter(period__number=period)
        if plan:
            chosen = chosen.filter(code=plan)
        chosen = list(chosen.values_list("pk", flat=True))
    where = {"plans": chosen, "district": district}
    rows: dict[int, Row] = {}
    # Grouped by plan id only (no joins to name the groups: 500,000 coverages are counted in one
    # pass); the plans are named afterwards from one small query.
    plans = {pk: (number, code, name) for pk, number, code, name in
             Plan.objects.values_list("pk", "period__number", "code", "name")}  # fmt: skip

    def row(plan_id) -> Row:
        return rows.setdefault(plan_id, Row(*plans[plan_id]))

    for item in _filter(Coverage.objects.visible_to(user), **where).values("plan").annotate(n=Count("*")):
        row(item["plan"]).enrolled = item["n"]
    for item in (_filter(Application.objects.visible_to(user).filter(status__in=INVOICED), **where).values("plan")
                 .annotate(due=Sum("amount_due"), paid=Sum("amount_paid"), refunded=Sum("amount_refunded"),
                           subsidies=Sum("subsidy_total"), units=Count("unit", distinct=True))):  # fmt: skip
        r = row(item["plan"])
        r.due, r.subsidies, r.units = item["due"] or ZERO, item["subsidies"] or ZERO, item["units"]
        r.collected = (item["paid"] or ZERO) - (item["refunded"] or ZERO)
    # Money received split by payer: credits less refunds of invoiced applications, two grouped queries.
    for model, sign in ((Payment, 1), (Refund, -1)):
        money = model.objects.visible_to(user).filter(application__status__in=INVOICED)
        if model is Payment:
            money = money.filter(undone_at__isnull=True)
        if chosen is not None:
            money = money.filter(application__plan__in=chosen)
        if district:
            money = money.filter(application__unit__district=district)
        for item in money.values("application__plan", "payer_kind").annotate(total=Sum("amount")):
            by = row(item["application__plan"]).collected_by
            by[item["payer_kind"]] = by.get(item["payer_kind"], ZERO) + sign * item["total"]
    waited = ExpressionWrapper(F("paid_at") - F("submitted_at"), output_field=DurationField())
    # Filed with the scheme: a draft, or a member's claim the unit has not submitted, is not (yet).
    claims = _filter(
        Claim.objects.visible_to(user).exclude(status__in=[ClaimStatus.DRAFT, *ClaimStatus.FROM_MEMBER]), **where
    )
    for item in claims.values("plan").annotate(
        filed=Count("*"),
        paid_count=Count("pk", filter=Q(status=ClaimStatus.PAID)),
        paid=Sum("approved_amount", filter=Q(status=ClaimStatus.PAID)),
        waited=Avg(waited, filter=Q(status=ClaimStatus.PAID, paid_at__isnull=False)),
    ):
        r = row(item["plan"])
        r.claims_filed, r.claims_paid, r.paid = item["filed"], item["paid_count"], item["paid"] or ZERO
        r.days_to_pay = item["waited"].total_seconds() / 86400 if item["waited"] else None
    ordered = sorted(rows.values(), key=lambda r: (-r.period, r.plan))
    totals = Row(0, "", "合计")
    for r in ordered:
        for name in ("units", "enrolled", "due", "collected", "subsidies", "claims_filed", "claims_paid", "paid"):
            setattr(totals, name, getattr(totals, name) + getattr(r, name))
        for kind, amount in r.collected_by.items():
            totals.collected_by[kind] += amount
    paid_claims = claims.filter(status=ClaimStatus.PAID, paid_at__isnull=False).aggregate(w=Avg(waited))["w"]
    totals.days_to_pay = paid_claims.total_seconds() / 86400 if paid_claims else None
    top = (claims.exclude(diagnosis_text="").values("diagnosis_text").annotate(n=Count("pk"))
           .order_by("-n", "diagnosis_text")[:10])  # fmt: skip
    return Statistics(ordered, totals, [(item["diagnosis_text"], item["n"]) for item in top])


def workbook(stats: Statistics) -> bytes:
    """The table as .xlsx: numbers as numbers, text that can never become a formula."""
    from mutualaid.lib.spreadsheet import workbook_bytes

    header = ["期数", "项目", "参保单位", "参保人次", "应缴会费", "实收会费", "工会补贴", "申领件数", "理赔人次",
              "赔付金额", "赔付率", "平均支付天数"]  # fmt: skip
    rows = ([r.period or "", r.plan_name, r.units, r.enrolled, r.due, r.collected, r.subsidies, r.claims_filed,
             r.claims_paid, r.paid, r.loss_ratio, round(r.days_to_pay, 1) if r.days_to_pay is not None else None]
            for r in [*stats.rows, stats.totals])  # fmt: skip
    by_payer = ([r.period or "", r.plan_name, *r.by_payer, r.collected] for r in [*stats.rows, stats.totals])
    return workbook_bytes([("统计", header, rows), ("主要疾病", ["诊断", "件数"], stats.top_diagnoses),
                           ("实收会费按缴费方", ["期数", "项目", *PayerKind.labels, "合计"], by_payer)])  # fmt: skip
