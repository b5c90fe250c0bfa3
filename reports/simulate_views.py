"""The what-if simulator's page (/reports/simulate/, the centre and the admin): a form mirroring the
plan's schedule, the comparison, an .xlsx export, and "apply to a new period" (the admin)."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from claims.engine import bundle_for
from claims.rules.money import yuan
from claims.simulation import PART_LABELS, ScheduleChangeError, change_schedule, outcome_label, plan_values, simulate
from enrollment import services
from enrollment.models import Period, Plan
from mutualaid.audit import logged_file
from mutualaid.models import audit
from mutualaid.roles import Role, role_of
from mutualaid.scoping import is_city

# Which parts of a schedule the form shows, by the plan's kind (the waiting period and the claim
# window for every kind).
KIND_PARTS = {
    "REIMBURSEMENT": ("deductible", "cap"),
    "ALLOWANCE": ("day_rate", "high_day_rate", "accident_day_rate", "traffic_day_rate", "stay_day_cap",
                  "coverage_day_cap", "disability_per_share", "death_per_share"),
    "LUMP_SUM": ("condolence",),
    "ACCIDENT": ("death_per_share", "disability_per_share", "accident_medical_cap_per_share",
                 "accident_medical_deductible", "accident_medical_rate"),
}  # fmt: skip
COMMON_PARTS = ("waiting_days", "claim_deadline_days")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


def _same(a: str, b: str) -> bool:
    try:
        return Decimal(a.replace(",", "") or "NaN") == Decimal(b or "NaN")
    except ArithmeticError:
        return a.strip() == b


def _form_rows(schedule, query) -> tuple[list[dict], dict[str, str]]:
    """The form's rows (label, name, current, typed) and the parts typed differently from the current."""
    rows = []
    for name in (*KIND_PARTS.get(schedule.kind, ()), *COMMON_PARTS):
        rows.append({"name": name, "label": PART_LABELS[name], "current": _text(getattr(schedule, name))})
    for i, tier in enumerate(schedule.tiers, start=1):
        rows.append({"name": f"tier.{i}.up_to", "label": f"第 {i} 档累计合规费用上限（元，空为不设上限）",
                     "current": _text(tier.up_to)})  # fmt: skip
        rows.append({"name": f"tier.{i}.rate", "label": f"第 {i} 档给付比例", "current": _text(tier.rate)})
    for code, amount in schedule.lump_sums:
        rows.append({"name": f"lump.{code}", "label": f"{code} 每份给付（元）", "current": _text(amount)})
    changes = {}
    for row in rows:
        typed = query.get(row["name"])
        row["value"] = row["current"] if typed is None else typed.strip()
        if typed is not None and not _same(row["value"], row["current"]):
            changes[row["name"]] = row["value"]
    return rows, changes


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _choose(request):
    """Period, plan, the other period whose schedule to start from, the form and the changes typed."""
    query = request.GET if request.method == "GET" else request.POST
    period = Period.objects.filter(number=_int(query.get("period"))).first()
    plan = None
    if period is not None:
        code = (query.get("plan") or "").strip().upper()[:10]
        plan = Plan.objects.filter(period=period, code=code).prefetch_related("tiers", "lump_sums__item").first()
    schedule_from = _int(query.get("schedule_from"))
    rows, changes = [], {}
    if plan is not None:
        base = plan
        if schedule_from:
            base = Plan.objects.filter(period__number=schedule_from, code=plan.code).first() or plan
        rows, changes = _form_rows(bundle_for(base).components[0], query)
    return period, plan, schedule_from, rows, changes


def _allowed(user) -> bool:
    return is_city(user)


