"""A member's name from its first character, for the search boxes (mutualaid/search.py): a name on the
claim list read all five million members of a province (1.7 s). Built concurrently, so a live system
keeps writing while it is made."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("enrollment", "0025_member_id_number_constraint"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="member",
            index=models.Index(fields=["name"], name="member_name_prefix", opclasses=["varchar_pattern_ops"]),
        ),
    ]
