"""The site's authentication backend: Django's ModelBackend, with the signed-in person read in one query.

``get_user`` runs on every request of a signed-in person. Django's reads the user, and the site then
asked twice more: for the groups (the role, ``roles.role_of``) and for the staff profile with its unit,
district or prefecture (``roles.profile_of``). Here the three come back in one row, the group names
as an array beside the user's columns, and both caches are filled before any page asks.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef

from mutualaid.roles import remember


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related(
                "staff_profile__unit", "staff_profile__district", "staff_profile__prefecture"
            )
            .annotate(group_names=ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name")))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            profile = user.staff_profile
        except ObjectDoesNotExist:  # the centre's people and the admins have none
            profile = None
        remember(user, groups=user.group_names, profile=profile)
        return user
