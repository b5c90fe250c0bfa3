"""Who may see what: the one scoping mechanism every view goes through.

A user's role comes from their group; a clerk is tied to one unit, a
district officer to one district and a prefecture officer (§15: reads its districts, changes
nothing) to one prefecture through ``mutualaid.StaffProfile`` (``mutualaid.roles``). Each
scoped model's queryset says how to reach a unit and a district from its rows;
``visible_to(user)`` then narrows any queryset. Views fetch single objects with
``get_visible_or_404`` so an out-of-scope record is indistinguishable from a
missing one.
"""

from django.db import models
from django.http import Http404

from mutualaid.roles import (  # noqa: F401  (re-exported: services and views import them from here)
    CITY_ROLES,
    OFFICE_ROLES,
    OVERSEER_ROLES,
    ROLE_GROUPS,
    ROLE_LABELS,
    Role,
    district_of,
    is_city,
    prefecture_of,
    profile_of,
    role_of,
    unit_of,
)


class ScopedQuerySet(models.QuerySet):
    """Base queryset for records that belong to a unit.

    Subclasses set ``unit_path`` (lookup from the row to its ``Unit``; "" when
    the row is the unit) and ``district_path`` (to its ``District``).
    """

    unit_path = "unit"
    district_path = "unit__district"
    # To its ``Prefecture`` (DOMAIN.md §15); None: through the district (``<district_path>__prefecture``).
    prefecture_path: str | None = None
    # From the row to the ``Member`` it is about ("" when the row is the member), for the member's own
    # pages at /me/; None: nothing of this kind is a member's to see.
    member_path: str | None = None

    def _lookup(self, path: str) -> str:
        return f"{path}__pk" if path else "pk"

    def _prefecture(self) -> str | None:
        if self.prefecture_path is not None:
            return self.prefecture_path
        if self.district_path is None:
            return None
        return f"{self.district_path}__prefecture" if self.district_path else "prefecture"

    def visible_to(self, user):
        role = role_of(user)
        if role in CITY_ROLES:
            return self.all()
        if role == Role.PREFECTURE:
            prefecture, path = prefecture_of(user), self._prefecture()
            if prefecture is None or path is None:
                return self.none()
            return self.filter(**{self._lookup(path): prefecture.pk})
        if role == Role.DISTRICT:
            district = district_of(user)
            if district is None:
                return self.none()
            return self.filter(**{self._lookup(self.district_path): district.pk})
        if role == Role.CLERK:
            unit = unit_of(user)
            if unit is None:
                return self.none()
            return self.filter(**{self._lookup(self.unit_path): unit.pk})
        return self.none()

    def owned_by(self, member):
        """What a member signed in at /me/ sees: their own rows, nothing else (no staff role reaches here)."""
        if member is None or member.pk is None or self.member_path is None:
            return self.none()
        return self.filter(**{self._lookup(self.member_path): member.pk})


class CityOnlyQuerySet(models.QuerySet):
    """The centre's own records (payout batches, bank statements): nobody else sees them."""

    def visible_to(self, user):
        return self.all() if role_of(user) in CITY_ROLES else self.none()


class CityWideQuerySet(models.QuerySet):
    """Reference data (periods, plans, catalogues) every signed-in user may read."""

    def visible_to(self, user):
        return self.all() if role_of(user) is not None else self.none()


def get_visible_or_404(queryset_or_model, user, **lookup):
    queryset = queryset_or_model
    if isinstance(queryset_or_model, type):
        queryset = queryset_or_model.objects.all()
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404("记录不存在") from exc


def get_owned_or_404(queryset, member, **lookup):
    """The member's own record, or 404 for anything else (another person's, or none at all)."""
    try:
        return queryset.owned_by(member).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404("记录不存在") from exc


def require(actor, roles, *, unit=None, district=None, message: str = "您没有执行此操作的权限。") -> Role:
    """Refuse (PermissionDenied) unless ``actor`` has one of ``roles`` and, for a clerk or a
    district officer, ``unit`` is their own unit or lies in their district (and ``district``,
    for a record that belongs to a district before it has a unit, is theirs). Services call this."""
    from django.core.exceptions import PermissionDenied

    role = role_of(actor)
    if role not in roles:
        raise PermissionDenied(message)
    if unit is not None:
        if role == Role.CLERK and (unit_of(actor) is None or unit_of(actor).pk != unit.pk):
            raise PermissionDenied("只能办理本单位的业务。")
        if role == Role.DISTRICT and (district_of(actor) is None or district_of(actor).pk != unit.district_id):
            raise PermissionDenied("只能办理本辖区单位的业务。")
    if district is not None and role == Role.DISTRICT and getattr(district_of(actor), "pk", None) != district.pk:
        raise PermissionDenied("只能办理本辖区的业务。")
    return role
