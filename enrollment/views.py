from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment import services
from enrollment.forms import (
    ApplicationDetailsForm,
    ApplicationForm,
    CommentForm,
    DocumentForm,
    FundingForm,
    PersonForm,
    ReasonForm,
    RosterUploadForm,
    SharesForm,
    WithdrawForm,
)
from enrollment.models import (
    Application,
    ApplicationStatus,
    District,
    Member,
    Period,
    RosterLine,
    RosterUploadKind,
    Unit,
)
from enrollment.payment_views import invoice_context
from enrollment.roster import UnreadableFile, annotate_workbook, pending, roster_template
from enrollment.roster.reading import check_readable
from enrollment.tasks import start_roster_import
from mutualaid import search
from mutualaid.audit import logged_file
from mutualaid.jobs import as_shown
from mutualaid.models import AuditLog, Job
from mutualaid.refusals import attempt, refusal_text
from mutualaid.scoping import CITY_ROLES, Role, get_visible_or_404, role_of, unit_of
from mutualaid.uploads import serve_document

# Above this size a roster is validated and written by the worker, with a progress bar.
INLINE_MAX_BYTES = 150 * 1024
# What each reviewer works on by default: the stage at which the workflow lets them return it.
QUEUE_FOR_ROLE = Application.workflow.queues("return")
# The review's "approve" at each stage.
APPROVALS = ("district_approve", "centre_approve")


@login_required
@require_GET
def application_list(request):
    applications = Application.objects.visible_to(request.user).select_related("plan__period", "unit")
    status = request.GET.get("status", QUEUE_FOR_ROLE.get(role_of(request.user), ""))
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    query = search.clean(request.GET.get("q"))
    if query:
        found = search.search_q(query, reference="reference", units=Unit.objects)
        lookup = search.id_number_lookup(query)
        if lookup:  # the applications whose roster holds the person: a subquery, not a join over lines
            people = Member.objects.filter(**{f"id_number{suffix}": value for suffix, value in lookup.items()})
            found |= Q(pk__in=RosterLine.objects.filter(member__in=people).values("application_id"))
        applications = applications.filter(found)
    page = Paginator(applications.order_by("-pk"), 50).get_page(request.GET.get("page"))
    _preset_line_totals([a for a in page if a.status in ApplicationStatus.EDITABLE])
    return render(
        request,
        "enrollment/applications.html",
        {
            "page": page,
            "status": status,
            "query": query,
            "statuses": ApplicationStatus.choices,
            "periods": Period.objects.order_by("-number"),
            "districts": District.objects.order_by("code"),
        },
    )


