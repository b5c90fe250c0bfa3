"""The crawl of tests/test_crawl.py on each scheme pack's records (DOMAIN.md §14): every clerk,
district office and the centre of the pack follow every link they are shown (at most 150 pages a
role), none gets a server error or a refusal, and no clerk or office sees another unit's or
district's people, references or amounts, nor opens them by typing their address."""

import functools
from datetime import date
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client

from claims import services as claim_services
from demo.packs import PACKS
from enrollment.models import Coverage
from mutualaid.lib.idcard import mask_id
from reports import pdf
from tests.packs import pack_loaded
from tests.test_crawl import crawl

PAGES_PER_ROLE = 150


def a_claim_on_every_coverage():
    """A draft claim on each coverage of the pack, filed by its unit's clerk: something to leak."""
    for coverage in Coverage.objects.select_related("unit"):
        claim_services.claim_create(
            actor=User.objects.get(username=f"clerk_{coverage.unit.code.lower()}"), coverage=coverage,
            kind="hospital_stay", cause="accident", admitted=date(2026, 3, 2), discharged=date(2026, 3, 5),
        )  # fmt: skip


def markers(pack, own_units: set[str]) -> list[str]:
    unit_of = {name: unit for name, _, _, unit in pack.people}
    people = [(name, number, unit) for name, _, number, unit in pack.people]
    people += [(name, number, unit_of[parent]) for name, number, parent in pack.children]
    found = []
    for name, number, unit in people:
        if unit not in own_units:
            found += [name, number, mask_id(number)]
    for code, name, *_ in pack.units:
        if code not in own_units:
            found += [name, f"-{code}-"]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("scheme", sorted(PACKS))
def test_each_pack_crawls_clean_with_nothing_leaking(db, scheme):
    pack = PACKS[scheme]
    # A form several roles open is the same HTML for each: typeset once (as in tests/test_crawl.py).
    with pack_loaded(scheme), mock.patch.object(pdf, "html_to_pdf", functools.cache(pdf.html_to_pdf)):
        a_claim_on_every_coverage()
        district_of = {code: district for code, _, _, district, _ in pack.units}
        scoped = {f"clerk_{code.lower()}": {code} for code, *_ in pack.units}
        scoped |= {f"district_{code.lower()}": {u for u, d in district_of.items() if d == code}
                   for code, _ in pack.districts}  # fmt: skip
        client, done = Client(), {}
        for username in [*scoped, "centre_handler", "centre_head"]:
            client.force_login(User.objects.get(username=username))
            done[username] = crawl(client, limit=PAGES_PER_ROLE)
            client.logout()
        for username, result in done.items():
            assert len(result.pages) > 3, (username, result.pages)
            assert not {url: s for url, s in result.pages.items() if s >= 500}, username
            assert not {url: s for url, s in result.pages.items() if s in (403, 404)}, username
        centre = done["centre_handler"]
        every_page = "".join(centre.bodies.values())
        assert all(f"-{code}-" in every_page for code, *_ in pack.units), scheme
        for username, own_units in scoped.items():
            hidden = markers(pack, own_units)
            for url, text in done[username].bodies.items():
                leaked = [marker for marker in hidden if marker in text]
                assert not leaked, (username, url, leaked)
            client.force_login(User.objects.get(username=username))
            foreign = [url for url in centre.pages if any(f"-{code}-" in url for code, *_ in pack.units
                                                          if code not in own_units)]  # fmt: skip
            assert foreign or len(pack.units) == 1 or not username.startswith("clerk_"), username
            for url in foreign:
                assert client.get(url).status_code in (403, 404), (username, url)
            client.logout()
