"""A member's use cases kept by the unit's clerk: the payout account (开户行, 银行卡号) and the mobile
number the member signs in and is told with.

What a roster declares about a person reaches the record at centre approval
(``applications.apply_declared_details``), not here.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from enrollment.models import Member
from mutualaid import notices
from mutualaid.lib.bank import normalise_account
from mutualaid.lib.idcard import mask_account
from mutualaid.lib.phones import clean_phone
from mutualaid.models import audit
from mutualaid.scoping import Role, require


@transaction.atomic(durable=True)
def member_set_bank_account(*, actor, member: Member, bank_name: str, bank_account: str) -> Member:
    """The member's own account for payouts (开户行, 银行卡号), recorded by the clerk of the
    member's unit; a claim whose payee is the member takes it when its own account is left blank."""
    member = Member.objects.select_for_update(of=("self",)).select_related("unit").get(pk=member.pk)
    if member.unit is None:
        raise PermissionDenied("该会员没有所在单位，银行账户由单位经办人登记。")
    require(actor, {Role.CLERK}, unit=member.unit, message="会员的银行账户由所在单位的经办人登记。")
    bank_name = " ".join((bank_name or "").split())
    try:
        bank_account = normalise_account(bank_account)
    except ValueError as exc:
        raise ValidationError({"bank_account": str(exc)}) from exc
    problems = {}
    if not bank_name:
        problems["bank_name"] = "请填写开户行，如：中国工商银行威海分行。"
    if not bank_account:
        problems["bank_account"] = "请填写银行卡号。"
    if problems:
        raise ValidationError(problems)
    before = {"bank_name": member.bank_name, "bank_account": member.bank_account}
    after = {"bank_name": bank_name, "bank_account": bank_account}
    changes = {name: [before[name], value] for name, value in after.items() if before[name] != value}
    if changes:
        member.bank_name, member.bank_account = bank_name, bank_account
        member.save(update_fields=list(changes))
        audit(actor=actor, obj=member, action="bank_account", comment=f"{bank_name} {mask_account(bank_account)}",
              data={"changes": changes})  # fmt: skip
    return member


@transaction.atomic(durable=True)
def member_set_phone(*, actor, member: Member, phone: str) -> Member:
    """The member's mobile number on record (how they sign in to their own pages and get notices),
    recorded by the clerk of the member's unit; a changed number is told to the old one."""
    member = Member.objects.select_for_update(of=("self",)).select_related("unit").get(pk=member.pk)
    if member.unit is None:
        raise PermissionDenied("该会员没有所在单位，手机号由单位经办人登记。")
    require(actor, {Role.CLERK}, unit=member.unit, message="会员的手机号由所在单位的经办人登记。")
    try:
        phone = clean_phone(phone, mobile_only=True)
    except ValueError as exc:
        raise ValidationError({"phone": str(exc)}) from exc
    old = member.phone
    if phone != old:
        member.phone = phone
        member.save(update_fields=["phone"])
        audit(actor=actor, obj=member, action="phone", comment=f"{old or '（未登记）'} → {phone}",
              data={"changes": {"phone": [old, phone]}})  # fmt: skip
        if old:
            notices.emit("member_phone_changed", member=member, old_phone=old, new_phone=phone, actor=actor)
    return member
