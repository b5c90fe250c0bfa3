from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import engine, review_signals, services
from claims.deadlines import PAYMENT_WORKING_DAYS, deadline_of, late_filter, near_filter
from claims.forms import (
    BounceForm,
    CheckForm,
    ClaimForm,
    CommentForm,
    DocumentForm,
    PayBatchForm,
    ReasonForm,
    SubmitForm,
)
from claims.models import QUEUE_WORKING_DAYS_LIMIT, Claim, ClaimStatus, PayoutBatch
from claims.rules.serialize import dump_result
from claims.summary import claim_queue_counts
from enrollment.models import CatalogueItem, Member, PlanDistrictSummary, Unit
from mutualaid import search
from mutualaid.audit import logged_file
from mutualaid.lib.dates import working_days_between
from mutualaid.models import AuditLog
from mutualaid.refusals import refusal_text
from mutualaid.roles import OVERSEER_ROLES
from mutualaid.scoping import Role, get_visible_or_404, role_of
from mutualaid.uploads import serve_document

# What each reviewer works on by default: their stage in the workflow's table.
QUEUE_FOR_ROLE = services.STAGE_OF_ROLE
# The payment deadline's filters (the centre's home and the morning digest link here).
DEADLINE_FILTERS = {"late": ("已逾期未支付", late_filter), "near": ("5 个工作日内到期", near_filter)}


def _days_in_queue(claim: Claim, today: date) -> int | None:
    if claim.status not in ClaimStatus.OPEN:
        return None
    since = claim.queue_since or claim.submitted_at
    return working_days_between(timezone.localdate(since), today) if since else None


@login_required
@require_GET
def claim_list(request):
    role = role_of(request.user)
    claims = Claim.objects.visible_to(request.user).as_rows()
    default_status = QUEUE_FOR_ROLE.get(role, "")
    deadline = request.GET.get("deadline", "")
    if deadline in DEADLINE_FILTERS:  # across every stage, unless a status is asked for too
        claims = claims.filter(DEADLINE_FILTERS[deadline][1](timezone.localdate()))
        default_status = ""
    status = request.GET.get("status", default_status)
    if status and status in ClaimStatus.values:
        claims = claims.filter(status=status)
    signal = request.GET.get("signal", "")
    if review_signals.may_see(request.user) and (signal == "any" or signal in review_signals.CODES):
        claims = review_signals.with_signal(claims, signal)
    else:
        signal = ""
    query = search.clean(request.GET.get("q"))
    if query:
        claims = claims.filter(search.search_q(query, reference="reference", units=Unit.objects, members=Member.objects,
                                               names=True))  # fmt: skip
    if deadline in DEADLINE_FILTERS:
        claims = claims.order_by("submitted_at", "pk")
    elif status in QUEUE_FOR_ROLE.values():
        claims = claims.order_by("queue_since", "pk")
    else:
        claims = claims.order_by("-pk")
    paginator = Paginator(claims, 50)
    if role in OVERSEER_ROLES and status in PlanDistrictSummary.QUEUES and not (query or signal or deadline):
        # A queue as it is: its total from the summary rows, the same claims without counting them.
        paginator.count = claim_queue_counts(request.user)[status]
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(claim, deadline_of(claim, today)) for claim in page]
    return render(
        request,
        "claims/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "query": query,
            "statuses": ClaimStatus.choices,
            "deadline": deadline if deadline in DEADLINE_FILTERS else "",
            "deadline_filters": [(key, label) for key, (label, _) in DEADLINE_FILTERS.items()],
            "payment_days": PAYMENT_WORKING_DAYS,
            "signal": signal,
            "signal_filters": [("any", "任一提示"), *review_signals.TITLES.items()]
            if review_signals.may_see(request.user)
            else [],
        },
    )


def _catalogue_codes():
    return CatalogueItem.objects.order_by("code").values_list("code", "name").distinct()


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request):
    if role_of(request.user) not in (Role.CLERK, Role.CENTRE_HANDLER, Role.ADMIN):
        raise PermissionDenied
    form = ClaimForm(request.POST or None, user=request.user, initial={"coverage": request.GET.get("coverage")})
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_create(actor=request.user, coverage=form.cleaned_data["coverage"], **form.details())
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, f"申领 {claim.reference} 已保存为草稿。请上传材料后提交。")
            return redirect("claims:detail", reference=claim.reference)
    return render(request, "claims/form.html", {"form": form, "codes": _catalogue_codes()})


@login_required
@require_http_methods(["GET", "POST"])
def claim_edit(request, reference):
    if role_of(request.user) not in (Role.CLERK, Role.CENTRE_HANDLER, Role.ADMIN):
        raise PermissionDenied  # reviewers never edit a claim: they return it
    claim = get_visible_or_404(Claim, request.user, reference=reference)
    if not services.may_edit(role_of(request.user), claim):
        messages.error(request, "申领已提交，不能修改。")
        return redirect("claims:detail", reference=reference)
    form = ClaimForm(request.POST or None, instance=claim, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_update(actor=request.user, claim=claim, **form.details())
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, "已保存。")
            return redirect("claims:detail", reference=reference)
    return render(request, "claims/form.html", {"form": form, "claim": claim, "codes": _catalogue_codes()})


