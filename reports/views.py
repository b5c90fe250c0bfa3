"""Downloads of the printed forms, scoped like the page each belongs to, and batch printing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from claims.models import Claim, PayoutBatch
from enrollment.models import Application, District, Period, Receipt
from mutualaid.audit import logged_file
from mutualaid.scoping import CITY_ROLES, get_visible_or_404, is_city
from reports import printing
from reports.pdf import CHUNK_ROWS
from reports.tasks import start_batch_review_sheets, start_period_confirmations, start_roster


def _pdf(request, obj, data: bytes, filename: str) -> HttpResponse:
    return logged_file(request, data, filename=filename, content_type="application/pdf", obj=obj, action="print",
                       inline=True)  # fmt: skip


@login_required
@require_GET
def application_form(request, reference):
    application = get_visible_or_404(Application.objects.select_related("unit", "plan__period"), request.user,
                                     reference=reference)  # fmt: skip
    return _pdf(request, application, *printing.application_pdf(application))


@login_required
@require_GET
def roster(request, reference):
    application = get_visible_or_404(Application.objects.select_related("unit", "plan__period"), request.user,
                                     reference=reference)  # fmt: skip
    if application.lines.count() > CHUNK_ROWS:  # minutes of layout: the worker prints it, with a progress bar
        return redirect(
            "job_detail", job_id=start_roster(actor=request.user, application=application, kind="roster").pk
        )
    return _pdf(request, application, *printing.roster_pdf(application, full_id=is_city(request.user)))


@login_required
@require_GET
def confirmation(request, reference):
    application = get_visible_or_404(Application.objects.select_related("unit", "plan__period"), request.user,
                                     reference=reference)  # fmt: skip
    try:
        if application.effective_on and application.lines.count() > CHUNK_ROWS:
            job = start_roster(actor=request.user, application=application, kind="confirmation")
            return redirect("job_detail", job_id=job.pk)
        return _pdf(request, application, *printing.confirmation_pdf(application, full_id=is_city(request.user)))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("enrollment:application", reference=reference)


@login_required
@require_GET
def receipt(request, pk):
    """A receipt as issued (a void one marked void), for whoever sees its application."""
    obj = get_visible_or_404(Receipt.objects.select_related("application__unit", "replaces"), request.user, pk=pk)
    return _pdf(request, obj, *printing.receipt_pdf(obj, check_url=printing.receipt_check_url(obj, request)))


@login_required
@require_GET
def deposit_proof(request, reference):
    """无对公账户存款证明 of an approved, unpaid invoice, for the clerk to take to the bank."""
    application = get_visible_or_404(Application.objects.select_related("unit__district", "plan__period"),
                                     request.user, reference=reference)  # fmt: skip
    try:
        return _pdf(request, application, *printing.deposit_proof_pdf(application))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("enrollment:application", reference=reference)


@login_required
@require_GET
def review_sheet(request, reference):
    claim = get_visible_or_404(Claim.objects.select_related("member", "unit", "plan__period", "coverage"),
                               request.user, reference=reference)  # fmt: skip
    return _pdf(request, claim, *printing.review_sheet_pdf(claim, full_id=is_city(request.user)))


@login_required
@require_GET
def payout_notice(request, reference):
    batch = get_visible_or_404(PayoutBatch, request.user, reference=reference)
    return _pdf(request, batch, *printing.payout_notice_pdf(batch))


@login_required
@require_POST
def batch_review_sheets(request, reference):
    """Every review sheet of a payout batch as one PDF, built by the worker."""
    batch = get_visible_or_404(PayoutBatch, request.user, reference=reference)
    job = start_batch_review_sheets(actor=request.user, batch=batch)
    return redirect("job_detail", job_id=job.pk)


@login_required
@require_POST
def period_confirmations(request):
    """Every confirmation of a period for a district as one PDF (centre: any district; a district
    office: its own)."""
    from mutualaid.roles import Role, district_of, role_of

    period = Period.objects.filter(pk=_int(request.POST.get("period"))).first()
    if role_of(request.user) == Role.DISTRICT:
        district = district_of(request.user)
    elif is_city(request.user):
        district = District.objects.filter(pk=_int(request.POST.get("district"))).first()
    else:
        raise Http404
    if period is None or district is None:
        messages.error(request, "请选择期次和办事处。")
        return redirect("enrollment:applications")
    job = start_period_confirmations(actor=request.user, period=period, district=district)
    return redirect("job_detail", job_id=job.pk)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
def statistics(request):
    """The centre's figures (a district office: its own district; a prefecture office: its districts),
    filterable, grouped by plan and by office, with an .xlsx export."""
    from django.shortcuts import render

    from enrollment.models import PayerKind, Plan, Prefecture
    from mutualaid.roles import OVERSEER_ROLES, Role, district_of, role_of
    from reports import statistics as stats

    role = role_of(request.user)
    if role not in OVERSEER_ROLES:
        raise Http404
    # Only what the person may see can be chosen: another prefecture's district is simply not found.
    districts = District.objects.visible_to(request.user).select_related("prefecture").order_by("code")
    prefectures = Prefecture.objects.visible_to(request.user).order_by("code")
    if role == Role.DISTRICT:
        district, prefecture = district_of(request.user), None
    else:
        district = districts.filter(pk=_int(request.GET.get("district"))).first()
        prefecture = prefectures.filter(pk=_int(request.GET.get("prefecture"))).first()
    period = _int(request.GET.get("period"))
    plan = (request.GET.get("plan") or "").strip().upper()[:10] or None
    figures = stats.compute(request.user, period=period, plan=plan, district=district, prefecture=prefecture)
    if request.GET.get("format") == "xlsx":
        return logged_file(request, stats.workbook(figures), filename="互助保障统计.xlsx", subject="统计报表")

    chart = [{"label": f"{r.period}期 {r.plan_name}", "enrolled": r.enrolled, "paid": float(r.paid)}
             for r in figures.rows]  # fmt: skip
    return render(request, "reports/statistics.html", {
        "figures": figures, "chart": chart, "period": period, "plan": plan, "district": district,
        "prefecture": prefecture,
        "periods": Period.objects.order_by("-number"),
        "plans": sorted(dict(Plan.objects.order_by("period__number").values_list("code", "name")).items()),
        "districts": districts if role != Role.DISTRICT else [],
        # A choice of prefecture only where there is more than one to choose from (the centre's).
        "prefectures": prefectures if role in CITY_ROLES else [],
        "query": request.GET.urlencode(), "payer_labels": PayerKind.labels,
    })  # fmt: skip
