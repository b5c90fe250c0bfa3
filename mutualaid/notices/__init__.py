"""Notices (DOMAIN.md §13): one module turns events into messages, records every one and sends them.

- ``events.py`` — the table: which event, caused by what, goes to whom, in which words.
- ``dispatch.py`` — ``emit``: recipients found, texts rendered, messages written in the action's own
  transaction; ``workflow.transition`` calls it for every state change (``on_transition``).
- ``sending.py`` — the worker sends waiting SMS at the provider's rate, with retries; ``send_code``
  sends a one-time code at once.
- ``backends.py`` — console, file, Alibaba Cloud, Tencent Cloud (``DJANGO_SMS_BACKEND``).
- ``codes.py`` — one-time codes with their limits and locks.

The apps call ``notices.emit(...)`` for what is not a state change (an invoice paid in full, coverage
effective), ``notices.send_code(...)`` for codes and ``notices.member_set_opt_out(...)`` for a member's
choice. Like the rest of the ground floor it imports no app.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from mutualaid.models import Notice, audit
from mutualaid.notices.dispatch import emit, emit_many, kick_sender, muted, on_transition
from mutualaid.notices.sending import notice_retry, send_code, send_due

__all__ = [
    "emit",
    "emit_many",
    "kick_sender",
    "member_set_opt_out",
    "muted",
    "notice_retry",
    "on_transition",
    "send_code",
    "send_due",
    "unread_count",
]


def unread_count(user) -> int:
    return Notice.objects.inbox(user).filter(read_at__isnull=True).count()


def _is_member(actor, member) -> bool:
    meta = getattr(actor, "_meta", None)
    return meta is not None and meta.label == member._meta.label and actor.pk == member.pk


@transaction.atomic
def member_set_opt_out(*, actor, member, opted_out: bool):
    """A member turns notice SMS off (or on again); codes are sent whatever they choose. ``actor`` is
    the member themself (their own record, from the members' pages), or the centre acting on the
    member's written request; nobody else decides it for them. Recorded in the audit trail."""
    from mutualaid.scoping import is_city

    by_member = _is_member(actor, member)
    if not (by_member or is_city(actor)):
        raise PermissionDenied("通知短信由会员本人在“我的互助保障”中设置。")
    member = type(member).objects.select_for_update().get(pk=member.pk)
    if member.notices_opted_out == bool(opted_out):
        return member
    member.notices_opted_out = bool(opted_out)
    member.save(update_fields=["notices_opted_out"])
    who = "会员本人" if by_member else "市中心（依会员申请）"
    audit(actor=None if by_member else actor, obj=member, action="notice_opt_out" if opted_out else "notice_opt_in",
          comment=f"{who}{'退订' if opted_out else '恢复'}通知短信（验证码照常发送）",
          data={"by": "member" if by_member else "centre"})  # fmt: skip
    return member
