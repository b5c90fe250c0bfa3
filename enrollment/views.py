from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from enrollment.models import Application, ApplicationStatus
from mutualaid.models import AuditLog
from mutualaid.scoping import get_visible_or_404


@login_required
@require_GET
def application_list(request):
    applications = Application.objects.visible_to(request.user).select_related("plan__period", "unit")
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    page = Paginator(applications.order_by("-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enrollment/applications.html",
        {"page": page, "status": status, "statuses": ApplicationStatus.choices},
    )


@login_required
@require_GET
def application_detail(request, reference):
    application = get_visible_or_404(
        Application.objects.select_related("plan__period", "unit__district"), request.user, reference=reference
    )
    lines = application.lines.select_related("member").order_by("row_number")
    return render(
        request,
        "enrollment/application.html",
        {"application": application, "lines": lines, "history": AuditLog.objects.for_object(application)},
    )
