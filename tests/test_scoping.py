"""Who sees what: every demo clerk and district officer against every other unit's records."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from claims import services as claim_services
from claims.models import Claim
from enrollment.models import Application, Coverage, District, Member, Unit

UNIT_OF_CLERK = {"clerk_u001": "U001", "clerk_u002": "U002", "clerk_u003": "U003", "clerk_u004": "U004"}
DISTRICT_OF_OFFICER = {"district_hc": "HC", "district_wd": "WD", "district_rc": "RC"}


@pytest.fixture
def claims_everywhere(db, clerk_u002, clerk_u003, clerk_u004):
    """A draft claim in every demo unit (the demo itself only has U001's two)."""
    from django.contrib.auth.models import User

    made = {}
    for unit_code, member in (("U002", "刘洋"), ("U003", "赵敏"), ("U004", "周芳")):
        coverage = Coverage.objects.filter(unit__code=unit_code, member__name=member).first()
        clerk = User.objects.get(username=f"clerk_{unit_code.lower()}")
        made[unit_code] = claim_services.claim_create(
            actor=clerk, coverage=coverage, kind="hospital_stay", admitted=date(2026, 9, 1), discharged=date(2026, 9, 5)
        )
    return made


def _pages(unit_code):
    pages = [
        reverse("enrollment:application", args=[a.reference]) for a in Application.objects.filter(unit__code=unit_code)
    ]
    pages += [reverse("claims:detail", args=[c.reference]) for c in Claim.objects.filter(unit__code=unit_code)]
    return pages


@pytest.mark.parametrize("username", sorted(UNIT_OF_CLERK))
def test_clerk_gets_404_for_every_other_units_records(username, claims_everywhere, client, django_user_model):
    client.force_login(django_user_model.objects.get(username=username))
    own = UNIT_OF_CLERK[username]
    for other in set(UNIT_OF_CLERK.values()) - {own}:
        for url in _pages(other):
            assert client.get(url).status_code == 404, url
    for url in _pages(own):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("username", sorted(DISTRICT_OF_OFFICER))
def test_district_officer_gets_404_outside_their_district(username, claims_everywhere, client, django_user_model):
    client.force_login(django_user_model.objects.get(username=username))
    district = DISTRICT_OF_OFFICER[username]
    for unit in Unit.objects.select_related("district"):
        expected = 200 if unit.district.code == district else 404
        for url in _pages(unit.code):
            assert client.get(url).status_code == expected, (url, expected)


def test_lists_show_only_what_is_in_scope(claims_everywhere, clerk_u002, district_hc, django_user_model):
    assert set(Claim.objects.visible_to(clerk_u002).values_list("unit__code", flat=True)) == {"U002"}
    assert set(Claim.objects.visible_to(district_hc).values_list("unit__code", flat=True)) == {"U001", "U004"}
    assert set(Member.objects.visible_to(clerk_u002).values_list("name", flat=True)) == {"刘洋", "陈静"}
    assert list(District.objects.visible_to(clerk_u002).values_list("code", flat=True)) == ["WD"]
    handler = django_user_model.objects.get(username="centre_handler")
    assert Claim.objects.visible_to(handler).count() == Claim.objects.count()


def test_claim_list_page_of_a_clerk_names_no_other_units_member(claims_everywhere, login, clerk_u002):
    page = login(clerk_u002).get(reverse("claims:list")).content.decode()
    assert "刘洋" in page
    assert "王强" not in page and "赵敏" not in page


def test_a_user_without_a_role_sees_nothing(db, django_user_model, client):
    stranger = django_user_model.objects.create_user("stranger", password="x-very-long-password")
    client.force_login(stranger)
    assert Claim.objects.visible_to(stranger).count() == 0
    assert client.get(reverse("claims:detail", args=["16-MED-U001-C1"])).status_code == 404


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(reverse("claims:detail", args=["16-MED-U001-C1"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_payout_batches_are_centre_only(login, clerk_u001, district_hc, handler):
    assert login(clerk_u001).get(reverse("claims:batches")).status_code == 403
    assert login(district_hc).get(reverse("claims:batches")).status_code == 403
    assert login(handler).get(reverse("claims:batches")).status_code == 200


def test_masked_id_in_lists(login, handler):
    page = login(handler).get(reverse("claims:list") + "?status=").content.decode()
    assert "371002********0379" in page
    assert "371002196601100379" not in page
    assert Decimal("7000.00") == Claim.objects.get(reference="16-MED-U001-C1").approved_amount
