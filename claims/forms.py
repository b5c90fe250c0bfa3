from decimal import Decimal

from django import forms

from claims.models import Claim, ClaimKind, DocumentKind
from claims.services import EDITABLE_FIELDS, MEMBER_FIELDS, MEMBER_KINDS, MEMBER_MAX_FILES
from enrollment.models import Coverage, CoverageStatus

DATE = forms.DateInput(attrs={"type": "date"})
MONEY_FIELDS = ("total_cost", "basic_insurance_paid", "other_paid", "excluded_self_pay", "loss_amount")
MONEY = {"min_value": Decimal("0"), "max_digits": 14, "decimal_places": 2}


class ClaimForm(forms.ModelForm):
    coverage = forms.ModelChoiceField(
        queryset=Coverage.objects.none(), label="会员与保障项目", empty_label="请选择会员和项目",
        help_text="只列出本单位有效保障的会员。",
    )  # fmt: skip

    class Meta:
        model = Claim
        fields = ("coverage", *EDITABLE_FIELDS)
        widgets = {"admitted": DATE, "discharged": DATE, "event_date": DATE}
        help_texts = {
            "excluded_self_pay": "结算单上的全自费、不予报销部分。",
            "other_paid": "大病保险、商业保险等其他渠道已报销的金额。",
            "diagnosis": "目录疾病填编码，如 DD01、A15、F01。",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coverage"].queryset = (
            Coverage.objects.visible_to(user)
            .filter(status=CoverageStatus.ACTIVE)
            .select_related("member", "plan__period")
            .order_by("-plan__period__number", "member__name", "plan__priority")
        )
        self.fields["coverage"].label_from_instance = lambda c: (
            f"{c.member.name}（{c.member.masked_id}）· {c.plan.period.name} {c.plan.name}"
            f"{'（' + str(c.shares) + '份）' if c.shares > 1 else ''}"
        )
        if self.instance.pk:
            del self.fields["coverage"]
        from mutualaid.scoping import Role, role_of

        if role_of(user) != Role.CENTRE_HANDLER:
            del self.fields["payee_reason"]  # recorded by the centre handler only (DOMAIN.md §3)
        self.fields["payee_name"].help_text = "留空即为会员本人；会员身故的填写受益人。"
        self.fields["payee_account"].help_text = "会员本人且留空时，使用会员登记的银行账号。"
        for name in MONEY_FIELDS:
            self.fields[name].required = False  # not every kind of claim has expenses; blank means 0
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "0.01", "min": "0"})
        self.fields["kind"].choices = [("", "请选择申领类型"), *ClaimKind.choices]
        self.fields["disability_grade"].widget.attrs.update({"min": 1, "max": 10})
        self.fields["diagnosis"].widget.attrs.update({"autocapitalize": "characters", "list": "diagnosis-codes"})

    def clean_diagnosis(self):
        return (self.cleaned_data.get("diagnosis") or "").strip().upper()

    def clean(self):
        return _check_kind(self, super().clean())

    def details(self) -> dict:
        return _details(self, EDITABLE_FIELDS)

    def error_lines(self) -> list[str]:
        return _error_lines(self)


def _check_kind(form, data: dict) -> dict:
    """The dates and grade each kind of claim needs, the same on the clerk's form and the member's."""
    kind = data.get("kind")
    if kind == "hospital_stay":
        for field, label in (("admitted", "入院日期"), ("discharged", "出院日期")):
            if not data.get(field):
                form.add_error(field, f"住院申领须填写{label}。")
    elif kind in ("diagnosis", "disability", "death") and not data.get("event_date"):
        form.add_error("event_date", "请填写确诊、事故或身故日期。")
    elif kind == "property_loss":
        if not data.get("event_date"):
            form.add_error("event_date", "家庭财产火灾损失申领须填写火灾发生日期。")
        if "loss_amount" in form.fields and not data.get("loss_amount"):
            form.add_error("loss_amount", "家庭财产火灾损失申领须填写财产损失核定金额。")
    if data.get("work_injury") and data.get("cause") not in ("accident", "traffic_accident"):
        form.add_error("work_injury", "只有意外伤害或交通事故才能标记为工伤。")
    if kind == "disability" and not data.get("disability_grade"):
        form.add_error("disability_grade", "伤残申领须填写伤残等级（1–10 级）。")
    if data.get("admitted") and data.get("discharged") and data["discharged"] < data["admitted"]:
        form.add_error("discharged", "出院日期不能早于入院日期。")
    return data


def _details(form, names) -> dict:
    details = {name: form.cleaned_data.get(name) for name in names if name in form.cleaned_data}
    for name in MONEY_FIELDS:
        if name in details and details[name] is None:
            details[name] = Decimal("0")
    return details


def _error_lines(form) -> list[str]:
    return [
        f"{form.fields[name].label}：{error}" if name in form.fields else error
        for name, errors in form.errors.items()
        for error in errors
    ]