@login_required
@require_GET
def simulate_page(request):
    if not _allowed(request.user):
        raise Http404
    period, plan, schedule_from, rows, changes = _choose(request)
    context = {
        "periods": Period.objects.order_by("-number"),
        "period": period,
        "plans": Plan.objects.filter(period=period).order_by("priority", "code") if period else [],
        "plan": plan,
        "schedule_from": schedule_from,
        "rows": rows,
        "changes": changes,
        "can_apply": role_of(request.user) == Role.ADMIN,
        "query": request.GET.urlencode(),
    }
    if plan is None:
        return render(request, "reports/simulate.html", context)
    try:
        result = simulate(period=period.number, plan=plan.code, changes={plan.code: changes} if changes else {},
                          schedule_from=schedule_from)  # fmt: skip
    except ScheduleChangeError as exc:
        context["error"] = str(exc)
        return render(request, "reports/simulate.html", context)
    parameters = {"period": period.number, "plan": plan.code, "schedule_from": schedule_from,
                  "changes": result.changes}  # fmt: skip
    with transaction.atomic():
        audit(actor=request.user, obj=period, action="simulate", data=parameters,
              comment=f"方案测算：{plan.code}，{len(changes)} 项调整，差额 {yuan(result.difference)}")  # fmt: skip
    if request.GET.get("format") == "xlsx":
        return logged_file(request, _workbook(result), filename=f"方案测算-{period.number}-{plan.code}.xlsx",
                           subject="方案测算", data=parameters)  # fmt: skip
    chart = []
    for p in result.plans:
        chart.append({"label": f"{p.code} 调整前", "paid": float(p.before)})
        chart.append({"label": f"{p.code} 调整后", "paid": float(p.after)})
    for t in result.tiers:
        chart.append({"label": f"第 {t['tier']} 档 调整前", "paid": float(t["before"])})
        chart.append({"label": f"第 {t['tier']} 档 调整后", "paid": float(t["after"])})
    context.update({
        "result": result,
        "chart": chart,
        "transitions": [(outcome_label(k.partition(" → ")[0]), outcome_label(k.partition(" → ")[2]), n)
                        for k, n in result.transitions],
        "largest": [{"change": c, "before": outcome_label(_outcome(c.before)), "after": outcome_label(_outcome(c.after))}
                    for c in result.largest],
    })  # fmt: skip
    return render(request, "reports/simulate.html", context)


def _outcome(result):
    from claims.simulation import outcome

    return outcome(result)


def _workbook(result) -> bytes:
    from mutualaid.lib.spreadsheet import workbook_bytes

    summary = [
        ("期次", result.period), ("申领件数", result.claims), ("调整前给付", result.before), ("调整后给付", result.after),
        ("差额", result.difference), ("给付结论改变（件）", result.changed_decisions), ("受益会员", result.gainers),
        ("减少会员", result.losers), ("实收会费", result.collected),
        ("调整前赔付率", result.loss_ratio_before), ("调整后赔付率", result.loss_ratio_after),
        *((f"调整 {plan} {name}", value) for plan, parts in result.changes.items() for name, value in parts.items()),
    ]  # fmt: skip
    tiers = ([t["plan"], t["tier"], t["before_band"], t["before"], t["after_band"], t["after"]] for t in result.tiers)
    largest = ([c.reference, c.member, c.before.payable, c.after.payable, c.difference,
                outcome_label(_outcome(c.before)), outcome_label(_outcome(c.after)),
                "\n".join(line.label for line in c.after.lines)] for c in result.largest)  # fmt: skip
    return workbook_bytes([
        ("汇总", ["项目", "数值"], summary),
        ("按档次", ["项目", "档次", "调整前区间", "调整前给付", "调整后区间", "调整后给付"], tiers),
        ("变化最大", ["申领编号", "会员", "调整前", "调整后", "差额", "调整前结论", "调整后结论", "调整后计算说明"], largest),
    ])  # fmt: skip


@login_required
@require_POST
def simulate_apply(request):
    """Next period's draft plans from the tried schedule, through the period-copy service (the admin)."""
    if role_of(request.user) != Role.ADMIN:
        raise Http404
    period, plan, schedule_from, _rows, changes = _choose(request)
    if plan is None:
        raise Http404
    base = Plan.objects.filter(period__number=schedule_from, code=plan.code).first() if schedule_from else plan
    try:
        schedule = change_schedule(bundle_for(base or plan).components[0], changes)
        defaults = services.period_copy_defaults(period)
        new_period = services.period_copy(actor=request.user, source=period, **defaults,
                                          schedules={plan.code: plan_values(schedule)})  # fmt: skip
    except ScheduleChangeError as exc:
        messages.error(request, str(exc))
        return redirect(f"/reports/simulate/?{request.POST.urlencode()}")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(f"/reports/simulate/?{request.POST.urlencode()}")
    messages.success(
        request, f"已按测算方案创建{new_period.name}（第 {new_period.number} 期）的保障项目草案，请在管理后台核对。"
    )
    return redirect(f"/admin/enrollment/period/{new_period.pk}/change/")


@login_required
@require_GET
def fund_page(request):
    """以收定支: the fund's standing per plan of a period (the centre and the admin)."""
    from reports.fund import standing

    if not _allowed(request.user):
        raise Http404
    periods = Period.objects.order_by("-number")
    period = Period.objects.filter(number=_int(request.GET.get("period"))).first() or periods.first()
    rows = standing(period) if period else []
    return render(request, "reports/fund.html", {"periods": periods, "period": period, "rows": rows})
