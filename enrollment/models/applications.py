"""A unit's application for a plan, its roster, the coverages it gives, and the files kept on it."""

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from enrollment.models.fields import ZERO, money_field
from enrollment.models.funding import FUNDING_PAYERS, PART_FIELDS, PAYER_SUFFIX, FundingWay, PayerKind
from enrollment.models.organisation import Member, Unit
from enrollment.models.plans import Plan
from mutualaid.roles import CITY_ROLES, Role
from mutualaid.scoping import ScopedQuerySet
from mutualaid.uploads import StoredDocument, random_path, stored_document_path
from mutualaid.workflow import Workflow


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    DISTRICT_APPROVED = "district_approved", "办事处已审核"
    CENTRE_APPROVED = "centre_approved", "中心已审核（待缴费）"
    EFFECTIVE = "effective", "已生效"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"

    # The named groups below, declared for the type checker (annotations are not members).
    EDITABLE: ClassVar[frozenset["ApplicationStatus"]]
    IN_REVIEW: ClassVar[frozenset["ApplicationStatus"]]
    CLOSED: ClassVar[frozenset["ApplicationStatus"]]
    LIVE: ClassVar[frozenset["ApplicationStatus"]]


# Named state groups, written once. The roster can still change: a draft, or one returned to the
# unit (back to draft, §3).
ApplicationStatus.EDITABLE = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})
# Waiting for the district office or the centre.
ApplicationStatus.IN_REVIEW = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.DISTRICT_APPROVED})
# Not given up: its people are enrolled (or on their way) and cannot be on another live application.
ApplicationStatus.CLOSED = frozenset({ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN})
ApplicationStatus.LIVE = frozenset(ApplicationStatus) - ApplicationStatus.CLOSED
LIVE_APPLICATION = ~Q(status__in=sorted(ApplicationStatus.CLOSED))  # the live group, as a query


@dataclass(frozen=True)
class InvoiceFigures:
    """缴费人数, 总份数, 应缴 (what the unit pays) and 工会补贴 of one application."""

    members: int
    shares: int
    due: Decimal
    subsidy: Decimal


def invoice_figures(plan, *, members: int, shares: int) -> InvoiceFigures:
    """The invoice: shares x (premium - union subsidy), the subsidy booked apart. Submission,
    centre approval and a draft's page all compute it here."""
    return InvoiceFigures(members, shares, plan.clerk_premium * shares, plan.union_subsidy * shares)


INVOICE_STATUS_LABELS = {"unpaid": "未缴费", "partly_paid": "部分缴费", "paid": "已缴清", "overpaid": "多缴待退"}


# The centre's reviewers of an application (the district office reviews it first).
CENTRE_REVIEW = {Role.CENTRE_HANDLER, Role.CENTRE_HEAD}


class ApplicationQuerySet(ScopedQuerySet):
    def live(self):
        return self.filter(LIVE_APPLICATION)


