"""The ID number's uniqueness as a named constraint, and its unused LIKE index gone.

``unique=True`` on a CharField makes Django create two indexes on PostgreSQL: the unique one and a
``varchar_pattern_ops`` one for ``LIKE 'prefix%'``. No search asks for the first digits of a number
(the last digits have ``member_id_number_reversed``), so the second only cost every new person's
insert. The unique index is kept and renamed, not rebuilt: instant on five million members.
"""

from django.db import migrations, models

LIKE_INDEX = "enrollment_member_id_number_bd166ab9_like"


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0024_application_overpaid")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"""ALTER TABLE enrollment_member RENAME CONSTRAINT enrollment_member_id_number_key
                            TO member_id_number_unique;
                        DROP INDEX IF EXISTS {LIKE_INDEX};""",
                    f"""ALTER TABLE enrollment_member RENAME CONSTRAINT member_id_number_unique
                            TO enrollment_member_id_number_key;
                        CREATE INDEX {LIKE_INDEX} ON enrollment_member (id_number varchar_pattern_ops);""",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="member",
                    name="id_number",
                    field=models.CharField(max_length=18, verbose_name="身份证号码"),
                ),
                migrations.AddConstraint(
                    model_name="member",
                    constraint=models.UniqueConstraint(fields=("id_number",), name="member_id_number_unique"),
                ),
            ],
        ),
    ]