def _preset_line_totals(drafts) -> None:
    """A page of drafts counts its people and shares in one query (``Application.figures``)."""
    if not drafts:
        return
    totals = {
        row["application"]: row
        for row in RosterLine.objects.filter(application__in=drafts).order_by().values("application")
        .annotate(members=Count("pk"), shares=Sum("shares"))
    }  # fmt: skip
    for application in drafts:
        application.line_totals = totals.get(application.pk, {"members": 0, "shares": 0})


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request):
    unit = unit_of(request.user)
    if role_of(request.user) != Role.CLERK or unit is None:
        raise PermissionDenied
    form = ApplicationForm(
        request.POST or None,
        initial={"declared_staff": unit.declared_staff, "contact_name": unit.contact_name,
                 "contact_phone": unit.contact_phone},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.application_create(
                actor=request.user, plan=data["plan"], unit=unit, declared_staff=data["declared_staff"],
                uniform_shares=data["uniform_shares"], contact_name=data["contact_name"],
                contact_phone=data["contact_phone"], invoice_title=data["invoice_title"],
                invoice_tax_number=data["invoice_tax_number"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, f"已创建申请 {application.reference}。下一步：下载模板，填好人员手册后上传。")
            return redirect("enrollment:application", reference=application.reference)
    return render(request, "enrollment/application_form.html", {"form": form, "unit": unit})


@login_required
@require_GET
def application_detail(request, reference):
    return _application_page(request, reference)


def _application_page(request, reference, person_form=None):
    application = get_visible_or_404(
        Application.objects.select_related("plan__period", "unit__district"), request.user, reference=reference
    )
    role = role_of(request.user)
    lines = application.lines.select_related("member").order_by("row_number")
    # The buttons are what the workflow lets this role do now, as the services check it.
    actions = Application.workflow.actions_for(role, application.status)
    editable = "submit" in actions  # whoever may submit the roster may still change it
    # The last file's error report, or the differences it would make, kept on the application
    # (not in the session): the clerk who signs in again still sees them.
    report = _kept(application, RosterUploadKind.ERRORS) if editable else None
    diff = _kept(application, RosterUploadKind.PREVIEW) if editable else None
    job = as_shown(
        Job.objects.visible_to(request.user).filter(kind="roster_import", subject=application.reference).first()
        if editable
        else None
    )
    # What the roster would change in people's records at centre approval: the reviewers see it,
    # the clerk does not (the old values may be another unit's).
    changes, change_count = [], 0
    if role != Role.CLERK and application.status in ApplicationStatus.IN_REVIEW:
        changes, change_count = services.declared_changes(application, viewer=request.user)
    return render(
        request,
        "enrollment/application.html",
        {
            "application": application,
            "lines": lines[:500],
            "line_count": lines.count(),
            "history": AuditLog.objects.for_object(application),
            "editable": editable,
            "can_withdraw": "withdraw" in actions,
            "can_review": "return" in actions,
            "can_reject": "reject" in actions,
            "review_action": next((a for a in APPROVALS if a in actions), None),
            "upload_form": RosterUploadForm(),
            "person_form": person_form or PersonForm(),
            "document_form": DocumentForm(),
            "documents": application.documents.all(),
            "can_attach_slip": role == Role.CLERK
            and application.status in (ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE),
            "reason_form": ReasonForm(),
            "withdraw_form": WithdrawForm(auto_id="withdraw_%s"),
            "comment_form": CommentForm(),
            "report": report,
            "diff": diff,
            "roster_open": application.status in ApplicationStatus.EDITABLE,
            "share_problem": services.roster_share_problem(application) if editable else None,
            "job": job,
            "changes": changes,
            # A person still registered with another unit has no member page for this unit's people.
            "sees_every_member": role in CITY_ROLES,
            "change_count": change_count,
            "funding_parts": services.payer_parts(application),
            **invoice_context(request, application),
        },
    )


def _kept(application, kind) -> dict | None:
    upload = pending.latest(application, kind)
    return {**upload.report, "filename": upload.original_name, "uploaded_at": upload.uploaded_at} if upload else None


@login_required
@require_GET
def roster_template_download(request, reference):
    application = get_visible_or_404(Application.objects.select_related("plan__period", "unit"), request.user,
                                     reference=reference)  # fmt: skip
    return logged_file(request, roster_template(plan=application.plan, unit=application.unit), obj=application,
                       filename=f"人员手册-{application.reference}.xlsx")  # fmt: skip


@login_required
@require_POST
def roster_upload(request, reference):
    application = get_visible_or_404(Application.objects.select_related("plan__period", "unit"), request.user,
                                     reference=reference)  # fmt: skip
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的人员手册文件。")
        return redirect("enrollment:application", reference=reference)
    upload = form.cleaned_data["file"]
    if upload.size > 50 * 1024 * 1024:
        messages.error(request, "文件超过 50 MB，请拆分后分别上传。")
        return redirect("enrollment:application", reference=reference)
    data = upload.read()
    try:
        if len(data) > INLINE_MAX_BYTES:
            check_readable(data, upload.name)  # a file too wide or too long is refused here, not on the worker
            start_roster_import(actor=request.user, plan=application.plan, unit=application.unit, data=data,
                                filename=upload.name, application=application)  # fmt: skip
            messages.info(request, "名单较大，已交给后台处理，可以在本页看到进度。")
            return redirect("enrollment:application", reference=reference)
        # A draft that already has people: show what the file would change before replacing them.
        preview = application.lines.exists()
        result = services.roster_import(actor=request.user, plan=application.plan, unit=application.unit,
                                        data=data, filename=upload.name, application=application,
                                        dry_run=preview)  # fmt: skip
    except UnreadableFile as exc:
        messages.error(request, str(exc))
        return redirect("enrollment:application", reference=reference)
    except PermissionDenied as exc:
        raise Http404 from exc
    if result.ok and preview:
        pending.keep(application=application, kind=RosterUploadKind.PREVIEW, data=data, filename=upload.name,
                     actor=request.user, report=services.roster_diff(application, result.lines))  # fmt: skip
        messages.info(request, "请核对新名单与现有名单的差异，确认后替换。")
    elif result.ok:
        pending.discard(application)
        messages.success(request, f"名单已导入：{result.created} 人。核对无误后请提交申请。")
    else:
        pending.keep(application=application, kind=RosterUploadKind.ERRORS, data=data, filename=upload.name,
                     actor=request.user, report=pending.error_report(result))  # fmt: skip
        messages.error(request, f"名单有 {len(result.errors)} 处错误，未导入任何人员。请按下面的说明修改后重新上传。")
    return redirect("enrollment:application", reference=reference)


@login_required
@require_GET
def roster_marked_download(request, reference):
    from enrollment.roster import RowError

    application = get_visible_or_404(Application, request.user, reference=reference)
    upload = pending.latest(application, RosterUploadKind.ERRORS)
    data = pending.read(upload) if upload else None
    if data is None:
        raise Http404("没有待修改的名单")
    errors = [RowError(**error) for error in upload.report["errors"]]
    return logged_file(request, annotate_workbook(data=data, filename=upload.original_name, errors=errors),
                       obj=application, filename=f"人员手册-错误标注-{application.reference}.xlsx")  # fmt: skip


ACTIONS = {
    "submit": (services.application_submit, None, "申请已提交，名单已冻结，等待办事处审核。"),
    "withdraw": (services.application_withdraw, WithdrawForm, "申请已撤回。"),
    "district_approve": (services.application_district_approve, CommentForm, "已审核通过，转市中心。"),
    "centre_approve": (services.application_centre_approve, CommentForm, "已审核通过，缴费金额已确定。"),
    "return": (services.application_return, ReasonForm, "已退回申请单位修改。"),
    "reject": (services.application_reject, ReasonForm, "已作不予通过处理。"),
}


@login_required
@require_POST
def application_action(request, reference, action):
    application = get_visible_or_404(Application, request.user, reference=reference)
    if action not in ACTIONS:
        raise Http404
    service, form_class, success = ACTIONS[action]
    kwargs = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return redirect("enrollment:application", reference=reference)
        kwargs = form.cleaned_data
    try:
        service(actor=request.user, application=application, **kwargs)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, success)
    return redirect("enrollment:application", reference=reference)


@login_required
@require_POST
def roster_apply(request, reference):
    """Replace the draft's roster with the file whose differences the clerk has just seen."""
    application = get_visible_or_404(Application.objects.select_related("plan__period", "unit"), request.user,
                                     reference=reference)  # fmt: skip
    kept = pending.latest(application, RosterUploadKind.PREVIEW)
    data = pending.read(kept) if kept else None
    if data is None:
        messages.error(request, "没有待确认的名单，请重新上传。")
        return redirect("enrollment:application", reference=reference)
    filename = kept.original_name
    pending.remove(kept)
    try:
        result = services.roster_import(actor=request.user, plan=application.plan, unit=application.unit,
                                        data=data, filename=filename, application=application)  # fmt: skip
    except (UnreadableFile, ValidationError) as exc:
        messages.error(request, refusal_text(exc) if isinstance(exc, ValidationError) else str(exc))
        return redirect("enrollment:application", reference=reference)
    if result.ok:
        messages.success(request, f"名单已替换：{result.created} 人。")
    else:
        pending.keep(application=application, kind=RosterUploadKind.ERRORS, data=data, filename=filename,
                     actor=request.user, report=pending.error_report(result))  # fmt: skip
        messages.error(
            request, f"名单有 {len(result.errors)} 处错误（名单有变化），未替换。请按下面的说明修改后重新上传。"
        )
    return redirect("enrollment:application", reference=reference)


@login_required
@require_POST
def roster_renew(request, reference):
    application = get_visible_or_404(Application.objects.select_related("plan__period", "unit"), request.user,
                                     reference=reference)  # fmt: skip
    try:
        application, added, skipped = services.roster_renew(
            actor=request.user, plan=application.plan, unit=application.unit
        )
    except (ValidationError, PermissionDenied, UnreadableFile) as exc:
        messages.error(request, str(exc) if isinstance(exc, UnreadableFile) else refusal_text(exc))
        return redirect("enrollment:application", reference=reference)
    note = f"；{skipped} 人因已在其他申请中或已不符合参保条件未加入" if skipped else ""
    messages.success(request, f"已续保上期名单：{added} 人，份数保留{note}。")
    return redirect("enrollment:application", reference=application.reference)


def _draft_for_clerk(request, reference):
    application = get_visible_or_404(
        Application.objects.select_related("plan__period", "unit"), request.user, reference=reference
    )
    return application


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, reference):
    """The draft's own details: staff declared, uniform shares, contacts and the receipt's title."""
    application = _draft_for_clerk(request, reference)
    form = ApplicationDetailsForm(request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(actor=request.user, application=application,
                                        **{name: form.cleaned_data[name] for name in form.Meta.fields})  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, "申请信息已保存。")
            return redirect("enrollment:application", reference=reference)
    return render(request, "enrollment/application_edit.html", {"form": form, "application": application})


