# ruff: noqa: S608  (the SQL is built from constants: table and column names, the schedule's figures; no input)
"""Time the what-if simulator at a province's volume (issue #20: 150,000 claims both ways in < 10 s).

    python manage.py benchmark_simulate [--claims 150000] [--runs 3]
    python manage.py benchmark_simulate --existing      # the database as it is (after seed_demo --scale N)

Generates ``--claims`` period-16 MED claims (``generate_claims``: in SQL, in a few seconds) inside a
transaction that is rolled back afterwards, then runs ``simulate`` (the page's and ``simulate_plan``'s
code, database reads included) with deductible 8,000 and tier 2 at 65%, and prints the read, replay
and comparison times of each run; then the reviewers' signals of one claim
(``reports.management.commands.benchmark.time_signals``) among those claims.
"""

import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from claims.engine import schedule_for
from claims.models import Claim, ClaimStatus
from claims.rules.schedule import REIMBURSEMENT, bands
from claims.simulation import simulate
from enrollment.models import Coverage, District, Member, Plan, Unit
from mutualaid.audit import mark_bulk
from reports.management.commands.benchmark import time_signals

MEMBERS_PER_UNIT = 50
# Four coverages in five have one claim, the fifth two (a second stay adds to the first's deductible
# and cap): 150,000 claims on 120,000 coverages.
CLAIMS_PER_COVERAGE = 1.25
# The review's mix, as demo.synthetic draws it: in review at each step, and paid.
STATUSES = [
    (ClaimStatus.SUBMITTED, 3),
    (ClaimStatus.DISTRICT_APPROVED, 2),
    (ClaimStatus.CENTRE_CHECKED, 1),
    (ClaimStatus.PAID, 10),
]


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
                made = generate_claims(claims)
                self.stdout.write(
                    f"generated {made['units']:,} units, {made['members']:,} members with coverages, "
                    f"{made['claims']:,} claims in {time.perf_counter() - clock:.1f} s (rolled back at the end)"
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


def generate_claims(count: int, *, seed: float = 0.2) -> dict:
    """``count`` period-16 MED hospital stays, with their units, members and coverages, written by
    PostgreSQL itself (``INSERT … SELECT`` over ``generate_series``): 150,000 claims in seconds, where
    building them as models (``demo.synthetic``, with rosters and an engine run per claim) took 10 minutes.

    Every other column is copied from a named demo row (U001, 张伟, a period-16 MED coverage and
    claim 16-MED-U001-C1), so a column added to a model needs nothing here. The stays are drawn as
    ``demo.synthetic`` draws them (admitted 2026-06-15 plus 0-120 days, 3-25 days, total 3,000-90,000,
    basic insurance 40/50/60%); the stored amount is the schedule's f(e) capped, as the engine would
    say of a first stay (the simulator computes its own). Call inside a transaction to roll back."""
    mark_bulk()  # benchmark volume: no audit row per inserted row
    med = Plan.objects.select_related("period").get(period__number=16, code="MED")
    schedule = schedule_for(med)
    assert schedule.kind == REIMBURSEMENT
    coverages = int(count / CLAIMS_PER_COVERAGE)
    units = -(-coverages // MEMBERS_PER_UNIT)
    template_claim = Claim.objects.get(reference="16-MED-U001-C1")
    districts = list(District.objects.order_by("pk").values_list("pk", flat=True))
    curve = " + ".join(
        f"greatest(0, {'s.e' if band.high is None else f'least(s.e, {band.high})'} - {band.low}) * {band.rate}"
        for band in bands(schedule)
    )
    amount = f"round({curve}, 2)" if schedule.cap is None else f"round(least({curve}, {schedule.cap}), 2)"
    weights = sum(w for _, w in STATUSES)
    cases, upper = [], 0.0
    for status, weight in STATUSES:
        upper += weight / weights
        cases.append(f"WHEN s.r_status < {upper:.6f} THEN '{status}'")
    status = f"(CASE {' '.join(cases[:-1])} ELSE '{STATUSES[-1][0]}' END)"
    counted = f"{status} = '{ClaimStatus.PAID}'"

    def copy(model, template_pk: int, overrides: dict[str, str], source: str, where: str = "") -> int:
        columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
        table = model._meta.db_table
        values = [overrides.get(column, f"t.{column}") for column in columns]
        unknown = set(overrides) - set(columns)
        assert not unknown, unknown
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
                f"FROM {table} t, {source} WHERE t.id = %s {where}",
                [template_pk],
            )
            inserted = cursor.rowcount
            cursor.execute(f"ANALYZE {table}")  # the next statement's joins, and the simulator's plan
        return inserted

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
    copy(
        Unit,
        Unit.objects.get(code="U001").pk,
        {
            "code": "'B' || lpad(g::text, 6, '0')",
            "name": "'测算基准单位' || g",
            "uscc": "''",
            "declared_staff": str(MEMBERS_PER_UNIT),
            "district_id": f"(ARRAY{districts})[mod(g, {len(districts)}) + 1]",
        },
        f"generate_series(0, {units - 1}) g",
    )
    copy(
        Member,
        Member.objects.get(id_number="371002198005120137").pk,
        {
            "id_number": "'B' || lpad(g::text, 17, '0')",
            "name": "'测算会员' || g",
            "phone": "''",
            "bank_account": "'6299' || lpad(g::text, 15, '0')",
            "unit_id": "u.id",
        },
        f"generate_series(0, {coverages - 1}) g JOIN {Unit._meta.db_table} u "
        f"ON u.code = 'B' || lpad((g / {MEMBERS_PER_UNIT})::text, 6, '0')",
    )
    copy(
        Coverage,
        template_claim.coverage_id,
        {
            "member_id": "m.id",
            "unit_id": "m.unit_id",
            "plan_id": str(med.pk),
            "shares": "1",
            "renewed_shares": "0",
            "effective_from": f"'{med.period.coverage_start}'::date",
            "effective_to": f"'{med.period.coverage_end}'::date",
            "status": "'active'",
        },
        f"{Member._meta.db_table} m",
        "AND m.id_number LIKE 'B%%'",
    )
    draws = (
        f"(SELECT g, floor(g / {CLAIMS_PER_COVERAGE})::int AS c, random() AS r_status, "
        "date '2026-06-15' + floor(random() * 121)::int AS admitted, 3 + floor(random() * 23)::int AS nights, "
        "(3000 + floor(random() * 87001))::numeric AS total, (ARRAY[0.4, 0.5, 0.6])[1 + floor(random() * 3)::int] AS basic_rate, "
        f"floor(random() * 60)::int AS age FROM generate_series(0, {count - 1}) g) d"
    )
    stays = (
        f"(SELECT d.*, round(d.total * d.basic_rate) AS basic, d.total - round(d.total * d.basic_rate) AS e "
        f"FROM {draws}) s"
    )
    made = copy(
        Claim,
        template_claim.pk,
        {
            "reference": "'16-MED-' || v.unit_code || '-C' || s.g",
            "seq": "s.g",
            "status": status,
            "coverage_id": "v.id",
            "member_id": "v.member_id",
            "unit_id": "v.unit_id",
            "admitted": "s.admitted",
            "discharged": "s.admitted + s.nights",
            "total_cost": "s.total",
            "basic_insurance_paid": "s.basic",
            "other_paid": "0",
            "excluded_self_pay": "0",
            "prior_plan_payouts": "0",
            "invoice_numbers": "'3799' || lpad(s.g::text, 10, '0')",
            "payee_account": "v.bank_account",
            "computed_amount": amount,
            "approved_amount": f"CASE WHEN {counted} THEN {amount} END",
            "eligible_expense": f"CASE WHEN {counted} THEN s.e ELSE 0 END",
            "reasons": "'[]'::jsonb",
            "explanation": "'[]'::jsonb",
            "inputs": "'{}'::jsonb",
            "created_at": "now() - (s.age + 1) * interval '1 day'",
            "submitted_at": "now() - s.age * interval '1 day'",
            "queue_since": "now() - s.age * interval '1 day'",
            "approved_at": f"CASE WHEN {counted} THEN now() - s.age * interval '1 day' + interval '5 days' END",
            "paid_at": f"CASE WHEN {counted} THEN now() END",
            "payout_batch_id": "NULL",
            "approved_by_id": "NULL",
            "checked_by_id": "NULL",
            "created_by_id": "NULL",
        },
        f"{stays} JOIN (SELECT v.id, v.member_id, v.unit_id, u.code AS unit_code, m.bank_account, "
        f"substr(m.id_number, 2)::int AS c FROM {Coverage._meta.db_table} v "
        f"JOIN {Member._meta.db_table} m ON m.id = v.member_id JOIN {Unit._meta.db_table} u ON u.id = v.unit_id "
        f"WHERE m.id_number LIKE 'B%%' AND v.plan_id = {med.pk}) v ON v.c = s.c",
    )
    return {"units": units, "members": coverages, "claims": made}
