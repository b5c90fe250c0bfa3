import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export import fields, widgets

from enrollment import summary
from enrollment.forms_admin import (
    PeriodAdminForm,
    PeriodCopyForm,
    PlanAdminForm,
    PlanComponentForm,
    PlanComponentFormSet,
    PlanLumpSumForm,
    PlanLumpSumFormSet,
    PlanTierFormSet,
    StaffProfileForm,
    paid_claims_under,
)
from enrollment.models import (
    Application,
    Catalogue,
    CatalogueItem,
    CentreAccount,
    Coverage,
    District,
    Member,
    Payment,
    Period,
    Plan,
    PlanComponent,
    PlanLumpSum,
    PlanTier,
    Prefecture,
    Receipt,
    ReceiptSeries,
    RosterLine,
    StatementLine,
    Unit,
)
from enrollment.services.periods import (
    period_copy,
    period_copy_defaults,
    period_plans_export,
    period_plans_import,
)
from mutualaid import search
from mutualaid.admin import IndexedSearchMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin
from mutualaid.importing import GuardedImportExportAdmin, SafeResource
from mutualaid.models import StaffProfile, audit
from mutualaid.scoping import Role, role_of

# --- Reference data with import/export ----------------------------------------------


class DistrictResource(SafeResource):
    prefecture = fields.Field(
        attribute="prefecture", column_name="prefecture", widget=widgets.ForeignKeyWidget(Prefecture, field="code")
    )

    class Meta:
        model = District
        fields = ("code", "name", "prefecture")
        import_id_fields = ("code",)
        skip_unchanged = True


class UnitResource(SafeResource):
    district = fields.Field(
        attribute="district", column_name="district", widget=widgets.ForeignKeyWidget(District, field="code")
    )

    class Meta:
        model = Unit
        fields = (
            "code",
            "name",
            "uscc",
            "district",
            "address",
            "chair_name",
            "chair_phone",
            "contact_name",
            "contact_phone",
            "declared_staff",
        )
        import_id_fields = ("code",)
        skip_unchanged = True
        # Runs Unit.clean(), so an imported USCC gets the same check as one typed in.
        clean_model_instances = True

    def do_instance_save(self, instance, is_create):
        save_unit(instance, lambda: super(UnitResource, self).do_instance_save(instance, is_create))


def save_unit(unit: Unit, save) -> None:
    """Save a unit from the admin (its form or an import): a unit moved to another district takes its
    figures with it in the statistics' summary, in the same transaction."""
    before = Unit.objects.filter(pk=unit.pk).values_list("district_id", flat=True).first() if unit.pk else None
    save()
    if before is not None and before != unit.district_id:
        summary.unit_moved(unit.pk, before, unit.district_id)


class CatalogueItemResource(SafeResource):
    catalogue = fields.Field(
        attribute="catalogue", column_name="catalogue", widget=widgets.ForeignKeyWidget(Catalogue, field="code")
    )

    class Meta:
        model = CatalogueItem
        fields = ("catalogue", "code", "name")
        import_id_fields = ("catalogue", "code")
        skip_unchanged = True


