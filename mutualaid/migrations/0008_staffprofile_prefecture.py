"""Prefecture officers (DOMAIN.md §15): a profile names at most one of unit, district, prefecture; the
prefecture table is configuration, so its edits are in the trail like the districts' (``0005``)."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_triggers = importlib.import_module("mutualaid.migrations.0005_audit_triggers")
PREFECTURE = ("enrollment", "prefecture", "id", "IUD", "", "")


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0015_prefectures'),
        ('mutualaid', '0007_notices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='staffprofile',
            name='profile_unit_xor_district',
        ),
        migrations.AddField(
            model_name='staffprofile',
            name='prefecture',
            field=models.ForeignKey(blank=True, help_text='市州总工会的账号：只读查看所属各办事处的全部业务和统计。', null=True, on_delete=django.db.models.deletion.PROTECT, to='enrollment.prefecture', verbose_name='市州'),
        ),
        migrations.AddConstraint(
            model_name='staffprofile',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('unit__isnull', True), ('district__isnull', True)), models.Q(('unit__isnull', True), ('prefecture__isnull', True)), models.Q(('district__isnull', True), ('prefecture__isnull', True)), _connector='OR'), name='profile_one_office'),
        ),
        migrations.RunSQL(
            _triggers.trigger_sql("enrollment_prefecture", PREFECTURE),
            _triggers.drop_sql("enrollment_prefecture", PREFECTURE),
        ),
    ]
