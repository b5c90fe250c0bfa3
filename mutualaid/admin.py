from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q

from mutualaid import search
from mutualaid.models import AuditAction, AuditLog


class ReadOnlyAdminMixin:
    """For records that only services write: the admin may look, never touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin(ReadOnlyAdminMixin):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


class IndexedSearchMixin:
    """The admin's search box finds by the paths the pages' search boxes use (``mutualaid.search``),
    each served by an index, instead of Django's ``UPPER(column) LIKE '%…%'`` over every field named,
    which reads the whole table: a second per search over a city's members, three over a province's.
    ``search_fields`` still names what is searched (and shows the box); ``search_filter`` finds it."""

    show_full_result_count = False  # "N 条结果（共 M 条）" counts the whole table again on every search

    def search_filter(self, text: str):
        raise NotImplementedError

    def get_search_results(self, request, queryset, search_term):
        text = search.clean(search_term)
        if not text:
            return queryset, False
        return queryset.filter(self.search_filter(text)), False


class ActionFilter(admin.SimpleListFilter):
    """The actions as the code names them: Django's own filter for the field read every row of the
    trail for its distinct values (0.6 s over five million)."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(AuditAction.choices, key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(IndexedSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_repr", "from_state", "to_state", "short_comment")
    list_filter = (ActionFilter, "content_type")
    search_fields = ("object_repr", "actor__username")
    search_help_text = "输入对象（编号、名称；一两个字时从开头找）或操作人的用户名。按日期查找请用“操作记录”页面。"
    # No date_hierarchy: its year and month links read the date of every row of the trail (1.5 s over
    # five million); the centre's 操作记录 page (/audit/) filters by dates through the index on ``at``.
    list_select_related = ("actor", "content_type")
    fields = (
        "at",
        "actor",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "from_state",
        "to_state",
        "comment",
        "data",
    )
    readonly_fields = fields
    ordering = ("-at", "-pk")

    def search_filter(self, text):
        # The object as the 操作记录 page finds it, the actor by the users' ids; the comments, which no
        # index serves, are not searched.
        people = get_user_model().objects.filter(username__icontains=text)
        return search.recorded_object_q(text) | Q(actor__in=search.ids(people))

    @admin.display(description="意见/说明")
    def short_comment(self, obj):
        return obj.comment if len(obj.comment) <= 60 else obj.comment[:60] + "…"
