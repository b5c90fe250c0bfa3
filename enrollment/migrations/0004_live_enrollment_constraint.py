# One live enrollment per person, plan and period, held by the database: the line carries its
# application's plan and liveness, and a partial unique index covers the live lines.

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
UPDATE enrollment_rosterline AS line
SET plan_id = app.plan_id,
    live = app.status NOT IN ('rejected', 'withdrawn')
FROM enrollment_application AS app
WHERE app.id = line.application_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0003_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="rosterline",
            name="live",
            field=models.BooleanField(default=True, verbose_name="有效"),
        ),
        migrations.AddField(
            model_name="rosterline",
            name="plan",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="roster_lines",
                to="enrollment.plan",
                verbose_name="保障项目",
            ),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="rosterline",
            name="plan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="roster_lines",
                to="enrollment.plan",
                verbose_name="保障项目",
            ),
        ),
        migrations.AddConstraint(
            model_name="rosterline",
            constraint=models.UniqueConstraint(
                condition=models.Q(("live", True)),
                fields=("member", "plan"),
                name="one_live_enrollment_per_member_plan",
            ),
        ),
    ]
