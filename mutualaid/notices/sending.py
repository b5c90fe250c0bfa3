"""The worker's side: send the waiting SMS at the provider's rate, retry what failed for a reason
that passes (throttled, timed out), and leave what cannot be sent as failed, first in the centre's list."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mutualaid.models import Notice, NoticeChannel, NoticeStatus, audit
from mutualaid.notices import backends
from mutualaid.notices.dispatch import kick_sender, render
from mutualaid.notices.events import CODE_TEMPLATES
from mutualaid.scoping import CITY_ROLES, require

logger = logging.getLogger(__name__)

# After the first try: again in 1 minute, 5 minutes, 30 minutes, 2 hours; then it is failed.
RETRY_DELAYS = (60, 300, 1800, 7200)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
BATCH = 20


class Pacer:
    """At most ``rate`` sends a second (the provider's limit), however the sends are batched."""

    def __init__(self, rate: float, sleep=time.sleep, clock=time.monotonic):
        self.interval, self.sleep, self.clock = 1.0 / rate, sleep, clock
        self.next = None

    def wait(self) -> None:
        now = self.clock()
        if self.next is not None and now < self.next:
            self.sleep(self.next - now)
            now = self.next
        self.next = now + self.interval


def _note(notice: Notice, answer: backends.Answer, when) -> None:
    line = f"{timezone.localtime(when):%Y-%m-%d %H:%M:%S} 第 {notice.attempts} 次：{answer.answer}"
    notice.provider_answer = f"{notice.provider_answer}\n{line}".strip()[-2000:]


def apply_answer(notice: Notice, answer: backends.Answer, now=None) -> None:
    now = now or timezone.now()
    notice.attempts += 1
    _note(notice, answer, now)
    if answer.ok:
        notice.status, notice.sent_at, notice.next_attempt_at = NoticeStatus.SENT, now, None
        notice.provider_id = answer.provider_id[:100]
    elif answer.retry and notice.attempts < MAX_ATTEMPTS:
        notice.status = NoticeStatus.RETRYING
        notice.next_attempt_at = now + timedelta(seconds=RETRY_DELAYS[notice.attempts - 1])
    else:
        notice.status, notice.next_attempt_at = NoticeStatus.FAILED, None
        logger.warning("SMS %s to %s failed for good: %s", notice.template, notice.phone[-4:], answer.answer)


def send_due(*, limit: int | None = None, rate: float | None = None, sleep=time.sleep) -> dict:
    """Send every SMS whose time has come, oldest first, ``rate`` a second (``DJANGO_SMS_RATE``).
    Rows are claimed with SKIP LOCKED, so several workers never send one message twice."""
    pacer = Pacer(rate or settings.SMS_RATE, sleep=sleep)
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    while limit is None or sum(counts.values()) < limit:
        with transaction.atomic():
            take = BATCH if limit is None else min(BATCH, limit - sum(counts.values()))
            batch = list(
                Notice.objects.select_for_update(skip_locked=True)
                .filter(channel=NoticeChannel.SMS, status__in=sorted(NoticeStatus.PENDING),
                        next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "pk")[:take]
            )  # fmt: skip
            if not batch:
                break
            for notice in batch:
                pacer.wait()
                answer = backends.send(backends.Sms(notice.phone, notice.template, notice.params, notice.text))
                apply_answer(notice, answer)
                counts[notice.status if notice.status != NoticeStatus.SENT else "sent"] += 1
            Notice.objects.bulk_update(
                batch, ["status", "attempts", "provider_answer", "provider_id", "sent_at", "next_attempt_at"]
            )
    return counts


def send_code(*, phone: str, code: str, purpose: str) -> None:
    """A one-time code, sent now through the configured backend (not the queue: the person is waiting),
    recorded like every message but with the code itself hidden in the record. A send that times out
    is tried once more at once; if it still fails the record says so (the person asks for another)."""
    template, text = CODE_TEMPLATES[purpose]
    sms = backends.Sms(phone, template, {"code": code}, render(text, {"code": code}))
    notice = Notice(event="code", template=template, channel=NoticeChannel.SMS, phone=phone,
                    text=render(text, {"code": "******"}), params={"code": "******"},
                    status=NoticeStatus.QUEUED)  # fmt: skip
    for _ in range(2):
        answer = backends.send(sms)
        apply_answer(notice, answer)
        if answer.ok or not answer.retry:
            break
    if notice.status != NoticeStatus.SENT:
        notice.status, notice.next_attempt_at = NoticeStatus.FAILED, None
    notice.save()


@transaction.atomic
def notice_retry(*, actor, notice: Notice) -> Notice:
    """The centre sends a failed SMS again (after fixing the template id, the number ...)."""
    require(actor, CITY_ROLES, message="只有市中心可以重新发送短信。")
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.channel != NoticeChannel.SMS or notice.status != NoticeStatus.FAILED:
        raise ValidationError("只有发送失败的短信可以重新发送。")
    if notice.event == "code":
        raise ValidationError("验证码已过期，不能重新发送，请本人重新获取。")
    notice.status, notice.next_attempt_at, notice.attempts = NoticeStatus.QUEUED, timezone.now(), 0
    notice.save(update_fields=["status", "next_attempt_at", "attempts"])
    audit(actor=actor, obj=notice, action="notice_retry", comment=f"{notice.template} → {notice.recipient_label}")
    transaction.on_commit(kick_sender)
    return notice
