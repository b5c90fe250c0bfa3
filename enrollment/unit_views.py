"""Units: registration by a union not yet known (public), its review by the district, and the
clerk's own unit details."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment import registration as services
from enrollment.forms import RegistrationForm, UnitForm
from enrollment.models import RegistrationStatus, UnitRegistration
from mutualaid.lib.refusals import refusal_text
from mutualaid.lib.uploads import serve_document
from mutualaid.models import AuditLog
from mutualaid.scoping import Role, get_visible_or_404, role_of, unit_of


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_http_methods(["GET", "POST"])
def registration_new(request):
    """The public registration page: no account needed, nothing about other units shown."""
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        details = {name: form.cleaned_data[name] for name in services.REGISTRATION_FIELDS}
        try:
            registration = services.registration_submit(
                details=details, certificates=form.cleaned_data["certificates"], address=request.META.get("REMOTE_ADDR")
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("registration_status", token=registration.token)
    return render(request, "enrollment/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def registration_status(request, token):
    """Where a registering union follows its request; the secret number in the address is its key."""
    registration = UnitRegistration.objects.select_related("district").filter(token=token).first()
    if registration is None:
        from django.http import Http404

        raise Http404
    form = None
    if registration.status == RegistrationStatus.RETURNED:
        form = RegistrationForm(request.POST or None, request.FILES or None, instance=registration)
        form.fields["certificates"].help_text = "已上传的材料仍然有效；如需补充，在此添加。"
        if request.method == "POST" and form.is_valid():
            details = {name: form.cleaned_data[name] for name in services.REGISTRATION_FIELDS}
            try:
                services.registration_resubmit(
                    registration=registration, details=details, certificates=form.cleaned_data["certificates"]
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "已重新提交，请等待办事处审核。")
                return redirect("registration_status", token=token)
    return render(request, "enrollment/registration_status.html", {"registration": registration, "form": form})


@login_required
@require_GET
def registration_list(request):
    registrations = UnitRegistration.objects.visible_to(request.user).select_related("district")
    status = request.GET.get("status", RegistrationStatus.PENDING)
    if status in RegistrationStatus.values:
        registrations = registrations.filter(status=status)
    page = Paginator(registrations, 50).get_page(request.GET.get("page"))
    return render(request, "enrollment/registrations.html",
                  {"page": page, "status": status, "statuses": RegistrationStatus.choices})  # fmt: skip


@login_required
@require_GET
def registration_detail(request, pk):
    registration = get_visible_or_404(UnitRegistration.objects.select_related("district", "unit"), request.user, pk=pk)
    return render(
        request,
        "enrollment/registration.html",
        {
            "registration": registration,
            "conflicts": services.registration_conflicts(registration),
            "history": AuditLog.objects.for_object(registration),
            "can_review": registration.status == RegistrationStatus.PENDING
            and role_of(request.user) in (Role.DISTRICT, Role.CENTRE_HANDLER, Role.CENTRE_HEAD, Role.ADMIN),
        },
    )


@login_required
@require_POST
def registration_action(request, pk, action):
    registration = get_visible_or_404(UnitRegistration, request.user, pk=pk)
    try:
        if action == "approve":
            unit, username, password = services.registration_approve(
                actor=request.user, registration=registration, comment=request.POST.get("comment", "").strip()
            )
            # Shown once, on this response only: the password is stored hashed and never again in clear.
            return render(request, "enrollment/registration_account.html",
                          {"unit": unit, "username": username, "password": password, "registration": registration})  # fmt: skip
        if action == "return":
            services.registration_return(actor=request.user, registration=registration,
                                         reason=request.POST.get("reason", ""))  # fmt: skip
            messages.success(request, "已退回，申请单位可按原因修改后重新提交。")
        else:
            from django.http import Http404

            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    return redirect("enrollment:registration", pk=pk)


@login_required
@require_GET
def registration_document(request, pk, document_pk):
    registration = get_visible_or_404(UnitRegistration, request.user, pk=pk)
    document = get_visible_or_404(registration.documents.all(), request.user, pk=document_pk)
    return serve_document(request, document)


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request):
    """The clerk's own unit: address, chair, contacts and staff; code, USCC and district stay the centre's."""
    unit = unit_of(request.user)
    if role_of(request.user) != Role.CLERK or unit is None:
        raise PermissionDenied
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        details = {name: form.cleaned_data[name] for name in services.UNIT_FIELDS_FOR_CLERK}
        try:
            services.unit_update(actor=request.user, unit=unit, **details)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, "单位信息已保存。")
            return redirect("enrollment:unit")
    unit.refresh_from_db()
    return render(request, "enrollment/unit.html", {"form": form, "unit": unit})
