"""The audit trail's 对象 box by a trigram index on the upper-cased object (what ``icontains`` compares),
and a B-tree on it for a text too short for trigrams (``istartswith``):
a claim's history read every row of the trail, 1.7 s over a province's five million. Built
concurrently, so a live system keeps writing its trail while it is made."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("mutualaid", "0008_staffprofile_prefecture"),
    ]

    operations = [
        # Made by enrollment 0016 already on every database that has run it; never dropped going back,
        # since that migration's indexes need it.
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="auditlog",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("object_repr"), name="gin_trgm_ops"
                ),
                name="auditlog_object_repr_trgm",
            ),
        ),
        AddIndexConcurrently(
            model_name="auditlog",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("object_repr"), name="text_pattern_ops"
                ),
                name="auditlog_object_repr_prefix",
            ),
        ),
    ]
