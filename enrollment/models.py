from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mutualaid.lib.bank import normalise_account
from mutualaid.lib.idcard import IdNumberError, mask_id, validate_id
from mutualaid.lib.money import format_yuan
from mutualaid.lib.uscc import UsccError, validate_uscc
from mutualaid.roles import CITY_ROLES, Role, role_of, unit_of
from mutualaid.scoping import CityOnlyQuerySet, CityWideQuerySet, ScopedQuerySet
from mutualaid.uploads import random_path
from mutualaid.workflow import Workflow

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, validators=[MinValueValidator(ZERO)], **MONEY, **kwargs)


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


# --- Organisation -----------------------------------------------------------------


class DistrictQuerySet(ScopedQuerySet):
    unit_path = None  # a clerk sees the district of their unit, see visible_to
    district_path = ""

    def visible_to(self, user):
        if role_of(user) == Role.CLERK:
            unit = unit_of(user)
            return self.filter(pk=unit.district_id) if unit else self.none()
        return super().visible_to(user)


class District(models.Model):
    code = models.CharField("编码", max_length=10, unique=True)
    name = models.CharField("名称", max_length=50)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        verbose_name = "办事处（区市）"
        verbose_name_plural = "办事处（区市）"
        ordering = ["code"]

    def __str__(self):
        return self.name


class UnitQuerySet(ScopedQuerySet):
    unit_path = ""
    district_path = "district"


class Unit(models.Model):
    code = models.CharField("单位编码", max_length=20, unique=True)
    name = models.CharField("单位名称", max_length=100)
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, help_text="18 位；工会联合会等无代码的单位可不填。"
    )
    district = models.ForeignKey(District, verbose_name="所属办事处", on_delete=models.PROTECT, related_name="units")
    address = models.CharField("单位地址", max_length=200, blank=True)
    chair_name = models.CharField("工会主席姓名", max_length=30, blank=True)
    chair_phone = models.CharField("工会主席联系方式", max_length=30, blank=True)
    contact_name = models.CharField("经办人姓名", max_length=30, blank=True)
    contact_phone = models.CharField("经办人联系方式", max_length=30, blank=True)
    declared_staff = models.PositiveIntegerField("在职人数", default=0)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后修改", auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="unit_uscc_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.uscc:
            try:
                self.uscc = validate_uscc(self.uscc)
            except UsccError as exc:
                raise ValidationError({"uscc": exc.message}) from exc


class MemberQuerySet(ScopedQuerySet):
    pass