@login_required
@require_POST
def claim_estimate(request):
    """试算: the engine's answer for the form as typed, without saving anything."""
    instance = None
    if request.POST.get("reference"):
        instance = get_visible_or_404(Claim, request.user, reference=request.POST["reference"])
    form = ClaimForm(request.POST, user=request.user, instance=instance)
    if not (instance or request.POST.get("coverage")):
        return render(request, "claims/_estimate.html", {})  # nothing chosen yet: show the hint, not errors
    context = {"form": form}
    if form.is_valid():
        claim = instance or Claim(coverage=form.cleaned_data["coverage"])
        for name, value in form.details().items():
            setattr(claim, name, value)
        coverage = claim.coverage
        claim.member, claim.plan, claim.unit = coverage.member, coverage.plan, coverage.unit
        result, _ = engine.estimate(claim)
        context["result"] = dump_result(result)
        context["reason_labels"] = services.reason_labels(result.reasons)
        context["warnings"] = services.claim_warnings(claim, request.user)
    return render(request, "claims/_estimate.html", context)


@login_required
@require_GET
def claim_detail(request, reference):
    claim = get_visible_or_404(
        Claim.objects.select_related(
            "member", "plan__period", "unit__district", "coverage", "checked_by", "approved_by"
        ),
        request.user,
        reference=reference,
    )
    role = role_of(request.user)
    history = list(AuditLog.objects.for_object(claim))
    ledger = services.coverage_ledger(claim.coverage)
    # The buttons are what the workflow lets this role do now, as the services check it; a step
    # is also held back where its service would refuse this claim (no payee, own claim, blocker).
    actions = Claim.workflow.actions_for(role, claim.status)
    blocker = services.approval_blocker(claim, request.user) if "approve" in actions else None
    payee = services.payee_problem(claim) if claim.status not in ClaimStatus.FINISHED else None
    can = {
        "edit": "submit" in actions,  # whoever may submit the claim may still change it
        "submit": "submit" in actions,
        "district_approve": "district_approve" in actions and not payee,
        "check": "centre_check" in actions and not payee and claim.created_by_id != request.user.pk,
        "approve": "approve" in actions and blocker is None,
        "originals": role in (Role.CENTRE_HANDLER, Role.CENTRE_HEAD)
        and claim.status in ClaimStatus.OPEN
        and not claim.originals_received_at,
        "return": "return" in actions,
        "reject": "reject" in actions,
        "return_to_member": "return_to_member" in actions,
    }
    # The head reads it as the approval blocker; the others where their own step is held.
    mine = bool(actions & {"submit", "district_approve", "centre_check"})
    checklist = services.document_checklist(claim)
    signals = review_signals.signals_for(claim, request.user)
    recheck = history[-1] if history and history[-1].action == "recheck" else None
    return render(
        request,
        "claims/detail.html",
        {
            "claim": claim,
            "signals": signals,
            "statement": engine.statement_of(claim),
            "history": history,
            "ledger": ledger,
            "documents": claim.documents.all(),
            "checklist": checklist,
            "missing": [item["label"] for item in checklist if not item["done"]],
            "can": can,
            "blocker": blocker,
            "payee_problem": payee if mine else None,
            "recheck": recheck,
            "reason_labels": services.reason_labels(claim.reasons),
            "warnings": services.claim_warnings(claim, request.user) if claim.status != "paid" else [],
            "duplicates": services.duplicate_claims(claim).exists() if can["submit"] else False,
            "days_in_queue": _days_in_queue(claim, timezone.localdate()),
            "deadline": deadline_of(claim),
            "payment_days": PAYMENT_WORKING_DAYS,
            "limit": QUEUE_WORKING_DAYS_LIMIT,
            "document_form": DocumentForm(),
            "comment_form": CommentForm(),
            "reason_form": ReasonForm(),
            "check_form": CheckForm(),
            "submit_form": SubmitForm(),
            "self_checked": claim.checked_by_id == request.user.pk and role == Role.CENTRE_HEAD,
            "filed_by_me": role == Role.CENTRE_HANDLER and claim.created_by_id == request.user.pk,
        },
    )


@login_required
@require_POST
def claim_upload(request, reference):
    claim = get_visible_or_404(Claim, request.user, reference=reference)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择材料类型和文件。")
    else:
        try:
            services.claim_attach(
                actor=request.user, claim=claim, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, "材料已上传。")
    return redirect("claims:detail", reference=reference)


@login_required
@require_GET
def claim_document(request, reference, pk):
    """A claim's document, to whoever may see the claim: viewed in the browser (PDF and
    images) or downloaded (?download=1), under its original name, never sniffed or run."""
    claim = get_visible_or_404(Claim, request.user, reference=reference)
    document = get_visible_or_404(claim.documents.all(), request.user, pk=pk)
    return serve_document(request, document)


