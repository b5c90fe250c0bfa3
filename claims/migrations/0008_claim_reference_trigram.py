"""Claims found by part of their reference (mutualaid/search.py), built concurrently."""
import django.contrib.postgres.indexes
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('claims', '0007_history_import'),
        ('enrollment', '0016_search_trigram_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='claim',
            index=django.contrib.postgres.indexes.GinIndex(fields=['reference'], name='claim_reference_trgm', opclasses=['gin_trgm_ops']),
        ),
    ]
