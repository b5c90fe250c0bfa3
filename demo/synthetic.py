"""Synthetic volume for demos and benchmarks (`seed_demo --scale N`).

Rows are written with large ``bulk_create`` batches: going through the
services one person at a time would take hours at city scale. The run streams:
it holds one batch of units (``UNITS_PER_BATCH``) with their rows at a time, and
the ID numbers already taken as a bitmap, so ``--scale 90000`` needs the memory
``--scale 3000`` does. Every ID number and credit code is valid, so the data
passes the same checks real data does.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import reset_queries, transaction
from django.db.models import Max
from django.utils import timezone

from claims import summary as claims_summary
from claims.engine import coverage_facts, schedule_for
from claims.models import Claim, ClaimStatus
from claims.rules import ClaimFacts, History, evaluate
from enrollment import summary as enrollment_summary
from enrollment.models import (
    Application,
    ApplicationStatus,
    Coverage,
    District,
    Member,
    Plan,
    RosterLine,
    Unit,
)
from mutualaid.audit import mark_bulk
from mutualaid.lib.idcard import make_id
from mutualaid.lib.uscc import make_uscc

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫浩宇轩子涵欣怡梓晨辰博文雨萱佳琪俊杰"
AREAS = ["371002", "371003", "371082", "371083"]
KINDS = ["工业", "商贸", "科技", "建筑", "水产", "物流", "教育", "医疗"]
CLAIM_STATUSES = [
    (ClaimStatus.SUBMITTED, 3),
    (ClaimStatus.DISTRICT_APPROVED, 2),
    (ClaimStatus.CENTRE_CHECKED, 1),
    (ClaimStatus.PAID, 10),
]
BATCH = 5000


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


# Units written per batch: a batch of units with their members, application, roster lines,
# coverages and claims is all the memory holds (about 27,000 members at the median size).
UNITS_PER_BATCH = 500
ID_DAYS = 365 * 38  # birth dates from 1967-01-01 on, as drawn below


class _IdSpace:
    """Which synthetic ID numbers are taken, as one bit per (area, birth day, sequence): 7 MB for the
    55 million numbers the generator can draw, where a set of strings of five million held 500 MB."""

    def __init__(self):
        self.bits = bytearray(len(AREAS) * ID_DAYS * 1000 // 8 + 1)
        self.origin = date(1967, 1, 1)
        # Numbers already stored (the named demo, earlier --scale runs): read as a stream.
        for number in Member.objects.values_list("id_number", flat=True).iterator(chunk_size=BATCH):
            index = self._index(number)
            if index is not None:
                self.bits[index >> 3] |= 1 << (index & 7)

    def _index(self, number: str) -> int | None:
        try:
            area = AREAS.index(number[:6])
            day = (date(int(number[6:10]), int(number[10:12]), int(number[12:14])) - self.origin).days
            seq = int(number[14:17])
        except ValueError:
            return None
        return (area * ID_DAYS + day) * 1000 + seq if 0 <= day < ID_DAYS else None

    def take(self, area: int, day: int, seq: int) -> bool:
        """Mark the number taken; False if it already was."""
        index = (area * ID_DAYS + day) * 1000 + seq
        byte, bit = index >> 3, 1 << (index & 7)
        if self.bits[byte] & bit:
            return False
        self.bits[byte] |= bit
        return True


@transaction.atomic
def add_synthetic_units(count: int, *, seed: int = 16, stdout=None, claim_rate: float = 0.03) -> dict:
    """``count`` units with rosters, coverages of 16 MED and claims, written ``UNITS_PER_BATCH`` units
    at a time: the memory a run needs does not grow with ``count`` (one transaction still, so a run
    that breaks off leaves nothing)."""
    mark_bulk()  # synthetic volume: not 500,000 lines of history
    rng = random.Random(seed)
    districts = list(District.objects.all())
    med = Plan.objects.select_related("period").get(period__number=16, code="MED")
    schedule = schedule_for(med)
    start = (Unit.objects.filter(code__startswith="S").aggregate(m=Max("code"))["m"] or "S00000")[1:]
    first = int(start) + 1
    ids = _IdSpace()
    made = {"units": 0, "members": 0, "claims": 0}
    for batch_start in range(first, first + count, UNITS_PER_BATCH):
        batch = range(batch_start, min(batch_start + UNITS_PER_BATCH, first + count))
        done = _add_batch(batch, rng=rng, ids=ids, districts=districts, med=med, schedule=schedule,
                          claim_rate=claim_rate)  # fmt: skip
        for key, value in done.items():
            made[key] += value
        # With DEBUG on (the demo's setting) Django keeps the last 9,000 statements' SQL: 5,000-row
        # INSERTs of a megabyte each, gigabytes at province scale. Nothing reads them here.
        reset_queries()
        if stdout and verbose_progress(made["units"], count):
            stdout.write(f"  {made['units']} units, {made['members']} members, {made['claims']} claims")
    # Written in bulk, past the services: the statistics' summary of 16 MED is recounted once, here.
    keys = {(med.pk, district.pk) for district in districts}
    enrollment_summary.refresh(keys, recount=True)
    claims_summary.refresh(keys)
    return made


def verbose_progress(done: int, count: int) -> bool:
    return done == count or done % (UNITS_PER_BATCH * 20) == 0


def _add_batch(indices, *, rng, ids, districts, med, schedule, claim_rate) -> dict:
    units, members_by_unit = [], {}
    for index in indices:
        staff = max(3, int(rng.lognormvariate(3.6, 0.9)))  # median ~37 staff, a long tail of large employers
        code = f"S{index:05d}"
        units.append(
            Unit(
                code=code,
                name=f"威海示例{rng.choice(KINDS)}有限公司{index}",
                uscc=make_uscc(f"913710{index:011d}"),
                district=rng.choice(districts),
                declared_staff=staff,
                contact_name=_name(rng),
                contact_phone=f"0631-{rng.randint(5000000, 5999999)}",
                chair_name=_name(rng),
                address="山东省威海市",
            )
        )
    Unit.objects.bulk_create(units, batch_size=BATCH)  # sets each unit's pk (PostgreSQL returns them)
    members = []
    for unit in units:
        members_by_unit[unit.code] = []
        for _ in range(unit.declared_staff):
            sex = rng.choice("MF")
            while True:
                area, day = rng.randrange(len(AREAS)), rng.randrange(ID_DAYS)
                seq = rng.randint(0, 499) * 2 + (1 if sex == "M" else 0)
                if ids.take(area, day, seq):
                    break
            birth = date(1967, 1, 1) + timedelta(days=day)
            member = Member(
                id_number=make_id(AREAS[area], birth, seq, sex), name=_name(rng), sex=sex, birth_date=birth,
                unit=unit, insurance_card=f"W{rng.randint(10**9, 10**10 - 1)}",
                phone=f"13{rng.randint(10**8, 10**9 - 1)}", bank_name="中国工商银行威海分行",
                bank_account=f"6222{rng.randint(10**14, 10**15 - 1)}",
            )  # fmt: skip
            members.append(member)
            members_by_unit[unit.code].append(member)
    Member.objects.bulk_create(members, batch_size=BATCH)
    now = timezone.now()
    period = med.period
    applications = [
        Application(
            reference=Application.make_reference(med, unit, 1),
            plan=med,
            unit=unit,
            seq=1,
            status=ApplicationStatus.EFFECTIVE,
            declared_staff=unit.declared_staff,
            member_count=unit.declared_staff,
            share_count=unit.declared_staff,
            amount_due=(med.premium - med.union_subsidy) * unit.declared_staff,
            amount_paid=(med.premium - med.union_subsidy) * unit.declared_staff,
            subsidy_total=med.union_subsidy * unit.declared_staff,
            submitted_at=now,
            centre_approved_at=now,
            paid_on=period.coverage_start - timedelta(days=2),
            effective_on=period.coverage_start,
        )
        for unit in units
    ]
    Application.objects.bulk_create(applications, batch_size=BATCH)
    lines, coverages = [], []
    for unit, application in zip(units, applications, strict=True):
        for row, member in enumerate(members_by_unit[unit.code], start=1):
            lines.append(
                RosterLine(application=application, plan=application.plan, member=member, row_number=row, shares=1)
            )
            coverages.append(
                Coverage(
                    member=member, plan=med, application=application, unit=unit, shares=1,
                    effective_from=period.coverage_start, effective_to=period.coverage_end,
                )
            )  # fmt: skip
    RosterLine.objects.bulk_create(lines, batch_size=BATCH)
    del lines
    Coverage.objects.bulk_create(coverages, batch_size=BATCH)
    claims, seqs = [], {}
    weights = [w for _, w in CLAIM_STATUSES]
    statuses = [s for s, _ in CLAIM_STATUSES]
    for coverage in rng.sample(coverages, int(len(coverages) * claim_rate)):
        admitted = date(2026, 6, 15) + timedelta(days=rng.randint(0, 120))
        total = Decimal(rng.randint(3000, 90000))
        basic = (total * Decimal(rng.choice(("0.4", "0.5", "0.6")))).quantize(Decimal("1"))
        facts = ClaimFacts(
            kind="hospital_stay", submitted=admitted + timedelta(days=20), admitted=admitted,
            discharged=admitted + timedelta(days=rng.randint(3, 25)), total_cost=total, basic_insurance_paid=basic,
        )  # fmt: skip
        result = evaluate(schedule, coverage_facts(coverage), History(), facts)
        status = rng.choices(statuses, weights)[0]
        seqs[coverage.unit_id] = seqs.get(coverage.unit_id, 0) + 1
        submitted_at = now - timedelta(days=rng.randint(1, 60))
        counted = status == ClaimStatus.PAID
        claims.append(
            Claim(
                reference=Claim.make_reference(med, coverage.unit, seqs[coverage.unit_id]),
                seq=seqs[coverage.unit_id], coverage=coverage, member=coverage.member, plan=med,
                unit=coverage.unit, status=status, kind="hospital_stay", admitted=facts.admitted,
                discharged=facts.discharged, total_cost=total, basic_insurance_paid=basic, hospital="威海市立医院",
                payee_name=coverage.member.name, payee_account=coverage.member.bank_account,
                invoice_numbers=_invoices(coverage.unit.code, seqs[coverage.unit_id], facts),
                computed_amount=result.payable, decision=result.decision, reasons=list(result.reasons),
                eligible_expense=result.eligible_expense if counted else Decimal("0"),
                approved_amount=result.payable if counted else None, submitted_at=submitted_at,
                queue_since=submitted_at, paid_at=now if counted else None,
            )
        )  # fmt: skip
    _plant_signals(claims)
    Claim.objects.bulk_create(claims, batch_size=BATCH)
    return {"units": len(units), "members": len(members), "claims": len(claims)}


def _invoices(unit_code: str, seq: int, facts: ClaimFacts) -> str:
    """The hospital's invoice numbers of a stay, unique across units (two for a stay of over 14 days)."""
    first = f"3710{unit_code[1:]}{seq:05d}"
    assert facts.admitted is not None and facts.discharged is not None
    return first if (facts.discharged - facts.admitted).days <= 14 else f"{first},3711{unit_code[1:]}{seq:05d}"


# A few claims for the reviewers' signals to find (claims.review_signals), at fixed places so the
# random draws stay those of earlier runs: one claim in 200 repeats its neighbour's invoice number,
# and the claims after every 300th are paid into its account (three members, one account).
def _plant_signals(claims: list) -> None:
    for i, claim in enumerate(claims):
        if i % 200 == 199:
            claim.invoice_numbers = claims[i - 1].invoice_numbers.split(",")[0]
        if i % 300 in (1, 2):
            claim.payee_account = claims[i - i % 300].payee_account
