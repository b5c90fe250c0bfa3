"""Print timings of the pages and engine calls people wait for, against the current database.

Run it after `seed_demo --scale N` to see how the product behaves at volume:

    DJANGO_DEBUG=1 .venv/bin/python manage.py benchmark
"""

import math
import random
import statistics
import time

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims import engine, review_signals
from claims.models import Claim, ClaimStatus
from enrollment.member_signin import start_session
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
        # The members' own pages (/me/), as a member with a paid claim and one with a claim under review.
        paid = Claim.objects.filter(status=ClaimStatus.PAID).select_related("member").order_by("-pk").first()
        open_ = Claim.objects.filter(status=ClaimStatus.SUBMITTED).select_related("member").order_by("-pk").first()
        pages += [
            (None, "/me/login/", "member sign-in page"),
            (paid.member, "/me/", "member overview (a paid claim)"),
            (paid.member, f"/me/claims/{paid.reference}/", "member claim, paid"),
            (open_.member, f"/me/claims/{open_.reference}/", "member claim, under review"),
            (open_.member, "/me/claims/new/", "member claim form"),
        ]
        self.stdout.write(f"{'page':<40} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        for who, url, label in pages:
            client = Client(HTTP_HOST="localhost")
            if isinstance(who, str):
                client.force_login(User.objects.get(username=who))
            elif who is not None:  # a member at /me/: their own session key, as the SMS code gives it
                session = client.session
                start_session(session, who)
                session.save()
                client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
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
        time_signals(self.stdout, User.objects.get(username="centre_handler"))


def time_signals(stdout, user, n: int = 200, seed: int = 20, per_signal: int = 20) -> None:
    """The reviewers' signals of one claim (``signals_for``, as the claim page asks as the centre): for
    ``n`` claims drawn at random, and for up to ``per_signal`` claims raising each signal (those also
    read the claims the signal links to, in and out of the reader's scope). Median, 95th percentile and
    the most, with the queries each took."""
    with connection.cursor() as cursor:  # freshly generated rows (benchmark_simulate) have no statistics
        cursor.execute("ANALYZE claims_claim, enrollment_coverage, enrollment_member")
    ids = list(Claim.objects.values_list("pk", flat=True))
    groups = {f"drawn at random ({min(n, len(ids))})": random.Random(seed).sample(ids, min(n, len(ids)))}
    for code in review_signals.CODES:
        raising = list(review_signals.with_signal(Claim.objects.order_by("pk"), code).values_list("pk", flat=True))
        if raising:
            groups[f"raising {code} ({len(raising)} in all)"] = random.Random(seed).sample(
                raising, min(per_signal, len(raising))
            )
    stdout.write(f"reviewers' signals of one claim (signals_for), {len(ids):,} claims in the database:")
    stdout.write(f"{'claims':<40} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for label, picked in groups.items():
        times, queries = [], []
        for claim in Claim.objects.filter(pk__in=picked):
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                review_signals.signals_for(claim, user)
                times.append((time.perf_counter() - start) * 1000)
            queries.append(len(ctx.captured_queries))
        times.sort()
        queries.sort()
        p95 = times[max(0, math.ceil(len(times) * 0.95) - 1)]
        spread = f"{queries[0]}" if queries[0] == queries[-1] else f"{queries[0]}-{queries[-1]}"
        stdout.write(f"{label:<40} {statistics.median(times):>10.1f} {p95:>8.1f} {times[-1]:>8.1f} {spread:>8}")
