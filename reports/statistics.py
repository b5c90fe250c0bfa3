"""Statistics of DOMAIN.md §12, per period and plan and per office (district, and the prefecture
above it, §15), filtered by period, plan, district and prefecture.

A handful of grouped queries, whatever the volume (a test bounds the count); every
queryset goes through ``visible_to`` so a district office sees its own district only and a
prefecture office its own districts.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from claims.models import Claim, ClaimStatus
from enrollment.models import Application, ApplicationStatus, Coverage, District, PayerKind, Payment, Plan, Refund

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
    def by_payer_named(self) -> list[tuple[str, Decimal]]:
        """Each payer's name with its amount: a phone shows the table as cards, one label a value."""
        return [(str(label), self.collected_by[kind]) for kind, label in PayerKind.choices]

    @property
    def fund(self) -> Decimal:
        """互助金规模: premiums collected plus the union's subsidies."""
        return self.collected + self.subsidies

    @property
    def loss_ratio(self) -> float | None:
        return float(self.paid / self.collected) if self.collected else None


@dataclass
class OfficeRow:
    """One district's figures across the chosen periods and plans, or (``district`` empty) the
    subtotal of a prefecture's districts. ``units`` counts each unit once, whatever it enrolled in."""

    prefecture: str
    district: str
    units: int = 0
    enrolled: int = 0
    due: Decimal = ZERO
    collected: Decimal = ZERO
    subsidies: Decimal = ZERO
    claims_filed: int = 0
    claims_paid: int = 0
    paid: Decimal = ZERO

    FIGURES = ("units", "enrolled", "due", "collected", "subsidies", "claims_filed", "claims_paid", "paid")

    @property
    def is_subtotal(self) -> bool:
        return not self.district

    @property
    def loss_ratio(self) -> float | None:
        return float(self.paid / self.collected) if self.collected else None


NO_PREFECTURE = "未设市州"


@dataclass
class Statistics:
    rows: list[Row] = field(default_factory=list)
    totals: Row | None = None
    top_diagnoses: list[tuple[str, int]] = field(default_factory=list)
    # Per district, each prefecture's districts followed by its subtotal (no subtotals while no
    # district has a prefecture: a city's scheme).
    offices: list[OfficeRow] = field(default_factory=list)


def _filter(queryset, *, plans=None, district=None, prefecture=None):
    if plans is not None:
        queryset = queryset.filter(plan__in=plans)
    if district:
        queryset = queryset.filter(unit__district=district)
    if prefecture:
        queryset = queryset.filter(unit__district__prefecture=prefecture)
    return queryset


def _offices(user, per_district: dict[int, dict]) -> list[OfficeRow]:
    """The district rows in prefecture order, each prefecture's subtotal after its districts."""
    districts = District.objects.visible_to(user).filter(pk__in=per_district).select_related("prefecture")
    groups: dict[tuple, list[OfficeRow]] = {}
    for d in sorted(districts, key=lambda d: (d.prefecture is None, d.prefecture.code if d.prefecture else "", d.code)):
        office = OfficeRow(d.prefecture.name if d.prefecture else NO_PREFECTURE, d.name, **per_district[d.pk])
        groups.setdefault((d.prefecture_id,), []).append(office)
    if len(per_district) == 1 or all(key == (None,) for key in groups):  # one office, or none in a tree
        return [office for offices in groups.values() for office in offices]
    result = []
    for offices in groups.values():
        subtotal = OfficeRow(offices[0].prefecture, "")
        for office in offices:
            for name in OfficeRow.FIGURES:
                setattr(subtotal, name, getattr(subtotal, name) + getattr(office, name))
        result += [*offices, subtotal]
    return result


