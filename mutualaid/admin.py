from django.contrib import admin

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
