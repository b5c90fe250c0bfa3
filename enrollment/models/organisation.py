"""Who takes part: prefectures (市州) over districts (办事处), units (基层工会) and their members, one row per person."""

from datetime import date

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Reverse

from mutualaid.lib.bank import normalise_account
from mutualaid.lib.idcard import IdNumberError, mask_id, validate_id
from mutualaid.lib.uscc import UsccError, validate_uscc
from mutualaid.roles import Role, district_of, role_of, unit_of
from mutualaid.scoping import ScopedQuerySet


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PrefectureQuerySet(ScopedQuerySet):
    """A prefecture office sees itself; a district office and a clerk the prefecture above them."""

    unit_path = None  # see visible_to
    district_path = None
    prefecture_path = ""

    def visible_to(self, user):
        role = role_of(user)
        if role == Role.CLERK:
            unit = unit_of(user)
            return self.filter(districts__units=unit) if unit else self.none()
        if role == Role.DISTRICT:
            district = district_of(user)
            return self.filter(districts=district) if district else self.none()
        return super().visible_to(user)


class Prefecture(models.Model):
    """A prefecture office (市州) over some district offices (DOMAIN.md §15): it oversees, it never acts."""

    code = models.CharField("编码", max_length=10, unique=True)
    name = models.CharField("名称", max_length=50)

    objects = PrefectureQuerySet.as_manager()

    class Meta:
        verbose_name = "市州"
        verbose_name_plural = "市州"
        ordering = ["code"]

    def __str__(self):
        return self.name


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
    prefecture = models.ForeignKey(
        Prefecture, verbose_name="所属市州", null=True, blank=True, on_delete=models.PROTECT, related_name="districts",
        help_text="省级统筹时，办事处（区县）所属的市州；市级统筹不填。",
    )  # fmt: skip

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
        # Found by part of its code or name (mutualaid.search): trigram indexes serve LIKE '%…%'.
        indexes = [
            GinIndex(fields=["code"], opclasses=["gin_trgm_ops"], name="unit_code_trgm"),
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="unit_name_trgm"),
        ]
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
    member_path = ""  # a member signed in at /me/ sees their own record


class Member(models.Model):
    """One row per person, keyed by the 18-character resident ID number."""

    id_number = models.CharField("身份证号码", max_length=18)  # unique: ``Meta.constraints``
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
    # A first-generation 15-digit number the centre's old sheets held, converted to this record's
    # 18 digits by the history import (GB 11643: 19 before the birth year, the check digit computed).
    old_id_number = models.CharField("原15位身份证号码", max_length=15, blank=True, default="", db_default="")
    # A dependant (DOMAIN.md §14): a member's child insured on the parent's unit's application. Claims
    # for the child are paid to the parent. Indexed only where set (``Meta``): nearly every member has no
    # parent, and a roster's new people would each add an entry nobody looks up.
    parent = models.ForeignKey(
        "self",
        verbose_name="父母（职工）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
    )
    notices_opted_out = models.BooleanField(
        "不接收通知短信", default=False, db_default=False,
        help_text="会员本人可以退订申领进度、保障生效等通知短信；验证码照常发送。",
    )  # fmt: skip

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "会员"
        verbose_name_plural = "会员"
        ordering = ["id_number"]
        # The last digits of an ID number, read off a card, as the first characters of the number
        # reversed (``id_number__reverse__startswith``); the whole number has its unique index. A
        # plain B-tree where a trigram index stood: a roster's 100,000 new people cost a third less
        # to write, and no search looks for digits in the middle of a number.
        indexes = [
            models.Index(OpClass(Reverse("id_number"), name="text_pattern_ops"), name="member_id_number_reversed"),
            models.Index(fields=["parent"], condition=Q(parent__isnull=False), name="member_parent_set"),
            # A name from its first character (``name__startswith``, and ``name=``), for the searches
            # (mutualaid/search.py): without it a name read all five million members of a province.
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="member_name_prefix"),
        ]
        # One record per ID number, as a constraint rather than ``unique=True``: the field's flag also gave
        # it a second index (varchar_pattern_ops, for LIKE 'prefix%'), which no search asks and every new
        # person paid for (a first roster's 100,000 people wrote six indexes each, now five).
        constraints = [models.UniqueConstraint(fields=["id_number"], name="member_id_number_unique")]

    def __str__(self):
        return f"{self.name}（{self.masked_id}）"

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    @property
    def payee(self) -> "Member":
        """Whom a claim for this person is paid to by default: the parent for a child, else themself."""
        return self.parent if self.parent_id else self

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


# ``id_number__reverse__startswith="7310"``: the numbers ending in 0137, through ``member_id_number_reversed``.
Member._meta.get_field("id_number").register_lookup(Reverse)
