"""Members sign in to their own pages (/me/, DOMAIN.md §13) with their ID number, the mobile number on
record and a 6-digit code sent by SMS. Members are not staff users: no account, no password, no group.

The code and its limits are the notices module's one-time codes (``mutualaid.notices.codes``, also
behind the staff's forgotten passwords): valid 5 minutes, once, only the last one sent counts; at most
5 codes per ID number and 20 per client address in an hour; 5 wrong codes in a row lock the ID number
for 30 minutes. Every limit counts a request whether or not the pair is a member's, and the answer
names the tail of the number typed, never of the one on record, so the page cannot tell who is a
member. Every request, wrong code and lock is in the audit trail (``code_sent``, ``code_failed``,
``code_locked``, named by the masked ID number), and so is every sign-in (``member_login``).

The member's identity lives in its own session key (never Django's user): staff pages see nobody
signed in, and a session with a staff user in it is no member's. 30 minutes without a request end it.
"""

import logging
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone

from enrollment.models import Member
from mutualaid.lib.idcard import IdNumberError, mask_id, validate_id
from mutualaid.lib.phones import clean_phone
from mutualaid.models import audit
from mutualaid.notices import codes

security_log = logging.getLogger("mutualaid.security")

PURPOSE = "member_login"  # the code's SMS template: login_code
CODE_DIGITS = 6
IDLE = timedelta(minutes=30)

SESSION_KEY = "mutualaid_member"
SEEN_KEY = "mutualaid_member_seen"

SENT = "若信息匹配，验证码已发送至尾号 {tail} 的手机，5 分钟内有效。"
WRONG_CODE = codes.WRONG
LOCKED = codes.LOCKED
TOO_MANY = codes.TOO_MANY
IDLE_MESSAGE = "您已 30 分钟未操作，为保护您的信息已自动退出，请重新登录。"


class SignInRefused(ValidationError):
    """A request the limits or the lock refuse, or a wrong code, in the words the page shows."""


@dataclass(frozen=True)
class Pair:
    id_number: str
    phone: str


def clean_pair(id_number: str, phone: str) -> Pair:
    """The ID number and mobile number as typed, normalised, or a ValidationError naming the field. Only
    their form is checked here (anyone can check a checksum): never whether they belong to a member."""
    errors = {}
    try:
        number = validate_id(id_number, today=timezone.localdate()).number
    except IdNumberError as exc:
        errors["id_number"] = exc.message
    try:
        phone = clean_phone(phone, mobile_only=True)
    except ValueError as exc:
        errors["phone"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return Pair(number, phone)


def _digits(phone: str) -> str:
    """The number on record as digits only: a roster may have written it 138-0631-0001 or 138 0631 0001."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", phone or "") if ch.isdigit())


def _member(pair: Pair) -> Member | None:
    """The member with this ID number and this mobile number on record, or None."""
    member = Member.objects.select_related("unit").filter(id_number=pair.id_number).first()
    return member if member is not None and _digits(member.phone) == pair.phone else None


def _label(pair: Pair) -> str:
    return f"职工本人登录：{mask_id(pair.id_number)}"  # the trail names the person, never by the full number


def request_code(*, id_number: str, phone: str, client: str | None) -> str:
    """Send a sign-in code if the pair is a member's; the answer (or the refusal) is the same either way."""
    pair = clean_pair(id_number, phone)
    member = _member(pair)
    refusal = codes.code_request(
        purpose=PURPOSE, person=pair.id_number, phone=pair.phone, address=client,
        deliver_to=pair.phone if member is not None else None, label=_label(pair),
    )  # fmt: skip
    if refusal:
        raise SignInRefused(refusal)
    return SENT.format(tail=pair.phone[-4:])


def verify_code(*, id_number: str, phone: str, code: str, client: str | None) -> Member:
    """The member whose pair and latest code these are; SignInRefused otherwise (wrong, used, expired,
    locked), with the same words whoever the pair belongs to."""
    pair = clean_pair(id_number, phone)
    code = (code or "").strip()
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        raise ValidationError({"code": f"请输入短信中的 {CODE_DIGITS} 位验证码。"})
    refusal = codes.code_check(purpose=PURPOSE, person=pair.id_number, code=code, label=_label(pair))
    if refusal:
        if refusal == LOCKED:
            security_log.warning("member sign-in locked for %s from %s", mask_id(pair.id_number), client)
        raise SignInRefused(refusal)
    member = _member(pair)
    if member is None:  # the code was the ID number's, sent to the number on record, which is not this one
        raise SignInRefused(WRONG_CODE)
    audit(actor=None, obj=member, action="member_login", data={"address": client or "", "by_member": member.pk})
    return member


# --- The member's session ------------------------------------------------------------------


def sign_in(request, member: Member) -> None:
    """Start the member's session on a new key; whoever was signed in before (a staff user) is signed out."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        logout(request)
    else:
        request.session.flush()
    start_session(request.session, member)


def start_session(session, member: Member) -> None:
    """The member's identity in its own key; also what tests and the benchmark use to act as a member."""
    session[SESSION_KEY] = member.pk
    session[SEEN_KEY] = timezone.now().timestamp()


def sign_out(request) -> None:
    """End the member's session; a staff user's session is not the member pages' to end."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return
    member_id = request.session.get(SESSION_KEY)
    if member_id:
        member = Member.objects.filter(pk=member_id).first()
        if member is not None:
            audit(actor=None, obj=member, action="member_logout", data={"by_member": member.pk})
    request.session.flush()


def current_member(request) -> Member | None:
    """The member signed in on this session, or None: no member key, a staff user in the session, or 30
    minutes since the last request (which ends the session, and the page says why). Each request keeps
    it alive. The stored session itself lives the site's SESSION_COOKIE_AGE: this check, not its expiry,
    is what ends a member's session, so an idle member is told rather than silently forgotten."""
    member_id = request.session.get(SESSION_KEY)
    if member_id is None:
        return None
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return None  # a staff session is never a member's
    now = timezone.now().timestamp()
    seen = request.session.get(SEEN_KEY) or 0
    if now - seen > IDLE.total_seconds():
        request.session.flush()
        request.member_timed_out = True
        return None
    if now - seen > 30:  # a session write at most every 30 seconds
        request.session[SEEN_KEY] = now
    return Member.objects.select_related("unit").filter(pk=member_id).first()


def member_required(view):
    """A member page: the member signed in on this session, else the sign-in page. Staff users, signed in
    or not, are no member; nothing a member's page shows may stay in a browser's or proxy's cache."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        member = current_member(request)
        if member is None:
            if getattr(request, "member_timed_out", False):
                messages.info(request, IDLE_MESSAGE)
            return redirect("me:login")
        request.member = member
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        return response

    return wrapped
