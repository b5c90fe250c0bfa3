"""The figures of the statistics (DOMAIN.md §12), kept per plan and district so that the page reads a
few hundred rows whatever the number of members: ``enrollment.summary`` keeps the enrollment columns
and ``claims.summary`` the claim columns, each in the transaction of the change that moves them;
``manage.py check_statistics`` recomputes them from the raw tables."""

from datetime import timedelta

from django.db import models

from enrollment.models.fields import money_field
from enrollment.models.organisation import District
from enrollment.models.plans import Plan
from mutualaid.roles import Role, role_of
from mutualaid.scoping import ScopedQuerySet


class SummaryQuerySet(ScopedQuerySet):
    """An office's figures: the centre sees all, a prefecture its districts, a district its own."""

    unit_path = None  # a clerk sees no statistics (see visible_to)
    district_path = "district"

    def visible_to(self, user):
        if role_of(user) == Role.CLERK:
            return self.none()
        return super().visible_to(user)


class PlanDistrictSummary(models.Model):
    """One plan's figures in one district (the district of the unit each record belongs to: the
    coverage's, the application's, the claim's own unit). A unit lies in one district, so the units
    of a plan add up over its districts."""

    plan = models.ForeignKey(Plan, verbose_name="保障项目", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, verbose_name="办事处", on_delete=models.CASCADE, related_name="+")
    # Kept by enrollment.summary: centre-approved and effective applications, their payments and refunds.
    units = models.PositiveIntegerField("参保单位", default=0)
    enrolled = models.PositiveIntegerField("参保人次", default=0)
    due = money_field("应缴会费")
    collected = money_field("实收会费")
    subsidies = money_field("工会补贴")
    collected_unit = money_field("实收会费（单位行政）")
    collected_union = money_field("实收会费（单位工会）")
    collected_personal = money_field("实收会费（职工个人）")
    # Kept by claims.summary: claims filed with the scheme (not drafts, not a member's claim still with the unit).
    claims_filed = models.PositiveIntegerField("申领件数", default=0)
    claims_paid = models.PositiveIntegerField("理赔人次", default=0)
    paid = money_field("赔付金额")
    # The mean wait from submission to payment, as a sum and a count so that rows add up exactly.
    waited = models.DurationField("等待时间合计", default=timedelta(0))
    timed = models.PositiveIntegerField("计时件数", default=0)
    # What waits at each step, for the home pages' counts and the queues' totals (an office's claims
    # counted across a join of every unit read 50 ms at five million members; these rows 1 ms).
    claims_submitted = models.PositiveIntegerField("待办事处审核", default=0)
    claims_district_approved = models.PositiveIntegerField("待市中心初审", default=0)
    claims_centre_checked = models.PositiveIntegerField("待市中心审批", default=0)
    claims_to_pay = models.PositiveIntegerField("已审批待放入支付批次", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = SummaryQuerySet.as_manager()

    ENROLLMENT = ("units", "enrolled", "due", "collected", "subsidies", "collected_unit", "collected_union",
                  "collected_personal")  # fmt: skip
    # The claim statuses whose counts the rows keep, by column (``claims_to_pay``: approved, in no batch yet).
    QUEUES = {"submitted": "claims_submitted", "district_approved": "claims_district_approved",
              "centre_checked": "claims_centre_checked"}  # fmt: skip
    CLAIMS = ("claims_filed", "claims_paid", "paid", "waited", "timed", *QUEUES.values(), "claims_to_pay")

    class Meta:
        verbose_name = "统计汇总"
        verbose_name_plural = "统计汇总"
        constraints = [models.UniqueConstraint(fields=["plan", "district"], name="plan_district_summary_unique")]

    def __str__(self):
        return f"{self.plan_id} {self.district_id}"


class OfficeUnitSummary(models.Model):
    """How many units of a district have a centre-approved application in a period (``plan_code`` "":
    any plan), under a plan code (``period_number`` None: any period) or at all (both): the office rows
    count each unit once, whatever it enrolled in, which no sum of the plan rows can tell."""

    district = models.ForeignKey(District, verbose_name="办事处", on_delete=models.CASCADE, related_name="+")
    period_number = models.PositiveSmallIntegerField("期数", null=True, blank=True)
    plan_code = models.CharField("项目代码", max_length=10, blank=True)
    units = models.PositiveIntegerField("参保单位", default=0)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = "办事处参保单位汇总"
        verbose_name_plural = "办事处参保单位汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "period_number", "plan_code"],
                nulls_distinct=False,
                name="office_unit_summary_unique",
            )
        ]

    def __str__(self):
        return f"{self.district_id} {self.period_number} {self.plan_code}"
