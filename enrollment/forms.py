from decimal import Decimal

from django import forms
from django.utils import timezone

from enrollment.models import Application, FundingWay, Plan, Sex, Unit, UnitRegistration
from enrollment.services.registrations import REGISTRATION_FIELDS, UNIT_FIELDS_FOR_CLERK
from mutualaid.lib.phones import clean_phone
from mutualaid.lib.sheet_reader import MAX_COLUMNS, MAX_ROWS
from mutualaid.lib.uscc import UsccError, validate_uscc


def _phone(value: str, *, mobile_only: bool = False) -> str:
    try:
        return clean_phone(value, mobile_only=mobile_only)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ApplicationForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.none(), label="保障项目", empty_label="请选择保障项目",
        help_text="只列出正在受理参保的项目。",
    )  # fmt: skip
    declared_staff = forms.IntegerField(label="在职人数", min_value=0, max_value=1_000_000)
    uniform_shares = forms.BooleanField(label="每人份数相同（统一份数）", required=False, initial=True)
    contact_name = forms.CharField(label="经办人姓名", max_length=30)
    contact_phone = forms.CharField(label="经办人联系方式", max_length=30)
    invoice_title = forms.CharField(
        label="票据抬头", max_length=100, required=False, help_text="收费票据上的单位名称；不填则用单位名称。"
    )
    invoice_tax_number = forms.CharField(label="纳税人识别号", max_length=20, required=False)

    def clean_contact_phone(self):
        return _phone(self.cleaned_data["contact_phone"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["plan"].queryset = (
            Plan.objects.select_related("period")
            .filter(period__enrollment_start__lte=today, period__enrollment_end__gte=today)
            .order_by("-period__number", "priority", "code")
        )
        self.fields["plan"].label_from_instance = lambda p: (
            f"{p.period.name} {p.name}：每份 {p.premium} 元（工会补贴 {p.union_subsidy} 元，单位缴 {p.clerk_premium} 元），"
            f"最多 {p.max_shares} 份，{p.min_age}–{p.max_age} 周岁"
        )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="人员手册文件",
        help_text=f".xlsx、.xls 或 .csv（UTF-8 或 GBK），不超过 50 MB，最多 {MAX_ROWS:,} 行、{MAX_COLUMNS} 列。",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写原因，申请单位会看到。"},
    )


class WithdrawForm(forms.Form):
    """撤回申请 asks for a ticked confirmation, so a stray click (or a page without JavaScript) never withdraws."""

    confirm = forms.BooleanField(
        label="确认撤回本申请：撤回后不能恢复，名单中的人员可另行参保",
        error_messages={"required": "请勾选“确认撤回本申请”后再撤回。"},
    )
    reason = forms.CharField(label="撤回原因（选填）", required=False, max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def clean(self):
        data = super().clean()
        data.pop("confirm", None)  # what the service is given: the reason alone
        return data


class CommentForm(forms.Form):
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApplicationDetailsForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["declared_staff", "uniform_shares", "contact_name", "contact_phone", "invoice_title",
                  "invoice_tax_number"]  # fmt: skip
        labels = {"uniform_shares": "每人份数相同（统一份数）"}

    def clean_contact_phone(self):
        return _phone(self.cleaned_data["contact_phone"])


class PersonForm(forms.Form):
    """One person typed in on the application page; checked by the roster's own rules."""

    name = forms.CharField(label="姓名", max_length=30)
    id_number = forms.CharField(label="身份证号码", max_length=30, widget=forms.TextInput(attrs={"inputmode": "text",
                                "autocomplete": "off", "spellcheck": "false"}))  # fmt: skip
    sex = forms.ChoiceField(label="性别", choices=[("", "按身份证号码"), *Sex.choices], required=False)
    card = forms.CharField(label="医保卡号", max_length=30, required=False)
    phone = forms.CharField(label="手机号", max_length=30, required=False)
    shares = forms.IntegerField(label="份数", min_value=1, max_value=99, initial=1)
    basic = forms.BooleanField(label="参加基本医保", required=False, initial=True)
    needy = forms.BooleanField(label="困难职工", required=False)
    occupation = forms.CharField(label="职业", max_length=30, required=False)
    bank_name = forms.CharField(label="开户行", max_length=60, required=False)
    bank_account = forms.CharField(label="银行卡号", max_length=40, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))  # fmt: skip
    # A plan insuring dependants (§14): the person above is the child, this is the parent on the staff.
    parent_id = forms.CharField(label="父母（职工）身份证号码", max_length=30, required=False,
                                widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}))  # fmt: skip

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        return _phone(phone) if phone else ""

    def person(self) -> dict:
        data = dict(self.cleaned_data)
        data["sex"] = {"M": "男", "F": "女"}.get(data["sex"], "")
        return data


