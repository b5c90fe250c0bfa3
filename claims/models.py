from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from enrollment.models import MONEY, ZERO, Coverage, District, Member, Plan, SummaryQuerySet, Unit, money_field
from mutualaid.roles import MEMBER
from mutualaid.scoping import CityOnlyQuerySet, Role, ScopedQuerySet
from mutualaid.uploads import StoredDocument, stored_document_path
from mutualaid.workflow import Workflow

# Claims of this amount or more need the paper originals before approval.
ORIGINALS_THRESHOLD = Decimal("3000.00")
# Claims waiting longer than this many working days in one queue are flagged.
QUEUE_WORKING_DAYS_LIMIT = 30


class ClaimKind(models.TextChoices):
    HOSPITAL_STAY = "hospital_stay", "住院"
    DIAGNOSIS = "diagnosis", "确诊/手术"
    DISABILITY = "disability", "意外伤残"
    DEATH = "death", "身故"
    PROPERTY_LOSS = "property_loss", "家庭财产火灾损失"


class Cause(models.TextChoices):
    ILLNESS = "illness", "疾病"
    ACCIDENT = "accident", "意外伤害"
    TRAFFIC_ACCIDENT = "traffic_accident", "交通事故"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    # Filed by the member from their phone (/me/, DOMAIN.md §13): with the unit's clerk, who completes
    # and submits it (the unit's opinion, §3's first step) or sends it back to the member.
    MEMBER_FILED = "member_filed", "职工本人提交，待单位确认"
    MEMBER_RETURNED = "member_returned", "已退回职工本人补充"
    SUBMITTED = "submitted", "待办事处审核"
    DISTRICT_APPROVED = "district_approved", "待中心审核"
    CENTRE_CHECKED = "centre_checked", "待负责人审批"
    APPROVED = "approved", "已审批待支付"
    PAID = "paid", "已支付"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "不予给付"
    CLOSED = "closed", "结案，不予给付"

    # The named groups below, declared for the type checker (annotations are not members).
    EDITABLE: ClassVar[frozenset["ClaimStatus"]]
    FROM_MEMBER: ClassVar[frozenset["ClaimStatus"]]
    OPEN: ClassVar[frozenset["ClaimStatus"]]
    FINISHED: ClassVar[frozenset["ClaimStatus"]]
    COUNTED: ClassVar[frozenset["ClaimStatus"]]


# Named state groups, written once. Still with its filer: the details and documents can change.
ClaimStatus.EDITABLE = frozenset({ClaimStatus.DRAFT, ClaimStatus.RETURNED})
# Filed by the member and not yet submitted by the unit: with the clerk, or back with the member.
ClaimStatus.FROM_MEMBER = frozenset({ClaimStatus.MEMBER_FILED, ClaimStatus.MEMBER_RETURNED})
# Under review: waiting for the district office, the handler or the head.
ClaimStatus.OPEN = frozenset({ClaimStatus.SUBMITTED, ClaimStatus.DISTRICT_APPROVED, ClaimStatus.CENTRE_CHECKED})
# Decided for good: nothing more to check or pay.
ClaimStatus.FINISHED = frozenset({ClaimStatus.PAID, ClaimStatus.REJECTED, ClaimStatus.CLOSED})
# Claims whose amounts count in the member's history (caps, conditions, days). A closed
# claim paid 0.00 but its eligible expense still counts towards the deductible (DOMAIN.md §3).
ClaimStatus.COUNTED = frozenset({ClaimStatus.APPROVED, ClaimStatus.PAID, ClaimStatus.CLOSED})
COUNTED_STATUSES = sorted(ClaimStatus.COUNTED)
OPEN_STATUSES = ClaimStatus.OPEN
# The centre's people who make and confirm payout batches.
PAYERS = {Role.CENTRE_HANDLER, Role.CENTRE_HEAD}


