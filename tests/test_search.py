"""The search boxes of the claim and application lists (mutualaid/search.py): by reference (whole or
part), a member's ID number (whole or the last digits), a unit's code or part of its name; always
inside what the person may see; and every partial match is one the trigram indexes can serve."""

import re

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim
from enrollment.models import Application, Coverage, Member, Unit
from mutualaid import search

pytestmark = pytest.mark.django_db

ZHANG = "371002198005120137"  # 张伟, U001: on 16-MED-U001-1 and 16-DD-U001-*, claims 15-DD-U001-C1 …
LIU = "371003198502280496"  # 刘洋, U002


def found(client, url, q) -> set[str]:
    """The references a list shows for ``q`` (every row links its record's page)."""
    page = client.get(url, {"q": q, "status": ""})
    assert page.status_code == 200
    return set(re.findall(r"\b1[56]-[A-Z]+-U00\d-C?\d+\b", page.text))


def expected_claims(**lookup) -> set[str]:
    return set(Claim.objects.filter(**lookup).values_list("reference", flat=True))


@pytest.mark.parametrize(
    ("q", "lookup"),
    [
        ("16-MED-U001-C1", {"reference": "16-MED-U001-C1"}),
        ("med-u001", {"reference__startswith": "16-MED-U001"}),  # part of it, in any case
        (ZHANG, {"member__id_number": ZHANG}),
        (ZHANG[-4:], {"member__id_number__endswith": ZHANG[-4:]}),
        ("U001", {"unit__code": "U001"}),
        ("示例科技", {"unit__code": "U001"}),
        ("张伟", {"member__name": "张伟"}),  # a member's name, on the claim list
    ],
)
def test_the_centre_finds_claims_by_each_path(login, handler, q, lookup):
    expected = expected_claims(**lookup)
    assert expected
    assert found(login(handler), reverse("claims:list"), q) == expected


@pytest.mark.parametrize(
    ("q", "lookup"),
    [
        ("16-MED-U001-1", {"reference": "16-MED-U001-1"}),
        ("u001-", {"unit__code": "U001"}),
        ("示例科技", {"unit__code": "U001"}),
        ("U002", {"unit__code": "U002"}),
        (ZHANG, {"lines__member__id_number": ZHANG}),
        (ZHANG[-6:], {"lines__member__id_number__endswith": ZHANG[-6:]}),
    ],
)
def test_the_centre_finds_applications_by_each_path(login, handler, q, lookup):
    expected = set(Application.objects.filter(**lookup).values_list("reference", flat=True))
    assert expected
    page = login(handler).get(reverse("enrollment:applications"), {"q": q, "status": ""})
    assert set(re.findall(r"\b1[56]-[A-Z]+-U00\d-\d+\b", page.text)) == expected
    assert f"共 {len(expected)} 份申请" in page.text


def test_a_clerk_never_finds_another_units_record(login, clerk_u002):
    client = login(clerk_u002)
    for q in ("16-MED-U001", "U001", "示例科技", ZHANG, ZHANG[-4:]):
        assert found(client, reverse("claims:list"), q) == set(), q
        assert found(client, reverse("enrollment:applications"), q) == set(), q
    # Its own person is found by the same paths.
    assert found(client, reverse("enrollment:applications"), LIU[-4:])
    assert {r.split("-")[2] for r in found(client, reverse("enrollment:applications"), LIU)} == {"U002"}


def test_a_district_office_finds_only_its_districts_records(login, district_wd):
    client = login(district_wd)
    assert found(client, reverse("enrollment:applications"), "U001") == set()
    assert found(client, reverse("claims:list"), ZHANG) == set()
    assert {r.split("-")[2] for r in found(client, reverse("enrollment:applications"), "示例")} == {"U002"}


def test_text_that_is_no_id_number_is_not_searched_as_one():
    assert search.id_number_lookup("0137") == {"__reverse__startswith": "7310"}
    assert search.id_number_lookup("75x") is None  # too short to mean anyone
    assert search.id_number_lookup("37108219950716075x") == {"": "37108219950716075X"}
    assert search.id_number_lookup("张伟") is None


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the demo is small: ask what the index can do
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: Claim.objects.filter(reference__contains="MED-U00"), "claim_reference_trgm"),
        (lambda: Application.objects.filter(reference__contains="MED-U00"), "application_reference_trgm"),
        (lambda: Member.objects.filter(id_number__reverse__startswith="7310"), "member_id_number_reversed"),
        (lambda: Unit.objects.filter(name__contains="示例科技"), "unit_name_trgm"),
        (lambda: Unit.objects.filter(code__contains="U00"), "unit_code_trgm"),
    ],
)
def test_each_partial_match_is_served_by_its_trigram_index(queryset, index):
    assert index in _plan(queryset())


