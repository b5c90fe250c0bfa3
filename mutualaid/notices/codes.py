"""One-time SMS codes with DOMAIN.md §13's limits, for any purpose (a forgotten password; the members'
sign-in may use the same): 6 digits, valid 5 minutes, single use; at most 5 codes per person and 20 per
client address an hour; 5 wrong codes lock the person out for 30 minutes.

"The person" is whatever the asker typed (an account name, an ID number), known or not: every limit,
count and lock applies alike to people who exist and people who do not, so no answer tells them apart.
The caller says whether the typed details match someone (``deliver_to``: the number to send to, or
None); a request that matches nobody is recorded and counted, and no code exists for it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from mutualaid.models import CodeLock, VerificationCode, audit

CODE_VALID = timedelta(minutes=5)
PER_PERSON_PER_HOUR = 5
PER_ADDRESS_PER_HOUR = 20
WRONG_CODES = 5
LOCKED_FOR = timedelta(minutes=30)

LOCKED = "验证码错误次数过多，已锁定 30 分钟，请稍后再试。"
TOO_MANY = "1 小时内获取验证码的次数已达上限，请稍后再试。"
WRONG = "验证码错误或已过期，请重新输入或重新获取。"


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def person_key(purpose: str, person: str) -> str:
    return _digest(f"{purpose}:{person.strip().upper()}")


def _serialise(purpose: str, key: str) -> None:
    """Two requests for one person at once (a double click) are counted one after the other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"code:{purpose}:{key}"])


def _locked(purpose: str, key: str, now) -> bool:
    return CodeLock.objects.filter(purpose=purpose, subject=key, locked_until__gt=now).exists()


@transaction.atomic
def code_request(*, purpose: str, person: str, phone: str, address: str | None, deliver_to: str | None,
                 label: str = "") -> str | None:  # fmt: skip
    """Send a code to ``deliver_to`` (None: the details match nobody; nothing is sent, all is counted).
    Returns None when the request was taken (the page then gives its one answer), or the refusal:
    locked, or the hour's limit reached — the same words whoever asked. ``label`` names the person in
    the audit trail (never an ID number)."""
    from mutualaid.notices.sending import send_code

    now = timezone.now()
    key = person_key(purpose, person)
    _serialise(purpose, key)
    if _locked(purpose, key, now):
        return LOCKED
    hour = now - timedelta(hours=1)
    asked = VerificationCode.objects.filter(purpose=purpose, created_at__gte=hour)
    if asked.filter(subject=key).count() >= PER_PERSON_PER_HOUR:
        return TOO_MANY
    if address and asked.filter(address=address).count() >= PER_ADDRESS_PER_HOUR:
        return TOO_MANY
    code = f"{secrets.randbelow(10**6):06d}"
    VerificationCode.objects.create(
        purpose=purpose, subject=key, phone=(phone or "")[:20], address=address or None, created_at=now,
        expires_at=now + CODE_VALID, code_hash=_digest(f"{key}:{code}") if deliver_to else "",
    )  # fmt: skip
    if deliver_to:
        send_code(phone=deliver_to, code=code, purpose=purpose)
    audit(actor=None, obj=None, subject=label or purpose, action="code_sent",
          comment="已发送验证码" if deliver_to else "信息不匹配，未发送验证码",
          data={"purpose": purpose, "address": address or "", "phone": phone[-4:] if phone else ""})  # fmt: skip
    return None


@transaction.atomic
def code_check(*, purpose: str, person: str, code: str, label: str = "") -> str | None:
    """None when ``code`` is the person's latest code, unused and within its 5 minutes (it is then used
    up); otherwise the refusal. The fifth wrong code in a row locks the person for 30 minutes."""
    now = timezone.now()
    key = person_key(purpose, person)
    _serialise(purpose, key)
    if _locked(purpose, key, now):
        return LOCKED
    latest = VerificationCode.objects.filter(purpose=purpose, subject=key).order_by("-created_at", "-pk").first()
    given = "".join(ch for ch in (code or "") if ch.isdigit())
    fresh = latest is not None and latest.code_hash and latest.used_at is None and latest.expires_at > now
    if fresh and len(given) == 6 and hmac.compare_digest(latest.code_hash, _digest(f"{key}:{given}")):
        latest.used_at = now
        latest.save(update_fields=["used_at"])
        CodeLock.objects.filter(purpose=purpose, subject=key).update(failures=0, locked_until=None)
        return None
    lock, _ = CodeLock.objects.select_for_update().get_or_create(purpose=purpose, subject=key)
    lock.failures += 1
    locked = lock.failures >= WRONG_CODES
    if locked:
        lock.failures, lock.locked_until = 0, now + LOCKED_FOR
    lock.save()
    audit(actor=None, obj=None, subject=label or purpose, action="code_locked" if locked else "code_failed",
          comment=f"连续 {WRONG_CODES} 次验证码错误，锁定 30 分钟" if locked else "验证码错误",
          data={"purpose": purpose})  # fmt: skip
    return LOCKED if locked else WRONG
