"""The statistics' figures per plan and district (``PlanDistrictSummary``, DOMAIN.md §12), kept
current in the transaction of every change that moves them, so that the statistics page reads a few
hundred summary rows whatever the number of members.

A service that changed an invoice, its payments or its refunds calls ``refresh`` with the plan and
district keys it touched, once its own writes are done. ``refresh`` locks those rows (in key order)
and only then recomputes their enrollment columns from the raw tables, so a change committed
meanwhile by another transaction is counted, never overwritten with an older figure; one plan in one
district is a few thousand applications. Coverages are the one table too large to recount on every
payment (a plan in one district can hold half a million), so their writers add the number they wrote
(``add_enrolled``) in the same transaction. A district's units counted once over several plans (the
office rows) are ``OfficeUnitSummary`` rows, recomputed for a district when a plan's units there change.

What moves these figures, and where it is kept:

- centre approval fixes an invoice (units, due, subsidies): ``application_centre_approve``;
- a credit, a split, an undo, a refund, a bank statement (collected, by payer): ``_settle_many``;
- activation writes the coverages (enrolled): ``activate_ready`` → ``add_enrolled``;
- the history import and the synthetic demo volume write in bulk: ``refresh(keys, recount=True)``;
- a unit moved to another district in the admin: ``unit_moved`` (and ``figures_moved`` for claims).

Submission, the district's review, return, rejection and withdrawal all come before centre approval:
they move nothing counted here. ``claims.summary`` keeps the claim columns of the same rows the same
way; ``manage.py check_statistics`` recomputes every row from the raw tables (``computed``) and
reports any difference.
"""

import functools
import threading
from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from enrollment.models import (
    ZERO,
    ApplicationStatus,
    OfficeUnitSummary,
    PayerKind,
    PlanDistrictSummary,
)

Key = tuple[int, int]  # (plan id, district id)
INVOICED = [ApplicationStatus.CENTRE_APPROVED.value, ApplicationStatus.EFFECTIVE.value]
SUMMARY = PlanDistrictSummary._meta.db_table
# The two-key advisory lock space of the office rows: (this, district id).
OFFICE_LOCK = 0x4F55  # "OU"

# Sent with the keys whose records moved wholesale (a unit to another district): ``claims.summary``
# recounts its columns of them.
figures_moved = Signal()


def keys_sql(keys: list[Key] | None, plan: str, district: str) -> tuple[str, list]:
    """A condition on (plan, district) columns for these keys (None: no condition, every key)."""
    if keys is None:
        return "", []
    return (f" AND ({plan}, {district}) IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
            [[k[0] for k in keys], [k[1] for k in keys]])  # fmt: skip


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def empty() -> dict:
    """A key's enrollment figures with nothing counted yet."""
    money = ("due", "collected", "subsidies", *(f"collected_{kind}" for kind in PayerKind.values))
    return {"units": 0, "enrolled": 0, **dict.fromkeys(money, ZERO)}


