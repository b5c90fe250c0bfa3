"""Forgotten passwords of clerks and staff (DOMAIN.md §13): a code by SMS to the mobile number on the
account, then a new password, with the members' limits (``notices.codes``).

The person types their account name and their mobile number; the answer is the same whether or not
the pair is known ("若账号与手机号匹配，验证码已发送至尾号 0001 的手机"), and so are the limits and
the lock, so the page cannot be used to learn which accounts exist or whose number is whose.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from mutualaid.models import audit
from mutualaid.notices.codes import code_check, code_request
from mutualaid.roles import role_of

PURPOSE = "password_reset"


def answer(phone: str) -> str:
    return f"若账号与手机号匹配，验证码已发送至尾号 {phone[-4:]} 的手机，5 分钟内有效。"


def _person(username: str) -> str:
    return username.strip().lower()


def _account(username: str, phone: str):
    """The active staff account with this name and this mobile number on it, or None."""
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    profile = getattr(user, "staff_profile", None) if user else None
    if user is None or role_of(user) is None or profile is None or profile.phone.replace(" ", "") != phone:
        return None
    return user


def reset_request(*, username: str, phone: str, address: str | None) -> str | None:
    """Send a code if the pair is known. None: the page gives its one answer; else the refusal (the
    hour's limit, or locked), the same for any pair."""
    user = _account(username, phone)
    return code_request(purpose=PURPOSE, person=_person(username), phone=phone, address=address,
                        deliver_to=phone if user else None, label=f"找回密码：{username.strip()[:60]}")  # fmt: skip


@transaction.atomic
def reset_confirm(*, username: str, phone: str, code: str, password: str):
    """Check the code and set the new password. Returns (user, None) or (None, refusal). The new
    password is the person's own: a first password the system gave them need not be changed again;
    their sessions elsewhere end (the password's hash changed) and a login lockout is lifted."""
    refusal = code_check(
        purpose=PURPOSE, person=_person(username), code=code, label=f"找回密码：{username.strip()[:60]}"
    )
    if refusal:
        return None, refusal
    user = _account(username, phone)
    if user is None:  # the code matched, so the pair did; the account changed in those five minutes
        return None, "验证码错误或已过期，请重新输入或重新获取。"
    user.set_password(password)
    user.save(update_fields=["password"])
    profile = user.staff_profile
    if profile.must_change_password:
        profile.must_change_password = False
        profile.save(update_fields=["must_change_password"])
    from axes.utils import reset as axes_reset

    axes_reset(username=user.get_username())
    audit(actor=user, obj=user, action="password_reset", comment=f"通过尾号 {phone[-4:]} 的手机验证码重设密码")
    return user, None
