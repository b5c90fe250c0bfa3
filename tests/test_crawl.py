"""Crawl the site as every demo role, the way a curious user (or an attacker) would.

Each role starts at the home page and follows every same-site link and
download it is shown. No clerk or district officer may see another unit's or
district's people (names, ID numbers), references or amounts. Then every form
post any role was shown is replayed by every clerk and district officer who
could not open the page it came from, and must be refused without changing
anything.

Members signed in to their own pages (/me/) crawl them the same way: each sees their own records
and nobody else's (not even a colleague's in the same unit), no staff page opens for them, and the
forms of other members' and of staff pages are refused to them without changing anything.
"""

import functools
import io
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import urldefrag, urljoin, urlsplit

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings
from pypdf import PdfReader

from claims import services as claim_services
from claims.models import Claim
from enrollment.models import Coverage, Member
from mutualaid.lib.idcard import mask_id
from mutualaid.models import AuditLog, Job
from reports import pdf
from tests.helpers import PREFECTURE_DISTRICTS, as_member, make_prefecture

MAX_PAGES = 400
SKIP_PREFIXES = ("/admin/", "/accounts/logout", "/static/", "/media/")

# DOMAIN.md §7: who belongs where.
PEOPLE = {
    "张伟": ("371002198005120137", "U001"),
    "李娜": ("371002199008200241", "U001"),
    "王强": ("371002196601100379", "U001"),
    "刘洋": ("371003198502280496", "U002"),
    "陈静": ("371003199203050505", "U002"),
    "赵敏": ("371082197511030625", "U003"),
    "孙磊": ("37108219950716075X", "U003"),
    "周芳": ("371082198812010868", "U004"),
}
UNITS = {
    "U001": ("威海示例科技有限公司", "HC"),
    "U002": ("文登示例商店", "WD"),
    "U003": ("荣成示例水产合作社", "RC"),
    "U004": ("威海市新就业形态劳动者工会联合会", "HC"),
}
CLERKS = {"clerk_u001": {"U001"}, "clerk_u002": {"U002"}, "clerk_u003": {"U003"}, "clerk_u004": {"U004"}}
OFFICERS = {
    username: {code for code, (_, district) in UNITS.items() if district == d}
    for username, d in (("district_hc", "HC"), ("district_wd", "WD"), ("district_rc", "RC"))
}
# A prefecture office over WD and RC (tests.helpers.make_prefecture; DOMAIN.md §15): sees what their
# offices see, nothing of HC's units.
PREFECTURES = {"prefecture_px": {code for code, (_, district) in UNITS.items() if district in PREFECTURE_DISTRICTS}}
SCOPED = {**CLERKS, **OFFICERS, **PREFECTURES}
CITY = ["centre_handler", "centre_head"]
# Members at /me/: two colleagues in U001 (one with a paid claim, one with a claim returned to him), one
# with nothing claimed yet, and one of another unit.
MEMBERS = ["张伟", "王强", "李娜", "刘洋"]


def foreign_markers(own_units: set[str]) -> list[str]:
    """Strings that must never reach a user whose scope is ``own_units``."""
    markers = []
    for name, (id_number, unit) in PEOPLE.items():
        if unit not in own_units:
            markers += [name, id_number, f"{id_number[:6]}********{id_number[-4:]}"]
    for code, (name, _) in UNITS.items():
        if code not in own_units:
            markers += [name, f"-{code}-"]  # references carry the unit code: 16-ALW-U002-1
    return markers


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"), "data": {}}
        elif tag in ("input", "select", "textarea", "button") and self._form is not None and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form["data"].setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


@dataclass
class Crawl:
    pages: dict[str, int] = field(default_factory=dict)  # url -> status
    bodies: dict[str, str] = field(default_factory=dict)  # url -> text of HTML pages and text downloads
    downloads: list[str] = field(default_factory=list)
    forms: list[tuple[str, str, dict]] = field(default_factory=list)  # (page, action, data)


