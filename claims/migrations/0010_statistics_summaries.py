"""The statistics' diagnoses per plan and district (``DiagnosisSummary``), and every summary row filled
from the raw tables for the data already held: from here on the services keep them in the transaction
of each change (``enrollment.summary``, ``claims.summary``).

The fill runs the same rebuild as ``manage.py check_statistics --fix``, with this release's code: on an
empty database (a new installation, the tests) it writes nothing.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from claims import summary as claims_summary
    from enrollment import summary as enrollment_summary

    enrollment_summary.rebuild()
    claims_summary.rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0009_review_signals'),
        ('enrollment', '0020_statistics_summaries'),
    ]

    operations = [
        migrations.CreateModel(
            name='DiagnosisSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('diagnosis_text', models.CharField(max_length=200, verbose_name='诊断')),
                ('claims', models.PositiveIntegerField(default=0, verbose_name='申领件数')),
                ('district', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='enrollment.district', verbose_name='办事处')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='enrollment.plan', verbose_name='保障项目')),
            ],
            options={
                'verbose_name': '主要疾病汇总',
                'verbose_name_plural': '主要疾病汇总',
                'constraints': [models.UniqueConstraint(fields=('plan', 'district', 'diagnosis_text'), name='diagnosis_summary_unique')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
