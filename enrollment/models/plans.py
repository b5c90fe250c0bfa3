"""What a period offers: its plans with their whole benefit schedule, and the disease catalogues."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from enrollment.models.fields import MONEY, ZERO, money_field
from enrollment.models.organisation import Sex
from mutualaid.lib.money import format_yuan
from mutualaid.scoping import CityWideQuerySet


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
    # Dependants (DOMAIN.md §14, Beijing's 子女意外伤害): each roster row is a member's child, the age
    # range above is the child's, and the row names the parent, who must be on the unit's staff.
    insures_dependants = models.BooleanField(
        "参保对象为职工子女",
        default=False,
        help_text="勾选后，名单每行为一名职工子女（姓名、身份证号码为子女的），并填写父母（职工）身份证号码；"
        "上面的年龄范围为子女的年龄（如 0–17 周岁）；申领为子女的，给付到父母的银行账户。",
    )
    # Add-ons (DOMAIN.md §14, Weihai's 健康包): chosen person by person, paid on top of the other plans.
    is_addon = models.BooleanField(
        "附加项目（逐人自选）",
        default=False,
        help_text="勾选后不适用参保比例要求，可由职工逐人选择；给付与其他项目同一事件的给付叠加，不受住院费用补偿限额约束。",
    )
    # Periods of time
    waiting_days = models.PositiveSmallIntegerField("免责期（天，疾病）", default=0)
    claim_deadline_days = models.PositiveSmallIntegerField("保障期满后申领期限（天）", default=180)
    # The fund's standing (以收定支, reports.fund): the centre is told when the expected loss ratio reaches it.
    loss_ratio_alert = models.DecimalField(
        "赔付率预警线（%）",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("1000"))],
        help_text="预计最终赔付率（预计最终给付 ÷ 实收会费）达到此百分比时，市中心的消息中收到提醒，如 85。留空不提醒。",
    )
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
    work_injury_excluded = models.BooleanField(
        "工伤不予给付", default=False, help_text="勾选后，申领标记为工伤的意外伤害不予给付（如北京非工伤意外伤害）。"
    )
    # A bundle (DOMAIN.md §14): the fields above are the plan's own benefit, its first component;
    # PlanComponent rows add the others.
    component_name = models.CharField(
        "本项目给付名称",
        max_length=30,
        blank=True,
        help_text="项目另有组成部分时，计算说明中对上面这部分给付的称呼，如：指定疾病。",
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
        if self.is_addon and self.kind == PlanKind.REIMBURSEMENT:
            errors["is_addon"] = "附加项目叠加给付，只能是一次性给付或意外伤害，不能是住院医疗费用补偿。"
        if self.is_addon and (self.participation_rate is not None or self.participation_all_below):
            errors["is_addon"] = "附加项目由职工逐人选择，不设参保比例要求：请清空最低参保比例和全员参加人数。"
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


class ComponentKind(models.TextChoices):
    """The kinds a further component of a plan may have (the plan's own kind is its first one)."""

    ACCIDENT = "ACCIDENT", "意外伤害"
    DEATH = "DEATH", "身故（任何原因）"
    PROPERTY_LOSS = "PROPERTY_LOSS", "家庭财产火灾损失"


class PlanComponent(models.Model):
    """A further part of a plan's benefit (DOMAIN.md §14): a claim is assessed against every part
    its event triggers. Only the fields of its kind apply (``KIND_FIELDS``); the others keep their
    defaults, which the admin's form enforces."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="components", verbose_name="保障项目")
    kind = models.CharField("给付类型", max_length=20, choices=ComponentKind.choices)
    name = models.CharField("名称", max_length=30, help_text="计算说明中每一行以此开头，如：意外伤害、身故、家财火灾")
    waiting_days = models.PositiveSmallIntegerField(
        "等待期（天）", default=0, help_text="身故：疾病身故的等待期；家财火灾：火灾的等待期；意外伤害不设。"
    )
    # ACCIDENT
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
    work_injury_excluded = models.BooleanField("工伤不予给付", default=False)
    # DEATH (from any cause)
    death_any_cause_per_share = money_field("身故/份（元）")
    condolence = money_field("慰问金（元）", help_text="疾病身故在等待期内时给付，每保障期一次。")
    # PROPERTY_LOSS
    property_deductible = money_field("每次火灾免赔额（元）", default=Decimal("200.00"))
    property_rate = models.DecimalField(
        "家财损失给付比例",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )
    property_cap_per_share = money_field("家财损失限额/份（元，每保障期）")

    KIND_FIELDS = {
        ComponentKind.ACCIDENT: (
            "death_per_share",
            "disability_per_share",
            "accident_medical_cap_per_share",
            "accident_medical_deductible",
            "accident_medical_rate",
            "work_injury_excluded",
        ),
        ComponentKind.DEATH: ("waiting_days", "death_any_cause_per_share", "condolence"),
        ComponentKind.PROPERTY_LOSS: ("waiting_days", "property_deductible", "property_rate", "property_cap_per_share"),
    }
    # What a component of each kind must pay something by: (field, message).
    KIND_REQUIRED = {
        ComponentKind.ACCIDENT: (
            ("death_per_share", "disability_per_share", "accident_medical_cap_per_share"),
            "意外伤害组成部分至少须填写意外身故、意外伤残或意外医疗限额之一。",
        ),
        ComponentKind.DEATH: (("death_any_cause_per_share",), "身故组成部分须填写每份身故给付。"),
        ComponentKind.PROPERTY_LOSS: (("property_cap_per_share",), "家财火灾组成部分须填写每份限额。"),
    }

    class Meta:
        verbose_name = "给付组成部分"
        verbose_name_plural = "其他给付组成部分"
        ordering = ["plan", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="plan_component_kind_unique")]

    def __str__(self):
        return f"{self.plan.code} {self.name}"

    @classmethod
    def parameter_fields(cls) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for names in cls.KIND_FIELDS.values() for name in names))

    def clean(self):
        errors: dict[str, str] = {}
        own = self.KIND_FIELDS.get(self.kind, ())
        for name in self.parameter_fields():
            if name in own:
                continue
            field = self._meta.get_field(name)
            if getattr(self, name) != field.get_default():
                errors[name] = (
                    f"“{field.verbose_name}”不属于{self.get_kind_display()}，请恢复默认值（{field.get_default()}）。"
                )
        required = self.KIND_REQUIRED.get(self.kind)
        if required and not any(getattr(self, name) for name in required[0]):
            errors[required[0][0]] = required[1]
        if errors:
            raise ValidationError(errors)
