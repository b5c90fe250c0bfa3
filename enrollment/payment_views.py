"""The centre's payment pages: the overview of open invoices, statement import with a preview,
the manual queue, and the actions on one line, one credit or one invoice."""

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment import services
from enrollment.forms import CashDepositForm
from enrollment.models import (
    ZERO,
    Application,
    ApplicationStatus,
    BankStatement,
    LineStatus,
    PayerKind,
    Payment,
    StatementLine,
)
from enrollment.services.payments import STATEMENT_PREVIEWS, split_reference
from mutualaid.lib.names import payer_is_person
from mutualaid.lib.sheet_import import UnreadableFile
from mutualaid.lib.sheet_reader import MAX_COLUMNS, MAX_ROWS
from mutualaid.refusals import attempt, refusal_text
from mutualaid.scoping import get_visible_or_404, is_city

AGE_BUCKETS = ((7, "7 天内"), (30, "8–30 天"), (None, "30 天以上"))
PREVIEW_KEY = "statement-preview"


class StatementForm(forms.Form):
    file = forms.FileField(
        label="银行对账单",
        help_text=f".xlsx 或 .csv（UTF-8 或 GBK），不超过 50 MB，最多 {MAX_ROWS:,} 行、{MAX_COLUMNS} 列。",
    )


class RefundForm(forms.Form):
    payer_kind = forms.ChoiceField(label="退给", choices=PayerKind.choices, required=False)
    amount = forms.DecimalField(label="退款金额（元）", min_value=Decimal("0.01"), max_digits=14, decimal_places=2)
    refunded_on = forms.DateField(label="退款日期", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label="银行凭证号", max_length=60)


def _centre_only(request):
    if not is_city(request.user):
        raise Http404


def _overpaid_invoices(user):
    """多缴待退: approved invoices that received more than was due, net of refunds."""
    return (
        Application.objects.visible_to(user)
        .filter(status__in=(ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE))
        .filter(amount_paid__gt=F("amount_due") + F("amount_refunded"))
        .select_related("unit__district", "plan__period")
        .order_by("paid_on", "pk")
    )


def _open_invoices(user):
    return (
        Application.objects.visible_to(user)
        .filter(status=ApplicationStatus.CENTRE_APPROVED)
        .select_related("unit__district", "plan__period")
        .order_by("centre_approved_at")
    )


