# ruff: noqa: S608, S611  (the SQL is built from constants: table names, statuses, thresholds; no input)
"""Signals for the reviewers (issue #20): what in a claim is worth a second look, none blocking.

Each signal is one SQL condition on the claim's row (an ``EXISTS`` or a count over indexed
columns), so the same text answers "which signals does this claim raise" (one query for all six)
and "which claims in my queue raise one" (the queue's filter). Who sees them: the reviewers — the
district office (its district's claims) and the centre. A clerk never does: a signal may rest on
another unit's claims or enrolment. What a signal links to goes through ``visible_to`` again, so a
district office is told that another office's claim exists, never which one.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from claims.models import ORIGINALS_THRESHOLD, Claim, ClaimStatus
from enrollment.models import Coverage, CoverageStatus, Member
from mutualaid.roles import CITY_ROLES, Role, role_of

AFTER_WAITING_DAYS = 14
# "Just under the paper threshold": within 10% below it, three times or more in a year from one unit.
NEAR_THRESHOLD_LOW = ORIGINALS_THRESHOLD * Decimal("0.9")
NEAR_THRESHOLD_COUNT = 3
SHARED_ACCOUNT_MEMBERS = 3  # this member and at least two others

_C = Claim._meta.db_table
_V = Coverage._meta.db_table
_M = Member._meta.db_table
_P = "enrollment_plan"
_LIVE = f"o.status NOT IN ('{ClaimStatus.DRAFT}', '{ClaimStatus.MEMBER_FILED}', '{ClaimStatus.MEMBER_RETURNED}')"
_AMOUNT = "coalesce({t}.approved_amount, {t}.adjusted_amount, {t}.computed_amount)"

SQL = {
    "same_stay": (
        f"EXISTS (SELECT 1 FROM {_C} o WHERE o.member_id = {_C}.member_id AND o.id <> {_C}.id AND {_LIVE} "
        f"AND o.admitted IS NOT NULL AND {_C}.admitted IS NOT NULL "
        f"AND o.admitted <= coalesce({_C}.discharged, {_C}.admitted) "
        f"AND coalesce(o.discharged, o.admitted) >= {_C}.admitted "
        f"AND (o.unit_id <> {_C}.unit_id OR o.plan_id = {_C}.plan_id))"
    ),
    # A count, not EXISTS: for EXISTS the planner wants the first match soonest and, guessing 1% of the
    # claims share a number, scans the table (100 ms at 15,000 claims) rather than the GIN index (0.1 ms).
    "invoice_seen": (
        f"({_C}.invoice_numbers <> '' AND (SELECT count(*) FROM {_C} o WHERE o.id <> {_C}.id AND {_LIVE} "
        f"AND claims_invoice_numbers(o.invoice_numbers) && claims_invoice_numbers({_C}.invoice_numbers)) > 0)"
    ),
    "after_waiting": (
        f"EXISTS (SELECT 1 FROM {_V} v JOIN {_P} p ON p.id = v.plan_id WHERE v.id = {_C}.coverage_id "
        f"AND p.waiting_days > 0 AND {_C}.cause = 'illness' AND v.renewed_shares < v.shares "
        f"AND coalesce({_C}.admitted, {_C}.event_date) >= v.effective_from + p.waiting_days "
        f"AND coalesce({_C}.admitted, {_C}.event_date) < v.effective_from + p.waiting_days + {AFTER_WAITING_DAYS})"
    ),
    "two_units": (
        f"EXISTS (SELECT 1 FROM {_V} v JOIN {_P} p ON p.id = v.plan_id JOIN {_P} cp ON cp.id = {_C}.plan_id "
        f"WHERE v.member_id = {_C}.member_id AND p.period_id = cp.period_id AND v.unit_id <> {_C}.unit_id "
        f"AND v.status = '{CoverageStatus.ACTIVE}')"
    ),
    # The `<> ''` inside each branch lets the partial indexes of migration claims.0009 serve it: the
    # outer test does not, and without them each claim's signal read all 490,000 members (290 ms).
    "shared_account": (
        f"({_C}.payee_account <> '' AND (SELECT count(DISTINCT x.m) FROM ("
        f"SELECT o.member_id AS m FROM {_C} o WHERE o.payee_account = {_C}.payee_account AND o.payee_account <> '' "
        f"UNION SELECT m.id FROM {_M} m WHERE m.bank_account = {_C}.payee_account AND m.bank_account <> '') x) "
        f">= {SHARED_ACCOUNT_MEMBERS})"
    ),
    "near_threshold": (
        f"({_AMOUNT.format(t=_C)} >= {NEAR_THRESHOLD_LOW} AND {_AMOUNT.format(t=_C)} < {ORIGINALS_THRESHOLD} "
        f"AND (SELECT count(*) FROM {_C} o WHERE o.unit_id = {_C}.unit_id AND {_LIVE} "
        f"AND {_AMOUNT.format(t='o')} >= {NEAR_THRESHOLD_LOW} AND {_AMOUNT.format(t='o')} < {ORIGINALS_THRESHOLD} "
        f"AND o.created_at >= {_C}.created_at - interval '365 days' "
        f"AND o.created_at <= {_C}.created_at + interval '365 days') >= {NEAR_THRESHOLD_COUNT})"
    ),
}
TITLES = {
    "same_stay": "同一次住院重复申领",
    "invoice_seen": "发票号码已在其他申领中出现",
    "after_waiting": f"等待期结束后 {AFTER_WAITING_DAYS} 天内出险",
    "two_units": "同一期由两个单位参保",
    "shared_account": "收款账号由多名会员共用",
    "near_threshold": "金额多次略低于原件门槛",
}
EXPLANATIONS = {
    "same_stay": "该会员另有住院日期重叠的申领（在另一单位名下，或在同一保障项目下），请核对是否为同一次住院。",
    "invoice_seen": "本申领的发票号码也出现在其他申领中，请核对发票原件是否重复使用。",
    "after_waiting": f"入院或确诊日期在等待期结束后 {AFTER_WAITING_DAYS} 天内，请核对既往病史和首次就诊时间。",
    "two_units": "该会员本期在两个单位的名单中都有有效保障，请核对其实际工作单位。",
    "shared_account": f"收款账号被 {SHARED_ACCOUNT_MEMBERS} 名或更多不同会员使用（申领收款账号或登记的银行账号），请核对收款人。",
    "near_threshold": (
        f"本申领金额在 {NEAR_THRESHOLD_LOW:,.2f} 至 {ORIGINALS_THRESHOLD:,.2f} 元之间（略低于须交原件的门槛），"
        f"该单位一年内已有 {NEAR_THRESHOLD_COUNT} 件或更多这样的申领，请核对是否拆分申领。"
    ),
}
CODES = tuple(SQL)
# One claim's six flags: written out once, as the ORM would take a few milliseconds to compile it each time.
FLAGS_SQL = f"SELECT {', '.join(f'({SQL[code]})' for code in CODES)} FROM {_C} WHERE {_C}.id = %s"


def may_see(user) -> bool:
    """The reviewers: the district office and the centre. Never a clerk."""
    return role_of(user) in (Role.DISTRICT, *CITY_ROLES)


def condition(code: str) -> RawSQL:
    return RawSQL(SQL[code], (), output_field=BooleanField())


def with_signal(queryset, code: str):
    """The claims of ``queryset`` raising ``code`` ("any": any of them): the queue's filter."""
    if code == "any":
        any_signal = RawSQL("(" + " OR ".join(SQL.values()) + ")", (), output_field=BooleanField())
        return queryset.annotate(signal_any=any_signal).filter(signal_any=True)
    return queryset.annotate(**{f"signal_{code}": condition(code)}).filter(**{f"signal_{code}": True})