class Application(models.Model):
    """A unit's group application (团体申请) for one plan of one period."""

    # Who may do what at which stage: the services' checks, the page's buttons and the reviewers'
    # queues all read this table. The clerk submits and withdraws; the district office reviews at
    # submitted, the centre at district_approved; activation follows payment (whoever records it).
    workflow = Workflow(
        ("submit", ApplicationStatus.EDITABLE, "submitted", "提交", {Role.CLERK}),
        ("district_approve", ("submitted",), "district_approved", "办事处审核通过", {Role.DISTRICT}),
        ("centre_approve", ("district_approved",), "centre_approved", "中心审核通过", CENTRE_REVIEW),
        ("activate", ("centre_approved",), "effective", "生效", CITY_ROLES),
        ("return", ("submitted",), "returned", "退回修改", {Role.DISTRICT}),
        ("return", ("district_approved",), "returned", "退回修改", CENTRE_REVIEW),
        ("reject", ("submitted",), "rejected", "不予通过", {Role.DISTRICT}),
        ("reject", ("district_approved",), "rejected", "不予通过", CENTRE_REVIEW),
        ("withdraw", ("draft", "returned", "submitted", "district_approved"), "withdrawn", "撤回", {Role.CLERK}),
        labels=dict(ApplicationStatus.choices),
    )

    reference = models.CharField("申请编号", max_length=40, unique=True)
    plan = models.ForeignKey(Plan, verbose_name="保障项目", on_delete=models.PROTECT, related_name="applications")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="applications")
    seq = models.PositiveIntegerField("序号")
    status = models.CharField(
        "状态", max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT, db_index=True
    )
    declared_staff = models.PositiveIntegerField("在职人数")
    uniform_shares = models.BooleanField("统一份数", default=True)
    contact_name = models.CharField("经办人姓名", max_length=30, blank=True)
    contact_phone = models.CharField("经办人联系方式", max_length=30, blank=True)
    invoice_title = models.CharField("票据抬头", max_length=100, blank=True, help_text="空 = 单位名称")
    invoice_tax_number = models.CharField("纳税人识别号", max_length=20, blank=True)
    # Who pays (DOMAIN.md §14): the way, and each payer's part per share when the way shares it
    # (a way with one payer reads the plan's premium: its part is the whole).
    funding = models.CharField("缴费方式", max_length=30, choices=FundingWay.choices, default=FundingWay.ADMIN)
    part_unit = money_field("单位行政每份（元）")
    part_union = money_field("单位工会每份（元）")
    part_personal = money_field("职工个人每份（元）")
    member_count = models.PositiveIntegerField("缴费人数", default=0)
    share_count = models.PositiveIntegerField("总份数", default=0)
    amount_due = money_field("应缴金额")
    subsidy_total = money_field("工会补贴")
    amount_paid = money_field("已缴金额")
    amount_refunded = money_field("已退款")
    paid_on = models.DateField("缴清日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    centre_approved_at = models.DateTimeField("中心审核时间", null=True, blank=True)
    effective_on = models.DateField("生效日期", null=True, blank=True)
    last_comment = models.TextField("最近意见", blank=True)
    # An application the history import made for a past period's coverages of one unit and plan
    # (DOMAIN.md §4): effective, never reviewed here, its invoice what the centre's sheet says was paid.
    imported_from = models.ForeignKey(
        "HistoryImport", verbose_name="导入来源", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "团体申请"
        verbose_name_plural = "团体申请"
        ordering = ["-created_at"]
        # Found by part of its reference (mutualaid.search: 16-MED-U001, U001-2).
        indexes = [
            GinIndex(fields=["reference"], opclasses=["gin_trgm_ops"], name="application_reference_trgm"),
            # The payments page's overpaid applications, oldest payment first: a handful among a
            # province's 90,000 applications, which it read one by one (20 ms) without this.
            models.Index(
                fields=["paid_on", "id"],
                condition=Q(amount_paid__gt=F("amount_due") + F("amount_refunded")),
                name="application_overpaid",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit", "seq"], name="application_seq_unique"),
            models.CheckConstraint(
                condition=Q(amount_due__gte=0) & Q(amount_paid__gte=0), name="application_amounts_nonneg"
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def period(self):
        return self.plan.period

    @cached_property
    def figures(self) -> InvoiceFigures:
        """Fixed at submission and at centre approval; while the roster is open, counted from its
        lines as the invoice will be (a list page may preset ``line_totals`` for a page of drafts)."""
        if self.status not in ApplicationStatus.EDITABLE:
            return InvoiceFigures(self.member_count, self.share_count, self.amount_due, self.subsidy_total)
        totals = getattr(self, "line_totals", None)
        if totals is None:
            totals = self.lines.aggregate(members=models.Count("pk"), shares=models.Sum("shares"))
        return invoice_figures(self.plan, members=totals["members"], shares=totals["shares"] or 0)

    @property
    def balance(self) -> Decimal:
        """What the unit still owes; negative when it paid more than was due (and not yet refunded)."""
        return self.amount_due - (self.amount_paid - self.amount_refunded)

    @property
    def overpaid_amount(self) -> Decimal:
        """What the centre owes back (多缴待退): the part of the balance below zero."""
        return max(-self.balance, ZERO)

    @property
    def invoice_status(self) -> str:
        received = self.amount_paid - self.amount_refunded
        if received <= 0 and self.amount_due > 0:
            return "unpaid"
        if received < self.amount_due:
            return "partly_paid"
        return "overpaid" if received > self.amount_due else "paid"

    @property
    def invoice_status_label(self) -> str:
        return INVOICE_STATUS_LABELS[self.invoice_status]

    @property
    def payer_kinds(self) -> tuple[str, ...]:
        return FUNDING_PAYERS[self.funding]

    @property
    def shared_funding(self) -> bool:
        """More than one payer: each part has its own payment reference, invoice and receipt."""
        return len(self.payer_kinds) > 1

    def part_per_share(self, kind: str) -> Decimal:
        if kind not in self.payer_kinds:
            return ZERO
        if not self.shared_funding:
            return self.plan.clerk_premium
        return getattr(self, PART_FIELDS[PayerKind(kind)])

    def payer_due(self, kind: str) -> Decimal:
        """What this payer owes: its part per share × the shares (fixed with the invoice)."""
        if not self.shared_funding:
            return self.figures.due if kind in self.payer_kinds else ZERO
        return self.part_per_share(kind) * self.figures.shares

    def payer_reference(self, kind: str) -> str:
        """What this payer writes as the transfer's memo."""
        return f"{self.reference}-{PAYER_SUFFIX[PayerKind(kind)]}" if self.shared_funding else self.reference

    @staticmethod
    def make_reference(plan: Plan, unit: Unit, seq: int) -> str:
        return f"{plan.period.number}-{plan.code}-{unit.code}-{seq}"


class RosterLine(models.Model):
    """A member on an application's roster (人员手册), frozen at submission."""

    # No separate index on application or plan: the unique (application, member) and the partial
    # unique (member, plan) indexes serve those lookups, and every index costs a 100,000-line import.
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="lines", db_index=False)
    member = models.ForeignKey(Member, verbose_name="会员", on_delete=models.PROTECT, related_name="roster_lines")
    # The application's plan and whether it is live (not rejected or withdrawn), copied onto the
    # line so the database itself holds one live enrollment per person, plan and period.
    plan = models.ForeignKey(
        Plan, verbose_name="保障项目", on_delete=models.PROTECT, related_name="roster_lines", db_index=False
    )
    live = models.BooleanField("有效", default=True)
    row_number = models.PositiveIntegerField("序号", default=0)
    shares = models.PositiveSmallIntegerField("份数", default=1, validators=[MinValueValidator(1)])
    renewed_shares = models.PositiveSmallIntegerField("续保份数", default=0)
    insurance_card = models.CharField("医保卡号", max_length=30, blank=True)
    # What the roster declares about the person. It belongs to this line: the member record takes
    # it only at centre approval of this application (services.apply_declared_details), so one
    # unit's draft never rewrites a person another unit enrolled. Blank / None: not declared.
    phone = models.CharField("手机号", max_length=30, blank=True)
    has_basic_insurance = models.BooleanField("参加基本医保", null=True, blank=True)
    needy = models.BooleanField("困难职工", null=True, blank=True)
    occupation = models.CharField("职业", max_length=30, blank=True)
    bank_name = models.CharField("开户行", max_length=60, blank=True)
    bank_account = models.CharField("银行卡号", max_length=40, blank=True)
    # The parent (on the unit's staff) of a child on a plan insuring dependants (DOMAIN.md §14); indexed
    # only where set (``Meta``), so the lines of any other plan add nothing to that index.
    parent = models.ForeignKey(
        Member,
        verbose_name="父母（职工）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = "人员名单"
        verbose_name_plural = "人员名单"
        ordering = ["application", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="roster_member_unique"),
            models.UniqueConstraint(
                fields=["member", "plan"], condition=Q(live=True), name="one_live_enrollment_per_member_plan"
            ),
            models.CheckConstraint(
                condition=Q(renewed_shares__lte=models.F("shares")), name="roster_renewed_le_shares"
            ),
            models.CheckConstraint(condition=Q(shares__gte=1), name="roster_shares_at_least_one"),
        ]
        indexes = [models.Index(fields=["parent"], condition=Q(parent__isnull=False), name="rosterline_parent_set")]

    def __str__(self):
        return f"{self.application} {self.member.name}"


class CoverageStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    CANCELLED = "cancelled", "已注销"


class CoverageQuerySet(ScopedQuerySet):
    member_path = "member"

    def active(self):
        return self.filter(status=CoverageStatus.ACTIVE)


class Coverage(models.Model):
    member = models.ForeignKey(Member, verbose_name="会员", on_delete=models.PROTECT, related_name="coverages")
    plan = models.ForeignKey(Plan, verbose_name="保障项目", on_delete=models.PROTECT, related_name="coverages")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="coverages")
    unit = models.ForeignKey(Unit, verbose_name="参保单位", on_delete=models.PROTECT, related_name="coverages")
    shares = models.PositiveSmallIntegerField("份数", default=1, validators=[MinValueValidator(1)])
    renewed_shares = models.PositiveSmallIntegerField("续保份数", default=0)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("终止日期")
    status = models.CharField("状态", max_length=10, choices=CoverageStatus.choices, default=CoverageStatus.ACTIVE)
    # Imported from the centre's legacy sheets (the file and its Excel row), not entered here.
    imported_from = models.ForeignKey(
        "HistoryImport", verbose_name="导入来源", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_row = models.PositiveIntegerField("导入行号", null=True, blank=True)

    objects = CoverageQuerySet.as_manager()

    class Meta:
        verbose_name = "保障"
        verbose_name_plural = "保障"
        ordering = ["plan", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "plan"],
                condition=Q(status="active"),
                name="one_active_coverage_per_member_plan",
            ),
            models.CheckConstraint(
                condition=Q(renewed_shares__lte=models.F("shares")), name="coverage_renewed_le_shares"
            ),
            models.CheckConstraint(condition=Q(shares__gte=1), name="coverage_shares_at_least_one"),
            models.CheckConstraint(condition=Q(effective_to__gte=models.F("effective_from")), name="coverage_dates"),
        ]

    def __str__(self):
        return f"{self.member.name} {self.plan.period.number}-{self.plan.code}"

    @property
    def is_renewal(self) -> bool:
        return self.renewed_shares > 0

    @property
    def is_imported(self) -> bool:
        return self.imported_from_id is not None

    @property
    def imported_where(self) -> str:
        """由历史数据导入（文件名 第 N 行）, or "" for a coverage entered here."""
        return self.imported_from.where(self.source_row) if self.imported_from_id else ""


class HistoryKind(models.TextChoices):
    COVERAGES = "coverages", "历史参保记录"
    CLAIMS = "claims", "历史理赔记录"


class HistoryImport(models.Model):
    """One file of the centre's past (coverages or paid claims) imported at going live: the records
    it wrote point here with their row, so every page can say where they came from."""

    kind = models.CharField("文件类型", max_length=10, choices=HistoryKind.choices)
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64)
    rows = models.PositiveIntegerField("数据行数", default=0)
    created = models.PositiveIntegerField("新增记录", default=0)
    unchanged = models.PositiveIntegerField("已有记录", default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "历史数据导入"
        verbose_name_plural = "历史数据导入"
        ordering = ["-imported_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name}"

    def where(self, row: int | None) -> str:
        """What a page shows of an imported record: 由历史数据导入（文件名 第 N 行）."""
        return f"由历史数据导入（{self.file_name} 第 {row} 行）" if row else f"由历史数据导入（{self.file_name}）"


class ApplicationDocumentKind(models.TextChoices):
    INSURANCE_PROOF = "insurance_proof", "社会保险缴纳证明"
    TRANSFER_SLIP = "transfer_slip", "转账凭证"
    # A unit without a corporate account deposits cash (DOMAIN.md §14): both come with its CashDeposit.
    DEPOSIT_PROOF = "deposit_proof", "无对公账户存款证明（银行盖章）"
    DEPOSIT_SLIP = "deposit_slip", "现金存款凭条"


class ApplicationDocumentQuerySet(ScopedQuerySet):
    unit_path = "application__unit"
    district_path = "application__unit__district"


# The name migration 0006 gives the documents' upload path: the one every stored scan shares.
application_document_path = stored_document_path


class ApplicationDocument(StoredDocument):
    """A scan the unit attaches to its application: the social-insurance proof, a transfer slip."""

    upload_folder = "applications"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料类型", max_length=30, choices=ApplicationDocumentKind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ApplicationDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["application", "kind", "uploaded_at"]

    def __str__(self):
        return f"{self.application} {self.get_kind_display()}"


class RosterUploadKind(models.TextChoices):
    ERRORS = "errors", "有错误，待修改"
    PREVIEW = "preview", "待确认替换"
    QUEUED = "queued", "交后台处理"


class RosterUploadQuerySet(ScopedQuerySet):
    unit_path = "application__unit"
    district_path = "application__unit__district"


def roster_upload_path(instance, filename):
    return random_path("roster-uploads", filename)


class RosterUpload(models.Model):
    """A roster file kept between two steps of its application: the error report of a file that
    imported nothing (and the file, for the marked copy), the differences a file would make before
    the clerk confirms, or a large file waiting for the worker. It outlives the session; it is
    stored under a random name (the clerk's file name is only a field), and deleted, file and all,
    once replaced, applied or stale (``enrollment.roster.pending``)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="roster_uploads", null=True, blank=True
    )
    kind = models.CharField("用途", max_length=10, choices=RosterUploadKind.choices)
    file = models.FileField("文件", upload_to=roster_upload_path)
    original_name = models.CharField("文件名", max_length=200)
    report = models.JSONField("校验结果", default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True, db_index=True)

    objects = RosterUploadQuerySet.as_manager()

    class Meta:
        verbose_name = "待处理的人员手册"
        verbose_name_plural = "待处理的人员手册"
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.application} {self.original_name}"
