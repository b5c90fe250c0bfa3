from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from claims.models import Claim, ClaimStatus
from enrollment.models import Application, ApplicationStatus, Coverage, CoverageStatus
from mutualaid.jobs import as_shown, job_retry
from mutualaid.models import Job, audit
from mutualaid.scoping import Role, get_visible_or_404, role_of, unit_of


@login_required
@require_GET
def home(request):
    """What each person has to do today, scoped to what they may see."""
    user = request.user
    role = role_of(user)
    applications = Application.objects.visible_to(user).select_related("plan__period", "unit")
    claims = Claim.objects.visible_to(user).select_related("member", "plan__period")
    context = {"role": role}
    if role == Role.CLERK:
        context.update(
            unit=unit_of(user),
            applications=applications.order_by("-plan__period__number", "plan__priority", "seq")[:30],
            awaiting_payment=applications.filter(status=ApplicationStatus.CENTRE_APPROVED),
            claims=claims.order_by("-pk")[:20],
            covered=Coverage.objects.visible_to(user)
            .filter(status=CoverageStatus.ACTIVE)
            .values("plan__period__number")
            .annotate(n=Count("member", distinct=True))
            .order_by("-plan__period__number"),
        )
    else:
        claim_counts = claims.aggregate(
            submitted=Count("pk", filter=Q(status=ClaimStatus.SUBMITTED)),
            district_approved=Count("pk", filter=Q(status=ClaimStatus.DISTRICT_APPROVED)),
            centre_checked=Count("pk", filter=Q(status=ClaimStatus.CENTRE_CHECKED)),
            to_pay=Count("pk", filter=Q(status=ClaimStatus.APPROVED, payout_batch__isnull=True)),
        )
        application_counts = applications.aggregate(
            submitted=Count("pk", filter=Q(status=ApplicationStatus.SUBMITTED)),
            district_approved=Count("pk", filter=Q(status=ApplicationStatus.DISTRICT_APPROVED)),
            unpaid=Count("pk", filter=Q(status=ApplicationStatus.CENTRE_APPROVED)),
        )
        context.update(claim_counts=claim_counts, application_counts=application_counts)
    return render(request, "home.html", context)


# --- Background jobs: progress, result, retry -------------------------------------------


def _job_payload(job: Job) -> dict:
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "error": job.error,
        "finished": job.finished,
        "result_url": job.result_url,
        "download_url": reverse("job_download", args=[job.pk]) if job.result_file else "",
    }


def _job(request, job_id) -> Job:
    return as_shown(get_visible_or_404(Job, request.user, pk=job_id))


@login_required
@require_GET
def job_detail(request, job_id):
    return render(request, "jobs/detail.html", {"job": _job(request, job_id)})


@login_required
@require_GET
def job_status(request, job_id):
    return JsonResponse(_job_payload(_job(request, job_id)))


@login_required
@require_GET
def job_download(request, job_id):
    job = get_visible_or_404(Job, request.user, pk=job_id)
    if not job.result_file:
        raise Http404("该任务没有可下载的文件")
    name = job.result.get("filename") or job.result_file.name.rsplit("/", 1)[-1]
    audit(actor=request.user, obj=None, subject=job.label, action="download", comment=name, data={"job": str(job.pk)})
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def job_retry_view(request, job_id):
    job = get_visible_or_404(Job, request.user, pk=job_id)
    try:
        job_retry(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已重新排队。")
    back = request.POST.get("next", "")
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None)):
        back = reverse("job_detail", args=[job.pk])  # only a path on this site: never https://elsewhere
    return redirect(back)


def csrf_failure(request, reason=""):
    """Django's CSRF page tells users to set DEBUG=True; ours says what to do next, in Chinese."""
    return render(request, "403_csrf.html", status=403)


@login_required
def password_change(request):
    """Change one's own password; a first, system-generated password must be changed before anything else."""
    from django.contrib.auth import get_user_model, update_session_auth_hash
    from django.contrib.auth.forms import PasswordChangeForm

    from mutualaid.models import audit

    profile = getattr(request.user, "staff_profile", None)
    first = bool(profile and profile.must_change_password)
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        if first:
            profile.must_change_password = False
            profile.save(update_fields=["must_change_password"])
        account = get_user_model().objects.get(pk=user.pk)  # request.user is a lazy wrapper
        audit(actor=account, obj=account, action="password_change", comment="修改初始密码" if first else "修改密码")
        messages.success(request, "密码已修改，请牢记新密码。")
        return redirect("home")
    return render(request, "registration/password_change.html", {"form": form, "first": first})
