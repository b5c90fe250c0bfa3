"""Shared fixtures: the named demo, seeded once per test session, and personas.

The demo of DOMAIN.md §6-7 is loaded once into the test database through the
same services the product uses; each test then runs in a transaction that is
rolled back, so tests see exactly the demo and never each other's changes.
"""

import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key

# The property tests check results, not speed: on a loaded 2-core machine one draw can stall for
# seconds (seen in a full run), which is no finding about the rules.
hypothesis_settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("suite")


def pytest_configure(config):
    from django.conf import settings

    # Documents the tests upload go to a throwaway folder, never into the working tree.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="mutualaid-media-")
    # Live-server request threads must not keep connections open past the test database.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Passwords hash with a fast hasher here: the real one (PBKDF2, a million rounds) costs half a
    # second a password, and the demo and the sign-in tests set dozens. What is checked is that the
    # right password opens and a wrong one does not, which any hasher shows.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production settings use the manifest storage, which needs collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class DemoSnapshot:
    """The seeded test database copied once (PostgreSQL's CREATE DATABASE … TEMPLATE, a file copy), so
    that putting the demo back after a test emptied it takes a second instead of seeding it again,
    and a test that needs a database of its own with the whole schema (tests/test_workers.py) gets
    one without running every migration."""

    def __init__(self):
        self.database = ""

    @staticmethod
    def _run(*statements: str) -> None:
        from django.db import connection, connections

        connections.close_all()  # a template must have no session open on it
        with connection._nodb_cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def take(self) -> None:
        from django.db import connection

        self.database = f"{connection.settings_dict['NAME']}_demo"
        self._run(f'DROP DATABASE IF EXISTS "{self.database}"',
                  f'CREATE DATABASE "{self.database}" TEMPLATE "{connection.settings_dict["NAME"]}"')  # fmt: skip

    def restore(self) -> None:
        from django.db import connection

        name = connection.settings_dict["NAME"]
        self._run(f'DROP DATABASE "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{self.database}"')
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()  # the emptied database had made them anew, with other ids

    def copy(self, name: str) -> None:
        """A new database ``name`` holding the demo, for processes of their own (committed rows)."""
        self._run(f'CREATE DATABASE "{name}" TEMPLATE "{self.database}"')

    def drop(self) -> None:
        if self.database:
            self._run(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


DEMO = DemoSnapshot()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", force=True, verbosity=0)
        DEMO.take()
    yield
    with django_db_blocker.unblock():
        DEMO.drop()


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup) -> DemoSnapshot:
    return DEMO


# A transactional test (concurrency, live server) empties the database when it ends. Run alone,
# pytest-django puts those tests last; spread over workers (`-n`), a worker may be handed ordinary
# tests after one, so the next test that needs the demo gets it back first, outside its transaction.
_demo_emptied = False


@pytest.fixture
def committed_demo(transactional_db):
    """For a transactional test (threads, other processes): the demo as seeded, committed. Put back
    from the snapshot when a test before emptied the database; there already otherwise."""
    global _demo_emptied
    if _demo_emptied:
        DEMO.restore()
        _demo_emptied = False


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    global _demo_emptied
    uses_db = item.get_closest_marker("django_db") or "db" in getattr(item, "fixturenames", ())
    if _demo_emptied and uses_db and not _transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            DEMO.restore()
        _demo_emptied = False


def pytest_runtest_teardown(item):
    global _demo_emptied
    if _transactional(item):
        _demo_emptied = True


@pytest.fixture
def september_2026():
    """Every step happens on 2026-09-01 (Beijing time), in period 16 after the demo's stays,
    whatever today is: `pytest.mark.usefixtures("september_2026")`."""
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def clerk_u001(db):
    return _user("clerk_u001")


@pytest.fixture
def clerk_u002(db):
    return _user("clerk_u002")


@pytest.fixture
def clerk_u003(db):
    return _user("clerk_u003")


@pytest.fixture
def clerk_u004(db):
    return _user("clerk_u004")


@pytest.fixture
def district_hc(db):
    return _user("district_hc")


@pytest.fixture
def district_wd(db):
    return _user("district_wd")


@pytest.fixture
def district_rc(db):
    return _user("district_rc")


@pytest.fixture
def prefecture_px(db):
    """An officer of a prefecture over WD and RC (``tests.helpers.make_prefecture``; the demo has none)."""
    from tests.helpers import make_prefecture

    return make_prefecture()


@pytest.fixture
def handler(db):
    return _user("centre_handler")


@pytest.fixture
def head(db):
    return _user("centre_head")


@pytest.fixture
def admin_user(db):
    return _user("admin")


@pytest.fixture
def login(client):
    """Log the test client in as a user: ``login(clerk_u001)``."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


# Modules whose tests take minutes (or a browser): `make test-fast` skips them, `make test` runs all.
SLOW_MODULES = {"test_crawl", "test_workers", "test_backup", "test_claim_concurrency", "test_payment_concurrency"}
BROWSER_MODULES = {"test_e2e_enrollment", "test_e2e_member"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if module in BROWSER_MODULES:
            item.add_marker(pytest.mark.browser)
