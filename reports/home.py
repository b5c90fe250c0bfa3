"""The home page: what each person has to do today, read across enrollment and claims (so it lives
in reports, the app that reads the others; the ground floor imports no app)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from claims.deadlines import deadline_of, late_filter, near_filter
from claims.models import Claim, ClaimStatus
from claims.summary import claim_queue_counts
from enrollment.models import (
    Application,
    ApplicationStatus,
    Coverage,
    CoverageStatus,
    RegistrationStatus,
    UnitRegistration,
)
from mutualaid.scoping import OFFICE_ROLES, Role, role_of, unit_of


@login_required
@require_GET
def home(request):
    """What each person has to do today, scoped to what they may see."""
    user = request.user
    role = role_of(user)
    applications = Application.objects.visible_to(user).select_related("plan__period", "unit")
    claims = Claim.objects.visible_to(user).as_rows()
    context = {"role": role}
    if role == Role.CLERK:
        context.update(
            unit=unit_of(user),
            applications=applications.order_by("-plan__period__number", "plan__priority", "seq")[:30],
            awaiting_payment=applications.filter(status=ApplicationStatus.CENTRE_APPROVED),
            claims=claims.order_by("-pk")[:20],
            # Members' own claims from their phones, waiting for the unit's confirmation (DOMAIN.md §13).
            member_filed=claims.filter(status=ClaimStatus.MEMBER_FILED).order_by("queue_since", "pk")[:50],
            covered=Coverage.objects.visible_to(user)
            .filter(status=CoverageStatus.ACTIVE)
            .values("plan__period__number")
            .annotate(n=Count("member", distinct=True))
            .order_by("-plan__period__number"),
        )
    else:
        claim_counts = claim_queue_counts(user)
        waiting = [ApplicationStatus.SUBMITTED, ApplicationStatus.DISTRICT_APPROVED, ApplicationStatus.CENTRE_APPROVED]
        application_counts = applications.filter(status__in=waiting).aggregate(  # by the status index, too
            submitted=Count("pk", filter=Q(status=ApplicationStatus.SUBMITTED)),
            district_approved=Count("pk", filter=Q(status=ApplicationStatus.DISTRICT_APPROVED)),
            unpaid=Count("pk", filter=Q(status=ApplicationStatus.CENTRE_APPROVED)),
        )
        context.update(claim_counts=claim_counts, application_counts=application_counts)
        if role in OFFICE_ROLES:
            # What waits for the office (a prefecture's: at its districts' offices): unions asking to be registered, applications to review.
            registrations = UnitRegistration.objects.visible_to(user).filter(status=RegistrationStatus.PENDING)
            context.update(
                registrations_waiting=registrations.count(),
                oldest_registrations=registrations.order_by("submitted_at")[:5],
                oldest_applications=applications.filter(status=ApplicationStatus.SUBMITTED).order_by("submitted_at")[
                    :5
                ],
            )
        else:
            # Claims past or near the 30-working-day payment deadline, oldest first.
            today = timezone.localdate()
            late = claims.filter(late_filter(today))
            near = claims.filter(near_filter(today))
            context.update(
                late_count=late.count(),
                near_count=near.count(),
                deadline_rows=[(claim, deadline_of(claim, today))
                               for claim in (late.order_by("submitted_at", "pk")[:8] or near.order_by("submitted_at", "pk")[:8])],
            )  # fmt: skip
    return render(request, "home.html", context)