# Where a member's photos go: one picker per kind of document, so the clerk's checklist is ticked by them.
MEMBER_DOCUMENT_KINDS = {
    "hospital_stay": (DocumentKind.DISCHARGE_SUMMARY, DocumentKind.INVOICE, DocumentKind.SETTLEMENT),
    "diagnosis": (DocumentKind.DIAGNOSIS_CERTIFICATE, DocumentKind.PATHOLOGY_REPORT, DocumentKind.SURGERY_RECORD),
    "disability": (DocumentKind.DISABILITY_APPRAISAL,),
    "always": (DocumentKind.ID_CARD, DocumentKind.BANK_CARD, DocumentKind.OTHER),
}


def member_document_kinds(kind: str | None = None) -> list[tuple[str, str, str]]:
    """(kind, label, the claim kinds it belongs to) for each picker on the member's form."""
    rows = []
    for claim_kind, kinds in MEMBER_DOCUMENT_KINDS.items():
        if kind and claim_kind not in (kind, "always"):
            continue
        rows += [(k.value, k.label, "" if claim_kind == "always" else claim_kind) for k in kinds]
    return rows


def member_uploads(files) -> list[tuple[str, object]]:
    """The files of a member's form as (document kind, file), from the pickers named ``doc_<kind>``."""
    uploads = []
    for kind in DocumentKind.values:
        uploads += [(kind, upload) for upload in files.getlist(f"doc_{kind}")]
    return uploads


class MemberClaimForm(forms.ModelForm):
    """A member's own claim from their phone: which of their coverages, the event, the money, and an
    account other than the one on record if they want."""

    coverage = forms.ModelChoiceField(queryset=Coverage.objects.none(), label="保障项目", empty_label="请选择")

    class Meta:
        model = Claim
        fields = ("coverage", *MEMBER_FIELDS)
        widgets = {"admitted": DATE, "discharged": DATE, "event_date": DATE}
        labels = {"payee_bank": "开户行", "payee_account": "银行卡号"}
        help_texts = {
            "excluded_self_pay": "结算单上的全自费、不予报销部分。",
            "other_paid": "大病保险、商业保险等其他渠道已报销的金额。",
            "diagnosis": "目录疾病填编码，如 DD01；不清楚可不填，由单位经办人补充。",
        }

    def __init__(self, *args, coverages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coverage"].queryset = coverages
        self.fields["coverage"].label_from_instance = lambda c: (
            f"{c.plan.period.name} {c.plan.name}{'（' + str(c.shares) + '份）' if c.shares > 1 else ''}"
        )
        self.fields["kind"].choices = [("", "请选择"), *((k, dict(ClaimKind.choices)[k]) for k in MEMBER_KINDS)]
        for name in MONEY_FIELDS:
            if name not in self.fields:
                continue  # a member files no fire loss (MEMBER_KINDS)
            self.fields[name].required = False
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "0.01", "min": "0"})
        self.fields["disability_grade"].widget.attrs.update({"min": 1, "max": 10, "inputmode": "numeric"})
        self.fields["diagnosis"].widget.attrs.update({"autocapitalize": "characters", "list": "diagnosis-codes"})
        self.fields["payee_account"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["payee_bank"].required = self.fields["payee_account"].required = False

    def clean_diagnosis(self):
        return (self.cleaned_data.get("diagnosis") or "").strip().upper()

    def clean(self):
        return _check_kind(self, super().clean())

    def details(self) -> dict:
        return _details(self, MEMBER_FIELDS)

    def error_lines(self) -> list[str]:
        return _error_lines(self)


class MemberResendForm(forms.Form):
    comment = forms.CharField(
        label="补充说明", required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="可说明补充了哪些材料，单位经办人会看到。",
    )  # fmt: skip


MEMBER_FILES_HELP = f"JPG、PNG 或 PDF，每个不超过 10 MB，一次最多 {MEMBER_MAX_FILES} 个。"


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=DocumentKind.choices)
    file = forms.FileField(label="文件", help_text="PDF、JPG 或 PNG，单个不超过 10 MB。")


class SubmitForm(forms.Form):
    duplicate_reason = forms.CharField(
        label="重复申领说明",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="与已有申领的住院或事件日期相同时必填，审核人会看到。",
    )


class CommentForm(forms.Form):
    comment = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写原因，申领人会看到。"},
    )


class CheckForm(forms.Form):
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    adjusted_amount = forms.DecimalField(label="调整后金额（元）", required=False, **MONEY)
    adjustment_reason = forms.CharField(label="调整原因", required=False, max_length=300)

    def clean(self):
        data = super().clean()
        if data.get("adjusted_amount") is not None and not (data.get("adjustment_reason") or "").strip():
            self.add_error("adjustment_reason", "调整金额须填写原因。")
        return data


class PayBatchForm(forms.Form):
    paid_on = forms.DateField(label="银行支付日期", widget=DATE, error_messages={"required": "请填写银行支付日期。"})
    bank_reference = forms.CharField(
        label="银行回单号", max_length=60, error_messages={"required": "请填写银行回单号。"}
    )
    confirm = forms.BooleanField(
        label="我已核对银行回单：本批次每一笔均已支付成功",
        error_messages={"required": "请勾选确认已核对银行回单。"},
    )


class BounceForm(forms.Form):
    claim = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="退票原因", max_length=200, error_messages={"required": "请填写退票原因（如：账号有误、账户已销户）。"}
    )
