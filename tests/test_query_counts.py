"""Every list page asks the database the same number of questions however many rows it shows.

A page that fetches a related row once per listed row is fast on the demo and slow for a city
(DOMAIN §7: ~500,000 members, ~15,000 claims a year). Each case opens the page, adds three copies
of every row the page lists, opens it again and compares the query counts.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from claims.models import ZERO, Claim, PayoutBatch
from enrollment.models import (
    Application,
    ApplicationStatus,
    LineStatus,
    Member,
    RosterLine,
    StatementLine,
    UnitRegistration,
)
from mutualaid.models import AuditLog, Notice, NoticeChannel, NoticeStatus, StaffProfile
from tests.helpers import as_member
from tests.test_units_and_people import register

COPIES = 3


def _copies(rows: QuerySet, **unique: Callable[[object, int], object]) -> int:
    """Bulk-insert COPIES copies of each row, each field in ``unique`` made fresh by its function."""
    originals, made = list(rows), []
    for n in range(1, COPIES + 1):
        for row in originals:
            twin = copy.copy(row)
            twin.pk = None
            twin._state = copy.copy(row._state)
            twin._state.adding = True
            for field, fresh in unique.items():
                setattr(twin, field, fresh(row, n))
            made.append(twin)
    rows.model.objects.bulk_create(made)
    return len(made)


def more_applications(unit_codes=None):
    rows = Application.objects.all() if unit_codes is None else Application.objects.filter(unit__code__in=unit_codes)
    return _copies(rows, reference=lambda a, n: f"{a.reference}-Q{n}", seq=lambda a, n: a.seq + 100 * n)


def more_claims(rows=None):
    rows = Claim.objects.all() if rows is None else rows
    return _copies(rows, reference=lambda c, n: f"{c.reference}-Q{n}", seq=lambda c, n: c.seq + 100 * n)


def more_open_invoices(tag="Q"):
    """Copies of the paid invoices as approved and not yet paid: what the payments pages list."""
    paid = Application.objects.filter(status=ApplicationStatus.EFFECTIVE, amount_due__gt=0)
    return _copies(paid, reference=lambda a, n: f"{a.reference}-{tag}{n}", seq=lambda a, n: a.seq + 100 * n + ord(tag),
                   status=lambda a, n: ApplicationStatus.CENTRE_APPROVED, amount_paid=lambda a, n: ZERO,
                   paid_on=lambda a, n: None)  # fmt: skip


def more_waiting_lines():
    """Copies of the statement's lines as waiting for a person to match them: the queue's rows."""
    return _copies(StatementLine.objects.all(), txn_no=lambda line, n: f"{line.txn_no}-Q{n}",
                   status=lambda line, n: LineStatus.WAITING)  # fmt: skip


def one_waiting_line():
    line = StatementLine.objects.order_by("pk").first()
    _copies(StatementLine.objects.filter(pk=line.pk), txn_no=lambda line, n: f"{line.txn_no}-W{n}",
            status=lambda line, n: LineStatus.WAITING)  # fmt: skip
    more_open_invoices("W")


def more_registrations():
    return _copies(UnitRegistration.objects.all(), token=lambda r, n: f"{r.token[:28]}Q{n}")


def more_batches():
    return _copies(PayoutBatch.objects.all(), reference=lambda b, n: f"{b.reference}-Q{n}")


def more_audit():
    return _copies(AuditLog.objects.filter(object_repr__contains="16-MED-U001-C1"))


def some_notices():
    """Two messages as the notices write them: one in the clerk's inbox, one SMS to a member."""
    clerk, member = User.objects.get(username="clerk_u001"), Member.objects.get(name="张伟")
    Notice.objects.create(
        event="claim_approved",
        template="claim_approved",
        channel=NoticeChannel.APP,
        user=clerk,
        text="申领 16-MED-U001-C1 已批准",
        link="/claims/16-MED-U001-C1/",
        subject="16-MED-U001-C1",
    )
    Notice.objects.create(event="claim_approved", template="claim_approved", channel=NoticeChannel.SMS, member=member,
                          phone=member.phone or "13800000000", text="您的申领已批准", status=NoticeStatus.FAILED)  # fmt: skip


def more_notices():
    return _copies(Notice.objects.all())


def more_clerks():
    made = 0
    for profile in StaffProfile.objects.filter(unit__isnull=False).select_related("unit"):
        for n in range(1, COPIES + 1):
            user = User.objects.create_user(f"{profile.user.username}-q{n}", password=None)
            user.groups.set(profile.user.groups.all())
            StaffProfile.objects.create(user=user, unit=profile.unit)
            made += 1
    return made


