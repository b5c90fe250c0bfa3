"""The statistics page: figures that agree with direct SQL, scoped to a district for its office,
a bounded number of queries, and an .xlsx export."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from enrollment.models import District
from reports.statistics import compute

pytestmark = pytest.mark.django_db


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def test_the_figures_agree_with_direct_sql(handler):
    stats = compute(handler)
    assert stats.totals.enrolled == sql("SELECT count(*) FROM enrollment_coverage")
    assert stats.totals.claims_paid == sql("SELECT count(*) FROM claims_claim WHERE status = 'paid'")
    assert stats.totals.paid == sql("SELECT coalesce(sum(approved_amount), 0) FROM claims_claim WHERE status = 'paid'")
    assert stats.totals.due == sql("SELECT sum(amount_due) FROM enrollment_application "
                                   "WHERE status IN ('centre_approved', 'effective')")  # fmt: skip
    med16 = next(r for r in stats.rows if (r.period, r.plan) == (16, "MED"))
    assert med16.enrolled == sql("SELECT count(*) FROM enrollment_coverage c JOIN enrollment_plan p ON p.id = c.plan_id "
                                 "JOIN enrollment_period e ON e.id = p.period_id WHERE p.code = 'MED' AND e.number = 16")  # fmt: skip
    assert med16.paid == D("7000.00") and med16.claims_paid == 1
    assert med16.loss_ratio == float(D("7000.00") / med16.collected)


def test_a_district_office_sees_its_district_only(login, district_wd, handler):
    wd = District.objects.get(code="WD")
    page = login(district_wd).get(reverse("reports:statistics"), {"district": District.objects.get(code="HC").pk})
    expected = compute(handler, district=wd)
    assert page.context["figures"].totals.enrolled == expected.totals.enrolled
    assert expected.totals.enrolled == sql("SELECT count(*) FROM enrollment_coverage c JOIN enrollment_unit u "
                                           "ON u.id = c.unit_id WHERE u.district_id = %s", [wd.pk])  # fmt: skip
    assert expected.totals.enrolled < compute(handler).totals.enrolled


def test_clerks_have_no_statistics(login, clerk_u001):
    assert login(clerk_u001).get(reverse("reports:statistics")).status_code == 404


def test_the_page_uses_a_bounded_number_of_queries(login, handler, django_assert_max_num_queries):
    client = login(handler)
    client.get(reverse("reports:statistics"))
    # 21: the grouping by office adds the districts, the units counted once per district and the
    # centre's list of prefectures, and two grouped queries the money received by payer (§14); none
    # of them grows with the data.
    with django_assert_max_num_queries(21):
        page = client.get(reverse("reports:statistics"), {"period": "16"})
    assert "累计参保人次" in page.text and "js/charts.js" in page.text


def test_the_export_is_a_workbook_with_the_same_figures(login, handler):
    response = login(handler).get(reverse("reports:statistics"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["统计"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "参保人次" and rows[-1][1] == "合计"
    assert rows[-1][3] == compute(handler).totals.enrolled
