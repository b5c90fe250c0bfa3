from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from mutualaid.jobs import as_shown, job_retry
from mutualaid.models import Job, audit
from mutualaid.scoping import get_visible_or_404

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


class NewPasswordForm(PasswordChangeForm):
    """Django's password change, refusing to keep the password one has: a first password the system
    generated (and the district office has seen) must really be replaced."""

    def __init__(self, user, *args, first: bool = False, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.first = first

    def clean(self):
        data = super().clean()
        new = data.get("new_password1")
        if new and "new_password1" not in self.errors and self.user.check_password(new):
            self.add_error("new_password1", "新密码不能与系统生成的初始密码相同，请设置您自己的密码。" if self.first
                           else "新密码不能与原密码相同。")  # fmt: skip
        return data


@login_required
def password_change(request):
    """Change one's own password; a first, system-generated password must be changed before anything else."""
    profile = getattr(request.user, "staff_profile", None)
    first = bool(profile and profile.must_change_password)
    form = NewPasswordForm(request.user, request.POST or None, first=first)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        if first:
            profile.must_change_password = False
            profile.save(update_fields=["must_change_password"])
        audit(actor=user, obj=user, action="password_change", comment="修改初始密码" if first else "修改密码")
        messages.success(request, "密码已修改，请牢记新密码。")
        return redirect("home")
    return render(request, "registration/password_change.html", {"form": form, "first": first})
