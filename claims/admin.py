"""Claims in the admin are for inspection only: every change goes through claims services."""

from django.contrib import admin
from django.db.models import Q

from claims.models import Claim, ClaimDocument, PayoutBatch
from enrollment.models import Member, Unit
from mutualaid import search
from mutualaid.admin import IndexedSearchMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin


class ClaimDocumentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ClaimDocument
    fields = ("kind", "original_name", "file", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(Claim)
class ClaimAdmin(IndexedSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "member",
        "unit",
        "plan",
        "kind",
        "status",
        "computed_amount",
        "approved_amount",
        "submitted_at",
    )
    list_filter = ("status", "kind", "cause", "plan__period", "plan__kind", "unit__district")
    search_fields = ("reference", "member__name", "member__id_number", "unit__code", "unit__name", "invoice_numbers")
    search_help_text = (
        "输入申领编号、会员身份证号码（18 位或末 4 位以上）或姓名（开头几个字即可）、单位编码或名称、发票号码。"
    )
    list_select_related = ("member", "unit", "plan__period")
    date_hierarchy = "created_at"
    inlines = (ClaimDocumentInline,)

    def search_filter(self, text):
        found = search.search_q(text, reference="reference", units=Unit.objects, members=Member.objects,
                                names=True)  # fmt: skip
        # An invoice number is one of the claim's, by its GIN index (the review's duplicate check).
        return found | Q(pk__in=search.ids(Claim.objects.sharing_invoices(text)))

    fieldsets = (
        ("申领", {"fields": ("reference", "seq", "status", "coverage", "member", "plan", "unit", "last_comment")}),
        (
            "事件",
            {
                "fields": (
                    "kind",
                    "cause",
                    ("admitted", "discharged"),
                    "event_date",
                    ("diagnosis", "diagnosis_text"),
                    "disability_grade",
                    "hospital",
                    "invoice_numbers",
                )
            },
        ),
        (
            "费用",
            {
                "fields": (
                    "total_cost",
                    "basic_insurance_paid",
                    "other_paid",
                    "excluded_self_pay",
                    "prior_plan_payouts",
                )
            },
        ),
        ("收款", {"fields": ("payee_name", "payee_bank", "payee_account", "phone")}),
        (
            "核算",
            {
                "fields": (
                    "computed_amount",
                    "adjusted_amount",
                    "adjustment_reason",
                    "approved_amount",
                    "decision",
                    "reasons",
                    "explanation",
                    "inputs",
                    "rules_version",
                    "eligible_expense",
                    "days",
                    "condition",
                    "is_condolence",
                    "accident_medical",
                    "disability_amount",
                )
            },
        ),
        (
            "审核与支付",
            {
                "fields": (
                    "created_by",
                    "created_at",
                    "submitted_at",
                    "queue_since",
                    "district_approved_at",
                    ("checked_by", "checked_at"),
                    ("approved_by", "approved_at"),
                    "originals_received_at",
                    "payout_batch",
                    "paid_at",
                )
            },
        ),
    )
    # created_at is auto_now_add (not editable), so it must be named here to be shown.
    readonly_fields = ("created_at",)


@admin.register(ClaimDocument)
class ClaimDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("claim", "kind", "original_name", "size", "uploaded_by", "uploaded_at")
    # In reading order (the shared fields of StoredDocument would otherwise come first).
    fields = ("claim", "kind", "file", "original_name", "content_type", "size", "uploaded_by")
    list_filter = ("kind",)
    search_fields = ("claim__reference", "original_name")
    list_select_related = ("claim", "uploaded_by")


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "status", "claim_count", "total", "created_by", "created_at", "paid_at")
    list_filter = ("status",)
    search_fields = ("reference",)
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at",)
