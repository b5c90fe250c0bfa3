"""A member's and a roster line's parent (DOMAIN.md §14) indexed only where set: nearly every row has
none, and each of a 100,000-line import's lines (and new members) added a NULL entry nobody looks up.

Only the index changes; the foreign keys stay as they are (Django's own AlterField would drop and
re-add them, checking every row of both tables again)."""

import django.db.models.deletion
from django.db import migrations, models

# (table, the index Django named for the foreign key)
PLAIN = (("enrollment_member", "enrollment_member_parent_id_1c5fbdf5"),
         ("enrollment_rosterline", "enrollment_rosterline_parent_id_b8f297f0"))  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0020_statistics_summaries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="member",
                    name="parent",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                        related_name="children", to="enrollment.member", verbose_name="父母（职工）",
                    ),  # fmt: skip
                ),
                migrations.AlterField(
                    model_name="rosterline",
                    name="parent",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                        related_name="+", to="enrollment.member", verbose_name="父母（职工）",
                    ),  # fmt: skip
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"', reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("parent_id")'
                )
                for table, index in PLAIN
            ],
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(condition=models.Q(("parent__isnull", False)), fields=["parent"], name="member_parent_set"),
        ),
        migrations.AddIndex(
            model_name="rosterline",
            index=models.Index(
                condition=models.Q(("parent__isnull", False)), fields=["parent"], name="rosterline_parent_set"
            ),
        ),
    ]