@dataclass
class Signal:
    code: str
    title: str
    explanation: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (reference, note)
    hidden: int = 0  # related claims outside the reader's scope


def _related(claim: Claim, code: str):
    others = Claim.objects.exclude(pk=claim.pk).exclude(
        status__in=[ClaimStatus.DRAFT, ClaimStatus.MEMBER_FILED, ClaimStatus.MEMBER_RETURNED]
    )
    if code == "same_stay":
        stay_end = claim.discharged or claim.admitted
        return others.filter(member_id=claim.member_id, admitted__lte=stay_end,
                             admitted__isnull=False).exclude(discharged__lt=claim.admitted)  # fmt: skip
    if code == "invoice_seen":
        return others.sharing_invoices(claim.invoice_numbers)
    if code == "shared_account":
        return others.filter(payee_account=claim.payee_account).exclude(member_id=claim.member_id)
    if code == "near_threshold":
        return (
            others.filter(unit_id=claim.unit_id)
            .annotate(amount=Coalesce("approved_amount", "adjusted_amount", "computed_amount"))
            .filter(amount__gte=NEAR_THRESHOLD_LOW, amount__lt=ORIGINALS_THRESHOLD)
        )
    return Claim.objects.none()


def signals_for(claim: Claim, user) -> list[Signal]:
    """The signals ``claim`` raises, as ``user`` may read them; [] for anyone but a reviewer."""
    if not may_see(user):
        return []
    with connection.cursor() as cursor:
        cursor.execute(FLAGS_SQL, [claim.pk])
        row = cursor.fetchone()
    flags = dict(zip(CODES, row or (), strict=False))
    found = []
    for code in CODES:
        if not flags.get(code):
            continue
        signal = Signal(code, TITLES[code], EXPLANATIONS[code])
        related = _related(claim, code)
        if related.query.is_empty():
            found.append(signal)
            continue
        # The links and the count of those out of scope: a handful of rows (the claims sharing this
        # stay, invoice, account or unit), then which of them the reader sees, both by primary key. As
        # one query with EXISTS the planner hashed every claim the reader may see (60 ms in a province).
        rows = list(related.values_list("pk", "reference", "status"))
        mine = set(Claim.objects.visible_to(user).filter(pk__in=[pk for pk, *_ in rows]).values_list("pk", flat=True))
        signal.links = [(ref, ClaimStatus(status).label) for pk, ref, status in rows if pk in mine][:10]
        signal.hidden = sum(1 for pk, *_ in rows if pk not in mine)
        found.append(signal)
    return found
