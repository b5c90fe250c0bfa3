"""The statistics' figures per plan and district (``PlanDistrictSummary``) and the units per district
counted once over plans (``OfficeUnitSummary``), kept by ``enrollment.summary`` and ``claims.summary``;
``claims.0010`` fills them for the data already held."""

import datetime
import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0019_plan_loss_ratio_alert'),
    ]

    operations = [
        migrations.CreateModel(
            name='OfficeUnitSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period_number', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='期数')),
                ('plan_code', models.CharField(blank=True, max_length=10, verbose_name='项目代码')),
                ('units', models.PositiveIntegerField(default=0, verbose_name='参保单位')),
                ('district', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='enrollment.district', verbose_name='办事处')),
            ],
            options={
                'verbose_name': '办事处参保单位汇总',
                'verbose_name_plural': '办事处参保单位汇总',
                'constraints': [models.UniqueConstraint(fields=('district', 'period_number', 'plan_code'), name='office_unit_summary_unique', nulls_distinct=False)],
            },
        ),
        migrations.CreateModel(
            name='PlanDistrictSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('units', models.PositiveIntegerField(default=0, verbose_name='参保单位')),
                ('enrolled', models.PositiveIntegerField(default=0, verbose_name='参保人次')),
                ('due', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='应缴会费')),
                ('collected', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='实收会费')),
                ('subsidies', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='工会补贴')),
                ('collected_unit', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='实收会费（单位行政）')),
                ('collected_union', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='实收会费（单位工会）')),
                ('collected_personal', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='实收会费（职工个人）')),
                ('claims_filed', models.PositiveIntegerField(default=0, verbose_name='申领件数')),
                ('claims_paid', models.PositiveIntegerField(default=0, verbose_name='理赔人次')),
                ('paid', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='赔付金额')),
                ('waited', models.DurationField(default=datetime.timedelta(0), verbose_name='等待时间合计')),
                ('timed', models.PositiveIntegerField(default=0, verbose_name='计时件数')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('district', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='enrollment.district', verbose_name='办事处')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='enrollment.plan', verbose_name='保障项目')),
            ],
            options={
                'verbose_name': '统计汇总',
                'verbose_name_plural': '统计汇总',
                'constraints': [models.UniqueConstraint(fields=('plan', 'district'), name='plan_district_summary_unique')],
            },
        ),
    ]