def computed(keys: Iterable[Key] | None = None, *, recount: bool = True) -> dict[Key, dict]:
    """The enrollment columns of these keys (None: of every key) from the raw tables, for the keys
    with anything in them. With ``recount`` the coverages are counted too; without, ``enrolled`` is
    left out (it is what the writers added)."""
    keys = None if keys is None else sorted(set(keys))
    figures: dict[Key, dict] = {}

    def of(key: Key) -> dict:
        return figures.setdefault(key, empty())

    where, params = keys_sql(keys, "a.plan_id", "u.district_id")
    # A unit lies in one district, so its distinct count per plan and district adds up over districts.
    for plan, district, units, due, subsidies, collected in _rows(
        f"""SELECT a.plan_id, u.district_id, count(DISTINCT a.unit_id), sum(a.amount_due), sum(a.subsidy_total),
                   sum(a.amount_paid - a.amount_refunded)
            FROM enrollment_application a JOIN enrollment_unit u ON u.id = a.unit_id
            WHERE a.status = ANY(%s){where} GROUP BY 1, 2""",
        [INVOICED, *params],
    ):
        of((plan, district)).update(units=units, due=due, subsidies=subsidies, collected=collected)
    # Money received by payer (§14): credits not undone, less refunds, of invoiced applications. Two
    # queries, so each reaches its rows by the application's index.
    for table, extra, sign in (("enrollment_payment", " AND m.undone_at IS NULL", 1), ("enrollment_refund", "", -1)):
        for plan, district, payer, total in _rows(
            f"""SELECT a.plan_id, u.district_id, m.payer_kind, sum(m.amount)
                FROM {table} m JOIN enrollment_application a ON a.id = m.application_id
                JOIN enrollment_unit u ON u.id = a.unit_id
                WHERE a.status = ANY(%s){extra}{where} GROUP BY 1, 2, 3""",
            [INVOICED, *params],
        ):
            name = f"collected_{payer}"
            if payer in PayerKind.values:
                of((plan, district))[name] += sign * total
    if recount:
        where, params = keys_sql(keys, "c.plan_id", "u.district_id")
        for plan, district, enrolled in _rows(
            f"""SELECT c.plan_id, u.district_id, count(*) FROM enrollment_coverage c
                JOIN enrollment_unit u ON u.id = c.unit_id WHERE true{where} GROUP BY 1, 2""",
            params,
        ):
            of((plan, district))["enrolled"] = enrolled
    else:
        for values in figures.values():
            del values["enrolled"]
    return figures


def computed_office_units(districts: Iterable[int] | None = None) -> dict[tuple[int, int | None, str], int]:
    """(district, period number or None, plan code or "") → units with an invoiced application there,
    from the raw tables (None: every district)."""
    where, params = "", []
    if districts is not None:
        where, params = " AND u.district_id = ANY(%s)", [sorted(set(districts))]
    rows = _rows(
        f"""SELECT u.district_id, e.number, p.code, count(DISTINCT a.unit_id)
            FROM enrollment_application a JOIN enrollment_unit u ON u.id = a.unit_id
            JOIN enrollment_plan p ON p.id = a.plan_id JOIN enrollment_period e ON e.id = p.period_id
            WHERE a.status = ANY(%s){where}
            GROUP BY GROUPING SETS ((u.district_id, e.number), (u.district_id, p.code), (u.district_id))""",
        [INVOICED, *params],
    )
    return {(district, number, code or ""): units for district, number, code, units in rows}