class PrefectureDistrictInline(admin.TabularInline):
    """The districts under a prefecture, chosen on its page (a district's own page can move it too)."""

    model = District
    fields = ("code", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "所属办事处"
    verbose_name_plural = "所属办事处（在办事处页面选择其所属市州）"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    """The tree of offices (DOMAIN.md §15): a prefecture over the districts that name it."""

    list_display = ("code", "name", "district_names")
    search_fields = ("code", "name")
    inlines = (PrefectureDistrictInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("districts")

    @admin.display(description="所属办事处")
    def district_names(self, obj):
        return "、".join(d.name for d in obj.districts.all())


@admin.register(District)
class DistrictAdmin(GuardedImportExportAdmin):
    resource_classes = [DistrictResource]
    list_display = ("code", "name", "prefecture", "unit_count")
    list_filter = ("prefecture",)
    list_select_related = ("prefecture",)
    search_fields = ("code", "name")
    fields = ("code", "name", "prefecture")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(unit_count=Count("units"))

    @admin.display(description="单位数", ordering="unit_count")
    def unit_count(self, obj):
        return obj.unit_count


@admin.register(Unit)
class UnitAdmin(IndexedSearchMixin, GuardedImportExportAdmin):
    resource_classes = [UnitResource]
    list_display = ("code", "name", "uscc", "district", "declared_staff", "contact_name", "contact_phone")
    list_filter = ("district",)
    search_fields = ("code", "name", "uscc")
    search_help_text = "输入单位编码或名称（的一部分），或 18 位统一社会信用代码。"
    list_select_related = ("district",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        ("基本信息", {"fields": ("code", "name", "uscc", "district", "address", "declared_staff")}),
        ("联系人", {"fields": ("chair_name", "chair_phone", "contact_name", "contact_phone")}),
        ("记录", {"fields": ("created_at", "updated_at")}),
    )

    def search_filter(self, text):
        # Code and name by their trigram indexes, the credit code whole by its unique index.
        return search.search_q(text, reference=None, units=Unit.objects, unit="pk") | Q(uscc=text.upper())

    def save_model(self, request, obj, form, change):
        save_unit(obj, lambda: super(UnitAdmin, self).save_model(request, obj, form, change))


class CatalogueItemInline(admin.TabularInline):
    model = CatalogueItem
    fields = ("code", "name")
    extra = 0


@admin.register(Catalogue)
class CatalogueAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "item_count")
    search_fields = ("code", "name")
    inlines = (CatalogueItemInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description="条目数", ordering="item_count")
    def item_count(self, obj):
        return obj.item_count


@admin.register(CatalogueItem)
class CatalogueItemAdmin(GuardedImportExportAdmin):
    resource_classes = [CatalogueItemResource]
    list_display = ("code", "name", "catalogue")
    list_filter = ("catalogue",)
    search_fields = ("code", "name", "catalogue__code", "catalogue__name")
    list_select_related = ("catalogue",)


# --- Periods and plans ------------------------------------------------------------

# The only page the admin adds to Django's templates; kept here so the admin is self-contained.
PLANS_IMPORT_MAX_BYTES = 2 * 1024 * 1024


class PlansImportForm(forms.Form):
    file = forms.FileField(label="保障项目文件（JSON）", help_text="由“导出保障项目（JSON）”生成的文件，不超过 2 MB。")
    period = forms.ModelChoiceField(
        label="导入到期次", queryset=Period.objects.all(), required=False,
        help_text="空 = 按文件中的期次新建（期数不能已存在）；选择已有期次则把项目加入该期（项目代码不能重复）。",
    )  # fmt: skip

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > PLANS_IMPORT_MAX_BYTES:
            raise forms.ValidationError(f"文件过大（{upload.size / 1048576:.1f} MB），保障项目文件不能超过 2 MB。")
        try:
            return json.loads(upload.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"文件不是有效的 JSON（{exc}）。") from exc


PLANS_IMPORT_TEMPLATE = """{% extends "admin/base_site.html" %}
{% load admin_urls %}
{% block breadcrumbs %}
<ol class="breadcrumbs">
<li><a href="{% url 'admin:index' %}">首页</a></li>
<li><a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural }}</a></li>
<li aria-current="page">{{ title }}</li>
</ol>
{% endblock %}
{% block content %}
<p>导入另一期（或另一城市）导出的保障项目及其分段比例、一次性给付标准和组成部分。文件按疾病目录编码引用目录条目：本系统缺少的目录或条目须先添加。有任何问题时整份文件都不导入。</p>
<form method="post" enctype="multipart/form-data" novalidate>{% csrf_token %}
{% if form.non_field_errors %}<div class="errornote">{{ form.non_field_errors|join:" " }}</div>{% endif %}
<fieldset class="module aligned">
{% for field in form %}
<div class="form-row{% if field.errors %} errors{% endif %}">
{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div>
<div class="help">{{ field.help_text }}</div>
</div>
{% endfor %}
</fieldset>
<div class="submit-row"><input type="submit" class="default" value="导入"></div>
</form>
{% endblock %}
"""

PERIOD_COPY_TEMPLATE = """{% extends "admin/base_site.html" %}
{% load admin_urls %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }} period-copy{% endblock %}
{% block breadcrumbs %}
<ol class="breadcrumbs">
<li><a href="{% url 'admin:index' %}">首页</a></li>
<li><a href="{% url 'admin:app_list' app_label=opts.app_label %}">{{ opts.app_config.verbose_name }}</a></li>
<li><a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural }}</a></li>
<li aria-current="page">{{ title }}</li>
</ol>
{% endblock %}
{% block content %}
<p>将以 <strong>{{ source.name }}</strong>（第 {{ source.number }} 期）为模板创建新一期，
复制其全部 {{ plans|length }} 个保障项目及分段比例、一次性给付标准。已有的申请、保障和理赔不复制。</p>
{% if plans %}
<ul>
{% for plan in plans %}
<li>{{ plan.code }} {{ plan.name }}（{{ plan.get_kind_display }}；分段 {{ plan.tier_count }} 段，一次性给付 {{ plan.lump_sum_count }} 条）</li>
{% endfor %}
</ul>
{% else %}
<p>该期没有保障项目，将只创建期次。</p>
{% endif %}
<form method="post" novalidate>{% csrf_token %}
{% if form.non_field_errors %}<div class="errornote">{{ form.non_field_errors|join:" " }}</div>{% endif %}
<fieldset class="module aligned">
<h2>新一期</h2>
{% for field in form %}
<div class="form-row{% if field.errors %} errors{% endif %}">
{{ field.errors }}
<div class="flex-container">{{ field.label_tag }} {{ field }}</div>
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}
</div>
{% endfor %}
</fieldset>
<input type="hidden" name="{{ action_checkbox_name }}" value="{{ source.pk }}">
<input type="hidden" name="{{ action_field_name }}" value="copy_period">
<input type="hidden" name="apply" value="1">
<div class="submit-row">
<input type="submit" class="default" value="确认复制">
<a href="{% url opts|admin_urlname:'changelist' %}" class="button cancel-link">取消</a>
</div>
</form>
{% endblock %}
"""


class PaidClaimsGuardMixin:
    """Admin side of PaidClaimsGuardForm: the confirmation box appears when claims were paid,
    and every change is audited with its old and new values."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and paid_claims_under(obj):
            fieldsets.append(("已有已支付的申领", {"fields": ("confirm_paid_claims",)}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if name != "confirm_paid_claims"]
        if change and changed:
            audit(
                actor=request.user,
                obj=obj,
                action="update",
                comment=f"修改{obj._meta.verbose_name}：{'、'.join(str(form.fields[n].label) for n in changed)}",
                data={
                    "changes": {n: [str(form.initial.get(n, "")), str(form.cleaned_data.get(n, ""))] for n in changed},
                    "paid_claims": paid_claims_under(obj),
                },
            )


class PeriodPlanInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Plan
    fields = ("code", "name", "kind", "premium", "union_subsidy", "max_shares", "waiting_days")
    readonly_fields = fields
    verbose_name_plural = "本期保障项目（在“保障项目”中新增和修改）"


@admin.register(Period)
class PeriodAdmin(PaidClaimsGuardMixin, admin.ModelAdmin):
    form = PeriodAdminForm
    list_display = (
        "number",
        "name",
        "coverage_start",
        "coverage_end",
        "enrollment_start",
        "enrollment_end",
        "plan_count",
    )
    list_display_links = ("number", "name")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("number", "name")}),
        ("保障期", {"fields": ("coverage_start", "coverage_end")}),
        ("参保受理期", {"fields": ("enrollment_start", "enrollment_end")}),
    )
    inlines = (PeriodPlanInline,)
    actions = ("copy_period", "export_plans")
    change_list_template = "admin/enrollment/period/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_plans_view)
        return [path("import-plans/", view, name="enrollment_period_import_plans"), *super().get_urls()]

    def import_plans_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PlansImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                period = period_plans_import(
                    actor=request.user, data=form.cleaned_data["file"], period=form.cleaned_data["period"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                count = len(form.cleaned_data["file"]["plans"])
                self.message_user(request, f"已导入 {count} 个保障项目到{period.name}。请核对费率和给付标准。",
                                  messages.SUCCESS)  # fmt: skip
                return HttpResponseRedirect(reverse("admin:enrollment_period_change", args=[period.pk]))
        context = {**self.admin_site.each_context(request), "title": "导入保障项目（JSON）", "opts": self.opts,
                   "form": form}  # fmt: skip
        return TemplateResponse(request, engines["django"].from_string(PLANS_IMPORT_TEMPLATE), context)

    @admin.action(description="导出保障项目（JSON）", location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM])
    def export_plans(self, request, queryset):
        periods = list(queryset[:2])
        if len(periods) != 1:
            self.message_user(request, "请只选择一个期次导出。", messages.WARNING)
            return None
        body = json.dumps(period_plans_export(periods[0]), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="plans-period-{periods[0].number}.json"'
        return response

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(plan_count=Count("plans"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin runs a POST to the change form in one transaction; 复制为新一期 posted there calls
        # period_copy, a use case that is its own (durable) transaction and refuses to be nested.
        saving = {"_save", "_continue", "_addanother"} & set(request.POST)
        if request.method == "POST" and f"{ActionLocation.CHANGE_FORM.value}-action" in request.POST and not saving:
            return self._changeform_view(request, object_id, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="保障项目数", ordering="plan_count")
    def plan_count(self, obj):
        return obj.plan_count

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Application and claim references embed the period number.
        if obj is not None and Application.objects.filter(plan__period=obj).exists():
            readonly.append("number")
        return readonly

    @admin.action(
        description="复制为新一期",
        permissions=["add"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def copy_period(self, request, queryset):
        sources = list(queryset[:2])
        if len(sources) != 1:
            self.message_user(request, "请只选择一个期次作为复制模板。", messages.WARNING)
            return None
        source = sources[0]
        if "apply" in request.POST:
            form = PeriodCopyForm(request.POST)
            if form.is_valid():
                try:
                    new_period = period_copy(actor=request.user, source=source, **form.cleaned_data)
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    count = new_period.plans.count()
                    self.message_user(
                        request,
                        f"已由{source.name}复制创建{new_period.name}（第 {new_period.number} 期），"
                        f"共 {count} 个保障项目。请核对新一期的费率和给付标准。",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:enrollment_period_change", args=[new_period.pk]))
        else:
            form = PeriodCopyForm(initial=period_copy_defaults(source))

        plans = source.plans.annotate(tier_count=Count("tiers", distinct=True)).annotate(
            lump_sum_count=Count("lump_sums", distinct=True)
        )
        on_change_form = f"{ActionLocation.CHANGE_FORM.value}-action" in request.POST
        context = {
            **self.admin_site.each_context(request),
            "title": "复制为新一期",
            "subtitle": source.name,
            "opts": self.opts,
            "source": source,
            "plans": list(plans),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_field_name": f"{ActionLocation.CHANGE_FORM.value}-action" if on_change_form else "action",
        }
        template = engines["django"].from_string(PERIOD_COPY_TEMPLATE)
        return TemplateResponse(request, template, context)


class PlanTierInline(admin.TabularInline):
    model = PlanTier
    formset = PlanTierFormSet
    fields = ("up_to", "rate")
    extra = 0
    verbose_name_plural = (
        "分段比例（仅医疗费用补偿项目：上限须高于起付线并逐段递增，最后一段上限留空；比例如 0.5 表示 50%）"
    )


class PlanComponentInline(admin.StackedInline):
    """The plan's further components on the plan's own page, one section per kind: each section
    says which kind it belongs to, the form refuses a value in another kind's section, and
    plan_admin.js hides the other kinds' sections of each row."""

    model = PlanComponent
    form = PlanComponentForm
    formset = PlanComponentFormSet
    extra = 0
    verbose_name_plural = "其他给付组成部分（组合保障：一次申领按其触发的每个组成部分分别计算，金额相加）"
    fieldsets = (
        (None, {"fields": (("kind", "name", "waiting_days"),)}),
        (
            "意外伤害",
            {
                "classes": ("kind-section", "kind-ACCIDENT"),
                "description": "仅“意外伤害”组成部分填写；不设等待期。",
                "fields": (
                    ("death_per_share", "disability_per_share"),
                    ("accident_medical_cap_per_share", "accident_medical_deductible", "accident_medical_rate"),
                    "work_injury_excluded",
                ),
            },
        ),
        (
            "身故（任何原因）",
            {
                "classes": ("kind-section", "kind-DEATH"),
                "description": "仅“身故（任何原因）”组成部分填写：疾病身故须过等待期，否则给付慰问金；意外身故不设等待期。",
                "fields": (("death_any_cause_per_share", "condolence"),),
            },
        ),
        (
            "家庭财产火灾损失",
            {
                "classes": ("kind-section", "kind-PROPERTY_LOSS"),
                "description": "仅“家庭财产火灾损失”组成部分填写：(核定损失 − 每次免赔额) × 比例，每份每保障期限额。",
                "fields": (("property_deductible", "property_rate", "property_cap_per_share"),),
            },
        ),
    )


class PlanLumpSumInline(admin.TabularInline):
    model = PlanLumpSum
    form = PlanLumpSumForm
    formset = PlanLumpSumFormSet
    autocomplete_fields = ("item",)
    extra = 0
    verbose_name_plural = "一次性给付标准（仅特定疾病一次性给付项目）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")


