"""Turning an event into recorded messages, inside the transaction of the action that caused it.

``emit`` finds the event in the table (``events.py``), its recipients (the subject's member, the
clerks of its unit, the staff whose queue it lands in), renders one text per recipient and writes
every message in one bulk insert. SMS are handed to the worker when the transaction commits, as one
job however many there are, so the action never waits for a provider.
"""

from __future__ import annotations

import contextvars
import logging
import string
from collections import defaultdict
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mutualaid.lib.phones import MOBILE_RE
from mutualaid.models import Notice, NoticeChannel, NoticeStatus, StaffProfile
from mutualaid.notices.events import BY_ACTION, BY_NAME, Event, Facts
from mutualaid.roles import Role

logger = logging.getLogger(__name__)

SEND_TASK = "mutualaid.send_notices"  # defined in mutualaid/tasks.py
_muted = contextvars.ContextVar("notices_muted", default=False)


@contextmanager
def muted():
    """No message for what happens inside (the demo's history is loaded through the services, and
    nobody should be told in 2026 that their 2025 claim was paid)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


class _Values:
    """The values of one subject, computed only when a text asks for them."""

    def __init__(self, event: Event, subject, facts: Facts):
        self.event, self.subject, self.facts = event, subject, facts
        self.used: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self.used:
            self.used[name] = str(self.event.kind.values[name](self.subject, self.facts))
        return self.used[name]


def render(text: str, values) -> str:
    return string.Template(text).substitute(values)


def params_of(text: str, values: _Values) -> dict[str, str]:
    """The template's variables with their values, in the order they appear (Tencent's parameter order)."""
    names = [m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(text)]
    return {name: values[name] for name in names if name}


def mobile(phone: str) -> str:
    phone = (phone or "").replace(" ", "").strip()
    return phone if MOBILE_RE.match(phone) else ""


# --- Recipients ---------------------------------------------------------------------------------------


def _clerks_of(unit_ids) -> dict[int, list[StaffProfile]]:
    found = defaultdict(list)
    unit_ids = {pk for pk in unit_ids if pk}
    if unit_ids:
        for profile in StaffProfile.objects.filter(
            unit_id__in=unit_ids, user__is_active=True, user__groups__name=Role.CLERK.group_name
        ).select_related("user"):
            found[profile.unit_id].append(profile)
    return found


def _district_staff(district_ids) -> dict[int, list]:
    found = defaultdict(list)
    district_ids = {pk for pk in district_ids if pk}
    if district_ids:
        for profile in StaffProfile.objects.filter(
            district_id__in=district_ids, user__is_active=True, user__groups__name=Role.DISTRICT.group_name
        ).select_related("user"):
            found[profile.district_id].append(profile.user)
    return found


def _city_staff(roles) -> list:
    names = [role.group_name for role in roles if role != Role.DISTRICT]
    if not names:
        return []
    return list(get_user_model().objects.filter(is_active=True, groups__name__in=names).distinct().order_by("pk"))


# --- Emitting --------------------------------------------------------------------------------------


def _event(name: str) -> Event:
    try:
        return BY_NAME[name]
    except KeyError:
        raise LookupError(
            f"unknown notice event {name!r}: every event is a row of mutualaid/notices/events.py"
        ) from None


def on_transition(*, actor, obj, action: str, comment: str = "", data=None) -> list[Notice]:
    """Called by ``mutualaid.workflow.transition`` for every state change: the event of that action, if any."""
    event = BY_ACTION.get((obj._meta.label, action))
    if event is None:
        return []
    return emit_many(event.name, [obj], actor=actor, comment=comment, data=data)


def emit(event: str, subject=None, *, actor=None, comment: str = "", data=None, context=None, **facts) -> list[Notice]:
    """Record the messages of ``event`` about ``subject`` (or the fact named after the event's kind:
    ``emit("member_phone_changed", member=m, old_phone=..., new_phone=...)``); other facts join
    ``context``, which the texts may read."""
    kind = _event(event).kind.name
    if subject is None:
        subject = facts.pop(kind, None)
    context = {**(context or {}), **facts}
    return emit_many(event, [subject], actor=actor, comment=comment, data=data, context=context)


def emit_many(event: str, subjects, *, actor=None, comment: str = "", data=None, context=None) -> list[Notice]:
    """The same event for many subjects at once (a statement import completing a thousand invoices):
    recipients found in one query per kind, every message in one insert, one job for all the SMS.
    ``context`` is a dict for all, or a function of the subject giving each its own."""
    spec = _event(event)
    if _muted.get():
        return []
    subjects = list(subjects)
    if not subjects:
        return []
    now = timezone.now()
    clerks = _clerks_of(spec.kind.unit_id(s) for s in subjects) if spec.clerk_sms or spec.clerk_app else {}
    district_roles = Role.DISTRICT in spec.staff and spec.staff_app
    districts = _district_staff(spec.kind.district_id(s) for s in subjects) if district_roles else {}
    city = _city_staff(spec.staff) if spec.staff_app else []
    notices = []

    def add(channel, template, text, values, **fields):
        sms = channel == NoticeChannel.SMS
        notices.append(Notice(
            event=spec.name, template=template, channel=channel, text=render(text, values),
            params=params_of(text, values) if sms else {}, subject=subject_label, created_at=now,
            status=NoticeStatus.QUEUED if sms else NoticeStatus.SENT, next_attempt_at=now if sms else None,
            sent_at=None if sms else now, link="" if sms else link, **fields,
        ))  # fmt: skip

    for subject in subjects:
        own = context(subject) if callable(context) else context
        facts = Facts(actor=actor, comment=comment or "", data=data or {}, context=own or {})
        values = _Values(spec, subject, facts)
        subject_label = str(getattr(subject, "reference", "") or "")[:100]
        link = spec.kind.link(subject) if (spec.clerk_app or spec.staff_app) else ""
        if spec.member_sms:
            member = spec.kind.member(subject)
            phone = mobile(getattr(member, "phone", ""))
            if member is not None and phone and (spec.essential or not member.notices_opted_out):
                add(NoticeChannel.SMS, f"{spec.name}_member", spec.member_sms, values, member=member, phone=phone)
        if spec.phone_sms:
            phone = mobile(spec.phone(subject, facts))
            member = spec.kind.member(subject)
            if phone and (spec.essential or member is None or not member.notices_opted_out):
                add(NoticeChannel.SMS, f"{spec.name}_phone", spec.phone_sms, values, phone=phone,
                    member=member if member is not None else None)  # fmt: skip
        for profile in clerks.get(spec.kind.unit_id(subject), ()) if clerks else ():
            if actor is not None and getattr(actor, "pk", None) == profile.user_id:
                continue  # nobody is told what they just did themselves
            if spec.clerk_app:
                add(NoticeChannel.APP, f"{spec.name}_clerk_app", spec.clerk_app, values, user=profile.user)
            phone = mobile(profile.phone)
            if spec.clerk_sms and phone:
                add(NoticeChannel.SMS, f"{spec.name}_clerk", spec.clerk_sms, values, user=profile.user, phone=phone)
        if spec.staff_app:
            staff = list(city)
            if district_roles:
                staff += districts.get(spec.kind.district_id(subject), [])
            for user in staff:
                if actor is not None and getattr(actor, "pk", None) == user.pk:
                    continue  # nobody is told what they just did themselves
                add(NoticeChannel.APP, f"{spec.name}_staff_app", spec.staff_app, values, user=user)
    Notice.objects.bulk_create(notices, batch_size=2000)
    if any(n.channel == NoticeChannel.SMS for n in notices):
        transaction.on_commit(kick_sender)
    return notices


def kick_sender() -> None:
    """Hand the waiting SMS to the worker: one job, whatever number are waiting (a job already queued
    will take them too)."""
    from procrastinate import exceptions
    from procrastinate.contrib.django import app

    try:
        with transaction.atomic():  # a savepoint: a refused duplicate leaves any outer transaction usable
            app.configure_task(SEND_TASK, queue="notices", queueing_lock="send_notices").defer()
    except exceptions.AlreadyEnqueued:
        pass
    except Exception:  # the queue being down must not break the action; the minute's sweep sends them
        logger.exception("could not queue the notices job; the periodic sweep will send the SMS")
