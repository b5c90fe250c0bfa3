"""Forgotten passwords by SMS code (DOMAIN.md §13): the same limits as the members' codes — 6 digits,
5 minutes, single use, 5 per person and 20 per address an hour, 5 wrong codes lock for 30 minutes —
and the same answer whether or not the account and number belong together."""

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from mutualaid.models import AuditLog

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 1, 10, tzinfo=SHANGHAI)
NEW = "Weihai-huzhu-2026!"


@pytest.fixture
def codes(tmp_path, monkeypatch):
    monkeypatch.setenv("DJANGO_SMS_BACKEND", "file")
    monkeypatch.setenv("DJANGO_SMS_FILE_PATH", str(tmp_path))

    def sent():
        path = tmp_path / "sms.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    return sent


@pytest.fixture(autouse=True)
def _september():
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


def password_is(password, username="clerk_u001") -> bool:
    return User.objects.get(username=username).check_password(password)


def ask(client, username="clerk_u001", phone="13906310001", address="10.0.0.1"):
    return client.post(reverse("password_forgot"), {"username": username, "phone": phone}, follow=True,
                       REMOTE_ADDR=address)  # fmt: skip


def reset(client, code, password=NEW):
    return client.post(reverse("password_forgot_code"),
                       {"code": code, "new_password1": password, "new_password2": password}, follow=True)  # fmt: skip


def answer_of(response) -> str:
    found = re.search(r'role="status">([^<]+)<', response.text) or re.search(
        r'class="error"[^>]*>([^<]+)<', response.text
    )
    return found.group(1) if found else ""


def test_a_clerk_resets_their_password_with_the_code_sent_to_their_account_number(codes):
    client = Client()
    response = ask(client)
    assert answer_of(response) == "若账号与手机号匹配，验证码已发送至尾号 0001 的手机，5 分钟内有效。"
    [sms] = codes()
    assert (sms["to"], sms["template"]) == ("13906310001", "password_reset_code")
    code = re.search(r"验证码为 (\d{6})", sms["text"]).group(1)
    assert sms["text"] == f"您正在重设登录密码，验证码为 {code}，5 分钟内有效。如非本人操作，请忽略。"
    page = reset(client, code)
    assert "密码已重设，请用新密码登录" in page.text
    assert password_is(NEW)
    assert AuditLog.objects.filter(action="password_reset", object_repr="clerk_u001").exists()
    # Single use: the same code does not work twice.
    ask(client)
    assert "验证码错误或已过期" in reset(client, code, password="Another-pass-2026?").text


def test_an_unknown_pair_gets_the_same_answer_and_no_sms(codes):
    known = answer_of(ask(Client(), phone="13906310001"))
    wrong_number = answer_of(ask(Client(), phone="13906319999"))
    nobody = answer_of(ask(Client(), username="nobody", phone="13906310001"))
    assert nobody == known  # an account that does not exist: the very same words
    assert wrong_number == known.replace("尾号 0001", "尾号 9999")  # the number typed, not the one on record
    assert len(codes()) == 1  # only the real pair got a code
    assert AuditLog.objects.filter(action="code_sent", comment="信息不匹配，未发送验证码").count() == 2


def test_a_code_is_valid_five_minutes(codes, _september):
    client = Client()
    ask(client)
    code = re.search(r"(\d{6})", codes()[0]["text"]).group(1)
    _september.shift(timedelta(minutes=5, seconds=1))
    assert "验证码错误或已过期" in reset(client, code).text
    assert not password_is(NEW)


@pytest.mark.parametrize("username", ["clerk_u002", "nobody-at-all"])
def test_five_codes_an_hour_per_account_known_or_not(codes, username, _september):
    for k in range(5):
        assert "已发送至尾号" in answer_of(ask(Client(), username=username, phone="13906310002", address=f"10.0.1.{k}"))
    refused = answer_of(ask(Client(), username=username, phone="13906310002", address="10.0.1.99"))
    assert refused == "1 小时内获取验证码的次数已达上限，请稍后再试。"
    _september.shift(timedelta(hours=1, minutes=1))
    assert "已发送至尾号" in answer_of(ask(Client(), username=username, phone="13906310002"))


def test_twenty_codes_an_hour_per_address(codes):
    for k in range(20):
        assert "已发送至尾号" in answer_of(ask(Client(), username=f"someone{k}", address="10.9.9.9"))
    assert "次数已达上限" in answer_of(ask(Client(), username="clerk_u001", address="10.9.9.9"))
    assert "已发送至尾号" in answer_of(ask(Client(), username="clerk_u001", address="10.9.9.10"))


@pytest.mark.parametrize("username", ["clerk_u001", "nobody-at-all"])
def test_five_wrong_codes_lock_for_thirty_minutes_known_or_not(codes, username, _september):
    client = Client()
    ask(client, username=username)
    answers = [answer_of(reset(client, "000000")) for _ in range(5)]
    assert answers[:4] == ["验证码错误或已过期，请重新输入或重新获取。"] * 4
    assert answers[4] == "验证码错误次数过多，已锁定 30 分钟，请稍后再试。"
    # Locked: no new code, and even the right code is refused.
    assert "已锁定 30 分钟" in answer_of(ask(client, username=username))
    if username == "clerk_u001":
        code = re.search(r"(\d{6})", codes()[0]["text"]).group(1)
        assert "已锁定 30 分钟" in answer_of(reset(client, code))
    assert AuditLog.objects.filter(action="code_locked").count() == 1
    _september.shift(timedelta(minutes=31))
    assert "已发送至尾号" in answer_of(ask(client, username=username))


def test_a_new_password_must_pass_the_rules_and_the_page_never_names_an_account(codes):
    client = Client()
    ask(client)
    code = re.search(r"(\d{6})", codes()[0]["text"]).group(1)
    page = reset(client, code, password="123")
    assert "密码" in page.text and not password_is("123")
    assert "clerk_u001" not in page.text
    assert "密码已重设" in reset(client, code).text  # a refused password did not use the code up


def test_staff_without_a_number_on_their_account_get_the_same_answer(codes):
    assert not User.objects.get(username="centre_handler").staff_profile.phone
    assert "已发送至尾号" in answer_of(ask(Client(), username="centre_handler", phone="13906310001"))
    assert codes() == []