@admin.register(Plan)
class PlanAdmin(PaidClaimsGuardMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "period",
        "kind",
        "premium",
        "union_subsidy",
        "max_shares",
        "waiting_days",
        "priority",
    )
    list_display_links = ("code", "name")
    list_filter = ("period", "kind")
    search_fields = ("code", "name")
    list_select_related = ("period",)
    autocomplete_fields = ("high_rate_catalogue",)
    form = PlanAdminForm
    inlines = (PlanTierInline, PlanLumpSumInline, PlanComponentInline)

    class Media:
        js = ("js/plan_admin.js",)

    fieldsets = (
        ("基本信息", {"fields": ("period", "code", "name", "kind", "description")}),
        (
            "缴费与份数",
            {
                "fields": (
                    ("premium", "union_subsidy"),
                    ("max_shares", "max_shares_mixed"),
                    "uniform_shares_required",
                    "renewal_keeps_shares",
                    "exclusive_group",
                    "is_addon",
                )
            },
        ),
        (
            "参保条件",
            {
                "fields": (
                    ("min_age", "max_age"),
                    "requires_basic_insurance",
                    "requires_insurance_proof",
                    "sex_required",
                    "needy_required",
                    "occupations",
                    ("participation_rate", "participation_all_below"),
                    "insures_dependants",
                )
            },
        ),
        ("期限", {"fields": ("waiting_days", "claim_deadline_days")}),
        ("基金监测", {"description": "以收定支：预计赔付率达到预警线时提醒市中心。", "fields": ("loss_ratio_alert",)}),
        (
            "医疗费用补偿",
            {
                "classes": ("kind-section", "kind-REIMBURSEMENT"),
                "description": "仅“住院医疗费用补偿”项目填写；分段比例在页面下方。",
                "fields": ("deductible", "cap", "priority"),
            },
        ),
        (
            "住院津贴",
            {
                "classes": ("kind-section", "kind-ALLOWANCE"),
                "description": "“住院津贴”项目填写；意外、交通事故日津贴空 = 按日津贴。",
                "fields": (
                    "day_rate",
                    ("high_day_rate", "high_rate_catalogue"),
                    ("accident_day_rate", "traffic_day_rate"),
                    ("stay_day_cap", "coverage_day_cap"),
                ),
            },
        ),
        (
            "一次性给付",
            {
                "classes": ("kind-section", "kind-LUMP_SUM"),
                "description": "“特定疾病一次性给付”项目填写；各疾病的每份给付金额在页面下方。",
                "fields": ("condolence",),
            },
        ),
        (
            "意外伤害",
            {
                "classes": ("kind-section", "kind-ACCIDENT", "kind-ALLOWANCE"),
                "description": "意外伤害项目及住院津贴项目中的意外责任填写。",
                "fields": (
                    ("death_per_share", "disability_per_share"),
                    ("accident_medical_cap_per_share", "accident_medical_deductible", "accident_medical_rate"),
                    "work_injury_excluded",
                ),
            },
        ),
        (
            "组合保障",
            {
                "description": "项目另有组成部分（页面下方“其他给付组成部分”）时填写。",
                "fields": ("component_name",),
            },
        ),
    )

    # The sections that belong to each kind of plan; the rest stay off the page.
    KIND_SECTIONS = {
        "REIMBURSEMENT": {"医疗费用补偿"},
        "ALLOWANCE": {"住院津贴", "意外伤害"},
        "LUMP_SUM": {"一次性给付"},
        "ACCIDENT": {"意外伤害"},
    }
    KIND_INLINES = {
        "REIMBURSEMENT": (PlanTierInline,),
        "LUMP_SUM": (PlanLumpSumInline, PlanComponentInline),
        "ALLOWANCE": (PlanComponentInline,),
        "ACCIDENT": (PlanComponentInline,),
    }

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:  # the kind is known: only its sections (a new plan's page toggles them by script)
            wanted = self.KIND_SECTIONS.get(obj.kind, set())
            fieldsets = [
                (name, opts)
                for name, opts in fieldsets
                if "kind-section" not in opts.get("classes", ()) or name in wanted
            ]
            if paid_claims_under(obj):
                fieldsets.append(("已有已支付的申领", {"fields": ("confirm_paid_claims",)}))
        return fieldsets

    def get_inlines(self, request, obj):
        if obj is None:
            return self.inlines
        return self.KIND_INLINES.get(obj.kind, ())

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Applications and claims already refer to this plan by period and code.
        if obj is not None and obj.applications.exists():
            readonly += ["period", "code", "kind"]
        return readonly