def more_roster(reference):
    application = Application.objects.get(reference=reference)
    lines = list(RosterLine.objects.filter(application=application).select_related("member"))
    made = []
    for n in range(1, COPIES + 1):
        for line in lines:
            member = copy.copy(line.member)
            member.pk = None
            member._state = copy.copy(line.member._state)
            member._state.adding = True
            member.id_number = f"{line.member.id_number[:-4]}{n:03d}X"
            member.save()
            twin = copy.copy(line)
            twin.pk, twin.member = None, member
            twin._state = copy.copy(line._state)
            twin._state.adding = True
            made.append(twin)
    RosterLine.objects.bulk_create(made)
    return len(made)


@dataclass
class Case:
    user: str
    url: str
    add: Callable[[], int]
    setup: Callable[[], object] = lambda: None
    shows_rows: bool = True  # False for a dashboard, which counts the rows rather than listing them


CASES = {
    "clerk's applications": Case("clerk_u001", "/enrollment/applications/", lambda: more_applications(["U001"])),
    "centre's applications": Case("centre_handler", "/enrollment/applications/?status=", more_applications),
    "district's applications": Case("district_hc", "/enrollment/applications/?status=", more_applications),
    "application's roster": Case(
        "clerk_u001", "/enrollment/applications/16-MED-U001-1/", lambda: more_roster("16-MED-U001-1")
    ),
    "centre's claims": Case("centre_handler", "/claims/?status=", more_claims),
    "clerk's claims": Case("clerk_u001", "/claims/?status=", more_claims),
    "payments": Case(
        "centre_handler", "/enrollment/payments/", more_open_invoices, setup=lambda: more_open_invoices("W")
    ),
    "payment queue": Case("centre_handler", "/enrollment/payments/queue/", more_waiting_lines, setup=one_waiting_line),
    "registrations": Case("district_rc", "/enrollment/registrations/", more_registrations, setup=register),
    "clerks": Case("district_hc", "/enrollment/clerks/", more_clerks),
    "payout batches": Case("centre_handler", "/claims/batches/", more_batches),
    "audit trail": Case("centre_head", "/audit/?subject=16-MED-U001-C1", more_audit),
    "notices sent": Case("centre_handler", "/notices/sent/", more_notices, setup=some_notices),
    "clerk's messages": Case("clerk_u001", "/notices/", more_notices, setup=some_notices),
    "clerk's home": Case("clerk_u001", "/", lambda: more_applications(["U001"]) + more_claims()),
    "district's home": Case("district_hc", "/", lambda: more_applications() + more_registrations(), shows_rows=False),
    "centre's home": Case("centre_handler", "/", lambda: more_applications() + more_claims(), shows_rows=False),
}


def _queries(client, url) -> tuple[int, int]:
    """The queries a page makes, and how long it is (so a test can see the new rows were shown)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), len(response.content)


@pytest.mark.usefixtures("september_2026")
@pytest.mark.parametrize("name", list(CASES))
def test_a_list_page_asks_the_same_number_of_questions_for_more_rows(name, client, db):
    case = CASES[name]
    case.setup()
    client.force_login(User.objects.get(username=case.user))
    before = _queries(client, case.url)
    assert case.add() > 0
    after = _queries(client, case.url)
    if case.shows_rows:
        assert after[1] > before[1], f"{name}: the added rows are not on the page"
    assert after[0] <= before[0], f"{name}: {before} queries, {after} after adding rows"


def test_a_members_page_asks_the_same_number_of_questions_for_more_claims(client, db):
    member = Member.objects.get(name="张伟")
    as_member(client, member)
    before = _queries(client, "/me/")
    assert more_claims(Claim.objects.filter(member=member)) > 0
    assert _queries(client, "/me/")[0] <= before[0]


def test_the_staff_member_page_asks_the_same_number_of_questions_for_more_claims(login, handler):
    member = Member.objects.get(name="张伟")
    client = login(handler)
    before = _queries(client, f"/members/{member.pk}/")
    assert more_claims(Claim.objects.filter(member=member)) > 0
    assert _queries(client, f"/members/{member.pk}/")[0] <= before[0]


def test_a_batch_page_asks_the_same_number_of_questions_for_more_claims(login, handler):
    batch = PayoutBatch.objects.filter(claims__isnull=False).distinct().first()
    client = login(handler)
    url = f"/claims/batches/{batch.reference}/"
    before = _queries(client, url)
    assert more_claims(Claim.objects.filter(payout_batch=batch)) > 0
    assert _queries(client, url)[0] <= before[0]
