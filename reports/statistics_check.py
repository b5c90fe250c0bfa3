"""The statistics' summary rows against the raw tables (``manage.py check_statistics``): every figure of
every plan and district, the office rows' units and the diagnoses, recomputed from the coverages,
applications, payments, refunds and claims, and each difference in words a person can act on."""

from django.db import connection, transaction

from claims import summary as claims_summary
from claims.models import DiagnosisSummary
from enrollment import summary as enrollment_summary
from enrollment.models import District, OfficeUnitSummary, Period, Plan, PlanDistrictSummary

COLUMNS = (*PlanDistrictSummary.ENROLLMENT, *PlanDistrictSummary.CLAIMS)


def _label(name: str) -> str:
    return str(getattr(PlanDistrictSummary._meta.get_field(name), "verbose_name", name))


def differences() -> list[str]:
    """What the summary says that the raw tables do not, one line per figure; empty when they agree.
    Read in one snapshot, so a change committed meanwhile is in both sides or in neither."""
    empty = {**enrollment_summary.empty(), **claims_summary.empty()}
    outer = connection.in_atomic_block  # a caller's transaction (a test) keeps its own snapshot
    with transaction.atomic():
        if not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        computed = {key: {**empty, **figures} for key, figures in enrollment_summary.computed(recount=True).items()}
        for key, figures in claims_summary.computed().items():
            computed.setdefault(key, dict(empty)).update(figures)
        stored = {(row.plan_id, row.district_id): row for row in PlanDistrictSummary.objects.all()}
        units = enrollment_summary.computed_office_units()
        stored_units = {(row.district_id, row.period_number, row.plan_code): row.units
                        for row in OfficeUnitSummary.objects.all()}  # fmt: skip
        diagnoses = claims_summary.computed_diagnoses()
        stored_diagnoses = {(row.plan_id, row.district_id, row.diagnosis_text): row.claims
                            for row in DiagnosisSummary.objects.all()}  # fmt: skip
    plans = {
        plan.pk: f"{plan.period.name} {plan.name}（{plan.code}）" for plan in Plan.objects.select_related("period")
    }
    districts = dict(District.objects.values_list("pk", "name"))
    periods = dict(Period.objects.values_list("number", "name"))
    found = []
    for key in sorted(set(computed) | set(stored)):
        raw = computed.get(key, empty)
        row = stored.get(key)
        for name in COLUMNS:
            kept = getattr(row, name) if row else empty[name]
            if kept != raw[name]:
                found.append(
                    f"{plans[key[0]]} · {districts[key[1]]}：{_label(name)} 汇总为 {kept}，按原始数据为 {raw[name]}"
                )
    for cell in sorted(set(units) | set(stored_units), key=lambda k: (k[0], k[1] or 0, k[2])):
        held, counted = stored_units.get(cell, 0), units.get(cell, 0)
        if held != counted:
            district, number, code = cell
            scope = f"{periods[number] if number else '各期'} {code or '全部项目'}"
            found.append(
                f"{districts[district]}（{scope}）：参保单位（每单位计一次）汇总为 {held}，按原始数据为 {counted}"
            )
    for diagnosis in sorted(set(diagnoses) | set(stored_diagnoses)):
        held, counted = stored_diagnoses.get(diagnosis, 0), diagnoses.get(diagnosis, 0)
        if held != counted:
            plan, district, text = diagnosis
            found.append(
                f"{plans[plan]} · {districts[district]}：诊断“{text}”的申领件数 汇总为 {held}，按原始数据为 {counted}"
            )
    return found


@transaction.atomic
def rebuild() -> None:
    """Every summary row recomputed from the raw tables, under the rows' locks."""
    enrollment_summary.rebuild()
    claims_summary.rebuild()