class Member(models.Model):
    """One row per person, keyed by the 18-character resident ID number."""

    id_number = models.CharField("身份证号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=30)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    phone = models.CharField("手机号", max_length=30, blank=True)
    insurance_card = models.CharField("医保卡号", max_length=30, blank=True)
    has_basic_insurance = models.BooleanField("参加基本医保", default=True)
    needy = models.BooleanField("困难职工", default=False)
    occupation = models.CharField("职业", max_length=30, blank=True)
    bank_name = models.CharField("开户行", max_length=60, blank=True)
    bank_account = models.CharField("银行卡号", max_length=40, blank=True)
    notices_opted_out = models.BooleanField(
        "不接收通知短信", default=False, db_default=False,
        help_text="会员本人可以退订申领进度、保障生效等通知短信；验证码照常发送。",
    )  # fmt: skip

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "会员"
        verbose_name_plural = "会员"
        ordering = ["id_number"]

    def __str__(self):
        return f"{self.name}（{self.masked_id}）"

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def clean(self):
        try:
            info = validate_id(self.id_number, today=date.today())
        except IdNumberError as exc:
            raise ValidationError({"id_number": exc.message}) from exc
        self.id_number = info.number
        self.birth_date = info.birth_date
        if not self.sex:
            self.sex = info.sex
        elif self.sex != info.sex:
            raise ValidationError({"sex": "性别与身份证号码不符。"})
        try:
            self.bank_account = normalise_account(self.bank_account)
        except ValueError as exc:
            raise ValidationError({"bank_account": str(exc)}) from exc


# --- Periods, plans and catalogues --------------------------------------------


class Period(models.Model):
    number = models.PositiveSmallIntegerField("期数", unique=True)
    name = models.CharField("名称", max_length=30, help_text="如：第十六期")
    coverage_start = models.DateField("保障起始日")
    coverage_end = models.DateField("保障终止日")
    enrollment_start = models.DateField("参保受理起始日")
    enrollment_end = models.DateField("参保受理截止日")

    objects = CityWideQuerySet.as_manager()

    class Meta:
        verbose_name = "期次"
        verbose_name_plural = "期次"
        ordering = ["-number"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.coverage_start and self.coverage_end and self.coverage_end <= self.coverage_start:
            errors["coverage_end"] = "保障终止日必须晚于起始日。"
        if self.enrollment_start and self.enrollment_end and self.enrollment_end < self.enrollment_start:
            errors["enrollment_end"] = "受理截止日不能早于起始日。"
        if errors:
            raise ValidationError(errors)

    def previous(self):
        return Period.objects.filter(number__lt=self.number).order_by("-number").first()


class Catalogue(models.Model):
    code = models.CharField("目录编码", max_length=10, unique=True)
    name = models.CharField("目录名称", max_length=60)

    objects = CityWideQuerySet.as_manager()

    class Meta:
        verbose_name = "疾病目录"
        verbose_name_plural = "疾病目录"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class CatalogueItem(models.Model):
    catalogue = models.ForeignKey(Catalogue, on_delete=models.CASCADE, related_name="items", verbose_name="目录")
    code = models.CharField("编码", max_length=10)
    name = models.CharField("名称", max_length=60)

    objects = CityWideQuerySet.as_manager()

    class Meta:
        verbose_name = "目录条目"
        verbose_name_plural = "目录条目"
        ordering = ["catalogue", "code"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="catalogue_item_code_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"


class PlanKind(models.TextChoices):
    REIMBURSEMENT = "REIMBURSEMENT", "住院医疗费用补偿"
    ALLOWANCE = "ALLOWANCE", "住院津贴"
    LUMP_SUM = "LUMP_SUM", "特定疾病一次性给付"
    ACCIDENT = "ACCIDENT", "意外伤害"


class Plan(models.Model):
    """One plan of one period with its whole benefit schedule (DOMAIN.md §4-6)."""

    period = models.ForeignKey(Period, verbose_name="期次", on_delete=models.PROTECT, related_name="plans")
    code = models.CharField("项目代码", max_length=10, help_text="跨期稳定，如 MED、DD")
    name = models.CharField("项目名称", max_length=60)
    kind = models.CharField("给付类型", max_length=20, choices=PlanKind.choices)
    description = models.TextField("说明", blank=True)
    # Premium and shares
    premium = money_field("每份会费（元）")
    union_subsidy = money_field("工会补贴/份（元）")
    max_shares = models.PositiveSmallIntegerField(
        "最多份数（统一份数时）", default=1, validators=[MinValueValidator(1)]
    )
    max_shares_mixed = models.PositiveSmallIntegerField(
        "最多份数（份数不统一时）", null=True, blank=True, help_text="空 = 与上一项相同"
    )
    uniform_shares_required = models.BooleanField("同一申请须统一份数", default=False)
    renewal_keeps_shares = models.BooleanField("续保可保留上期份数", default=True)
    exclusive_group = models.CharField("互斥组", max_length=20, blank=True, help_text="同组项目同一期只能参加一个")
    # Eligibility
    min_age = models.PositiveSmallIntegerField("最低年龄", default=16)
    max_age = models.PositiveSmallIntegerField("最高年龄", default=60)
    requires_basic_insurance = models.BooleanField("须参加基本医保", default=True)
    requires_insurance_proof = models.BooleanField(
        "申请须附社会保险缴纳证明", default=False, help_text="勾选后，单位提交申请前须上传社会保险缴纳证明。"
    )
    sex_required = models.CharField("限定性别", max_length=1, choices=Sex.choices, blank=True)
    needy_required = models.BooleanField("仅限困难职工", default=False)
    occupations = models.JSONField("限定职业", default=list, blank=True, help_text='如 ["快递员", "外卖配送员"]')
    participation_rate = models.DecimalField(
        "最低参保比例",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
        help_text="如 0.80；空 = 不要求",
    )
    participation_all_below = models.PositiveSmallIntegerField("在职人数少于此数须全员参加", null=True, blank=True)
    # Periods of time
    waiting_days = models.PositiveSmallIntegerField("免责期（天，疾病）", default=0)
    claim_deadline_days = models.PositiveSmallIntegerField("保障期满后申领期限（天）", default=180)
    # REIMBURSEMENT
    deductible = money_field("起付线（元）")
    cap = models.DecimalField(
        "每保障期最高给付（元）", null=True, blank=True, validators=[MinValueValidator(ZERO)], **MONEY
    )
    priority = models.PositiveSmallIntegerField("补偿顺序", default=1, help_text="同一次住院多个医疗项目时，小者先赔")
    # ALLOWANCE
    day_rate = money_field("日津贴（元）")
    high_day_rate = money_field("目录疾病日津贴（元）")
    high_rate_catalogue = models.ForeignKey(
        Catalogue, verbose_name="高额津贴疾病目录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accident_day_rate = models.DecimalField(
        "意外日津贴（元）", null=True, blank=True, validators=[MinValueValidator(ZERO)], **MONEY
    )
    traffic_day_rate = models.DecimalField(
        "交通事故日津贴（元）", null=True, blank=True, validators=[MinValueValidator(ZERO)], **MONEY
    )
    stay_day_cap = models.PositiveSmallIntegerField("每次住院最多天数", null=True, blank=True)
    coverage_day_cap = models.PositiveSmallIntegerField("每保障期最多天数", null=True, blank=True)
    # LUMP_SUM
    condolence = money_field("慰问金（元）")
    # ACCIDENT parts
    death_per_share = money_field("意外身故/份（元）")
    disability_per_share = money_field("意外伤残/份（元）")
    accident_medical_cap_per_share = money_field("意外医疗限额/份（元）")
    accident_medical_deductible = money_field("意外医疗免赔额（元）", default=Decimal("100.00"))
    accident_medical_rate = models.DecimalField(
        "意外医疗给付比例",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )

    objects = CityWideQuerySet.as_manager()

    class Meta:
        verbose_name = "保障项目"
        verbose_name_plural = "保障项目"
        ordering = ["period", "priority", "code"]
        constraints = [
            models.UniqueConstraint(fields=["period", "code"], name="plan_code_unique_per_period"),
            models.CheckConstraint(condition=Q(premium__gte=0) & Q(union_subsidy__gte=0), name="plan_money_nonneg"),
            models.CheckConstraint(condition=Q(min_age__lte=models.F("max_age")), name="plan_age_range"),
        ]

    def __str__(self):
        return f"{self.period.name} {self.code} {self.name}"

    @property
    def mixed_max_shares(self) -> int:
        return self.max_shares_mixed or self.max_shares

    @property
    def clerk_premium(self) -> Decimal:
        """What the unit pays per share after the union subsidy."""
        return self.premium - self.union_subsidy

    def clean(self):
        errors: dict[str, str] = {}
        if self.union_subsidy is not None and self.premium is not None and self.union_subsidy > self.premium:
            errors["union_subsidy"] = "工会补贴不能高于会费。"
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = "最高年龄不能小于最低年龄。"
        if self.max_shares_mixed and self.max_shares_mixed > self.max_shares:
            errors["max_shares_mixed"] = "份数不统一时的上限不能高于统一份数时的上限。"
        if self.kind == PlanKind.ACCIDENT and self.waiting_days:
            errors["waiting_days"] = "意外伤害项目不设免责期。"
        if self.kind == PlanKind.REIMBURSEMENT and self.cap is None:
            errors["cap"] = "医疗费用补偿项目必须设置最高给付。"
        if self.kind == PlanKind.ALLOWANCE and not self.day_rate:
            errors["day_rate"] = "住院津贴项目必须设置日津贴。"
        if self.high_rate_catalogue_id and not self.high_day_rate:
            errors["high_day_rate"] = "设置了高额津贴疾病目录，须填写目录疾病日津贴。"
        if self.high_day_rate and not self.high_rate_catalogue_id:
            errors["high_rate_catalogue"] = "填写了目录疾病日津贴，须选择疾病目录。"
        if self.stay_day_cap and self.coverage_day_cap and self.stay_day_cap > self.coverage_day_cap:
            errors["stay_day_cap"] = "每次住院最多天数不能超过每保障期最多天数。"
        if not isinstance(self.occupations, list) or not all(isinstance(o, str) for o in self.occupations):
            errors["occupations"] = '限定职业应为文字列表，如 ["快递员"]。'
        if errors:
            raise ValidationError(errors)

    def validate_tiers(self, tiers: list[tuple[Decimal | None, Decimal]]) -> None:
        """Check a tier table (ascending bounds, one open-ended last band, rates 0-100%)."""
        if self.kind != PlanKind.REIMBURSEMENT:
            if tiers:
                raise ValidationError("只有医疗费用补偿项目设置分段比例。")
            return
        if not tiers:
            raise ValidationError("医疗费用补偿项目至少需要一个分段。")
        previous = self.deductible or ZERO
        for index, (up_to, rate) in enumerate(tiers):
            last = index == len(tiers) - 1
            if rate is None or rate < 0 or rate > 1:
                raise ValidationError(f"第 {index + 1} 段：给付比例应在 0 到 1 之间。")
            if up_to is None and not last:
                raise ValidationError("只有最后一段可以不设上限。")
            if up_to is not None and up_to <= previous:
                raise ValidationError(
                    f"第 {index + 1} 段：分段上限 {format_yuan(up_to)} 元必须高于起付线和上一段上限 "
                    f"{format_yuan(previous)} 元。请按从低到高的顺序填写各段上限。"
                )
            if up_to is not None:
                previous = up_to


class PlanTier(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tiers")
    up_to = models.DecimalField(
        "累计合规费用上限（元）",
        null=True,
        blank=True,
        help_text="空 = 以上全部",
        validators=[MinValueValidator(ZERO)],
        **MONEY,
    )
    rate = models.DecimalField(
        "给付比例",
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        verbose_name = "分段比例"
        verbose_name_plural = "分段比例"
        ordering = [models.F("up_to").asc(nulls_last=True)]

    def __str__(self):
        return f"≤{self.up_to or '∞'}: {self.rate:%}"


class PlanLumpSum(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="lump_sums")
    item = models.ForeignKey(CatalogueItem, verbose_name="疾病/手术", on_delete=models.PROTECT)
    amount_per_share = money_field("每份给付（元）")

    class Meta:
        verbose_name = "一次性给付标准"
        verbose_name_plural = "一次性给付标准"
        ordering = ["item__code"]
        constraints = [models.UniqueConstraint(fields=["plan", "item"], name="lump_sum_item_unique_per_plan")]

    def __str__(self):
        return f"{self.item.code} {self.amount_per_share}"


# --- Applications, coverages, payments ------------------------------------------


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    DISTRICT_APPROVED = "district_approved", "办事处已审核"
    CENTRE_APPROVED = "centre_approved", "中心已审核（待缴费）"
    EFFECTIVE = "effective", "已生效"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


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

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "团体申请"
        verbose_name_plural = "团体申请"
        ordering = ["-created_at"]
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

    def __str__(self):
        return f"{self.application} {self.member.name}"


class CoverageStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    CANCELLED = "cancelled", "已注销"


class CoverageQuerySet(ScopedQuerySet):
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


class PaymentQuerySet(ScopedQuerySet):
    unit_path = "application__unit"
    district_path = "application__unit__district"


class Payment(models.Model):
    """Money credited to an application: a bank statement line (or part of one, when split), or a
    transfer recorded by hand. An undone credit stays, marked undone, and counts for nothing."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payments")
    line = models.ForeignKey(
        "StatementLine", verbose_name="银行流水", null=True, blank=True, on_delete=models.PROTECT,
        related_name="payments",
    )  # fmt: skip
    amount = models.DecimalField("金额", **MONEY)
    paid_on = models.DateField("到账日期")
    bank_txn_no = models.CharField("交易流水号", max_length=60, null=True, blank=True, db_index=True)
    payer_name = models.CharField("付款人名称", max_length=100, blank=True)
    memo = models.CharField("摘要/附言", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    undo_reason = models.CharField("撤销原因", max_length=200, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "缴费"
        verbose_name_plural = "缴费"
        ordering = ["-paid_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self):
        return f"{self.application} {self.amount}"


class Refund(models.Model):
    """An overpayment sent back to the unit."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField("退款金额", **MONEY)
    refunded_on = models.DateField("退款日期")
    reference = models.CharField("退款凭证号", max_length=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "退款"
        verbose_name_plural = "退款"
        ordering = ["-refunded_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"{self.application} 退款 {self.amount}"


class CentreAccount(models.Model):
    """The centre's bank account units transfer to, shown on every invoice (set in the admin)."""

    account_name = models.CharField("户名", max_length=100)
    bank = models.CharField("开户行", max_length=100)
    number = models.CharField("账号", max_length=40)
    active = models.BooleanField("当前使用", default=True)

    objects = CityWideQuerySet.as_manager()

    class Meta:
        verbose_name = "收款账户"
        verbose_name_plural = "收款账户"
        constraints = [models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_account")]

    def __str__(self):
        return f"{self.account_name} {self.bank}"


class BankStatement(models.Model):
    """One imported statement file."""

    filename = models.CharField("文件名", max_length=200)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True, on_delete=models.PROTECT
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    lines_read = models.PositiveIntegerField("数据行", default=0)
    debits_skipped = models.PositiveIntegerField("支出行（跳过）", default=0)
    duplicates = models.PositiveIntegerField("重复流水", default=0)
    matched = models.PositiveIntegerField("自动匹配", default=0)

    objects = CityOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "银行对账单"
        verbose_name_plural = "银行对账单"
        ordering = ["-imported_at"]

    def __str__(self):
        return self.filename


class LineStatus(models.TextChoices):
    WAITING = "waiting", "待人工匹配"
    MATCHED = "matched", "已匹配"
    NOT_OURS = "not_ours", "非缴费款项"


class StatementLine(models.Model):
    """One credit line of a bank statement; its transaction number is unique in the database."""

    # The centre matches a waiting line (whole or split) or marks it as not a premium; undoing its
    # last credit puts it back in the manual queue. The actions are those the trail records.
    workflow = Workflow(
        ("payment", ("waiting",), "matched", "确认到账", CITY_ROLES),
        ("not_ours", ("waiting",), "not_ours", "标记为非缴费款项", CITY_ROLES),
        ("payment_undo", ("matched",), "waiting", "撤销到账", CITY_ROLES),
        labels=dict(LineStatus.choices),
    )

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField("行号")
    txn_no = models.CharField("交易流水号", max_length=60, unique=True)
    txn_date = models.DateField("交易日期")
    payer_name = models.CharField("付款人名称", max_length=100, blank=True)
    payer_account = models.CharField("付款人账号", max_length=40, blank=True)
    amount = models.DecimalField("金额", **MONEY)
    memo = models.CharField("摘要/附言", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=LineStatus.choices, default=LineStatus.WAITING,
                              db_index=True)  # fmt: skip
    note = models.CharField("说明", max_length=200, blank=True)

    objects = CityOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "银行流水"
        verbose_name_plural = "银行流水"
        ordering = ["txn_date", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="statement_line_amount_positive")]

    def __str__(self):
        return f"{self.txn_no} {self.amount}"


class ApplicationDocumentKind(models.TextChoices):
    INSURANCE_PROOF = "insurance_proof", "社会保险缴纳证明"
    TRANSFER_SLIP = "transfer_slip", "转账凭证"


class ApplicationDocumentQuerySet(ScopedQuerySet):
    unit_path = "application__unit"
    district_path = "application__unit__district"


def application_document_path(instance, filename):
    return random_path("applications", filename)


class ApplicationDocument(models.Model):
    """A scan the unit attaches to its application: the social-insurance proof, a transfer slip."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料类型", max_length=30, choices=ApplicationDocumentKind.choices)
    file = models.FileField("文件", upload_to=application_document_path)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

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


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", "待办事处审核"
    APPROVED = "approved", "已通过"
    RETURNED = "returned", "已退回"


# Its district office reviews a registration; the centre may too.
REGISTRATION_REVIEW = {Role.DISTRICT} | CITY_ROLES


class RegistrationQuerySet(ScopedQuerySet):
    district_path = "district"

    def visible_to(self, user):
        # A registration is not yet a unit: its clerk has no account, so only reviewers see it.
        if role_of(user) == Role.CLERK:
            return self.none()
        return super().visible_to(user)


class UnitRegistration(models.Model):
    """A grassroots union not yet known asking to be registered (单位注册), reviewed by its district."""

    workflow = Workflow(
        ("approve", ("pending",), "approved", "审核通过", REGISTRATION_REVIEW),
        ("return", ("pending",), "returned", "退回", REGISTRATION_REVIEW),
        ("resubmit", ("returned",), "pending", "重新提交", ()),  # the union itself, not yet a user
        labels=dict(RegistrationStatus.choices),
    )

    token = models.CharField("登记号", max_length=32, unique=True, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING, db_index=True
    )
    name = models.CharField("单位名称", max_length=100)
    uscc = models.CharField("统一社会信用代码", max_length=18)
    district = models.ForeignKey(District, verbose_name="所属办事处", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("单位地址", max_length=200)
    chair_name = models.CharField("工会主席姓名", max_length=30)
    chair_phone = models.CharField("工会主席联系方式", max_length=30)
    contact_name = models.CharField("经办人姓名", max_length=30)
    contact_phone = models.CharField("经办人手机号", max_length=20)
    declared_staff = models.PositiveIntegerField("在职人数")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    submitted_from = models.GenericIPAddressField("提交地址", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    reason = models.TextField("退回原因", blank=True)
    unit = models.OneToOneField(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="registration"
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "单位注册"
        verbose_name_plural = "单位注册"
        ordering = ["-submitted_at"]

    def __str__(self):
        return self.name


class RegistrationDocumentQuerySet(ScopedQuerySet):
    district_path = "registration__district"

    def visible_to(self, user):
        return self.none() if role_of(user) == Role.CLERK else super().visible_to(user)


def registration_document_path(instance, filename):
    return random_path("registrations", filename)


class RegistrationDocument(models.Model):
    """A certificate a registering union sends (工会法人资格证书 and the like)."""

    registration = models.ForeignKey(UnitRegistration, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField("文件", upload_to=registration_document_path)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = RegistrationDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "注册证明材料"
        verbose_name_plural = "注册证明材料"
        ordering = ["registration", "uploaded_at"]

    def __str__(self):
        return self.original_name