class ClaimQuerySet(ScopedQuerySet):
    member_path = "member"

    def counted(self):
        return self.filter(status__in=COUNTED_STATUSES)

    def as_rows(self):
        """Claims as the lists and home pages show them, a row each: the columns ``Claim.ROW_COLUMNS``
        names, with the member, unit and plan they come from."""
        return self.select_related("member", "plan__period", "unit").only(*Claim.ROW_COLUMNS)

    def sharing_invoices(self, invoice_numbers: str):
        """Claims naming any of these invoice numbers (as a claim holds them: comma-separated), read
        through the expression index of claims 0009 (upper-cased, spaces and 全角逗号 ignored): a
        LIKE on the column read all 146,000 claims of a province, 40 ms per number."""
        # The column unqualified: inside a subquery (Exists, pk__in) it is the inner claim's.
        return self.extra(where=["claims_invoice_numbers(invoice_numbers) && claims_invoice_numbers(%s)"],
                          params=[invoice_numbers])  # fmt: skip


class Claim(models.Model):
    workflow = Workflow(
        # Who may do what at which stage (DOMAIN.md §3): the services' checks, the claim page's
        # buttons and the reviewers' queues all read this table. Only the reviewer whose stage it is
        # acts: the district office at submitted, the handler at district_approved, the head at
        # centre_checked (an approval that pays nothing closes; a changed amount goes back).
        ("submit", ClaimStatus.EDITABLE, "submitted", "提交申领", {Role.CLERK, Role.CENTRE_HANDLER}),
        # A member's own claim (DOMAIN.md §13): the member files it (and sends it again once returned to
        # them); the unit's clerk completes and submits it, or returns it to the member with a reason.
        ("member_file", ("draft", "member_returned"), "member_filed", "职工本人提交", {MEMBER}),
        ("submit", ("member_filed",), "submitted", "提交申领", {Role.CLERK}),
        ("return_to_member", ("member_filed",), "member_returned", "退回职工本人", {Role.CLERK}),
        ("district_approve", ("submitted",), "district_approved", "办事处审核通过", {Role.DISTRICT}),
        ("centre_check", ("district_approved",), "centre_checked", "中心经办人审核", {Role.CENTRE_HANDLER}),
        ("approve", ("centre_checked",), "approved", "中心负责人审批", {Role.CENTRE_HEAD}),
        ("pay", ("approved",), "paid", "支付", PAYERS),
        ("bounce", ("paid",), "approved", "银行退票，重新待支付", PAYERS),
        ("close", ("centre_checked",), "closed", "结案，不予给付", {Role.CENTRE_HEAD}),
        ("recheck", ("centre_checked",), "district_approved", "金额有变化，退回经办人复核", {Role.CENTRE_HEAD}),
        ("return", ("submitted",), "returned", "退回", {Role.DISTRICT}),
        ("return", ("district_approved",), "returned", "退回", {Role.CENTRE_HANDLER}),
        ("return", ("centre_checked",), "returned", "退回", {Role.CENTRE_HEAD}),
        ("reject", ("submitted",), "rejected", "不予给付", {Role.DISTRICT}),
        ("reject", ("district_approved",), "rejected", "不予给付", {Role.CENTRE_HANDLER}),
        ("reject", ("centre_checked",), "rejected", "不予给付", {Role.CENTRE_HEAD}),
        labels=dict(ClaimStatus.choices),
    )

    reference = models.CharField("申领编号", max_length=40, unique=True)
    seq = models.PositiveIntegerField("序号")
    coverage = models.ForeignKey(Coverage, verbose_name="保障", on_delete=models.PROTECT, related_name="claims")
    member = models.ForeignKey(Member, verbose_name="会员", on_delete=models.PROTECT, related_name="claims")
    plan = models.ForeignKey(Plan, verbose_name="保障项目", on_delete=models.PROTECT, related_name="claims")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(
        "状态", max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT, db_index=True
    )
    # The event
    kind = models.CharField("申领类型", max_length=20, choices=ClaimKind.choices)
    cause = models.CharField("原因", max_length=20, choices=Cause.choices, default=Cause.ILLNESS)
    admitted = models.DateField("入院日期", null=True, blank=True)
    discharged = models.DateField("出院日期", null=True, blank=True)
    event_date = models.DateField("确诊/事故/身故日期", null=True, blank=True)
    diagnosis = models.CharField("疾病编码", max_length=10, blank=True)
    diagnosis_text = models.CharField("诊断", max_length=200, blank=True)
    disability_grade = models.PositiveSmallIntegerField("伤残等级", null=True, blank=True)
    work_injury = models.BooleanField("工伤", default=False, help_text="意外伤害属于工伤时勾选。")
    loss_amount = money_field("财产损失核定金额", help_text="家庭财产火灾损失：按财产损失清单核定的损失金额。")
    hospital = models.CharField("医院", max_length=100, blank=True)
    invoice_numbers = models.CharField("发票号码", max_length=300, blank=True, help_text="多张以逗号分隔")
    total_cost = money_field("医疗费用总额")
    basic_insurance_paid = money_field("基本医保支付")
    other_paid = money_field("其他已报销")
    excluded_self_pay = money_field("自费（不予报销）")
    prior_plan_payouts = money_field("同次住院其他项目已给付")
    # Payee
    payee_name = models.CharField("收款人", max_length=60, blank=True)
    payee_bank = models.CharField("开户行", max_length=60, blank=True)
    payee_account = models.CharField("收款账号", max_length=40, blank=True)
    payee_reason = models.CharField(
        "收款人非会员本人的原因",
        max_length=300,
        blank=True,
        help_text="会员身故由受益人领取时无须填写；其他情况由中心经办人填写。",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    unit_opinion = models.CharField(
        "所在单位工会意见", max_length=300, blank=True, default="情况属实，同意申报。", help_text="打印在审核表上。"
    )
    duplicate_reason = models.CharField(
        "重复申领说明", max_length=300, blank=True, help_text="与已有申领的住院或事件日期相同时，说明原因。"
    )
    # The engine's decision, stored with its inputs and rules version so it can be replayed.
    computed_amount = models.DecimalField("核算金额", null=True, blank=True, **MONEY)
    checked_amount = models.DecimalField("经办人审核金额", null=True, blank=True, **MONEY)
    adjusted_amount = models.DecimalField("调整后金额", null=True, blank=True, **MONEY)
    adjustment_reason = models.CharField("调整原因", max_length=300, blank=True)
    approved_amount = models.DecimalField("核准金额", null=True, blank=True, **MONEY)
    decision = models.CharField("结论", max_length=20, blank=True)
    reasons = models.JSONField("原因代码", default=list, blank=True)
    explanation = models.JSONField("计算说明", default=list, blank=True)
    inputs = models.JSONField("计算依据", default=dict, blank=True)
    rules_version = models.CharField("规则版本", max_length=20, blank=True)
    # What an approved claim adds to the member's history.
    eligible_expense = money_field("合规费用")
    days = models.PositiveSmallIntegerField("津贴天数", default=0)
    condition = models.CharField("给付疾病编码", max_length=10, blank=True)
    is_condolence = models.BooleanField("慰问金", default=False)
    accident_medical = money_field("意外医疗给付")
    disability_amount = money_field("伤残给付")
    property_loss_amount = money_field("家财损失给付")
    # Workflow stamps
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    queue_since = models.DateTimeField("进入当前环节", null=True, blank=True)
    district_approved_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="中心经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="中心负责人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    originals_received_at = models.DateTimeField("原件收到时间", null=True, blank=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    payout_batch = models.ForeignKey(
        "PayoutBatch", verbose_name="支付批次", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    last_comment = models.TextField("最近意见", blank=True)
    # A claim paid before going live, imported from the centre's sheet (file and Excel row): it counts
    # in the member's history like any paid claim, and nothing here changes it. ``import_key`` is
    # period|plan|ID number|kind|event date, what makes a second import of the same row change nothing.
    imported_from = models.ForeignKey(
        "enrollment.HistoryImport", verbose_name="导入来源", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    source_row = models.PositiveIntegerField("导入行号", null=True, blank=True)
    import_key = models.CharField("导入键", max_length=80, blank=True, default="", db_default="")

    objects = ClaimQuerySet.as_manager()

    # What a listed claim shows (the claim lists, the home pages: ``Claim.objects.as_rows()``) and its
    # deadline is computed from: of the claim's seventy columns and its member's, unit's and plan's,
    # building 50 rows of every column was a sixth of a list page. A column a row reads and this leaves
    # out costs a query per row, which tests/test_query_counts.py would see.
    ROW_COLUMNS = ("reference", "status", "submitted_at", "paid_at", "queue_since", "approved_amount",
                   "adjusted_amount", "computed_amount", "member__name", "member__id_number", "unit__name",
                   "plan__name", "plan__period__name")  # fmt: skip

    class Meta:
        verbose_name = "理赔申领"
        verbose_name_plural = "理赔申领"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit", "seq"], name="claim_seq_unique"),
            models.CheckConstraint(
                condition=Q(total_cost__gte=0)
                & Q(basic_insurance_paid__gte=0)
                & Q(other_paid__gte=0)
                & Q(excluded_self_pay__gte=0)
                & Q(loss_amount__gte=0),
                name="claim_amounts_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0), name="claim_approved_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True) | Q(disability_grade__gte=1, disability_grade__lte=10),
                name="claim_disability_grade_range",
            ),
            models.UniqueConstraint(fields=["import_key"], condition=~Q(import_key=""), name="claim_import_key_unique"),
        ]
        indexes = [
            models.Index(fields=["member", "status"]),
            models.Index(fields=["coverage", "status"]),
            # Found by part of its reference (mutualaid.search).
            GinIndex(fields=["reference"], opclasses=["gin_trgm_ops"], name="claim_reference_trgm"),
            # A queue in its order (claims.views): the first page without sorting the whole status.
            models.Index(fields=["status", "queue_since", "id"], name="claim_queue_order"),
            # The payment deadline's late and near claims (claims.deadlines: every claim not yet paid),
            # counted and read oldest first in one walk of the index whatever their statuses.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status__in=sorted(ClaimStatus.OPEN | {ClaimStatus.APPROVED})),
                name="claim_running_by_submission",
            ),
        ]

    def __str__(self):
        return self.reference

    @staticmethod
    def make_reference(plan: Plan, unit: Unit, seq: int) -> str:
        return f"{plan.period.number}-{plan.code}-{unit.code}-C{seq}"

    @property
    def is_imported(self) -> bool:
        return self.imported_from_id is not None

    @property
    def imported_where(self) -> str:
        """由历史数据导入（文件名 第 N 行）, or "" for a claim entered here."""
        return self.imported_from.where(self.source_row) if self.imported_from_id else ""

    @property
    def amount_for_review(self) -> Decimal | None:
        """The figure under review: the handler's adjustment if any, else the engine's."""
        if self.approved_amount is not None:
            return self.approved_amount
        if self.adjusted_amount is not None:
            return self.adjusted_amount
        return self.computed_amount

    @property
    def needs_originals(self) -> bool:
        amount = self.amount_for_review
        return amount is not None and amount >= ORIGINALS_THRESHOLD

    @property
    def invoice_list(self) -> list[str]:
        return [n.strip() for n in self.invoice_numbers.replace("，", ",").split(",") if n.strip()]


class DocumentKind(models.TextChoices):
    DISCHARGE_SUMMARY = "discharge_summary", "出院小结"
    INVOICE = "invoice", "费用发票"
    SETTLEMENT = "settlement", "医保结算单"
    DIAGNOSIS_CERTIFICATE = "diagnosis_certificate", "诊断证明"
    PATHOLOGY_REPORT = "pathology_report", "病理报告"
    SURGERY_RECORD = "surgery_record", "手术记录"
    DISABILITY_APPRAISAL = "disability_appraisal", "伤残鉴定书"
    DEATH_CERTIFICATE = "death_certificate", "死亡证明"
    RELATIONSHIP_PROOF = "relationship_proof", "受益人关系证明"
    ID_CARD = "id_card", "会员身份证"
    BANK_CARD = "bank_card", "收款人银行卡"
    FIRE_REPORT = "fire_report", "火灾事故认定书"
    LOSS_LIST = "loss_list", "财产损失清单"
    OTHER = "other", "其他材料"


D = DocumentKind
# What must be attached before a claim is submitted (DOMAIN.md §3): each entry is satisfied
# by any one of its kinds. "surgery" applies to a diagnosis whose catalogue item is an operation.
REQUIRED_DOCUMENTS: dict[str, list[tuple[DocumentKind, ...]]] = {
    "hospital_stay": [(D.DISCHARGE_SUMMARY,), (D.INVOICE,), (D.SETTLEMENT,)],
    "diagnosis": [(D.DIAGNOSIS_CERTIFICATE, D.PATHOLOGY_REPORT)],
    "surgery": [(D.SURGERY_RECORD,)],
    "disability": [(D.DISABILITY_APPRAISAL,)],
    "death": [(D.DEATH_CERTIFICATE,), (D.RELATIONSHIP_PROOF,)],
    "property_loss": [(D.FIRE_REPORT,), (D.LOSS_LIST,)],
    "always": [(D.ID_CARD,), (D.BANK_CARD,)],
}


class ClaimDocumentQuerySet(ScopedQuerySet):
    unit_path = "claim__unit"
    district_path = "claim__unit__district"
    member_path = "claim__member"


# The name migration 0001 gives the claim documents' upload path: the one every stored scan shares
# (a random name: nothing about the claim or the original file is guessable from it).
claim_document_path = stored_document_path


class ClaimDocument(StoredDocument):
    upload_folder = "claims"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料类型", max_length=30, choices=DocumentKind.choices)
    # Its own default filled the rows kept before the type was recorded (migration 0002); dropping it
    # would be a migration for nothing, as every upload sets the type it checked.
    content_type = models.CharField("文件类型", max_length=40, default="application/pdf")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClaimDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "申领材料"
        verbose_name_plural = "申领材料"
        ordering = ["claim", "kind", "uploaded_at"]

    def __str__(self):
        return f"{self.claim} {self.get_kind_display()}"


class PayoutStatus(models.TextChoices):
    OPEN = "open", "待支付"
    PAID = "paid", "已支付"


class PayoutBatchQuerySet(CityOnlyQuerySet):
    """Batches are the centre's; district and unit users never see them."""


class PayoutBatch(models.Model):
    workflow = Workflow(("pay", ("open",), "paid", "标记已支付", PAYERS), labels=dict(PayoutStatus.choices))

    reference = models.CharField("批次号", max_length=30, unique=True)
    status = models.CharField("状态", max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.OPEN)
    total = money_field("总金额")
    claim_count = models.PositiveIntegerField("笔数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="生成人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    paid_at = models.DateTimeField("确认支付时间", null=True, blank=True)
    paid_on = models.DateField("银行支付日期", null=True, blank=True)
    bank_reference = models.CharField("银行回单号", max_length=60, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PayoutBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "支付批次"
        verbose_name_plural = "支付批次"
        ordering = ["-created_at"]

    def __str__(self):
        return self.reference


class DiagnosisSummary(models.Model):
    """How many claims filed with the scheme (as ``PlanDistrictSummary.claims_filed`` counts them) name a
    diagnosis, per plan and district: the statistics' 主要疾病, kept by ``claims.summary``. As many rows
    as distinct diagnoses written, not as claims."""

    plan = models.ForeignKey(Plan, verbose_name="保障项目", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, verbose_name="办事处", on_delete=models.CASCADE, related_name="+")
    diagnosis_text = models.CharField("诊断", max_length=200)
    claims = models.PositiveIntegerField("申领件数", default=0)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = "主要疾病汇总"
        verbose_name_plural = "主要疾病汇总"
        constraints = [
            models.UniqueConstraint(fields=["plan", "district", "diagnosis_text"], name="diagnosis_summary_unique")
        ]

    def __str__(self):
        return self.diagnosis_text


__all__ = ["ZERO", "Claim", "ClaimDocument", "DiagnosisSummary", "PayoutBatch"]