# --- Members and enrollment records (written by the services) ----------------------


class MemberResource(SafeResource):
    """Members by .xlsx or .csv, headed like a roster (姓名, 身份证号码 …) and checked by the roster's
    own per-person rules (name, ID checksum and birth date, sex against the ID); keyed by ID number."""

    unit = fields.Field(attribute="unit", column_name="单位编码", widget=widgets.ForeignKeyWidget(Unit, field="code"))
    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(attribute="id_number", column_name="身份证号码")
    sex = fields.Field(attribute="sex", column_name="性别")
    insurance_card = fields.Field(attribute="insurance_card", column_name="医保卡号")
    phone = fields.Field(attribute="phone", column_name="手机号")
    has_basic_insurance = fields.Field(attribute="has_basic_insurance", column_name="是否参加医保",
                                       widget=widgets.BooleanWidget())  # fmt: skip
    needy = fields.Field(attribute="needy", column_name="困难职工", widget=widgets.BooleanWidget())
    occupation = fields.Field(attribute="occupation", column_name="职业")
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget())

    class Meta:
        model = Member
        fields = ("unit", "name", "id_number", "sex", "birth_date", "insurance_card", "phone",
                  "has_basic_insurance", "needy", "occupation")  # fmt: skip
        import_id_fields = ("id_number",)
        skip_unchanged = True
        clean_model_instances = True

    def before_import_row(self, row, **kwargs):
        from django.utils import timezone

        from enrollment.roster.reading import ALIASES
        from enrollment.roster.validate import RosterRow, read_person
        from mutualaid.lib.sheet_import import header_key

        lookup = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
        cells = {lookup[header_key(header)]: value for header, value in row.items() if header_key(header) in lookup}
        person, problems = RosterRow(excel_row=0), []
        read_person(person, cells, lambda raw, name: raw.get(name),
                    lambda _row, _field, _code, message: problems.append(message), present=cells,
                    today=timezone.localdate(), default_shares=1)  # fmt: skip
        problems = [message for message in problems if "份数" not in message]
        if problems:
            raise ValidationError(problems)
        row["姓名"], row["身份证号码"], row["性别"] = person.name, person.id_number, person.sex
        row["是否参加医保"], row["困难职工"] = person.basic, person.needy
        row["出生日期"] = person.birth_date  # always the ID's, whatever the file says
        row["医保卡号"], row["手机号"], row["职业"] = person.card, person.phone, person.occupation

    def dehydrate_sex(self, member):
        return member.get_sex_display()

    def dehydrate_has_basic_insurance(self, member):
        return "是" if member.has_basic_insurance else "否"

    def dehydrate_needy(self, member):
        return "是" if member.needy else "否"


