"""The members' own pages (/me/, DOMAIN.md §13): plain mobile web for a phone's browser, WeChat's included.

A member signs in with their ID number, the mobile number on record and an SMS code
(``enrollment.member_signin``), then sees their coverages per period (with the day each share group's
waiting period ends), their claims with the same status words as the staff pages, and their payouts; and
files a claim with photos, which goes to their unit's clerk as 职工本人提交，待单位确认. Every record
comes through ``owned_by(member)``: another person's record is 404, and no staff page opens for a member.

This lives in claims, the lowest floor that reads both coverages and claims; the staff page about a
member is ``member_views.py``.
"""

from axes.helpers import get_client_ip_address
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import engine, services
from claims.forms import (
    MEMBER_FILES_HELP,
    MemberClaimForm,
    MemberResendForm,
    member_document_kinds,
    member_uploads,
)
from claims.models import Claim, ClaimStatus
from claims.rules.serialize import dump_result
from enrollment.member_signin import (
    SignInRefused,
    current_member,
    member_required,
    request_code,
    sign_in,
    sign_out,
    verify_code,
)
from enrollment.models import CatalogueItem, Coverage, CoverageStatus
from enrollment.services import claim_deadline, share_groups
from mutualaid import notices
from mutualaid.lib.bank import account_tail
from mutualaid.models import AuditLog
from mutualaid.refusals import refusal_text
from mutualaid.roles import MEMBER, Role
from mutualaid.scoping import get_owned_or_404

# Steps whose comment is a reason the member should read (why it came back, why nothing is paid).
REASON_ACTIONS = {"return", "reject", "return_to_member", "close"}
# Who takes a step, in the words a member knows: the workflow's table names the roles.
OFFICES = {MEMBER: "本人", Role.CLERK: "单位经办人", Role.DISTRICT: "办事处", Role.CENTRE_HANDLER: "市中心",
           Role.CENTRE_HEAD: "市中心", Role.ADMIN: "市中心"}  # fmt: skip


def _who(action: str, source: str) -> str:
    """The office that takes ``action`` from ``source``, as the workflow's table says ("" if several may)."""
    transition = Claim.workflow.transitions.get(action)
    offices = {OFFICES.get(role, "") for role in transition.by.get(source, ())} if transition else set()
    return offices.pop() if len(offices) == 1 else ""


class SignInForm(forms.Form):
    # The names id_number, phone and code are what phones' autofill and the tests rely on.
    id_number = forms.CharField(
        label="身份证号码", max_length=30, error_messages={"required": "请填写身份证号码。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )  # fmt: skip
    phone = forms.CharField(
        label="手机号", max_length=20, error_messages={"required": "请填写手机号。"},
        help_text="单位登记的本人手机号。",
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
    )  # fmt: skip
    code = forms.CharField(
        label="短信验证码", max_length=10, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}),
    )  # fmt: skip


def _client(request) -> str | None:
    """The sender's address as the staff login's lockout sees it (behind DJANGO_PROXY_COUNT proxies)."""
    return get_client_ip_address(request) or None


def _sign_in_page(request, form, *, sent: str = "", refusal: str = "", code_step: bool = False):
    """Step one asks for the ID number and phone; step two (once a code was asked for) for the code."""
    response = render(request, "me/login.html",
                      {"form": form, "sent": sent, "refusal": refusal, "code_step": code_step or bool(sent)})  # fmt: skip
    response["Cache-Control"] = "no-store, private"  # the second step holds the ID number typed
    return response


def _field_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
def login(request):
    """GET: the sign-in form. POST: check the code and sign in."""
    if request.method == "GET":
        if current_member(request) is not None:
            return redirect("me:home")
        return _sign_in_page(request, SignInForm())
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form, code_step=not {"id_number", "phone"} & set(form.errors))
    try:
        member = verify_code(**form.cleaned_data, client=_client(request))
    except SignInRefused as exc:
        return _sign_in_page(request, form, refusal=exc.messages[0], code_step=True)
    except ValidationError as exc:
        _field_errors(form, exc)
        return _sign_in_page(request, form, code_step=not {"id_number", "phone"} & set(form.errors))
    sign_in(request, member)
    return redirect("me:home")


@require_POST
def send_code(request):
    """Send a code: the same answer whether or not the ID number and phone are a member's."""
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form)
    data = form.cleaned_data
    try:
        sent = request_code(id_number=data["id_number"], phone=data["phone"], client=_client(request))
    except SignInRefused as exc:
        return _sign_in_page(request, form, refusal=exc.messages[0])
    except ValidationError as exc:
        _field_errors(form, exc)
        return _sign_in_page(request, form)
    return _sign_in_page(request, SignInForm(initial={"id_number": data["id_number"], "phone": data["phone"]}),
                         sent=sent)  # fmt: skip


@require_POST
def logout(request):
    sign_out(request)
    messages.info(request, "已退出。")
    return redirect("me:login")


# --- What the member sees ----------------------------------------------------------------------


def _paid_on(claim: Claim):
    if claim.payout_batch_id and claim.payout_batch.paid_on:
        return claim.payout_batch.paid_on
    return timezone.localdate(claim.paid_at) if claim.paid_at else None


def _claimable(member):
    """The member's coverages a claim may be filed on today: in force, and before the claim deadline."""
    today = timezone.localdate()
    coverages = (
        Coverage.objects.owned_by(member).filter(status=CoverageStatus.ACTIVE, effective_from__lte=today)
        .select_related("plan__period").order_by("-plan__period__number", "plan__priority")
    )  # fmt: skip
    return (
        Coverage.objects.filter(pk__in=[c.pk for c in coverages if claim_deadline(c) >= today])
        .select_related("plan__period")
        .order_by("-plan__period__number", "plan__priority")
    )


