"""The foundation as people meet it: login, the home page, settings that refuse bad values."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from mutualaid.models import AuditLog

BASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_clerk_logs_in_and_sees_their_unit(client, db):
    response = client.post(reverse("login"), {"username": "clerk_u001", "password": "mutualaid-demo"}, follow=True)
    page = response.content.decode()
    assert "威海示例科技有限公司" in page
    assert "16-MED-U001-1" in page and "16-MED-U001-2" in page
    assert "文登示例商店" not in page


def test_wrong_password_is_refused_in_chinese(client, db):
    response = client.post(reverse("login"), {"username": "clerk_u001", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_clerk_home_lists_payment_references_awaiting_payment(login, clerk_u003):
    page = login(clerk_u003).get(reverse("home")).content.decode()
    assert "待缴费" in page
    assert "16-FEM-U003-1" in page and "16-MED-U003-1" in page and "100.00" in page


@pytest.mark.parametrize(
    ("username", "texts"),
    [
        ("district_hc", ["环翠区办事处工作台", "待审核申领"]),
        ("centre_handler", ["市中心工作台", "待中心审核申领", "已审批待支付"]),
        ("centre_head", ["待负责人审批"]),
    ],
)
def test_staff_home_shows_their_queues(username, texts, client, django_user_model):
    client.force_login(django_user_model.objects.get(username=username))
    page = client.get(reverse("home")).content.decode()
    for text in texts:
        assert text in page


def test_admin_logs_in_to_the_django_admin(client, db):
    client.post(reverse("admin:login"), {"username": "admin", "password": "mutualaid-demo"})
    assert client.get(reverse("admin:index")).status_code == 200


def test_audit_rows_cannot_be_changed_or_deleted(db):
    entry = AuditLog.objects.first()
    entry.comment = "篡改"
    with pytest.raises(ValueError, match="只能追加"):
        entry.save()
    with pytest.raises(ValueError, match="只能追加"):
        entry.delete()


def _sms_and_calendar_configured(tmp_path) -> dict:
    """A deployment that sends real SMS (every template registered) and knows this year's and next
    year's holidays (a year the package does not know yet comes from DJANGO_HOLIDAYS_FILE; made-up
    days here, the check only asks that the year be known)."""
    import json
    from datetime import date

    from mutualaid.notices.backends import template_variable
    from mutualaid.notices.events import sms_templates

    year = date.today().year
    calendar = tmp_path / "holidays.json"
    calendar.write_text(json.dumps({str(y): {"holidays": [f"{y}-01-01"], "workdays": []} for y in (year, year + 1)}))
    templates = {template_variable(name): f"SMS_{k:09d}" for k, name in enumerate(sms_templates())}
    return dict(DJANGO_SMS_BACKEND="aliyun", ALIBABA_CLOUD_ACCESS_KEY_ID="id", ALIBABA_CLOUD_ACCESS_KEY_SECRET="secret",
                DJANGO_SMS_SIGN_NAME="职工互助保障", DJANGO_HOLIDAYS_FILE=str(calendar), **templates)  # fmt: skip


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = dict(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 20 + "-Zx9!q@W#e$R%t^Y&u*I(o)P_a+S=d-F" + "m" * 20,
        DJANGO_ALLOWED_HOSTS="mutualaid.example.org", DATABASE_URL="postgres://postgres@127.0.0.1:5432/mutualaid",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"), **_sms_and_calendar_configured(tmp_path),
    )  # fmt: skip
    # Before collectstatic every page would be a 500: the check says so.
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0 and "mutualaid.W001" in result.stdout + result.stderr
    assert _manage("collectstatic", "--noinput", "-v0", **env).returncode == 0
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "0"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be one of"),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "s" * 60}, "DJANGO_ALLOWED_HOSTS must be set"),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "short", "DJANGO_ALLOWED_HOSTS": "x"}, "at least 50"),
        (
            {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "s" * 60, "DJANGO_ALLOWED_HOSTS": "x"},
            "DATABASE_URL must be set",
        ),
        ({"DJANGO_DEBUG": "1", "DATABASE_URL": "nonsense://x"}, "DATABASE_URL is not a valid"),
        (
            {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1/x", "DJANGO_DB_PARALLEL_WORKERS": "two"},
            "DJANGO_DB_PARALLEL_WORKERS must be a whole number",
        ),
    ],
)
def test_settings_fail_loudly_on_bad_values(env, message):
    result = _manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_seed_demo_refuses_without_debug_unless_forced():
    result = _manage(
        "seed_demo", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="s" * 60, DJANGO_ALLOWED_HOSTS="x",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/mutualaid",
    )  # fmt: skip
    assert result.returncode != 0
    assert "--force" in result.stderr


@pytest.mark.django_db
def test_pages_query_without_parallel_plans_unless_asked_for():
    """Under load a parallel plan takes three processes' CPU from everyone else's pages (README "Load")."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)
