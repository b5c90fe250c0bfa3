# StaffProfile moved here from enrollment: state only, the table enrollment_staffprofile stays.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0002_staffprofile_moves_to_mutualaid'),
        ('mutualaid', '0002_background_jobs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='StaffProfile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                        ('district', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='enrollment.district', verbose_name='办事处')),
                        ('unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='enrollment.unit', verbose_name='单位')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='staff_profile', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '用户归属',
                        'verbose_name_plural': '用户归属',
                        'db_table': 'enrollment_staffprofile',
                        'constraints': [models.CheckConstraint(condition=models.Q(('unit__isnull', True), ('district__isnull', True), _connector='OR'), name='profile_unit_xor_district')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
