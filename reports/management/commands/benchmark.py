"""Print timings of the pages and engine calls people wait for, against the current database.

Run it after `seed_demo --scale N` to see how the product behaves at volume:

    DJANGO_DEBUG=1 .venv/bin/python manage.py benchmark
"""

import statistics
import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims import engine
from claims.models import Claim
from enrollment.models import Coverage, Member


class Command(BaseCommand):
    help = "Time the main pages and the benefit engine at the database's current volume."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, repeat=5, **options):
        self.stdout.write(
            f"volume: {Member.objects.count():,} members, {Coverage.objects.count():,} coverages, "
            f"{Claim.objects.count():,} claims"
        )
        sample = Claim.objects.order_by("-pk").first()
        pages = [
            ("centre_handler", "/", "home, centre handler"),
            ("centre_handler", "/claims/?status=", "claim list, all claims, first page"),
            ("centre_handler", "/claims/?status=district_approved", "claim queue, centre handler"),
            ("centre_handler", "/claims/?q=16-MED-S", "claim search by reference"),
            ("district_hc", "/claims/", "claim queue, district office"),
            ("clerk_u001", "/", "home, clerk"),
            ("centre_handler", f"/claims/{sample.reference}/", "claim detail"),
            ("centre_handler", "/enrollment/applications/", "application list"),
            ("centre_handler", "/reports/statistics/", "statistics, whole city, all periods"),
            ("centre_handler", "/reports/statistics/?period=16", "statistics, period 16"),
            ("district_hc", "/reports/statistics/", "statistics, district office"),
            ("centre_handler", "/enrollment/payments/", "payments overview"),
        ]
        self.stdout.write(f"{'page':<40} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        for username, url, label in pages:
            client = Client(HTTP_HOST="localhost")
            client.force_login(User.objects.get(username=username))
            timings, queries = [], 0
            for _ in range(repeat):
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                queries = len(ctx.captured_queries)
                assert response.status_code == 200, (url, response.status_code)
            self.stdout.write(f"{label:<40} {statistics.median(timings):>10.1f} {max(timings):>8.1f} {queries:>8}")
        timings = []
        for claim in Claim.objects.select_related("coverage__plan", "plan", "member", "unit").order_by("-pk")[:50]:
            start = time.perf_counter()
            engine.estimate(claim)
            timings.append((time.perf_counter() - start) * 1000)
        self.stdout.write(
            f"{'engine.estimate (with history queries)':<40} {statistics.median(timings):>10.1f} {max(timings):>8.1f}"
        )