@member_required
@require_GET
def home(request):
    member = request.member
    today = timezone.localdate()
    coverages = (
        Coverage.objects.owned_by(member).select_related("plan__period", "unit")
        .order_by("-plan__period__number", "plan__priority", "pk")
    )  # fmt: skip
    claims = list(
        Claim.objects.owned_by(member).select_related("plan__period", "payout_batch").order_by("-created_at", "-pk")
    )
    periods: dict[int, dict] = {}
    for coverage in coverages:
        period = coverage.plan.period
        entry = periods.setdefault(period.number, {"period": period, "coverages": [], "claims": []})
        deadline = claim_deadline(coverage)
        entry["coverages"].append({
            "coverage": coverage, "groups": share_groups(coverage), "deadline": deadline,
            "claimable": coverage.status == CoverageStatus.ACTIVE and coverage.effective_from <= today <= deadline,
        })  # fmt: skip
    for claim in claims:
        period = claim.plan.period
        periods.setdefault(period.number, {"period": period, "coverages": [], "claims": []})["claims"].append(claim)
    payouts = [
        {"claim": c, "on": _paid_on(c), "account": account_tail(c.payee_account)}
        for c in claims
        if c.status == ClaimStatus.PAID
    ]
    return render(request, "me/home.html", {
        "member": member,
        "periods": [periods[number] for number in sorted(periods, reverse=True)],
        "payouts": payouts,
        "may_file": any(c["claimable"] for p in periods.values() for c in p["coverages"]),
    })  # fmt: skip


@member_required
@require_POST
def notices_setting(request):
    """The member turns their notice SMS off, or on again; sign-in codes come whatever they choose."""
    opted_out = request.POST.get("opted_out") == "1"
    notices.member_set_opt_out(actor=request.member, member=request.member, opted_out=opted_out)
    messages.success(request, "已退订通知短信，登录验证码照常发送。" if opted_out else "已恢复接收通知短信。")
    return redirect("me:home")


@member_required
@require_GET
def claim_detail(request, reference):
    member = request.member
    claim = get_owned_or_404(
        Claim.objects.select_related("plan__period", "unit", "coverage", "payout_batch"), member, reference=reference
    )
    timeline = [
        {
            "entry": entry,
            "who": _who(entry.action, entry.from_state),
            "reason": entry.comment if entry.action in REASON_ACTIONS else "",
        }
        for entry in AuditLog.objects.for_object(claim).exclude(from_state="")
    ]
    missing = services.missing_documents(claim) if claim.status not in ClaimStatus.FINISHED else []
    return render(request, "me/claim.html", {
        "member": member,
        "claim": claim,
        "timeline": timeline,
        "missing": missing,
        "documents": claim.documents.all(),
        "paid_on": _paid_on(claim) if claim.status == ClaimStatus.PAID else None,
        "account": account_tail(claim.payee_account),
        "reason_labels": services.reason_labels(claim.reasons),
        # Sending it again is the member's step the workflow's table allows (a draft is never the member's).
        "resend": claim.status != ClaimStatus.DRAFT and Claim.workflow.may(MEMBER, "member_file", claim.status),
        "resend_form": MemberResendForm(),
        "pickers": member_document_kinds(claim.kind),
        "files_help": MEMBER_FILES_HELP,
    })  # fmt: skip


def _codes():
    return CatalogueItem.objects.order_by("code").values_list("code", "name").distinct()


@member_required
@require_http_methods(["GET", "POST"])
def claim_new(request):
    member = request.member
    form = MemberClaimForm(request.POST or None, coverages=_claimable(member),
                           initial={"coverage": request.GET.get("coverage")})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_member_file(
                member=member, coverage=form.cleaned_data["coverage"], uploads=member_uploads(request.FILES),
                **form.details(),
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{refusal_text(exc)} 请核对后重新选择照片提交。")
        else:
            messages.success(request, f"申领 {claim.reference} 已提交，等待单位经办人确认。")
            return redirect("me:claim", reference=claim.reference)
    return render(request, "me/claim_form.html", {
        "member": member, "form": form, "codes": _codes(), "pickers": member_document_kinds(),
        "files_help": MEMBER_FILES_HELP, "account": account_tail(member.bank_account),
    })  # fmt: skip


@member_required
@require_POST
def claim_estimate(request):
    """试算 of the form as typed, by the same engine the clerks' estimate uses; nothing is saved."""
    member = request.member
    hint = "选择保障项目、申领类型并填写日期后，这里会显示试算金额和计算过程。"
    if not request.POST.get("coverage"):
        return render(request, "claims/_estimate.html", {"hint": hint})
    form = MemberClaimForm(request.POST, coverages=_claimable(member))
    context = {"form": form, "hint": hint}
    if form.is_valid():
        coverage = form.cleaned_data["coverage"]
        claim = Claim(coverage=coverage, member=member, plan=coverage.plan, unit_id=coverage.unit_id)
        for name, value in form.details().items():
            setattr(claim, name, value)
        result, _ = engine.estimate(claim)
        context["result"] = dump_result(result)
        context["reason_labels"] = services.reason_labels(result.reasons)
    return render(request, "claims/_estimate.html", context)


@member_required
@require_POST
def claim_resend(request, reference):
    """Documents added to a claim the unit returned, and the claim sent to the clerk again."""
    member = request.member
    claim = get_owned_or_404(Claim.objects.all(), member, reference=reference)
    form = MemberResendForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.claim_member_resend(member=member, claim=claim, uploads=member_uploads(request.FILES),
                                     comment=comment)  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, "已重新提交，等待单位经办人确认。")
    return redirect("me:claim", reference=claim.reference)
