"""The centre's page for going live (issue 21): upload the legacy files, see the worker's dry run
(every error by file, row and column, and the reconciliation totals), confirm, and the worker
imports the same files. The files are kept (``HISTORY_UPLOADS``, random names) from the upload to
the confirmation, and deleted once imported or replaced."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.history import totals_workbook
from claims.tasks import HISTORY_UPLOADS, start_history_import
from enrollment.models import HistoryImport
from enrollment.services.history import ERROR_CODES
from mutualaid.jobs import as_shown
from mutualaid.lib.sheet_import import MAX_FILE_BYTES
from mutualaid.models import Job, JobStatus, audit
from mutualaid.scoping import is_city

PENDING_KEY = "history-import"


class HistoryForm(forms.Form):
    coverages = forms.FileField(label="历史参保记录", required=False,
                                help_text=".xlsx 或 .csv（UTF-8 或 GBK），不超过 50 MB；更大的文件请用命令行 import_history。")  # fmt: skip
    claims = forms.FileField(label="已给付理赔记录", required=False, help_text="同上。")

    def clean(self):
        data = super().clean()
        if not data.get("coverages") and not data.get("claims"):
            raise forms.ValidationError("请至少选择一个文件。")
        for name in ("coverages", "claims"):
            upload = data.get(name)
            if upload and upload.size > MAX_FILE_BYTES:
                self.add_error(name, f"文件超过 {MAX_FILE_BYTES // 1048576} MB：请用命令行 import_history 导入。")
        return data


def _centre_only(request):
    if not is_city(request.user):
        raise Http404


def _job(request):
    pending = request.session.get(PENDING_KEY) or {}
    job = Job.objects.visible_to(request.user).filter(pk=pending.get("job")).first() if pending.get("job") else None
    return pending, as_shown(job)


@login_required
@require_http_methods(["GET", "POST"])
def history_page(request):
    _centre_only(request)
    form = HistoryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        pending, _ = _job(request)
        for name in pending.get("files", {}).values():
            HISTORY_UPLOADS.delete(name)  # this upload supersedes the last one
        files, names = {}, {}
        for kind in ("coverages", "claims"):
            upload = form.cleaned_data.get(kind)
            if upload:
                files[kind] = HISTORY_UPLOADS.store(b"".join(upload.chunks()), upload.name)
                names[kind] = upload.name[:200]
        job = start_history_import(actor=request.user, files=files, names=names, dry_run=True)
        request.session[PENDING_KEY] = {"files": files, "names": names, "job": str(job.pk), "dry_run": True}
        return redirect("claims:history")
    pending, job = _job(request)
    result = job.result if job and job.status == JobStatus.DONE else None
    return render(request, "claims/history.html", {
        "form": form, "job": job, "pending": pending, "result": result,
        "can_confirm": bool(result) and pending.get("dry_run") and not result.get("error_count"),
        "codes": ERROR_CODES, "imports": HistoryImport.objects.select_related("imported_by")[:20],
    })  # fmt: skip


@login_required
@require_POST
def history_confirm(request):
    _centre_only(request)
    pending, job = _job(request)
    result = job.result if job and job.status == JobStatus.DONE else None
    if not result or not pending.get("dry_run") or result.get("error_count"):
        messages.error(request, "没有可以确认的试导入结果，请重新上传文件。")
        return redirect("claims:history")
    job = start_history_import(actor=request.user, files=pending["files"], names=pending["names"], dry_run=False)
    request.session[PENDING_KEY] = {**pending, "job": str(job.pk), "dry_run": False}
    return redirect("claims:history")


@login_required
@require_GET
def history_totals(request):
    """The last result's reconciliation totals as .xlsx."""
    _centre_only(request)
    _, job = _job(request)
    if not job or job.status != JobStatus.DONE:
        raise Http404
    from decimal import Decimal

    rows = [{**t, "premium": Decimal(t["premium"]), "paid": Decimal(t["paid"])} for t in job.result.get("totals", [])]
    audit(actor=request.user, obj=None, subject="历史数据核对汇总", action="export", comment="核对汇总.xlsx")
    response = HttpResponse(
        totals_workbook(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%A0%B8%E5%AF%B9%E6%B1%87%E6%80%BB.xlsx"
    return response
