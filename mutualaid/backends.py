# ruff: noqa: S608  (the SQL is assembled once from the models' own table and column names; the id is a parameter)
"""The site's authentication backend: Django's ModelBackend, with the signed-in person read in one query.

``get_user`` runs on every request of a signed-in person. Django's reads the user, and the site then
asked twice more: for the groups (the role, ``roles.role_of``) and for the staff profile with its unit,
district or prefecture (``roles.profile_of``). Here the three come back in one row, the group names
as an array beside the columns, and both caches are filled before any page asks.

The statement is written out once per process from the models' own columns instead of through the
ORM: compiling the five-model query cost about 2 ms of Python on every request (README "Load"), more
than PostgreSQL took to answer it. The rows become model instances as the ORM makes them
(``Model.from_db``), related to each other as ``select_related`` would leave them.
"""

from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from mutualaid.roles import remember

# The profile's relations read with it: (field on StaffProfile, table alias).
RELATED = (("unit", "u"), ("district", "d"), ("prefecture", "x"))


@cache
def _statement():
    User, StaffProfile = get_user_model(), apps.get_model("mutualaid", "StaffProfile")
    models = [(User, "a"), (StaffProfile, "p")] + [
        (StaffProfile._meta.get_field(name).related_model, alias) for name, alias in RELATED
    ]
    quote = connection.ops.quote_name
    columns, layout = [], []
    for model, alias in models:
        fields = [field.attname for field in model._meta.concrete_fields]
        columns += [f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields]
        layout.append((model, fields))
    joins = " ".join(
        f"LEFT JOIN {quote(StaffProfile._meta.get_field(name).related_model._meta.db_table)} {alias}"
        f" ON {alias}.id = p.{quote(StaffProfile._meta.get_field(name).column)}"
        for name, alias in RELATED
    )
    groups = User._meta.get_field("groups")
    through = groups.remote_field.through._meta.db_table
    sql = (
        f"SELECT {', '.join(columns)}, ARRAY(SELECT g.name FROM {quote(groups.related_model._meta.db_table)} g"
        f" JOIN {quote(through)} ug ON ug.group_id = g.id WHERE ug.user_id = a.id)"
        f" FROM {quote(User._meta.db_table)} a"
        f" LEFT JOIN {quote(StaffProfile._meta.db_table)} p ON p.user_id = a.id {joins}"
        " WHERE a.id = %s"
    )
    return sql, layout


def _instance(model, fields, values):
    # A LEFT JOIN that found nothing gives a row of NULLs: no object (the primary key is never NULL).
    return None if values[0] is None else model.from_db(connection.alias, fields, values)


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        sql, layout = _statement()
        with connection.cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        objects, start = [], 0
        for model, fields in layout:
            objects.append(_instance(model, fields, row[start : start + len(fields)]))
            start += len(fields)
        user, profile, *related = objects
        if not self.user_can_authenticate(user):
            return None
        user._state.fields_cache["staff_profile"] = profile  # None: user.staff_profile raises DoesNotExist
        if profile is not None:
            profile._state.fields_cache["user"] = user
            for (name, _), value in zip(RELATED, related, strict=True):
                profile._state.fields_cache[name] = value
        remember(user, groups=row[start], profile=profile)
        return user