def compute(user, *, period=None, plan=None, district=None, prefecture=None) -> Statistics:
    chosen = None  # the period and plan filters become a list of plan ids: no join over 500,000 coverages
    if period or plan:
        chosen = Plan.objects.all()
        if period:
            chosen = chosen.filter(period__number=period)
        if plan:
            chosen = chosen.filter(code=plan)
        chosen = list(chosen.values_list("pk", flat=True))
    where = {"plans": chosen, "district": district, "prefecture": prefecture}
    rows: dict[int, Row] = {}
    # Grouped by plan id only (no joins to name the groups: 500,000 coverages are counted in one
    # pass); the plans are named afterwards from one small query.
    plans = {pk: (number, code, name) for pk, number, code, name in
             Plan.objects.values_list("pk", "period__number", "code", "name")}  # fmt: skip

    def row(plan_id) -> Row:
        return rows.setdefault(plan_id, Row(*plans[plan_id]))

    # Each query is grouped by plan and district at once (a few hundred groups at province scale): the
    # plan rows and the office rows are two sums of the same groups.
    per_district: dict[int, dict] = {}

    def office(district_id) -> dict:
        return per_district.setdefault(district_id, {})

    def add(figures: dict, name: str, value) -> None:
        figures[name] = figures.get(name, 0) + value

    for item in (_filter(Coverage.objects.visible_to(user), **where).values("plan", "unit__district")
                 .annotate(n=Count("*"))):  # fmt: skip
        row(item["plan"]).enrolled += item["n"]
        add(office(item["unit__district"]), "enrolled", item["n"])
    invoiced = _filter(Application.objects.visible_to(user).filter(status__in=INVOICED), **where)
    for item in invoiced.values("plan", "unit__district").annotate(
        due=Sum("amount_due"), paid=Sum("amount_paid"), refunded=Sum("amount_refunded"),
        subsidies=Sum("subsidy_total"), units=Count("unit", distinct=True),
    ):  # fmt: skip
        r, figures = row(item["plan"]), office(item["unit__district"])
        # A unit lies in one district, so its distinct count per plan is the sum over districts.
        collected = (item["paid"] or ZERO) - (item["refunded"] or ZERO)
        for name, value in (("due", item["due"] or ZERO), ("subsidies", item["subsidies"] or ZERO),
                            ("units", item["units"]), ("collected", collected)):  # fmt: skip
            setattr(r, name, getattr(r, name) + value)
            if name != "units":
                add(figures, name, value)
    for item in invoiced.values("unit__district").annotate(units=Count("unit", distinct=True)):
        office(item["unit__district"])["units"] = item["units"]
    # Money received split by payer: credits less refunds of invoiced applications, two grouped queries.
    for model, sign in ((Payment, 1), (Refund, -1)):
        money = model.objects.visible_to(user).filter(application__status__in=INVOICED)
        if model is Payment:
            money = money.filter(undone_at__isnull=True)
        if chosen is not None:
            money = money.filter(application__plan__in=chosen)
        if district:
            money = money.filter(application__unit__district=district)
        if prefecture:
            money = money.filter(application__unit__district__prefecture=prefecture)
        for item in money.values("application__plan", "payer_kind").annotate(total=Sum("amount")):
            by = row(item["application__plan"]).collected_by
            by[item["payer_kind"]] = by.get(item["payer_kind"], ZERO) + sign * item["total"]
    waited = ExpressionWrapper(F("paid_at") - F("submitted_at"), output_field=DurationField())
    # Filed with the scheme: a draft, or a member's claim the unit has not submitted, is not (yet).
    claims = _filter(
        Claim.objects.visible_to(user).exclude(status__in=[ClaimStatus.DRAFT, *ClaimStatus.FROM_MEMBER]), **where
    )
    # By plan and district at once; the mean wait is kept as a sum and a count so that plan rows, office
    # rows and the total add up exactly.
    # An imported claim (issue 21) has its payment date but no submission here: no wait to count.
    timed_paid = Q(status=ClaimStatus.PAID, paid_at__isnull=False, submitted_at__isnull=False)
    waits: dict[int, list] = {}
    for item in claims.values("plan", "unit__district").annotate(
        filed=Count("*"),
        paid_count=Count("pk", filter=Q(status=ClaimStatus.PAID)),
        paid=Sum("approved_amount", filter=Q(status=ClaimStatus.PAID)),
        waited=Sum(waited, filter=timed_paid),
        timed=Count("pk", filter=timed_paid),
    ):
        r, figures = row(item["plan"]), office(item["unit__district"])
        r.claims_filed += item["filed"]
        r.claims_paid += item["paid_count"]
        r.paid += item["paid"] or ZERO
        add(figures, "claims_filed", item["filed"])
        add(figures, "claims_paid", item["paid_count"])
        add(figures, "paid", item["paid"] or ZERO)
        if item["timed"]:
            wait = waits.setdefault(item["plan"], [timedelta(0), 0])
            wait[0] += item["waited"]
            wait[1] += item["timed"]
    for plan_id, (total, count) in waits.items():
        rows[plan_id].days_to_pay = total.total_seconds() / 86400 / count
    ordered = sorted(rows.values(), key=lambda r: (-r.period, r.plan))
    totals = Row(0, "", "合计")
    for r in ordered:
        for name in ("units", "enrolled", "due", "collected", "subsidies", "claims_filed", "claims_paid", "paid"):
            setattr(totals, name, getattr(totals, name) + getattr(r, name))
        for kind, amount in r.collected_by.items():
            totals.collected_by[kind] += amount
    timed = sum(count for _, count in waits.values())
    totals.days_to_pay = sum(total.total_seconds() for total, _ in waits.values()) / 86400 / timed if timed else None
    top = (claims.exclude(diagnosis_text="").values("diagnosis_text").annotate(n=Count("pk"))
           .order_by("-n", "diagnosis_text")[:10])  # fmt: skip
    return Statistics(ordered, totals, [(item["diagnosis_text"], item["n"]) for item in top],
                      _offices(user, per_district))  # fmt: skip


def workbook(stats: Statistics) -> bytes:
    """The table as .xlsx: numbers as numbers, text that can never become a formula."""
    from mutualaid.lib.spreadsheet import workbook_bytes

    header = ["期数", "项目", "参保单位", "参保人次", "应缴会费", "实收会费", "工会补贴", "申领件数", "理赔人次",
              "赔付金额", "赔付率", "平均支付天数"]  # fmt: skip
    rows = ([r.period or "", r.plan_name, r.units, r.enrolled, r.due, r.collected, r.subsidies, r.claims_filed,
             r.claims_paid, r.paid, r.loss_ratio, round(r.days_to_pay, 1) if r.days_to_pay is not None else None]
            for r in [*stats.rows, stats.totals])  # fmt: skip
    office_header = ["市州", "办事处", "参保单位", "参保人次", "应缴会费", "实收会费", "工会补贴", "申领件数",
                     "理赔人次", "赔付金额", "赔付率"]  # fmt: skip
    offices = ([o.prefecture, o.district or "小计", o.units, o.enrolled, o.due, o.collected, o.subsidies,
                o.claims_filed, o.claims_paid, o.paid, o.loss_ratio] for o in stats.offices)  # fmt: skip
    by_payer = ([r.period or "", r.plan_name, *r.by_payer, r.collected] for r in [*stats.rows, stats.totals])
    return workbook_bytes([("统计", header, rows), ("按办事处", office_header, offices),
                           ("主要疾病", ["诊断", "件数"], stats.top_diagnoses),
                           ("实收会费按缴费方", ["期数", "项目", *PayerKind.labels, "合计"], by_payer)])  # fmt: skip
