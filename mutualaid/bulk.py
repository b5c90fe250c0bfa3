"""Many rows of one model in one ``COPY`` (psycopg 3), for the writers that complete thousands of
things at once (a province's bank statement: 100,000 lines, 60,000 payments, receipts and their
audit rows).

``bulk_create`` builds a model instance per row and has every value prepared by its field and
quoted by the driver in Python: 990,000 instances and 17 s of quoting in a 100,000-line statement.
Here a row is a dict, each value is converted once by a function chosen per column, and psycopg
writes the COPY data in C. Field defaults, ``auto_now`` and ``auto_now_add`` are applied as
``bulk_create`` applies them; database triggers fire as for any insert. The rows are built before
the COPY starts: while it runs, the connection takes no other query.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone

_MISSING = object()


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value  # a TextChoices member → its value


def _column(field: models.Field, now) -> tuple[str, str, Callable[[], Any], Callable[[Any], Any]]:
    """(attname, name, default, convert) of one concrete field, converting as the field would on save."""
    default: Callable[[], Any] = field.get_default  # its default, or what an instance starts with
    convert: Callable[[Any], Any] = _plain
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):

        def convert(value):  # stamped now whatever the row says, as bulk_create's pre_save does
            return now
    elif field.is_relation:
        target = field.target_field.attname

        def convert(value):
            if not isinstance(value, models.Model):
                return value
            if getattr(value, target) is None:
                raise ValueError(f"{field}: the related {type(value).__name__} is not saved")
            return getattr(value, target)
    elif isinstance(field, models.JSONField):
        encoder = field.encoder

        def convert(value):
            return None if value is None else json.dumps(value, cls=encoder, ensure_ascii=False)
    elif isinstance(field, models.DateTimeField):

        def convert(value):  # a naive time is the project's, as Django reads it (with a warning there)
            return timezone.make_aware(value) if isinstance(value, datetime) and timezone.is_naive(value) else value
    elif isinstance(field, models.DateField):

        def convert(value):  # a time given for a date: its date in the project's time zone
            return field.to_python(value) if isinstance(value, datetime) else value

    return field.attname, field.name, default, convert


def copy_insert(model: type[models.Model], rows: Iterable[dict], *, ids: bool = False) -> list[int]:
    """Insert ``rows`` (dicts keyed by field name or attname; a foreign key by its instance or its
    id) in one COPY. With ``ids`` the new rows' primary keys are taken from the table's sequence first
    and returned in the rows' order (as ``bulk_create`` sets them); without, nothing is returned."""
    rows = list(rows)
    if not rows:
        return []
    meta = model._meta
    known = {name for field in meta.concrete_fields for name in (field.name, field.attname)}
    unknown = {key for row in rows for key in row} - known
    if unknown:  # a misspelt field would silently take its default
        raise ValueError(f"{meta.label} has no field {', '.join(sorted(unknown))}")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if not hasattr(raw, "copy"):  # psycopg2: the ORM's bulk insert
            made = model.objects.bulk_create((model(**row) for row in rows), batch_size=2000)
            return [obj.pk for obj in made] if ids else []
        now = timezone.now()
        columns = [_column(field, now) for field in meta.concrete_fields if not field.primary_key]
        pks: list[int] = []
        if ids:  # taken in one statement, in ascending order like the rows bulk_create numbers
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            pks = sorted(pk for (pk,) in cursor.fetchall())
        data = []
        for position, row in enumerate(rows):
            values = [pks[position]] if ids else []
            for attname, name, default, convert in columns:
                value = row.get(attname, _MISSING)
                if value is _MISSING:
                    value = row.get(name, _MISSING)
                if value is _MISSING:
                    value = default()
                values.append(convert(value))
            data.append(values)
        names = ([meta.pk.column] if ids else []) + [meta.get_field(name).column for _, name, _, _ in columns]
        quote = connection.ops.quote_name
        with (
            connection.wrap_database_errors,
            raw.copy(f"COPY {quote(meta.db_table)} ({', '.join(map(quote, names))}) FROM STDIN") as copy,
        ):
            for values in data:
                copy.write_row(values)
    return pks