def lock(keys: Iterable[Key]) -> dict[Key, PlanDistrictSummary]:
    """The summary rows of these keys, created if missing and locked in key order until the
    transaction ends (another service touching the same keys waits, then reads what this one wrote)."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    PlanDistrictSummary.objects.bulk_create(
        [PlanDistrictSummary(plan_id=plan, district_id=district) for plan, district in keys], ignore_conflicts=True
    )
    where, params = keys_sql(keys, "plan_id", "district_id")
    rows = PlanDistrictSummary.objects.raw(
        f"SELECT * FROM {SUMMARY} WHERE true{where} ORDER BY plan_id, district_id FOR UPDATE", params
    )
    return {(row.plan_id, row.district_id): row for row in rows}


class _Pending(threading.local):
    """The keys a running ``kept`` service touched, and the coverages it wrote, not yet written."""

    def __init__(self):
        self.depth = 0
        self.clear()

    def clear(self):
        self.keys: set[Key] = set()
        self.recount = False
        self.enrolled: Counter[Key] = Counter()


_pending = _Pending()


def kept(service):
    """For a service that moves figures (under its ``@transaction.atomic``): the keys it and the
    services it calls touch are recomputed once, as it returns, in its transaction. So the summary's
    row locks are the last its transaction takes, all at once and in key order: two services never
    wait for each other crosswise (an activation holding a row while another credit, holding the
    receipts' counter, waits for it). Outside a kept service each change is written at once."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        if not connection.in_atomic_block:
            raise RuntimeError(f"{service.__qualname__}: @summary.kept goes under @transaction.atomic")
        _pending.depth += 1
        try:
            result = service(*args, **kwargs)
            if _pending.depth == 1 and not transaction.get_rollback():  # a dry run: nothing to keep
                _write(_pending.keys | set(_pending.enrolled), recount=_pending.recount, added=_pending.enrolled)
            return result
        finally:
            _pending.depth -= 1
            if not _pending.depth:
                _pending.clear()

    return run


def refresh(keys: Iterable[Key], *, recount: bool = False) -> None:
    """Recompute the enrollment columns of these keys from the raw tables, under their row locks
    (``recount``: the coverages too, after a bulk write that did not add them)."""
    if _pending.depth:
        _pending.keys.update(keys)
        _pending.recount |= recount
    else:
        _write(keys, recount=recount, added={})


def add_enrolled(counts: dict[Key, int]) -> None:
    """Coverages just written: ``counts`` more per key (what activation wrote in this transaction)."""
    counts = {key: count for key, count in counts.items() if count}
    if _pending.depth:
        _pending.enrolled.update(counts)
    else:
        _write(counts, recount=False, added=counts)


def _write(keys: Iterable[Key], *, recount: bool, added: Mapping[Key, int]) -> None:
    rows = lock(keys)
    if not rows:
        return
    fresh = computed(rows, recount=recount)
    names = [name for name in PlanDistrictSummary.ENROLLMENT if name != "enrolled"]
    now, moved = timezone.now(), set()
    for key, row in rows.items():
        values = fresh.get(key) or empty()
        if recount or values["units"] != row.units:
            moved.add(key[1])
        for name in names:
            setattr(row, name, values[name])
        row.enrolled = values["enrolled"] if recount else row.enrolled + added.get(key, 0)
        row.updated_at = now
    PlanDistrictSummary.objects.bulk_update(rows.values(), [*names, "enrolled", "updated_at"])
    # A plan's units changed: the district's units counted once over plans may have too.
    refresh_office_units(moved)


def refresh_applications(application_ids: Iterable[int], *, recount: bool = False) -> None:
    """``refresh`` the keys of these applications (their plan, their unit's district)."""
    keys = _rows(
        """SELECT DISTINCT a.plan_id, u.district_id FROM enrollment_application a
           JOIN enrollment_unit u ON u.id = a.unit_id WHERE a.id = ANY(%s)""",
        [sorted(set(application_ids))],
    )
    refresh(keys, recount=recount)


def refresh_office_units(districts: Iterable[int]) -> None:
    """Recount the office rows of these districts from the raw tables, each district locked first."""
    districts = sorted(set(districts))
    if not districts:
        return
    with connection.cursor() as cursor:
        for district in districts:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [OFFICE_LOCK, district])
    fresh = computed_office_units(districts)
    OfficeUnitSummary.objects.filter(district_id__in=districts).delete()
    OfficeUnitSummary.objects.bulk_create(
        OfficeUnitSummary(district_id=district, period_number=number, plan_code=code, units=units)
        for (district, number, code), units in fresh.items()
    )


def unit_keys(unit_id: int, district_ids: Iterable[int]) -> set[Key]:
    """Every plan the unit applied for, in each of these districts."""
    plans = _rows("SELECT DISTINCT plan_id FROM enrollment_application WHERE unit_id = %s", [unit_id])
    return {(plan, district) for (plan,) in plans for district in district_ids}


def unit_moved(unit_id: int, from_district_id: int, to_district_id: int) -> None:
    """A unit now lies in another district (the admin): its figures move with it, wholesale."""
    keys = unit_keys(unit_id, (from_district_id, to_district_id))
    refresh(keys, recount=True)
    figures_moved.send(sender=PlanDistrictSummary, keys=keys)


def rebuild() -> None:
    """Every enrollment column and office row recomputed from the raw tables (``check_statistics
    --fix``, the migration that created them, the synthetic volume)."""
    keys = set(computed(recount=True)) | set(PlanDistrictSummary.objects.values_list("plan_id", "district_id"))
    refresh(keys, recount=True)
    stale = set(OfficeUnitSummary.objects.values_list("district_id", flat=True))
    refresh_office_units(stale - {district for _, district in keys})