@functools.cache
def download_text(content_type: str, body: bytes) -> str:
    """The text a person would read in a download: spreadsheet cells, PDF text, plain text."""
    if "spreadsheetml" in content_type or body[:2] == b"PK":
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(v) for v in row if v is not None)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
        )
    if "pdf" in content_type or body[:4] == b"%PDF":
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", "replace")


def _same_site(url: str) -> bool:
    parts = urlsplit(url)
    return (not parts.scheme and not parts.netloc) or parts.netloc in ("testserver", "")


def crawl(client, start: str = "/", limit: int = MAX_PAGES) -> Crawl:
    result = Crawl()
    queue = deque([start])
    while queue and len(result.pages) < limit:
        url = queue.popleft()
        if url in result.pages:
            continue
        response = client.get(url)
        result.pages[url] = response.status_code
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if "text/html" not in content_type:
            result.downloads.append(url)
            result.bodies[url] = download_text(content_type, body)
            continue
        text = body.decode("utf-8", "replace")
        result.bodies[url] = text
        parser = _PageParser()
        parser.feed(text)
        for form in parser.forms:
            if form["method"] == "post":
                result.forms.append((url, urljoin(url, form["action"] or url), form["data"]))
        for href in parser.links:
            target = urldefrag(urljoin(url, href)).url
            if not _same_site(target):
                continue
            path = urlsplit(target)
            target = path.path + (f"?{path.query}" if path.query else "")
            if target.startswith(SKIP_PREFIXES) or target in result.pages:
                continue
            # Paging and filters multiply pages without new records: follow the first few of each list.
            if "page=" in target and sum(1 for seen in result.pages if seen.split("?")[0] == path.path) > 3:
                continue
            queue.append(target)
    return result


class PageOpens:
    """Whether a page opens for the signed-in person: from their own crawl, else asked once (a page
    with several forms is asked about once; refused posts change nothing, so the answer holds)."""

    def __init__(self, client, crawled: dict[str, int]):
        self.client, self.known = client, {url: True for url, status in crawled.items() if status == 200}

    def __call__(self, page: str) -> bool:
        if page not in self.known:
            self.known[page] = self.client.get(page).status_code == 200
        return self.known[page]


def claims_in_every_unit():
    """A claim in every demo unit, so every unit has something to leak."""
    for unit_code, member in (("U002", "刘洋"), ("U003", "赵敏"), ("U004", "周芳")):
        coverage = Coverage.objects.filter(unit__code=unit_code, member__name=member).first()
        clerk = User.objects.get(username=f"clerk_{unit_code.lower()}")
        claim_services.claim_create(
            actor=clerk, coverage=coverage, kind="hospital_stay", admitted=date(2026, 9, 1), discharged=date(2026, 9, 5)
        )


def member_markers(name: str) -> list[str]:
    """What must never reach member ``name``: everyone else's name and ID number (masked or not, same
    unit or not), other units, and every claim reference that is not theirs."""
    own_id, own_unit = PEOPLE[name]
    markers = []
    for other, (id_number, _) in PEOPLE.items():
        if other != name:
            markers += [other, id_number, mask_id(id_number)]
    for code, (unit_name, _) in UNITS.items():
        if code != own_unit:
            markers += [unit_name, f"-{code}-"]
    return markers + list(Claim.objects.exclude(member__id_number=own_id).values_list("reference", flat=True))


def members_claims():
    """A member's claim waiting for the unit (张伟) and one the clerk returned to the member (王强)."""
    clerk = User.objects.get(username="clerk_u001")
    for name, returned in (("张伟", False), ("王强", True)):
        member = Member.objects.get(id_number=PEOPLE[name][0])
        coverage = Coverage.objects.get(member=member, plan__period__number=16, plan__code="MED")
        claim = claim_services.claim_member_file(
            member=member, coverage=coverage, kind="hospital_stay", admitted=date(2026, 9, 2),
            discharged=date(2026, 9, 6), hospital="威海市立医院",
        )  # fmt: skip
        if returned:
            claim_services.claim_return_to_member(actor=clerk, claim=claim, reason="请补拍出院小结")


