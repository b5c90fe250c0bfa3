"""A member's own page: who they are, what covers them, what they claimed. The one page where a full
ID number can be shown, on request, and every showing is logged; the unit's clerk records the
member's bank account and mobile number here. (The member's own pages, at /me/, are ``me_views.py``.)"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from claims.models import Claim
from enrollment.models import Coverage, Member
from enrollment.services import member_set_bank_account, member_set_phone
from mutualaid.lib.bank import account_tail
from mutualaid.lib.idcard import mask_account
from mutualaid.models import AuditLog, audit
from mutualaid.refusals import refusal_text
from mutualaid.scoping import Role, get_visible_or_404, is_city, role_of


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(
        label="开户行", max_length=60, error_messages={"required": "请填写开户行，如：中国工商银行威海分行。"}
    )
    bank_account = forms.CharField(
        label="银行卡号", max_length=60, error_messages={"required": "请填写银行卡号。"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="10–30 位数字，可按卡面分段输入空格。",
    )  # fmt: skip


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label="手机号", max_length=20, error_messages={"required": "请填写 11 位手机号。"},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "off"}),
        help_text="会员凭身份证号码和这个手机号登录“我的保障”（/me/）查询保障和申领，并接收通知。",
    )  # fmt: skip


def _shown_account(user, account: str) -> str:
    """The unit's clerk sees the account as every page outside the centre's payment work shows it
    (first and last four digits); the district office and the centre see only its last four."""
    if not account:
        return ""
    return mask_account(account) if role_of(user) == Role.CLERK else account_tail(account)


def _page(request, member, *, full_id: str = "", bank_form=None, phone_form=None, status=200):
    if bank_form is None and role_of(request.user) == Role.CLERK:
        bank_form = BankAccountForm(initial={"bank_name": member.bank_name})
    if phone_form is None and role_of(request.user) == Role.CLERK:
        phone_form = PhoneForm(initial={"phone": member.phone})
    return render(request, "members/detail.html", {
        "member": member,
        "full_id": full_id,
        "account": _shown_account(request.user, member.bank_account),
        "bank_form": bank_form,
        "phone_form": phone_form,
        "coverages": Coverage.objects.visible_to(request.user).filter(member=member)
        .select_related("plan__period", "unit", "imported_from").order_by("-effective_from"),
        "claims": Claim.objects.visible_to(request.user).filter(member=member)
        .select_related("plan__period", "imported_from").order_by("-created_at"),
        "history": AuditLog.objects.for_object(member).order_by("-at", "-pk")[:30] if is_city(request.user) else (),
    }, status=status)  # fmt: skip


@login_required
@require_GET
def member_detail(request, pk):
    return _page(request, get_visible_or_404(Member.objects.select_related("unit"), request.user, pk=pk))


@login_required
@require_POST
def member_reveal_id(request, pk):
    """Show the full ID number once, on this response only; the audit trail records who looked."""
    member = get_visible_or_404(Member.objects.select_related("unit"), request.user, pk=pk)
    audit(actor=request.user, obj=member, action="reveal_id")
    return _page(request, member, full_id=member.id_number)


@login_required
@require_POST
def member_bank_account(request, pk):
    """The clerk records (or replaces) the member's bank account for payouts."""
    member = get_visible_or_404(Member.objects.select_related("unit"), request.user, pk=pk)
    form = BankAccountForm(request.POST)
    if form.is_valid():
        try:
            member_set_bank_account(actor=request.user, member=member, **form.cleaned_data)
        except PermissionDenied as exc:
            messages.error(request, refusal_text(exc))
            return _page(request, member, status=403)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已登记{member.name}的银行账户。")
            return redirect("member", pk=member.pk)
    return _page(request, member, bank_form=form)


@login_required
@require_POST
def member_phone(request, pk):
    """The clerk records (or changes) the member's mobile number; the old number is told of the change."""
    member = get_visible_or_404(Member.objects.select_related("unit"), request.user, pk=pk)
    form = PhoneForm(request.POST)
    if form.is_valid():
        try:
            member_set_phone(actor=request.user, member=member, phone=form.cleaned_data["phone"])
        except PermissionDenied as exc:
            messages.error(request, refusal_text(exc))
            return _page(request, member, status=403)
        except ValidationError as exc:
            form.add_error("phone" if hasattr(exc, "error_dict") else None, exc.messages)
        else:
            messages.success(request, f"已登记{member.name}的手机号。")
            return redirect("member", pk=member.pk)
    return _page(request, member, phone_form=form)
