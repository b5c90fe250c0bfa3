"""Forms used only by the Django admin: the period copy page and plan schedule checks."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from enrollment.models import Period, Plan, PlanComponent, PlanKind, PlanLumpSum
from mutualaid.models import StaffProfile

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PeriodCopyForm(forms.Form):
    number = forms.IntegerField(label="新期数", min_value=1, max_value=32767)
    name = forms.CharField(label="名称", max_length=30, help_text="如：第十七期")
    coverage_start = forms.DateField(label="保障起始日", widget=DATE_WIDGET)
    coverage_end = forms.DateField(label="保障终止日", widget=DATE_WIDGET)
    enrollment_start = forms.DateField(label="参保受理起始日", widget=DATE_WIDGET)
    enrollment_end = forms.DateField(label="参保受理截止日", widget=DATE_WIDGET)

    def clean_number(self):
        number = self.cleaned_data["number"]
        if Period.objects.filter(number=number).exists():
            raise ValidationError(f"第 {number} 期已存在，请换一个期数。")
        return number

    def clean(self):
        data = super().clean()
        start, end = data.get("coverage_start"), data.get("coverage_end")
        if start and end and end <= start:
            self.add_error("coverage_end", "保障终止日必须晚于起始日。")
        start, end = data.get("enrollment_start"), data.get("enrollment_end")
        if start and end and end < start:
            self.add_error("enrollment_end", "受理截止日不能早于起始日。")
        return data


def _kept_forms(formset):
    """Inline rows that will be saved: filled in, valid and not ticked for deletion."""
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        yield form


class PlanTierFormSet(BaseInlineFormSet):
    """Checks the whole tier table against the plan's kind and deductible.

    ``self.instance`` is the plan as the parent form just cleaned it, so a
    deductible changed on the same page is the one the tiers are checked against.
    """

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        # In the order the admin typed them: a typo (20,000 after 30,000) is an error to fix,
        # not something to re-sort silently into a different schedule.
        tiers = [(form.cleaned_data.get("up_to"), form.cleaned_data.get("rate")) for form in _kept_forms(self)]
        try:
            self.instance.validate_tiers(tiers)
        except ValidationError as exc:
            raise ValidationError([f"分段比例有误：{message}" for message in exc.messages]) from exc


class PlanLumpSumForm(forms.ModelForm):
    class Meta:
        model = PlanLumpSum
        fields = ["item", "amount_per_share"]

    def clean_amount_per_share(self):
        amount = self.cleaned_data["amount_per_share"]
        if amount is not None and amount <= 0:
            raise ValidationError("每份给付金额必须大于 0。")
        return amount


class PlanLumpSumFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = list(_kept_forms(self))
        kind = self.instance.kind
        if kind != PlanKind.LUMP_SUM and rows:
            raise ValidationError("只有“特定疾病一次性给付”项目可以设置一次性给付标准，请删除这些行或更改给付类型。")
        if kind == PlanKind.LUMP_SUM and not rows:
            raise ValidationError("“特定疾病一次性给付”项目至少需要一条一次性给付标准（疾病/手术及每份给付金额）。")


class PlanComponentForm(forms.ModelForm):
    """One further component: the model's clean refuses a value typed into another kind's field,
    so what is saved is exactly what its kind reads (the page shows every section, each titled by
    its kind, and hides the others by script where script runs)."""

    class Meta:
        model = PlanComponent
        fields = ("kind", "name", *PlanComponent.parameter_fields())


class PlanComponentFormSet(BaseInlineFormSet):
    """The plan's further components, checked against the plan's own kind.

    A post that does not carry these rows at all (a script written before bundles) leaves the
    plan's components as they are, rather than failing for a missing management form.
    """

    def __init__(self, data=None, *args, **kwargs):
        prefix = kwargs.get("prefix") or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            data = data.copy()
            data[f"{prefix}-TOTAL_FORMS"] = "0"
            data[f"{prefix}-INITIAL_FORMS"] = "0"
        super().__init__(data, *args, **kwargs)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kinds = [form.cleaned_data["kind"] for form in _kept_forms(self) if form.cleaned_data.get("kind")]
        if kinds and self.instance.kind == PlanKind.REIMBURSEMENT:
            raise ValidationError(
                "医疗费用补偿项目不能再有其他给付组成部分（起付线、封顶线和同次住院补偿顺序按整个项目计算）。"
            )
        if self.instance.kind in kinds:
            raise ValidationError("组成部分的给付类型不能与项目本身的给付类型相同：请直接在上面填写项目本身的给付。")
        if len(set(kinds)) != len(kinds):
            raise ValidationError("同一项目中每种给付类型的组成部分只能有一个。")


class StaffProfileForm(forms.ModelForm):
    class Meta:
        model = StaffProfile
        fields = ["unit", "district", "prefecture", "phone"]

    def clean(self):
        data = super().clean()
        if sum(1 for name in ("unit", "district", "prefecture") if data.get(name)) > 1:
            raise ValidationError(
                "单位、办事处和市州只能选其一：基层工会经办人选单位，办事处人员选办事处，"
                "市州总工会人员选市州，市中心人员都不选。"
            )
        return data


OCCUPATION_SEPARATORS = re.compile(r"[\n,，、;；]+")


class PaidClaimsGuardForm(forms.ModelForm):
    """Changing a period or plan that claims were already paid under needs a ticked
    confirmation: the admin sees that old and new claims will then follow different rules."""

    confirm_paid_claims = forms.BooleanField(
        label="我已知晓已有已支付的申领，确认修改（修改会记录在操作记录中）",
        required=False,
    )

    def clean(self):
        data = super().clean()
        paid = paid_claims_under(self.instance) if self.instance.pk and self.has_changed() else 0
        if paid and not data.get("confirm_paid_claims"):
            raise ValidationError(
                f"{self._meta.model._meta.verbose_name}下已有 {paid} 笔已支付的申领。修改后新旧申领将按不同标准计算；"
                "如确需修改，请勾选页面下方的确认项后再保存。"
            )
        return data


class PlanAdminForm(PaidClaimsGuardForm):
    """The plan page: occupations edited as a list, not JSON."""

    occupations = forms.CharField(
        label="限定职业",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个职业（也可用逗号、顿号分隔），如：快递员、外卖配送员。留空 = 不限职业。",
    )

    class Meta:
        model = Plan
        fields = "__all__"  # noqa: DJ007 - the admin passes the fields of its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["occupations"] = "\n".join(self.instance.occupations or [])

    def clean_occupations(self):
        raw = self.cleaned_data.get("occupations") or ""
        items = [item.strip() for item in OCCUPATION_SEPARATORS.split(raw) if item.strip()]
        return list(dict.fromkeys(items))


class PeriodAdminForm(PaidClaimsGuardForm):
    class Meta:
        model = Period
        fields = "__all__"  # noqa: DJ007 - the admin passes the fields of its fieldsets


def paid_claims_under(obj) -> int:
    """Claims approved or paid under a plan, or under any plan of a period (reverse relations,
    so this module needs no import of the claims app)."""
    if not obj.pk:
        return 0
    paid = ("approved", "paid")
    if isinstance(obj, Period):
        return obj.plans.filter(claims__status__in=paid).count()
    return obj.claims.filter(status__in=paid).count()
