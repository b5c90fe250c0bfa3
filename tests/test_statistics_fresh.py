"""Bulk writes leave the planner fresh statistics (a stale planner chose a nested loop over
six million row pairs for the district queue after seed_demo --scale 9000)."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def _last_analyzed(table: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_seed_demo_scale_analyzes_the_tables_it_filled():
    call_command("seed_demo", force=True, verbosity=0)
    before = {table: _last_analyzed(table) for table in ("enrollment_member", "claims_claim")}
    call_command("seed_demo", force=True, scale=3, verbosity=0)
    for table, when in before.items():
        after = _last_analyzed(table)
        assert after is not None and (when is None or after > when), table