@login_required
@require_GET
def overview(request):
    """Unpaid and partly paid invoices by district and by days since approval, with totals; and the
    overpaid ones waiting for a refund."""
    _centre_only(request)
    today = timezone.localdate()
    invoices = [a for a in _open_invoices(request.user) if a.balance > 0]
    overpaid = list(_overpaid_invoices(request.user))
    table = defaultdict(lambda: {"count": 0, "owed": ZERO, "buckets": [ZERO for _ in AGE_BUCKETS]})
    totals = {"count": 0, "owed": ZERO, "buckets": [ZERO for _ in AGE_BUCKETS]}
    for invoice in invoices:
        invoice.age = (today - timezone.localdate(invoice.centre_approved_at)).days if invoice.centre_approved_at else 0
        bucket = next(i for i, (limit, _) in enumerate(AGE_BUCKETS) if limit is None or invoice.age <= limit)
        for row in (table[invoice.unit.district.name], totals):
            row["count"] += 1
            row["owed"] += invoice.balance
            row["buckets"][bucket] += invoice.balance
    return render(request, "enrollment/payments/overview.html", {
        "districts": sorted(table.items()), "totals": totals, "buckets": [label for _, label in AGE_BUCKETS],
        "invoices": invoices[:200], "invoice_count": len(invoices),
        "overpaid": overpaid[:200], "overpaid_count": len(overpaid),
        "overpaid_total": sum((a.overpaid_amount for a in overpaid), ZERO),
        "waiting": StatementLine.objects.filter(status=LineStatus.WAITING).count(),
        "statements": BankStatement.objects.select_related("imported_by")[:10],
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def statement_upload(request):
    """Upload: the statement is matched in a rolled-back transaction and the preview shown; the
    same file is imported for real when the handler confirms."""
    _centre_only(request)
    form = StatementForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            preview = services.statement_import(actor=request.user, data=data, filename=upload.name, dry_run=True)
        except (UnreadableFile, PermissionDenied) as exc:
            form.add_error("file", str(exc))
        else:
            stored = STATEMENT_PREVIEWS.store(data, upload.name)
            previous = request.session.get(PREVIEW_KEY)
            if previous:
                STATEMENT_PREVIEWS.delete(previous["file"])
            request.session[PREVIEW_KEY] = {"file": stored, "filename": upload.name[:200]}
    return render(request, "enrollment/payments/import.html", {"form": form, "preview": preview})


@login_required
@require_POST
def statement_confirm(request):
    _centre_only(request)
    pending = request.session.pop(PREVIEW_KEY, None)
    data = STATEMENT_PREVIEWS.read(pending["file"]) if pending else None
    if data is None:
        messages.error(request, "没有待确认的对账单，请重新上传。")
        return redirect("enrollment:statement_upload")
    STATEMENT_PREVIEWS.delete(pending["file"])
    try:
        result = services.statement_import(actor=request.user, data=data, filename=pending["filename"])
    except (UnreadableFile, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect("enrollment:statement_upload")
    messages.success(
        request,
        f"已导入 {result.lines} 行：自动匹配 {len(result.matched)} 笔，待人工匹配 {len(result.unmatched)} 笔，"
        f"重复流水 {len(result.duplicates)} 笔，多缴 {len(result.overpaid)} 笔，支出 {result.debits} 行已跳过。",
    )
    return redirect("enrollment:payment_queue" if result.unmatched else "enrollment:payments")


@login_required
@require_GET
def queue(request):
    """Waiting lines, each with its candidate invoices ranked, the agreeing parts marked."""
    _centre_only(request)
    lines = StatementLine.objects.filter(status=LineStatus.WAITING).order_by("txn_date", "pk")
    page = Paginator(lines, 20).get_page(request.GET.get("page"))
    invoices = services.open_invoices() if page.object_list else []
    deposits = None
    for line in page:
        # Cash paid in by a person goes only with a unit's deposit proof (§14): those are offered.
        line.in_person = payer_is_person(line.payer_name)
        if line.in_person and deposits is None:
            deposits = services.open_deposits()
        line.deposits = services.line_deposits(line, deposits=deposits) if line.in_person else []
        line.candidates = [] if line.in_person else services.line_candidates(line, invoices=invoices)
    return render(request, "enrollment/payments/queue.html", {"page": page})


def _line_redirect():
    return redirect("enrollment:payment_queue")


@login_required
@require_POST
def line_action(request, pk, action):
    _centre_only(request)
    line = get_visible_or_404(StatementLine, request.user, pk=pk)
    try:
        if action == "match":
            application = get_visible_or_404(Application, request.user, pk=_int(request.POST.get("application")))
            deposit = request.POST.get("deposit")
            payer = request.POST.get("payer") or None
            if payer is not None and payer not in PayerKind.values:
                raise Http404
            services.line_match(actor=request.user, line_id=line.pk, application_id=application.pk,
                                deposit_id=_int(deposit) if deposit else None, payer_kind=payer)  # fmt: skip
            whose = application.payer_reference(payer) if payer else application.reference
            messages.success(request, f"流水 {line.txn_no} 已计入申请 {whose}。")
        elif action == "split":
            parts = []
            for reference, amount in zip(
                request.POST.getlist("reference"), request.POST.getlist("amount"), strict=False
            ):
                if not reference.strip() and not amount.strip():
                    continue
                base, payer = split_reference(reference)  # a payer's own reference names its part
                application = Application.objects.visible_to(request.user).filter(reference=base).first()
                if application is None:
                    raise ValidationError(f"没有编号为“{reference.strip()[:40]}”的申请。")
                parts.append((application.pk, _money(amount), payer))
            services.line_split(actor=request.user, line_id=line.pk, parts=parts)
            messages.success(request, f"流水 {line.txn_no} 已拆分到 {len(parts)} 个申请。")
        elif action == "not-ours":
            services.line_not_ours(actor=request.user, line_id=line.pk, reason=request.POST.get("reason", ""))
            messages.success(request, f"流水 {line.txn_no} 已标记为非缴费款项。")
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    return _line_redirect()


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _money(value) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError(f"金额“{str(value)[:20]}”不是数字。") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValidationError(f"金额“{str(value)[:20]}”最多两位小数。")
    return amount


@login_required
@require_POST
def payment_undo(request, pk):
    _centre_only(request)
    payment = get_visible_or_404(Payment.objects.select_related("application"), request.user, pk=pk)
    attempt(request, lambda: services.payment_undo(actor=request.user, payment_id=payment.pk,
                                                   reason=request.POST.get("reason", "")),
            "已撤销这笔到账，流水回到待人工匹配。")  # fmt: skip
    return redirect(reverse("enrollment:application", args=[payment.application.reference]) + "#invoice")


@login_required
@require_POST
def refund(request, reference):
    _centre_only(request)
    application = get_visible_or_404(Application, request.user, reference=reference)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    else:
        data = {**form.cleaned_data, "payer_kind": form.cleaned_data["payer_kind"] or None}
        attempt(request, lambda: services.refund_record(actor=request.user, application_id=application.pk,
                                                        **data), "已登记退款。")  # fmt: skip
    return redirect(reverse("enrollment:application", args=[reference]) + "#invoice")


@login_required
@require_POST
def deposit(request, reference):
    """The clerk records cash paid in at the bank, with the stamped proof and the deposit slip."""
    application = get_visible_or_404(Application.objects.select_related("unit"), request.user, reference=reference)
    form = CashDepositForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[name].label}：{e}" for name, errors in form.errors.items()
                                         for e in errors))  # fmt: skip
    else:
        attempt(request, lambda: services.deposit_record(actor=request.user, application=application,
                                                         **form.cleaned_data),
                "已登记现金存款，市中心收到银行流水后凭存款证明确认到账。")  # fmt: skip
    return redirect(reverse("enrollment:application", args=[reference]) + "#deposit")


