from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutualaid import passwords
from mutualaid.jobs import as_shown, job_retry
from mutualaid.lib.phones import clean_phone
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


# --- Forgotten passwords: a code by SMS to the account's mobile number ---------------------------------


class ForgotForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    phone = forms.CharField(label="账号登记的手机号", max_length=20)

    def clean_phone(self):
        try:
            return clean_phone(self.cleaned_data["phone"], mobile_only=True)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ResetForm(forms.Form):
    code = forms.CharField(label="短信验证码", max_length=6, min_length=6)
    new_password1 = forms.CharField(label="新密码", widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, username: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.username = username

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        elif first:
            # Judged against the name typed, for every name alike: the rules never tell whether it exists.
            try:
                password_validation.validate_password(first, user=get_user_model()(username=self.username))
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


def _client_address(request) -> str | None:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


@require_http_methods(["GET", "POST"])
def password_forgot(request):
    form = ForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, phone = form.cleaned_data["username"].strip(), form.cleaned_data["phone"]
        refusal = passwords.reset_request(username=username, phone=phone, address=_client_address(request))
        if refusal:
            form.add_error(None, refusal)
        else:
            request.session["password_reset"] = {"username": username, "phone": phone}
            messages.success(request, passwords.answer(phone))
            return redirect("password_forgot_code")
    return render(request, "registration/password_forgot.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_forgot_code(request):
    pending = request.session.get("password_reset")
    if not pending:
        return redirect("password_forgot")
    form = ResetForm(request.POST or None, username=pending["username"])
    if request.method == "POST" and form.is_valid():
        _user, refusal = passwords.reset_confirm(
            username=pending["username"], phone=pending["phone"], code=form.cleaned_data["code"],
            password=form.cleaned_data["new_password1"],
        )  # fmt: skip
        if refusal:
            form.add_error("code", refusal)
        else:
            del request.session["password_reset"]
            messages.success(request, "密码已重设，请用新密码登录。")
            return redirect("login")
    return render(request, "registration/password_forgot_code.html",
                  {"form": form, "phone_tail": pending["phone"][-4:]})  # fmt: skip