class SharesForm(forms.Form):
    shares = forms.IntegerField(label="份数", min_value=1, max_value=99)


class DocumentForm(forms.Form):
    file = forms.FileField(label="文件", help_text="PDF、JPG 或 PNG，不超过 10 MB。",
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))  # fmt: skip


class CashDepositForm(forms.Form):
    """现金存款: what the clerk records after paying cash in at the bank, with both scans."""

    depositor_name = forms.CharField(
        label="存款人姓名", max_length=30, help_text="银行流水上显示的付款人，即到银行存款的人。"
    )
    amount = forms.DecimalField(label="存款金额（元）", min_value=Decimal("0.01"), max_digits=14, decimal_places=2)
    deposited_on = forms.DateField(label="存款日期", widget=forms.DateInput(attrs={"type": "date"}))
    proof = forms.FileField(label="存款证明（银行盖章）", help_text="打印的无对公账户存款证明，银行盖章后扫描或拍照。",
                            widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))  # fmt: skip
    slip = forms.FileField(label="存款凭条", help_text="银行出具的现金存款凭条。PDF、JPG 或 PNG，不超过 10 MB。",
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))  # fmt: skip


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = list(UNIT_FIELDS_FOR_CLERK)

    def clean_chair_phone(self):
        phone = self.cleaned_data["chair_phone"]
        return _phone(phone) if phone else ""

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"]
        return _phone(phone) if phone else ""


class RegistrationForm(forms.ModelForm):
    certificates = MultipleFileField(
        label="证明材料", help_text="工会法人资格证书等，PDF 或照片，最多 5 个文件，每个不超过 10 MB。", required=False
    )
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # left empty by people, filled by bots

    class Meta:
        model = UnitRegistration
        fields = list(REGISTRATION_FIELDS)
        help_texts = {"uscc": "18 位，见工会法人资格证书。", "contact_phone": "审核结果和账号会通过此手机号通知您。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].empty_label = "请选择单位所在的办事处"

    def clean_uscc(self):
        try:
            return validate_uscc(self.cleaned_data["uscc"])
        except UsccError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_chair_phone(self):
        return _phone(self.cleaned_data["chair_phone"])

    def clean_contact_phone(self):
        return _phone(self.cleaned_data["contact_phone"], mobile_only=True)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("提交失败，请刷新页面后重试。")
        return ""


class FundingForm(forms.Form):
    """Who pays the premium (DOMAIN.md §14): the way and, when payers share it, each one's part per
    share. The service checks the parts against the way and the plan's premium."""

    funding = forms.ChoiceField(label="缴费方式", choices=FundingWay.choices, widget=forms.RadioSelect)
    unit = forms.DecimalField(label="单位行政每份（元）", required=False, min_value=0, max_digits=14, decimal_places=2)
    union = forms.DecimalField(label="单位工会每份（元）", required=False, min_value=0, max_digits=14, decimal_places=2)
    personal = forms.DecimalField(label="职工个人每份（元）", required=False, min_value=0, max_digits=14,
                                  decimal_places=2)  # fmt: skip