def test_the_search_builds_the_lookups_the_indexes_serve():
    """Case is folded in Python (``__contains`` on the upper-cased text), never ``UPPER(column)``,
    which no index serves."""
    q = str(search.search_q("med-u001", reference="reference", units=Unit.objects))
    assert "reference__contains', 'MED-U001'" in q and "icontains" not in q


def test_the_claim_search_looks_a_reference_up_without_joining_every_member():
    """Text with a digit cannot be a name: no member's name is looked up, and the units and people it
    names are found first and the claims by their ids. A name is looked up in the member table on its
    own, never joined to every claim (which hashed a province's five million members: 1.7 s)."""
    with CaptureQueriesContext(connection) as lookups:
        q = search.search_q("u001-c1", reference="reference", units=Unit.objects, members=Member.objects, names=True)
    assert not [query for query in lookups.captured_queries if '"enrollment_member"."name"' in query["sql"]]
    sql = str(Claim.objects.filter(q).query)
    assert '"enrollment_member"' not in sql and "enrollment_unit" not in sql
    with CaptureQueriesContext(connection) as lookups:
        by_name = search.search_q("张伟", reference="reference", units=Unit.objects, members=Member.objects, names=True)
    assert [query for query in lookups.captured_queries if '"enrollment_member"."name"' in query["sql"]]
    assert '"enrollment_member"' not in str(Claim.objects.filter(by_name).query)


def test_a_name_is_found_from_its_first_character_by_its_index():
    assert "member_name_prefix" in _plan(Member.objects.filter(name__startswith="张"))
    assert "member_name_prefix" in _plan(Member.objects.filter(name="张伟"))


# --- the admin's search boxes: the same paths, so five million members are not read per search ---


def admin_search(client, model: str, q: str) -> tuple[set[int], list[str]]:
    """The ids an admin list shows for ``q``, and the SQL it ran."""
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse(f"admin:{model}_changelist"), {"q": q})
    assert page.status_code == 200
    label = model.replace("_", "/")
    return {int(pk) for pk in re.findall(rf"/admin/{label}/(\d+)/change/", page.text)}, [
        query["sql"] for query in queries.captured_queries
    ]


@pytest.mark.parametrize(
    ("model", "q", "expected"),
    [
        ("enrollment_member", ZHANG, lambda: Member.objects.filter(id_number=ZHANG)),
        ("enrollment_member", ZHANG[-4:], lambda: Member.objects.filter(id_number__endswith=ZHANG[-4:])),
        ("enrollment_member", "张伟", lambda: Member.objects.filter(name="张伟")),
        ("enrollment_coverage", ZHANG[-6:], lambda: Coverage.objects.filter(member__id_number=ZHANG)),
        ("enrollment_coverage", "16-med-u001", lambda: Coverage.objects.filter(application__reference__startswith="16-MED-U001")),
        ("enrollment_coverage", "示例科技", lambda: Coverage.objects.filter(unit__code="U001")),
        ("claims_claim", "u001-c1", lambda: Claim.objects.filter(reference__contains="U001-C1")),
        ("claims_claim", "张伟", lambda: Claim.objects.filter(member__name="张伟")),
        ("claims_claim", "37100026050001", lambda: Claim.objects.filter(invoice_numbers__contains="37100026050001")),
        ("enrollment_application", "med-u001", lambda: Application.objects.filter(reference__contains="MED-U001")),
        ("enrollment_application", "示例科技", lambda: Application.objects.filter(unit__code="U001")),
        ("enrollment_application", "dd", lambda: Application.objects.filter(Q(plan__code="DD") | Q(reference__contains="DD"))),
        ("enrollment_unit", "u00", lambda: Unit.objects.filter(code__contains="U00")),
        ("enrollment_unit", "文登示例", lambda: Unit.objects.filter(name__contains="文登示例")),
        ("enrollment_unit", "91371000ma3c00010n", lambda: Unit.objects.filter(code="U001")),
    ],
)  # fmt: skip
def test_the_admin_finds_by_id_number_name_reference_unit_and_invoice(login, admin_user, model, q, expected):
    """What the admin's search box finds, by the paths an index serves: never ``UPPER(column) LIKE``,
    which reads every member (three seconds over a province's five million)."""
    wanted = set(expected().values_list("pk", flat=True))
    assert wanted
    shown, sql = admin_search(login(admin_user), model, q)
    assert shown == wanted
    assert not [query for query in sql if "UPPER(" in query]


def test_the_admin_finds_a_name_from_its_first_character_and_nobody_for_digits_too_few(login, admin_user):
    """A name is looked for from its start (张 finds every 张; no index serves a name's middle); three
    digits mean nobody."""
    client = login(admin_user)
    assert admin_search(client, "enrollment_member", "张")[0] == set(
        Member.objects.filter(name__startswith="张").values_list("pk", flat=True)
    )
    assert admin_search(client, "enrollment_member", "伟")[0] == set()
    assert admin_search(client, "enrollment_member", "137")[0] == set()
    assert admin_search(client, "enrollment_member", "")[0]  # an empty box lists everyone, as before
