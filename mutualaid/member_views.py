"""A member's own page: who they are, what covers them, what they claimed. The one page where a full
ID number can be shown, on request, and every showing is logged."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from claims.models import Claim
from enrollment.models import Coverage, Member
from mutualaid.lib.idcard import mask_account
from mutualaid.models import AuditLog, audit
from mutualaid.scoping import get_visible_or_404, is_city


def _page(request, member, *, full_id: str = ""):
    return render(request, "members/detail.html", {
        "member": member,
        "full_id": full_id,
        "account": mask_account(member.bank_account) if member.bank_account else "",
        "coverages": Coverage.objects.visible_to(request.user).filter(member=member)
        .select_related("plan__period", "unit").order_by("-effective_from"),
        "claims": Claim.objects.visible_to(request.user).filter(member=member)
        .select_related("plan__period").order_by("-created_at"),
        "history": AuditLog.objects.for_object(member).order_by("-at", "-pk")[:30] if is_city(request.user) else (),
    })  # fmt: skip


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
