"""Who a user is: their role (from their group) and the unit, district or prefecture they act for.

Below every app: the domain apps and the scoping mechanism ask here. Neither this
module nor the profile model (``mutualaid.models.StaffProfile``, which names its
unit and district by string) imports an app, so imports run one way: helpers,
then the apps, then the site.
"""

from enum import StrEnum

from django.apps import apps


class Role(StrEnum):
    CLERK = "clerk"
    DISTRICT = "district"
    PREFECTURE = "prefecture"
    CENTRE_HANDLER = "centre_handler"
    CENTRE_HEAD = "centre_head"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def group_name(self) -> str:
        return ROLE_GROUPS[self]


ROLE_LABELS = {
    Role.CLERK: "基层工会经办人",
    Role.DISTRICT: "办事处",
    Role.PREFECTURE: "市州总工会",
    Role.CENTRE_HANDLER: "市中心经办人",
    Role.CENTRE_HEAD: "市中心负责人",
    Role.ADMIN: "系统管理员",
}
ROLE_GROUPS = dict(ROLE_LABELS)
CITY_ROLES = {Role.CENTRE_HANDLER, Role.CENTRE_HEAD, Role.ADMIN}
# The offices that see a part of the city (or province) beyond one unit: a district office, and a
# prefecture office over some district offices (DOMAIN.md §15), which sees everything of its districts
# and takes no action in any workflow (no table names it) nor in any service (none requires it).
OFFICE_ROLES = {Role.DISTRICT, Role.PREFECTURE}
# Who reads the pages of many units (lists, statistics, the clerks' accounts): the offices and the centre.
OVERSEER_ROLES = OFFICE_ROLES | CITY_ROLES
# The member themself, signed in at /me/ with an SMS code (DOMAIN.md §13): no account, no group, never
# a staff role. The claim workflow names it for the steps a member takes (filing, sending again).
MEMBER = "member"


def role_of(user) -> Role | None:
    """The user's role, cached on the user object for the request."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_mutualaid_role", False)
    if cached is not False:
        return cached
    user._mutualaid_role = role = _role_from(set(user.groups.values_list("name", flat=True)), user)
    return role


def _role_from(names: set[str], user) -> Role | None:
    for candidate in (Role.ADMIN, Role.CENTRE_HEAD, Role.CENTRE_HANDLER, Role.DISTRICT, Role.PREFECTURE, Role.CLERK):
        if candidate.group_name in names:
            return candidate
    return Role.ADMIN if user.is_superuser else None


def remember(user, *, groups, profile) -> None:
    """Fill the caches of ``role_of`` and ``profile_of`` from what was read with the user (the
    authentication backend reads all three in one query, ``mutualaid.backends``)."""
    user._mutualaid_role = _role_from(set(groups), user)  # role_of answers None for an inactive user first
    user._mutualaid_profile = profile


def profile_of(user):
    # Through the app registry, not an import: the models import this module (scoping), not the reverse.
    StaffProfile = apps.get_model("mutualaid", "StaffProfile")
    cached = getattr(user, "_mutualaid_profile", False)
    if cached is not False:
        return cached
    profile = StaffProfile.objects.filter(user=user).select_related("unit", "district", "prefecture").first()
    user._mutualaid_profile = profile
    return profile


def unit_of(user):
    profile = profile_of(user)
    return profile.unit if profile and role_of(user) == Role.CLERK else None


def district_of(user):
    profile = profile_of(user)
    return profile.district if profile and role_of(user) == Role.DISTRICT else None


def prefecture_of(user):
    profile = profile_of(user)
    return profile.prefecture if profile and role_of(user) == Role.PREFECTURE else None


def is_city(user) -> bool:
    return role_of(user) in CITY_ROLES
