from django.contrib import admin

from mutualaid import search
from mutualaid.models import AuditLog


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


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_repr", "from_state", "to_state", "short_comment")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "comment", "actor__username", "action")
    date_hierarchy = "at"
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

    @admin.display(description="意见/说明")
    def short_comment(self, obj):
        return obj.comment if len(obj.comment) <= 60 else obj.comment[:60] + "…"