ACTIONS = {
    "submit": (services.claim_submit, SubmitForm, "已提交，等待办事处审核。"),
    "district_approve": (services.claim_district_approve, CommentForm, "已审核通过，转市中心。"),
    "check": (services.claim_check, CheckForm, "已审核，等待负责人审批。"),
    "originals": (services.claim_receive_originals, None, "已登记收到纸质原件。"),
    "approve": (services.claim_approve, CommentForm, "已审批，待支付。"),
    "return": (services.claim_return, ReasonForm, "已退回，申领人可修改后重新提交。"),
    "reject": (services.claim_reject, ReasonForm, "已作不予给付处理。"),
    "return_to_member": (services.claim_return_to_member, ReasonForm, "已退回职工本人，职工补充后会重新提交。"),
}


@login_required
@require_POST
def claim_action(request, reference, action):
    claim = get_visible_or_404(Claim, request.user, reference=reference)
    if action not in ACTIONS:
        return redirect("claims:detail", reference=reference)
    service, form_class, success = ACTIONS[action]
    kwargs = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return redirect("claims:detail", reference=reference)
        kwargs = {k: v for k, v in form.cleaned_data.items() if v is not None}
    try:
        claim = service(actor=request.user, claim=claim, **kwargs)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc) or "您没有执行此操作的权限。")
    else:
        if claim.status == ClaimStatus.DISTRICT_APPROVED and action == "approve":
            messages.warning(request, claim.last_comment)
        elif claim.status == ClaimStatus.CLOSED:
            messages.success(request, "已结案，不予给付（核准金额 0.00 元）。")
        else:
            messages.success(request, success)
    return redirect("claims:detail", reference=reference)


# --- Payout batches ------------------------------------------------------------------


def _require_city(request):
    if role_of(request.user) not in (Role.CENTRE_HANDLER, Role.CENTRE_HEAD, Role.ADMIN):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def batch_list(request):
    _require_city(request)
    approved = (
        Claim.objects.visible_to(request.user)
        .filter(status=ClaimStatus.APPROVED, payout_batch__isnull=True, approved_amount__gt=0)
        .select_related("member", "unit", "plan__period")
        .order_by("approved_at")
    )
    if request.method == "POST":
        chosen = approved.filter(pk__in=[pk for pk in request.POST.getlist("claims") if pk.isdigit()])
        try:
            batch = services.payout_batch_create(actor=request.user, claims=list(chosen))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, f"已生成支付批次 {batch.reference}（{batch.claim_count} 笔）。")
            return redirect("claims:batch", reference=batch.reference)
    batches = PayoutBatch.objects.visible_to(request.user)[:50]
    rows = [(claim, services.payee_problem(claim)) for claim in approved[:500]]  # no payee: listed, not offered
    return render(request, "claims/batches.html", {"approved": rows, "batches": batches})


@login_required
@require_GET
def batch_detail(request, reference):
    batch = get_visible_or_404(
        PayoutBatch.objects.select_related("created_by", "paid_by"), request.user, reference=reference
    )
    claims = batch.claims.select_related("member", "unit").order_by("reference")
    bounced = AuditLog.objects.for_object(batch).filter(action="bounce")
    return render(
        request,
        "claims/batch.html",
        {
            "batch": batch,
            "claims": claims,
            "bounced": bounced,
            "pay_form": PayBatchForm(initial={"paid_on": timezone.localdate()}),
            "may_pay": batch.status == "open" and batch.created_by_id != request.user.pk,
        },
    )


@login_required
@require_GET
def batch_export(request, reference):
    batch = get_visible_or_404(PayoutBatch, request.user, reference=reference)
    try:
        content = services.payout_file(batch)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("claims:batch", reference=batch.reference)
    return logged_file(request, content, obj=batch, filename=f"支付文件-{batch.reference}.xlsx")


@login_required
@require_POST
def batch_pay(request, reference):
    batch = get_visible_or_404(PayoutBatch, request.user, reference=reference)
    form = PayBatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            services.payout_batch_mark_paid(
                actor=request.user,
                batch=batch,
                paid_on=form.cleaned_data["paid_on"],
                bank_reference=form.cleaned_data["bank_reference"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, f"批次 {batch.reference} 已确认支付。")
    return redirect(reverse("claims:batch", kwargs={"reference": reference}))


@login_required
@require_POST
def batch_bounce(request, reference):
    batch = get_visible_or_404(PayoutBatch, request.user, reference=reference)
    form = BounceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(reverse("claims:batch", kwargs={"reference": reference}))
    claim = get_visible_or_404(batch.claims.all(), request.user, reference=form.cleaned_data["claim"])
    try:
        services.payout_line_bounce(actor=request.user, batch=batch, claim=claim, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, f"{claim.reference} 已登记退票，回到“已审批待支付”，可在下一批次重新支付。")
    return redirect(reverse("claims:batch", kwargs={"reference": reference}))
