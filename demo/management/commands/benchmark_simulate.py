"""Time the what-if simulator at a province's volume (issue #20: 150,000 claims both ways in < 10 s).

    python manage.py benchmark_simulate [--claims 150000] [--runs 3]
    python manage.py benchmark_simulate --existing      # the database as it is (after seed_demo --scale N)

Generates period-16 MED members, coverages and one claim each (``demo.synthetic``, every status of
the review) inside a transaction that is rolled back afterwards, then runs ``simulate`` (the page's
and ``simulate_plan``'s code, database reads included) with deductible 8,000 and tier 2 at 65%, and
prints the read, replay and comparison times of each run; then the reviewers' signals of 200
claims picked at random (``reports...benchmark.time_signals``), median and 95th percentile.
"""

import math
import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from claims.simulation import simulate
from demo.synthetic import add_synthetic_units
from reports.management.commands.benchmark import time_signals

MEAN_STAFF = 55  # demo.synthetic's units: lognormal(3.6, 0.9) staff, mean e^(3.6 + 0.9²/2)


class Command(BaseCommand):
    help = "方案测算的性能测试（生成的数据在结束时回滚）"

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, default=150_000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--existing", action="store_true", help="不生成数据，直接测当前数据库")

    def handle(self, *args, claims, runs, existing, **options):
        with transaction.atomic():
            if not existing:
                clock = time.perf_counter()
                made = {"units": 0, "members": 0, "claims": 0}
                left = math.ceil(claims / MEAN_STAFF)
                while left > 0:  # in chunks, analysed in between: one statement over 150,000 new rows
                    chunk = add_synthetic_units(min(left, 500), claim_rate=1.0, seed=20 + left)  # plans badly
                    made = {key: made[key] + chunk[key] for key in made}
                    left -= 500
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE enrollment_unit, enrollment_member, enrollment_coverage, claims_claim")
                self.stdout.write(
                    f"generated {made['units']:,} units, {made['members']:,} members, {made['claims']:,} claims "
                    f"in {time.perf_counter() - clock:.1f} s (rolled back at the end)"
                )
            changes = {"MED": {"deductible": "8000", "tier.2.rate": "0.65"}}
            for run in range(1, runs + 1):
                clock = time.perf_counter()
                result = simulate(period=16, plan="MED", changes=changes)
                total = time.perf_counter() - clock
                s = result.seconds
                self.stdout.write(
                    f"run {run}: {result.claims:,} claims replayed both ways in {total:.2f} s "
                    f"(read {s['read']:.2f} s, replay {s['replay']:.2f} s, compare {s['compare']:.2f} s); "
                    f"before {result.before:,}, after {result.after:,}, {result.changed_decisions:,} decisions changed"
                )
            time_signals(self.stdout, User.objects.get(username="centre_handler"))
            transaction.set_rollback(True)
