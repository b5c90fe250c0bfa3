"""Statistics of DOMAIN.md §12, per period and plan and per office (district, and the prefecture
above it, §15), filtered by period, plan, district and prefecture.

Read from the summary rows the services keep in the transaction of each change
(``enrollment.summary``, ``claims.summary``): a handful of small grouped queries whatever the
volume (a test bounds the count), the same at 100 members as at five million. Every queryset goes
through ``visible_to`` so a district office sees its own district only and a prefecture office its
own districts. ``manage.py check_statistics`` recomputes the rows from the raw tables.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Max, Q, Sum

from claims.models import DiagnosisSummary
from enrollment.models import District, OfficeUnitSummary, PayerKind, Plan, PlanDistrictSummary

ZERO = Decimal("0.00")
# The summary's columns a group adds up.
SUMMED = (*PlanDistrictSummary.ENROLLMENT, *PlanDistrictSummary.CLAIMS)


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

    FIGURES = ("units", "enrolled", "due", "collected", "subsidies", "claims_filed", "claims_paid", "paid")

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
    # The last change the figures include (they follow every change in its own transaction).
    updated: datetime | None = None


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
    """The figures from the summary rows (``PlanDistrictSummary``: a few hundred rows at province
    scale, whatever the number of members): one grouped query by plan, one by district, one for the
    office rows' units and one for the diagnoses."""
    chosen = None  # the period and plan filters become a list of plan ids
    if period or plan:
        chosen = Plan.objects.all()
        if period:
            chosen = chosen.filter(period__number=period)
        if plan:
            chosen = chosen.filter(code=plan)
        chosen = list(chosen.values_list("pk", flat=True))

    def scoped(model):
        queryset = model.objects.visible_to(user)
        if chosen is not None:
            queryset = queryset.filter(plan__in=chosen)
        if district:
            queryset = queryset.filter(district=district)
        if prefecture:
            queryset = queryset.filter(district__prefecture=prefecture)
        return queryset

    # A key appears once anything is counted in it (a refresh that moved nothing leaves an empty row).
    summaries = scoped(PlanDistrictSummary).filter(Q(units__gt=0) | Q(enrolled__gt=0) | Q(claims_filed__gt=0))
    sums = {name: Sum(name) for name in SUMMED}
    rows: list[Row] = []
    waits: list[tuple[timedelta, int]] = []
    updated = None
    named = summaries.values("plan", "plan__period__number", "plan__code", "plan__name")
    for item in named.annotate(**sums, updated=Max("updated_at")).order_by():
        r = Row(item["plan__period__number"], item["plan__code"], item["plan__name"],
                **{name: item[name] for name in Row.FIGURES})  # fmt: skip
        r.collected_by = {kind: item[f"collected_{kind}"] for kind in PayerKind.values}
        if item["timed"]:
            r.days_to_pay = item["waited"].total_seconds() / 86400 / item["timed"]
            waits.append((item["waited"], item["timed"]))
        updated = max(updated, item["updated"]) if updated else item["updated"]
        rows.append(r)
    rows.sort(key=lambda r: (-r.period, r.plan))
    totals = Row(0, "", "合计")
    for r in rows:
        for name in Row.FIGURES:
            setattr(totals, name, getattr(totals, name) + getattr(r, name))
        for kind, amount in r.collected_by.items():
            totals.collected_by[kind] += amount
    timed = sum(count for _, count in waits)
    totals.days_to_pay = sum(total.total_seconds() for total, _ in waits) / 86400 / timed if timed else None
    per_district = {item.pop("district"): item for item in summaries.values("district").annotate(
        **{name: sums[name] for name in OfficeRow.FIGURES}).order_by()}  # fmt: skip
    # Units counted once per district over the chosen plans: one plan's are its own row's; several
    # plans' (a period, a plan code across periods, everything) are kept apart.
    if not (period and plan):
        counted = OfficeUnitSummary.objects.visible_to(user).filter(
            district__in=list(per_district), period_number=period or None, plan_code=plan or ""
        )
        units = dict(counted.values_list("district", "units"))
        for district_id, figures in per_district.items():
            figures["units"] = units.get(district_id, 0)
    top = (scoped(DiagnosisSummary).values("diagnosis_text").annotate(n=Sum("claims"))
           .order_by("-n", "diagnosis_text")[:10])  # fmt: skip
    return Statistics(rows, totals, [(item["diagnosis_text"], item["n"]) for item in top],
                      _offices(user, per_district), updated)  # fmt: skip


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
