from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from enrollment.forms_admin import StaffProfileForm
from mutualaid.models import AuditLog, StaffProfile
from mutualaid.scoping import Role, role_of

User = get_user_model()


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


# --- Users ----------------------------------------------------------------------


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    form = StaffProfileForm
    can_delete = True
    max_num = 1
    extra = 1
    autocomplete_fields = ("unit", "district")
    verbose_name = "用户归属"
    verbose_name_plural = "用户归属（基层工会经办人选单位，办事处人员选办事处，市中心人员都不选）"


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = (StaffProfileInline,)
    list_display = ("username", "full_name", "roles", "belongs_to", "is_staff", "is_active", "last_login")
    list_filter = ("groups", "is_staff", "is_active", "is_superuser")
    list_select_related = ("staff_profile__unit", "staff_profile__district")
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

    @admin.display(description="所属单位/办事处")
    def belongs_to(self, obj):
        profile = getattr(obj, "staff_profile", None)
        if profile is None:
            return ""
        return str(profile.unit or profile.district or "")

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