@login_required
@require_http_methods(["GET", "POST"])
def application_funding(request, reference):
    """Who pays (DOMAIN.md §14): the way and each payer's part per share, while the roster is open."""
    application = _draft_for_clerk(request, reference)
    initial = {"funding": application.funding,
               **{kind: application.part_per_share(kind) or None for kind in ("unit", "union", "personal")}}  # fmt: skip
    form = FundingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.application_set_funding(actor=request.user, application=application, funding=data["funding"],
                                             parts={k: data[k] for k in ("unit", "union", "personal")})  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, "缴费方式已保存。")
            return redirect("enrollment:application", reference=reference)
    return render(request, "enrollment/application_funding.html", {"form": form, "application": application})


@login_required
@require_POST
def person_add(request, reference):
    """One person typed in, checked by the same rules as a roster file."""
    application = _draft_for_clerk(request, reference)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            services.roster_add_person(actor=request.user, application=application, person=form.person())
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # the draft itself refuses (already submitted)
                messages.error(request, refusal_text(exc))
                return redirect("enrollment:application", reference=reference)
            for name, errors in exc.message_dict.items():  # the person's problems, by field
                form.add_error(name if name in form.fields else None, errors)
        except PermissionDenied as exc:
            messages.error(request, refusal_text(exc))
            return redirect("enrollment:application", reference=reference)
        else:
            messages.success(request, f"已加入名单：{form.cleaned_data['name']}。")
            return redirect(reverse("enrollment:application", args=[reference]) + "#people")
    return _application_page(request, reference, person_form=form)


