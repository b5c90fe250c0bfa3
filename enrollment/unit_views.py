"""Units: registration by a union not yet known (public), its review by the district, and the
clerk's own unit details."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment import services
from enrollment.forms import RegistrationForm, UnitForm
from enrollment.models import RegistrationStatus, Unit, UnitRegistration
from enrollment.services.registrations import REGISTRATION_FIELDS, UNIT_FIELDS_FOR_CLERK
from mutualaid.models import AuditLog, StaffProfile
from mutualaid.refusals import refusal_text
from mutualaid.scoping import CITY_ROLES, Role, get_visible_or_404, is_city, role_of, unit_of
from mutualaid.uploads import serve_document


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
        details = {name: form.cleaned_data[name] for name in REGISTRATION_FIELDS}
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
        raise Http404
    form = None
    if registration.status == RegistrationStatus.RETURNED:
        form = RegistrationForm(request.POST or None, request.FILES or None, instance=registration)
        form.fields["certificates"].help_text = "已上传的材料仍然有效；如需补充，在此添加。"
        if request.method == "POST" and form.is_valid():
            details = {name: form.cleaned_data[name] for name in REGISTRATION_FIELDS}
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
            "conflicts": services.registration_conflicts(registration, request.user),
            "history": AuditLog.objects.for_object(registration),
            "can_review": UnitRegistration.workflow.may(role_of(request.user), "approve", registration.status),
            "can_confirm_same_name": is_city(request.user)
            and bool(services.registration_same_name_units(registration)),
        },
    )


@login_required
@require_POST
def registration_action(request, pk, action):
    registration = get_visible_or_404(UnitRegistration, request.user, pk=pk)
    try:
        if action == "approve":
            unit, username, password = services.registration_approve(
                actor=request.user, registration=registration, comment=request.POST.get("comment", "").strip(),
                confirm_same_name=request.POST.get("confirm_same_name") == "on",
            )  # fmt: skip
            return _show_first_password(request, unit=unit, username=username, password=password,
                                        contact=f"{registration.contact_name}（{registration.contact_phone}）",
                                        created=True)  # fmt: skip
        if action == "return":
            services.registration_return(actor=request.user, registration=registration,
                                         reason=request.POST.get("reason", ""))  # fmt: skip
            messages.success(request, "已退回，申请单位可按原因修改后重新提交。")
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    return redirect("enrollment:registration", pk=pk)


SHOW_ONCE_KEY = "first_password"


def _show_first_password(request, *, unit, username: str, password: str, contact: str, created: bool = False):
    """POST, then 303 to the page that shows the password: the session holds it until that page has
    shown it once, so a reload or a second tab finds it gone (it is stored hashed, never again in clear)."""
    request.session[SHOW_ONCE_KEY] = {"unit": unit.pk, "username": username, "password": password,
                                      "contact": contact, "created": created}  # fmt: skip
    response = redirect("enrollment:first_password")
    response.status_code = 303
    return response


@login_required
@require_GET
def first_password(request):
    if role_of(request.user) not in (Role.DISTRICT, *CITY_ROLES):
        raise Http404("页面不存在")
    shown = request.session.pop(SHOW_ONCE_KEY, None)
    units = Unit.objects.select_related("district")
    unit = get_visible_or_404(units, request.user, pk=shown["unit"]) if shown else None
    return render(request, "enrollment/first_password.html", {"shown": shown, "unit": unit})


def _clerks_for(user):
    """Clerks' accounts of the units the person may see (a district office: its own district's)."""
    if role_of(user) not in (Role.DISTRICT, *CITY_ROLES):
        return StaffProfile.objects.none()
    return StaffProfile.objects.filter(
        unit__in=Unit.objects.visible_to(user), user__groups__name=Role.CLERK.group_name
    ).select_related("user", "unit")


@login_required
@require_GET
def clerk_list(request):
    """The clerks' accounts of a district's units, where the office issues a new first password."""
    if role_of(request.user) not in (Role.DISTRICT, *CITY_ROLES):
        raise Http404("页面不存在")
    clerks = _clerks_for(request.user).order_by("unit__code", "user__username")
    query = request.GET.get("q", "").strip()[:50]
    if query:
        clerks = clerks.filter(Q(unit__code__icontains=query) | Q(unit__name__icontains=query)
                               | Q(user__username__icontains=query) | Q(user__first_name__icontains=query))  # fmt: skip
    page = Paginator(clerks, 50).get_page(request.GET.get("page"))
    return render(request, "enrollment/clerks.html", {"page": page, "q": query})


@login_required
@require_POST
def clerk_first_password(request, pk):
    profile = _clerks_for(request.user).filter(user_id=pk).first()
    if profile is None:
        raise Http404("记录不存在")
    try:
        password = services.clerk_first_password_issue(actor=request.user, clerk=profile.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return redirect("enrollment:clerks")
    return _show_first_password(request, unit=profile.unit, username=profile.user.username, password=password,
                                contact=f"{profile.user.first_name or profile.unit.contact_name}"
                                        f"（{profile.phone or profile.unit.contact_phone}）")  # fmt: skip


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
        details = {name: form.cleaned_data[name] for name in UNIT_FIELDS_FOR_CLERK}
        try:
            services.unit_update(actor=request.user, unit=unit, **details)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, "单位信息已保存。")
            return redirect("enrollment:unit")
    unit.refresh_from_db()
    return render(request, "enrollment/unit.html", {"form": form, "unit": unit})
