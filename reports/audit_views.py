"""The centre's audit pages: the trail itself (filter, export) and the PIPL access request."""

from dataclasses import dataclass
from datetime import datetime, time

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.models import Claim
from enrollment.models import Member
from mutualaid import search
from mutualaid.audit import logged_file
from mutualaid.lib.idcard import IdNumberError, mask_account, mask_id, mask_ids_in, validate_id
from mutualaid.lib.spreadsheet import workbook_bytes
from mutualaid.models import AuditAction, AuditLog, audit
from mutualaid.scoping import is_city
from reports.personal_data import person_record

PAGE_SIZE = 50
MAX_PAGE = 2000  # 100,000 rows back; further back, narrow the dates (or export)
KIND_APPS = ("enrollment", "claims", "mutualaid", "auth")
EXPORT_LIMIT = 100_000


def _city_only(user):
    if not is_city(user):
        raise Http404("页面不存在")


class AuditFilterForm(forms.Form):
    person = forms.CharField(label="操作人", required=False, max_length=150,
                             widget=forms.TextInput(attrs={"placeholder": "用户名或姓名"}))  # fmt: skip
    kind = forms.ChoiceField(label="对象类型", required=False)
    subject = forms.CharField(label="对象", required=False, max_length=100,
                              widget=forms.TextInput(attrs={"placeholder": "编号、名称、记录号或身份证号码"}))  # fmt: skip
    action = forms.ChoiceField(label="操作", required=False,
                               choices=[("", "全部"), *sorted(AuditAction.choices, key=lambda kv: kv[1])])  # fmt: skip
    start = forms.DateField(label="从", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="到", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = ContentType.objects.filter(app_label__in=KIND_APPS)
        named = ((str(kind.pk), str(kind.model_class()._meta.verbose_name)) for kind in kinds if kind.model_class())
        self.fields["kind"].choices = [("", "全部"), *sorted(named, key=lambda pair: pair[1])]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("开始日期不能晚于结束日期。")
        return data

    def filter(self, queryset):
        data = self.cleaned_data
        # Each part by an index of the trail: the people's ids on (actor, at), a record number with its
        # kinds on (content_type, object_id, at), the object's text on its own (``search.recorded_object_q``). A subquery or
        # a bare object_id left PostgreSQL walking every row newest first (0.8-2 s over five million).
        if data.get("person"):
            people = get_user_model().objects.filter(
                Q(username__icontains=data["person"]) | Q(first_name__icontains=data["person"])
            )
            queryset = queryset.filter(actor__in=search.ids(people))
        if data.get("kind"):
            queryset = queryset.filter(content_type_id=int(data["kind"]))
        if data.get("subject"):
            text = data["subject"].strip()
            match = search.recorded_object_q(text)
            if text.isascii() and text.isdigit() and len(text) < 18:  # not ²: int() refuses it
                kinds = [int(choice) for choice, _ in self.fields["kind"].choices if choice]
                match |= Q(content_type_id__in=kinds, object_id=int(text))
            member = Member.objects.filter(id_number=text.upper()).first() if len(text) == 18 else None
            if member is not None:  # an ID number: the person's own record and their claims
                match |= Q(content_type=ContentType.objects.get_for_model(Member), object_id=member.pk) | Q(
                    content_type=ContentType.objects.get_for_model(Claim),
                    object_id__in=search.ids(Claim.objects.filter(member=member)),
                )
            queryset = queryset.filter(match)
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        zone = timezone.get_current_timezone()
        if data.get("start"):
            queryset = queryset.filter(at__gte=datetime.combine(data["start"], time.min, tzinfo=zone))
        if data.get("end"):
            queryset = queryset.filter(at__lte=datetime.combine(data["end"], time.max, tzinfo=zone))
        return queryset


# Columns holding a bank account, in trigger rows and in a service's ``changes``; ID numbers are
# found by their shape wherever they stand (a column, a name, a comment, a name someone typed to log in).
ACCOUNT_COLUMNS = frozenset({"bank_account", "payee_account", "payer_account"})


def _shown(column: str, value: str, *, full: bool) -> str:
    if full or not value:
        return value
    return mask_account(value) if column in ACCOUNT_COLUMNS else mask_ids_in(value)


def _changes(entry: AuditLog, *, full: bool = False) -> list[tuple[str, str, str]]:
    """(field, old, new) from a trigger's row or a service's ``changes``, for the page and the export;
    ID and account numbers masked as in lists unless ``full`` (a logged reveal, the logged export)."""
    data = entry.data or {}
    labels = _column_labels(entry.content_type.model_class() if entry.content_type_id else None)
    if "old" in data or "new" in data:
        old, new = data.get("old") or {}, data.get("new") or {}
        return [(labels.get(key, key), _shown(key, _text(old.get(key)), full=full),
                 _shown(key, _text(new.get(key)), full=full)) for key in sorted(set(old) | set(new))]  # fmt: skip
    changes = data.get("changes") or {}
    if isinstance(changes, dict):
        return [(labels.get(key, key), _shown(key, _text(pair[0]), full=full), _shown(key, _text(pair[1]), full=full))
                for key, pair in changes.items() if isinstance(pair, list)]  # fmt: skip
    return []


@dataclass(frozen=True)
class Row:
    """One audit row as the page shows it."""

    entry: AuditLog
    object_repr: str
    comment: str
    via: str
    changes: list
    hidden: bool  # something is masked: the row offers 显示


def _row(entry: AuditLog, *, full: bool = False) -> Row:
    whole = (entry.object_repr, entry.comment, _text((entry.data or {}).get("via")), _changes(entry, full=True))
    if full:
        return Row(entry, *whole, hidden=False)
    shown = (*(mask_ids_in(text) for text in whole[:3]), _changes(entry))
    return Row(entry, *shown, hidden=shown != whole)


def _column_labels(model) -> dict[str, str]:
    """Column name -> the field's Chinese name, so a change reads 最高份数 rather than max_shares."""
    if model is None:
        return {}
    return {field.column: str(field.verbose_name) for field in model._meta.concrete_fields}


def _text(value) -> str:
    return "" if value is None else str(value)


@login_required
@require_GET
def audit_list(request):
    """Every action recorded, newest first: who, what, when, old and new values."""
    _city_only(request.user)
    form = AuditFilterForm(request.GET or None)
    entries = AuditLog.objects.select_related("actor", "content_type").order_by("-at", "-pk")
    if form.is_bound and form.is_valid():
        entries = form.filter(entries)
    elif form.is_bound:
        entries = entries.none()
    if request.GET.get("format") == "xlsx" and (not form.is_bound or form.is_valid()):
        rows = ([timezone.localtime(e.at), e.actor.get_username() if e.actor else "系统", e.action_label,
                 str(e.content_type.model_class()._meta.verbose_name) if e.content_type_id and e.content_type.model_class() else "",
                 e.object_id, e.object_repr, e.from_label, e.to_label, e.comment,
                 "；".join(f"{k}：{o} → {n}" for k, o, n in _changes(e, full=True)), (e.data or {}).get("via", "")]
                for e in entries[:EXPORT_LIMIT].iterator(chunk_size=2000))  # fmt: skip
        data = workbook_bytes([("操作记录", ["时间", "操作人", "操作", "对象类型", "记录号", "对象", "原状态", "新状态",
                                              "意见/说明", "修改内容（原 → 新）", "途径"], rows)])  # fmt: skip
        return logged_file(request, data, filename="操作记录.xlsx", subject="操作记录",
                           data={"filter": request.GET.urlencode()})  # fmt: skip
    try:
        number = min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
    except ValueError:
        number = 1
    offset = (number - 1) * PAGE_SIZE
    window = list(entries[offset : offset + PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/list.html", {
        "form": form, "rows": [_row(e) for e in window[:PAGE_SIZE]], "page": number,
        "has_next": len(window) > PAGE_SIZE, "query": query.urlencode(),
    })  # fmt: skip


@login_required
@require_POST
def audit_reveal(request, pk):
    """One audit row with its ID and account numbers in full, on this response only; the trail
    records who looked, against the record the row is about (so that record's history shows it)."""
    _city_only(request.user)
    entry = get_object_or_404(AuditLog.objects.select_related("actor", "content_type"), pk=pk)
    # The same object as the row (a trigger's object id is not always the model's key: a profile's
    # rows name its user), so it may be one that no longer exists.
    AuditLog.objects.create(actor=request.user, action="reveal_audit", content_type=entry.content_type,
                            object_id=entry.object_id, object_repr=mask_ids_in(entry.object_repr),
                            comment=f"操作记录 #{entry.pk}", data={"entry": entry.pk})  # fmt: skip
    return render(request, "audit/entry.html", {"row": _row(entry, full=True)})


class PersonRequestForm(forms.Form):
    id_number = forms.CharField(label="身份证号码", max_length=18, min_length=15)
    reason = forms.CharField(label="受理依据", max_length=200,
                             help_text="例如：本人书面申请，受理编号 2026-015。每次查询都会记录。")  # fmt: skip

    def clean_id_number(self):
        try:
            return validate_id(self.cleaned_data["id_number"].strip().upper(), today=timezone.localdate()).number
        except IdNumberError as exc:
            raise ValidationError(exc.message) from exc


@login_required
@require_http_methods(["GET", "POST"])
def person_request(request):
    """PIPL access request: everything held about one ID number, on the page and as .xlsx. Logged."""
    _city_only(request.user)
    form = PersonRequestForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        number, reason = form.cleaned_data["id_number"], form.cleaned_data["reason"]
        member = Member.objects.select_related("unit").filter(id_number=number).first()
        if member is None:
            audit(actor=request.user, obj=None, subject=mask_id(number), action="pipl_access", comment=reason,
                  data={"found": False})  # fmt: skip
            context["not_found"] = mask_id(number)
        else:
            sections = person_record(member)
            if request.POST.get("format") == "xlsx":
                return logged_file(request, workbook_bytes([(s.title, s.header, s.rows) for s in sections]),
                                   filename=f"个人信息-{member.name}.xlsx", obj=member, action="pipl_access",
                                   comment=reason)  # fmt: skip
            audit(actor=request.user, obj=member, action="pipl_access", comment=reason)
            context.update(member=member, sections=sections)
    return render(request, "audit/person.html", context)