@login_required
@require_POST
def line_remove(request, reference, line_id):
    application = _draft_for_clerk(request, reference)
    attempt(request, lambda: services.application_remove_line(actor=request.user, application=application,
                                                              line_id=line_id), "已从名单中删除。")  # fmt: skip
    return redirect(reverse("enrollment:application", args=[reference]) + "#people")


@login_required
@require_POST
def line_shares(request, reference, line_id):
    application = _draft_for_clerk(request, reference)
    form = SharesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "份数应为不小于 1 的整数。")
    else:
        attempt(request, lambda: services.application_set_shares(
            actor=request.user, application=application, line_id=line_id, shares=form.cleaned_data["shares"]
        ), "份数已修改。")  # fmt: skip
    return redirect(reverse("enrollment:application", args=[reference]) + "#people")


@login_required
@require_POST
def shares_all(request, reference):
    """Everyone on the draft at the same shares: the way from one uniform roster to another."""
    application = _draft_for_clerk(request, reference)
    form = SharesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "份数应为不小于 1 的整数。")
    else:
        shares = form.cleaned_data["shares"]
        attempt(request, lambda: services.application_set_all_shares(
            actor=request.user, application=application, shares=shares
        ), f"已把名单中每人的份数改为 {shares} 份。")  # fmt: skip
    return redirect(reverse("enrollment:application", args=[reference]) + "#people")


@login_required
@require_POST
def document_upload(request, reference, kind):
    application = _draft_for_clerk(request, reference)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件。")
    else:
        attempt(request, lambda: services.application_attach(
            actor=request.user, application=application, kind=kind, upload=form.cleaned_data["file"]
        ), "材料已上传。")  # fmt: skip
    return redirect(reverse("enrollment:application", args=[reference]) + "#documents")


@login_required
@require_GET
def document_view(request, reference, pk):
    application = get_visible_or_404(Application, request.user, reference=reference)
    document = get_visible_or_404(application.documents.all(), request.user, pk=pk)
    return serve_document(request, document)