def invoice_context(request, application) -> dict:
    """What the application page shows of its invoice: for the clerk, what to transfer; for the
    centre, every credit with its undo, and the refund form when overpaid."""
    from enrollment.models import CentreAccount

    if application.status not in (ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE):
        return {}
    from mutualaid.roles import Role, role_of

    open_invoice = application.status == ApplicationStatus.CENTRE_APPROVED and application.balance > 0
    parts = services.payer_parts(application)
    overpaid = [part for part in parts if part.overpaid > 0]
    refund_form = None
    if is_city(request.user) and overpaid:
        refund_form = RefundForm(initial={"amount": overpaid[0].overpaid, "refunded_on": timezone.localdate(),
                                          "payer_kind": overpaid[0].kind})  # fmt: skip
        refund_form.fields["payer_kind"].choices = [(part.kind, f"{part.label}（多缴 {part.overpaid} 元）")
                                                    for part in overpaid]  # fmt: skip
    return {
        "funding_parts": parts,
        "invoice": True,
        "receipts": application.receipts.visible_to(request.user).select_related("replaces").order_by("-pk"),
        "deposits": application.cash_deposits.visible_to(request.user).select_related("proof", "slip", "line"),
        "deposit_form": CashDepositForm(
            initial={"amount": application.balance, "deposited_on": timezone.localdate()}, auto_id="deposit_%s"
        )
        if open_invoice and role_of(request.user) == Role.CLERK
        else None,
        "centre_account": CentreAccount.objects.filter(active=True).first(),
        "credits": application.payments.select_related("undone_by").order_by("paid_on", "pk"),
        "refunds": application.refunds.order_by("refunded_on"),
        "refund_form": refund_form,
    }
