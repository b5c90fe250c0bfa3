"""The search boxes' partial matches (mutualaid/search.py): pg_trgm, and trigram indexes on what is
matched by part (references, the last digits of ID numbers, unit codes and names). Built
concurrently, so a live system at province scale keeps writing while they are made."""
import django.contrib.postgres.indexes
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('enrollment', '0015_prefectures'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        TrigramExtension(),
        AddIndexConcurrently(
            model_name='application',
            index=django.contrib.postgres.indexes.GinIndex(fields=['reference'], name='application_reference_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexConcurrently(
            model_name='member',
            index=django.contrib.postgres.indexes.GinIndex(fields=['id_number'], name='member_id_number_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexConcurrently(
            model_name='unit',
            index=django.contrib.postgres.indexes.GinIndex(fields=['code'], name='unit_code_trgm', opclasses=['gin_trgm_ops']),
        ),
        AddIndexConcurrently(
            model_name='unit',
            index=django.contrib.postgres.indexes.GinIndex(fields=['name'], name='unit_name_trgm', opclasses=['gin_trgm_ops']),
        ),
    ]