@admin.register(Member)
class MemberAdmin(IndexedSearchMixin, GuardedImportExportAdmin):
    resource_classes = [MemberResource]
    list_display = ("name", "masked_id_number", "sex", "birth_date", "unit", "needy", "has_basic_insurance")
    list_filter = ("sex", "needy", "has_basic_insurance", "unit__district")
    search_fields = ("name", "id_number")
    search_help_text = "输入身份证号码（18 位，或末 4 位以上）或姓名（可只输入开头几个字）。"
    list_select_related = ("unit",)
    autocomplete_fields = ("unit", "parent")
    readonly_fields = ("birth_date",)
    fieldsets = (
        ("身份", {"fields": ("name", "id_number", "sex", "birth_date")}),
        ("参保信息", {"fields": ("unit", "insurance_card", "has_basic_insurance", "needy", "occupation", "phone")}),
        ("职工子女", {"fields": ("parent",), "description": "子女作为参保对象时（如子女意外伤害），其父母（职工）。"}),
        ("收款账户", {"fields": ("bank_name", "bank_account")}),
    )

    def search_filter(self, text):
        return search.search_q(text, reference=None, members=Member.objects, member="pk", names=True)

    @admin.display(description="身份证号码", ordering="id_number")
    def masked_id_number(self, obj):
        return obj.masked_id


class RosterLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = RosterLine
    fields = ("row_number", "member", "shares", "renewed_shares", "insurance_card")
    readonly_fields = fields
    show_change_link = False
    classes = ("collapse",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")


APPLICATION_SERVICE_FIELDS = (
    "reference",
    "plan",
    "unit",
    "seq",
    "status",
    "declared_staff",
    "uniform_shares",
    "member_count",
    "share_count",
    "amount_due",
    "subsidy_total",
    "amount_paid",
    "paid_on",
    "created_by",
    "created_at",
    "submitted_at",
    "centre_approved_at",
    "effective_on",
    "last_comment",
)


@admin.register(Application)
class ApplicationAdmin(IndexedSearchMixin, admin.ModelAdmin):
    """Read-mostly: status, roster and money change only through the enrollment services."""

    list_display = (
        "reference",
        "unit",
        "plan",
        "status",
        "member_count",
        "share_count",
        "amount_due",
        "amount_paid",
        "created_at",
    )
    list_filter = ("status", "plan__period", "plan__kind", "unit__district")
    search_fields = ("reference", "unit__code", "unit__name", "plan__code")
    search_help_text = "输入申请编号或单位编码、单位名称（的一部分），或项目代码。"
    list_select_related = ("unit", "plan__period")
    date_hierarchy = "created_at"
    readonly_fields = APPLICATION_SERVICE_FIELDS

    def search_filter(self, text):
        # As the application list searches (enrollment.views), and a plan by its code.
        found = search.search_q(text, reference="reference", units=Unit.objects)
        return found | Q(plan__in=search.ids(Plan.objects.filter(code=text.upper())))

    fieldsets = (
        ("申请", {"fields": ("reference", "plan", "unit", "seq", "status", "last_comment")}),
        ("经办人", {"fields": ("contact_name", "contact_phone")}),
        (
            "人数与金额",
            {
                "fields": (
                    "declared_staff",
                    "uniform_shares",
                    "member_count",
                    "share_count",
                    "amount_due",
                    "subsidy_total",
                    "amount_paid",
                    "paid_on",
                )
            },
        ),
        ("时间", {"fields": ("created_by", "created_at", "submitted_at", "centre_approved_at", "effective_on")}),
    )
    inlines = (RosterLineInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # An application the history import made is a record of the past: nothing in it is edited here.
        if obj is not None and obj.imported_from_id:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Coverage)
class CoverageAdmin(IndexedSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("member", "plan", "unit", "shares", "renewed_shares", "effective_from", "effective_to", "status")
    list_filter = ("status", "plan__period", "plan__kind", "unit__district")
    search_fields = ("member__name", "member__id_number", "unit__code", "unit__name", "application__reference")
    search_help_text = "输入会员身份证号码（18 位或末 4 位以上）或姓名（开头几个字即可）、单位编码或名称、申请编号。"
    list_select_related = ("member", "plan__period", "unit")

    def search_filter(self, text):
        found = search.search_q(text, reference=None, units=Unit.objects, members=Member.objects, names=True)
        # The application's reference, by its trigram index: the applications first, then their coverages.
        applications = Application.objects.filter(reference__contains=text.upper())
        return found | Q(application__in=search.ids(applications))


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "amount", "paid_on", "bank_txn_no", "payer_name", "memo", "created_by")
    list_filter = ("application__plan__period",)
    search_fields = ("application__reference", "bank_txn_no", "payer_name", "memo")
    list_select_related = ("application", "created_by")
    date_hierarchy = "paid_on"


@admin.register(CentreAccount)
class CentreAccountAdmin(admin.ModelAdmin):
    list_display = ("account_name", "bank", "number", "active")


@admin.register(ReceiptSeries)
class ReceiptSeriesAdmin(admin.ModelAdmin):
    list_display = ("prefix", "issuer_name", "active")


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued and voided only by the payment services; the admin reads them."""

    list_display = ("number", "payer_title", "amount", "issued_on", "status")
    list_filter = ("status",)
    search_fields = ("number", "payer_title", "application__reference")


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("txn_no", "txn_date", "payer_name", "amount", "memo", "status")
    list_filter = ("status",)
    search_fields = ("txn_no", "payer_name", "memo")


# --- Users, and the unit or district each belongs to (the form offers units and districts) ----------------------------------------------------------------------


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    form = StaffProfileForm
    can_delete = True
    max_num = 1
    extra = 1
    autocomplete_fields = ("unit", "district", "prefecture")
    verbose_name = "用户归属"
    verbose_name_plural = "用户归属（基层工会经办人选单位，办事处人员选办事处，市州总工会人员选市州，市中心人员都不选）"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = (StaffProfileInline,)
    list_display = ("username", "full_name", "roles", "belongs_to", "is_staff", "is_active", "last_login")
    list_filter = ("groups", "is_staff", "is_active", "is_superuser")
    list_select_related = ("staff_profile__unit", "staff_profile__district", "staff_profile__prefecture")
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "staff_profile__unit__code",
        "staff_profile__unit__name",
    )
    # Creating a clerk or a district officer is one page: account, role and unit/district.
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("姓名与角色", {"fields": ("last_name", "first_name", "email", "groups")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="姓名")
    def full_name(self, obj):
        return f"{obj.last_name}{obj.first_name}"

    @admin.display(description="角色")
    def roles(self, obj):
        return "、".join(group.name for group in obj.groups.all())

    @admin.display(description="所属单位/办事处/市州")
    def belongs_to(self, obj):
        profile = getattr(obj, "staff_profile", None)
        if profile is None:
            return ""
        return str(profile.unit or profile.district or profile.prefecture or "")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        # Scoping gives a clerk without a unit (or an officer without a district) an
        # empty view, which looks like a bug to them: say so now.
        for cached in ("_mutualaid_role", "_mutualaid_profile"):
            user.__dict__.pop(cached, None)
        role = role_of(user)
        profile = StaffProfile.objects.filter(user=user).first()
        if role == Role.CLERK and not (profile and profile.unit_id):
            self.message_user(
                request,
                f"用户 {user.username} 是基层工会经办人，但未指定所属单位，将看不到任何数据。",
                messages.WARNING,
            )
        elif role == Role.DISTRICT and not (profile and profile.district_id):
            self.message_user(
                request, f"用户 {user.username} 是办事处人员，但未指定所属办事处，将看不到任何数据。", messages.WARNING
            )
        elif role == Role.PREFECTURE and not (profile and profile.prefecture_id):
            self.message_user(
                request,
                f"用户 {user.username} 是市州总工会人员，但未指定所属市州，将看不到任何数据。",
                messages.WARNING,
            )