@pytest.fixture(scope="module")
def crawls(django_db_setup, django_db_blocker):
    """Every role's crawl, made once for the module (it is a fifth of the suite's time) inside a
    transaction rolled back at its end; each test then runs in its own savepoint inside it."""
    plain_static = {**settings.STORAGES,
                    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # fmt: skip
    # A form several roles may open (an application's, by its clerk, district and the centre) is
    # the same HTML for each of them, so it is typeset once: the PDF is what that HTML makes.
    typeset = functools.cache(pdf.html_to_pdf)
    with (
        override_settings(STORAGES=plain_static),
        mock.patch.object(pdf, "html_to_pdf", typeset),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        claims_in_every_unit()
        members_claims()
        make_prefecture()
        client, done = Client(), {}
        for username in [*SCOPED, *CITY]:
            client.force_login(User.objects.get(username=username))
            done[username] = crawl(client)
            client.logout()
        for name in MEMBERS:
            as_member(client, Member.objects.get(id_number=PEOPLE[name][0]))
            done[f"member:{name}"] = crawl(client, "/me/")
            client.logout()
        yield done
        transaction.set_rollback(True)


def test_every_role_crawls_its_own_pages_and_nothing_else(crawls, client, db):
    for username, result in crawls.items():
        assert len(result.pages) > 3, (username, result.pages)
        errors = {url: status for url, status in result.pages.items() if status >= 500}
        assert not errors, (username, errors)
        # Every link a user is shown leads somewhere they may go.
        refused = {url: status for url, status in result.pages.items() if status in (403, 404)}
        assert not refused, (username, refused)

    # The centre sees every unit; what it reached is the map of every record's page and download.
    centre = crawls["centre_handler"]
    assert all(f"-{code}-" in "".join(centre.bodies.values()) for code in UNITS)

    for username, own_units in SCOPED.items():
        markers = foreign_markers(own_units)
        for url, text in crawls[username].bodies.items():
            leaked = [marker for marker in markers if marker in text]
            assert not leaked, (username, url, leaked)
        # Typing another unit's record address (a page or a download) finds nothing.
        client.force_login(User.objects.get(username=username))
        foreign = [url for url in centre.pages if any(f"-{c}-" in url for c in set(UNITS) - own_units)]
        assert foreign
        for url in foreign:
            assert client.get(url).status_code in (403, 404), (username, url)
        client.logout()


def test_foreign_form_posts_are_refused_and_change_nothing(crawls, client, db):
    all_forms = {(page, action): data for result in crawls.values() for page, action, data in result.forms}
    assert all_forms, "no forms found to replay"
    replayed = 0
    for username in SCOPED:
        user = User.objects.get(username=username)
        client.force_login(user)
        opens = PageOpens(client, crawls[username].pages)
        for (page, action), data in all_forms.items():
            if urlsplit(action).path.startswith(SKIP_PREFIXES):
                continue
            if opens(page):  # their own page, or a shared one (home, a list): not a foreign object
                continue
            before = AuditLog.objects.count()
            response = client.post(action, data)
            replayed += 1
            if urlsplit(action).path.startswith("/me/"):  # a member's page: staff are sent to its sign-in
                assert response.status_code == 302 and response["Location"] == "/me/login/", (username, action)
            else:
                assert response.status_code in (400, 403, 404, 405), (username, action, response.status_code)
            assert AuditLog.objects.count() == before, (username, action)
        client.logout()
    assert replayed > 0


def test_members_see_their_own_records_and_no_staff_page(crawls, client, db):
    centre = crawls["centre_handler"]
    for name in MEMBERS:
        result = crawls[f"member:{name}"]
        assert len(result.pages) >= 3, (name, result.pages)
        # Every link a member is shown opens a member's page: none leads to a staff page or a refusal.
        assert all(url.startswith("/me/") for url in result.pages), (name, result.pages)
        assert all(status == 200 for status in result.pages.values()), (name, result.pages)
        markers = member_markers(name)
        for url, text in result.bodies.items():
            leaked = [marker for marker in markers if marker in text]
            assert not leaked, (name, url, leaked)
        member = Member.objects.get(id_number=PEOPLE[name][0])
        as_member(client, member)
        # No staff page opens, whatever address a member types.
        for url in centre.pages:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), (name, url)
        # Another member's records are 404.
        others = {url for other in MEMBERS if other != name for url in crawls[f"member:{other}"].pages
                  if url.startswith("/me/claims/") and "/new/" not in url}  # fmt: skip
        assert others
        for url in others:
            assert client.get(url).status_code == 404, (name, url)
        client.logout()
    zhang = crawls["member:张伟"]
    assert "/me/claims/15-DD-U001-C1/" in zhang.pages and "/me/claims/16-MED-U001-C2/" in zhang.pages
    assert any("重新提交给单位经办人" in text for text in crawls["member:王强"].bodies.values())


def test_members_forms_and_staff_forms_are_refused_across_and_change_nothing(crawls, client, db):
    member_forms = {(page, action): data for name in MEMBERS for page, action, data in crawls[f"member:{name}"].forms
                    if urlsplit(action).path != "/me/logout/"}  # fmt: skip
    staff_forms = {(page, action): data for username in [*SCOPED, *CITY] for page, action, data in crawls[username].forms
                   if not urlsplit(action).path.startswith(SKIP_PREFIXES)}  # fmt: skip
    assert any("/send/" in action for _, action in member_forms) and staff_forms
    replayed = 0
    for name in MEMBERS:
        as_member(client, Member.objects.get(id_number=PEOPLE[name][0]))
        opens = PageOpens(client, crawls[f"member:{name}"].pages)
        for (page, action), data in member_forms.items():
            if opens(page):
                continue  # their own page, or one every member has (the overview, the new claim form)
            before = AuditLog.objects.count()
            response = client.post(action, data)
            replayed += 1
            assert response.status_code == 404, (name, action, response.status_code)
            assert AuditLog.objects.count() == before, (name, action)
        for (_page, action), data in staff_forms.items():
            before = AuditLog.objects.count()
            response = client.post(action, data)
            replayed += 1
            assert response.status_code in (302, 403, 404, 405), (name, action, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), (name, action)
            assert AuditLog.objects.count() == before, (name, action)
        client.logout()
    assert replayed > len(staff_forms)


def test_a_prefecture_office_reads_its_districts_and_changes_nothing(crawls, client, db):
    """DOMAIN.md §15: it reaches its districts' records (seen above: none of another's), is offered no
    button that changes anything, and every form any role was shown is refused to it, also on pages
    it may open (a WD application's review buttons, a clerk's claim form), leaving no trace."""
    own = crawls["prefecture_px"]
    text = "".join(own.bodies.values())
    assert "-U002-" in text and "-U003-" in text and "统计" in text
    assert any(url.startswith("/reports/statistics/") and "xlsx" in url for url in own.downloads)
    # Its only buttons: sign out, and the full ID number on a member's page (a read the trail records,
    # as a district office's).
    offered = {urlsplit(action).path for _page, action, _data in own.forms}
    assert offered and all(path == "/accounts/logout/" or re.fullmatch(r"/members/\d+/id/", path) for path in offered)
    all_forms = {(page, action): data for result in crawls.values() for page, action, data in result.forms
                 if not urlsplit(action).path.startswith(SKIP_PREFIXES)}  # fmt: skip
    client.force_login(User.objects.get(username="prefecture_px"))
    opened = 0
    for (page, action), data in all_forms.items():
        opened += own.pages.get(page) == 200
        if re.fullmatch(r"/members/\d+/id/", urlsplit(action).path):
            continue
        before = (AuditLog.objects.count(), Claim.objects.count(), Job.objects.count())
        response = client.post(action, data)  # refused: 404 outside, a message or 403 inside
        assert response.status_code < 500, (action, response.status_code)
        assert (AuditLog.objects.count(), Claim.objects.count(), Job.objects.count()) == before, action
    assert opened > 5  # forms on pages it reads, not only foreign ones
