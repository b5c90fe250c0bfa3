from django import forms
from django.utils import timezone

from enrollment.models import Plan


class ApplicationForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.none(), label="保障项目", empty_label="请选择保障项目",
        help_text="只列出正在受理参保的项目。",
    )  # fmt: skip
    declared_staff = forms.IntegerField(label="在职人数", min_value=0, max_value=1_000_000)
    uniform_shares = forms.BooleanField(label="每人份数相同（统一份数）", required=False, initial=True)
    contact_name = forms.CharField(label="经办人姓名", max_length=30)
    contact_phone = forms.CharField(label="经办人联系方式", max_length=30)

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
    file = forms.FileField(label="人员手册文件", help_text=".xlsx、.xls 或 .csv（UTF-8 或 GBK），不超过 50 MB。")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写原因，申请单位会看到。"},
    )


class CommentForm(forms.Form):
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
