"""Findings of the security probe (issue 10) that stand on their own: login throttling, bad input,
caching, the proxy header, and error pages people can read."""

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from mutualaid.models import AuditLog
from tests.helpers import press, production_settings

pytestmark = pytest.mark.django_db
PASSWORD = "mutualaid-demo"


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(client, url, caplog):
    with caplog.at_level(logging.WARNING, logger="mutualaid.security"):
        for _ in range(30):
            client.post(url, {"username": "admin", "password": "wrong-password"})
    assert sum("login failed for 'admin'" in r.getMessage() for r in caplog.records) >= 5
    response = client.post(url, {"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_address_cannot_try_another_account(client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "clerk_u001", "password": "nope"}, REMOTE_ADDR="10.9.9.9")
    response = client.post("/accounts/login/", {"username": "clerk_u002", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429


def test_a_few_mistakes_then_the_right_password_logs_in(client):
    for _ in range(2):
        client.post("/accounts/login/", {"username": "clerk_u001", "password": "nope"})
    response = client.post("/accounts/login/", {"username": "clerk_u001", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "url", ["/claims/?q=%00", "/claims/16-MED-U001-C1%00/", "/enrollment/applications/?status=%00x", "/jobs/%00/"]
)
def test_a_nul_byte_anywhere_is_a_400_not_a_500(login, handler, url):
    response = login(handler).get(url)
    assert response.status_code in (400, 404)


def test_a_nul_byte_in_a_form_post_is_a_400(login, head):
    response = login(head).post(reverse("claims:action", args=["16-MED-U001-C1", "reject"]), {"reason": "a\x00b"})
    assert response.status_code == 400


def test_a_non_numeric_id_in_a_form_post_is_refused(login, handler):
    response = login(handler).post(reverse("claims:batches"), {"claims": ["abc", "1 OR 1=1"]}, follow=True)
    assert response.status_code == 200 and "请选择至少一笔已审批的申领" in response.content.decode()


def test_nothing_behind_login_is_cached(login, handler):
    response = login(handler).get(reverse("claims:batch_export", args=["P20260620-01"]))
    assert "no-store" in response["Cache-Control"]
    assert "no-store" in login(handler).get(reverse("claims:list"))["Cache-Control"]


def test_the_proxy_header_is_trusted_only_when_configured():
    code = "from django.conf import settings; print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    assert production_settings(code) == "None"
    assert production_settings(code, DJANGO_SECURE_PROXY_SSL_HEADER="1") == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_error_pages_are_chinese_and_say_what_to_do(login, clerk_u001, client, settings):
    page = login(clerk_u001).get("/claims/16-ACC-U002-C9/")
    assert page.status_code == 404 and "找不到这个页面" in page.content.decode() and "回到首页" in page.content.decode()
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(clerk_u001)
    response = csrf_client.post(reverse("claims:create"), {})
    body = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in body and "DEBUG" not in body


# --- Logging out (issue 15): through the pages, with CSRF enforced, as a browser does ---------------


@pytest.mark.parametrize(
    ("login_url", "home", "username", "leave"),
    [("/accounts/login/", "/", "clerk_u001", "退出"), ("/admin/login/", "/admin/", "admin", "注销")],
)
def test_pressing_logout_ends_the_session_for_the_old_cookie_too(login_url, home, username, leave, settings):
    browser = Client(enforce_csrf_checks=True)
    signed_in = press(browser, login_url, "登录", username=username, password=PASSWORD)
    assert signed_in.status_code == 302 and "_auth_user_id" in browser.session
    old_cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value

    response = press(browser, home, leave)
    assert response.status_code in (200, 302), response.status_code
    assert "_auth_user_id" not in browser.session

    # Someone who copied the cookie before (another tab, a shared computer) is sent to the login page.
    copy = Client()
    copy.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    again = copy.get(home)
    assert again.status_code == 302 and again["Location"].startswith(login_url)
    account = User.objects.get(username=username)
    assert AuditLog.objects.filter(action="logout", actor=account, object_id=account.pk).count() == 1


def test_logging_out_when_not_signed_in_just_shows_the_login_page():
    response = Client().post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not AuditLog.objects.filter(action="logout").exists()


def test_a_signed_in_person_is_read_once_a_page_and_a_changed_role_counts_at_the_next_click(handler):
    """The person, their groups (the role) and their profile (the unit or office) come in one query on
    every page (mutualaid.backends); an administrator's change still counts from the very next click."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = Client()
    press(browser, "/accounts/login/", "登录", username="clerk_u001", password=PASSWORD)
    with CaptureQueriesContext(connection) as queries:
        page = browser.get("/claims/")
    assert page.status_code == 200 and "16-MED-U001" in page.text  # the clerk's own unit's claims
    person = [q["sql"] for q in queries if '"auth_user"' in q["sql"] or "staffprofile" in q["sql"]]
    assert len(person) == 1, person

    clerk = User.objects.get(username="clerk_u001")
    clerk.groups.set([Group.objects.get(name=handler.groups.get().name)])  # made a centre handler
    assert "市中心经办人" in browser.get("/").text
    clerk.groups.clear()  # no role left: the unit's claims are gone from their list at once
    assert "16-MED-U001" not in browser.get("/claims/").text
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    gone = browser.get("/claims/")
    assert gone.status_code == 302 and gone["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("username", ["clerk_u001", "district_wd", "centre_handler", "admin"])
def test_the_person_read_in_one_query_is_the_person_the_orm_reads(username, prefecture_px):
    """The backend's one statement gives the same user, profile, unit, district or prefecture and role
    as the ORM's three queries, and a person without a profile (an administrator) still has none."""
    from django.core.exceptions import ObjectDoesNotExist
    from django.forms.models import model_to_dict

    from mutualaid.backends import StaffBackend
    from mutualaid.models import StaffProfile
    from mutualaid.roles import profile_of, role_of

    for person in (User.objects.get(username=username), prefecture_px):
        read = StaffBackend().get_user(person.pk)
        assert model_to_dict(read) == model_to_dict(person) and read.password == person.password
        fresh = User.objects.get(pk=person.pk)
        assert role_of(read) == role_of(fresh) is not None
        expected = StaffProfile.objects.filter(user=person).first()
        if expected is None:
            assert profile_of(read) is None
            with pytest.raises(ObjectDoesNotExist):
                read.staff_profile  # noqa: B018 (the attribute's absence is the point)
            continue
        profile = profile_of(read)
        assert model_to_dict(profile) == model_to_dict(expected) and read.staff_profile is profile
        for name in ("unit", "district", "prefecture"):
            assert getattr(profile, name) == getattr(expected, name)
            assert getattr(profile, name) is None or model_to_dict(getattr(profile, name)) == model_to_dict(
                getattr(expected, name)
            )
    User.objects.filter(username=username).update(is_active=False)
    assert StaffBackend().get_user(User.objects.get(username=username).pk) is None
    assert StaffBackend().get_user(10**9) is None
