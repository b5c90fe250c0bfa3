"""A grassroots union registers itself, its district office verifies it; a clerk keeps the unit's details.

``registration_submit`` is the one service anybody may call without an account; it is
rate-limited by address and says nothing about other units. Approval creates the unit
and its clerk's account in one transaction, with a first password shown once.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from enrollment.models import RegistrationDocument, RegistrationStatus, Unit, UnitRegistration
from enrollment.services.payments import normalise_name
from mutualaid import notices
from mutualaid.lib.uscc import UsccError, validate_uscc
from mutualaid.models import StaffProfile, audit
from mutualaid.scoping import CITY_ROLES, Role, is_city, require, role_of
from mutualaid.uploads import document_fields
from mutualaid.workflow import transition

REGISTRATION_FIELDS = ("name", "uscc", "district", "address", "chair_name", "chair_phone", "contact_name",
                       "contact_phone", "declared_staff")  # fmt: skip
# How many registrations one address may send in an hour, and how many certificates one may carry.
REGISTRATIONS_PER_HOUR = 5
MAX_CERTIFICATES = 5
# What a clerk may change of their own unit (not its code, USCC or district).
UNIT_FIELDS_FOR_CLERK = ("address", "chair_name", "chair_phone", "contact_name", "contact_phone", "declared_staff")
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"  # noqa: S105 (the letters, not a password)


def _clean_uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except UsccError as exc:
        raise ValidationError({"uscc": exc.message}) from exc


def _lock_address(address: str) -> None:
    """Serialise registrations from one address until the transaction ends, so the count of the last
    hour and the insert that follows it are one step: twelve at once cannot all pass a count of four."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [0x4D41_5247, address])  # "MARG"


@transaction.atomic(durable=True)
def registration_submit(*, details: dict, certificates: list, address: str | None) -> UnitRegistration:
    """A union not yet known asks to be registered. Anonymous; limited per address per hour."""
    if address:
        _lock_address(address)
    if address and (
        UnitRegistration.objects.filter(
            submitted_from=address, submitted_at__gte=timezone.now() - timedelta(hours=1)
        ).count()
        >= REGISTRATIONS_PER_HOUR
    ):
        raise ValidationError("提交过于频繁，请一小时后再试；如有疑问请联系所在办事处。")
    if not certificates:
        raise ValidationError({"certificates": "请上传工会法人资格证书等证明材料（PDF 或照片）。"})
    if len(certificates) > MAX_CERTIFICATES:
        raise ValidationError({"certificates": f"证明材料最多 {MAX_CERTIFICATES} 个文件。"})
    details = {name: details[name] for name in REGISTRATION_FIELDS}
    details["uscc"] = _clean_uscc(details["uscc"])
    checked = _checked(certificates)
    registration = UnitRegistration.objects.create(
        token=secrets.token_urlsafe(16)[:22], submitted_from=address, **details
    )
    _store(registration, checked)
    audit(actor=None, obj=registration, action="create", to_state=registration.status,
          comment=f"{registration.name}（{registration.district.name}）")  # fmt: skip
    notices.emit("registration_submitted", registration)
    return registration


def _checked(certificates) -> list[dict]:
    """Every certificate checked before anything is stored: one bad file stores none."""
    return [document_fields(upload, max_bytes=settings.CLAIM_DOCUMENT_MAX_BYTES) for upload in certificates]


def _store(registration, checked: list[dict]) -> None:
    RegistrationDocument.objects.bulk_create(
        RegistrationDocument(registration=registration, **fields) for fields in checked
    )


def _same_uscc(registration: UnitRegistration) -> list[Unit]:
    units = Unit.objects.filter(uscc=registration.uscc)
    if registration.unit_id is not None:
        units = units.exclude(pk=registration.unit_id)
    return list(units.select_related("district").order_by("code"))


def registration_same_name_units(registration: UnitRegistration) -> list[Unit]:
    """Units whose name reads the same as this one once spaces, widths and brackets are set aside:
    the way a payer's name is matched to a unit (``payments.normalise_name``), so two of them would
    make a transfer from either ambiguous."""
    key = normalise_name(registration.name)
    others = Unit.objects.exclude(uscc=registration.uscc)
    if registration.unit_id is not None:
        others = others.exclude(pk=registration.unit_id)
    return [unit for unit in others.select_related("district").order_by("code") if normalise_name(unit.name) == key]


def _may_see(viewer, unit: Unit) -> bool:
    return viewer is not None and Unit.objects.visible_to(viewer).filter(pk=unit.pk).exists()


def registration_conflicts(registration: UnitRegistration, viewer=None) -> list[str]:
    """What the reviewer must know before approving: a unit with the same USCC or name exists. A unit
    the reviewer may not see (another district's) is not named: only that the code or name is taken."""
    found = []
    for unit in _same_uscc(registration):
        if _may_see(viewer, unit):
            found.append(f"统一社会信用代码已属于单位 {unit.code} {unit.name}（{unit.district.name}）。")
        else:
            found.append("统一社会信用代码已被本市其他办事处的单位使用，不能重复注册；如需核实，请联系市中心。")
    for unit in registration_same_name_units(registration):
        if _may_see(viewer, unit):
            found.append(f"已有同名单位 {unit.code} {unit.name}（{unit.district.name}），按付款人名称对账时无法区分。")
        else:
            found.append("本市其他办事处已有同名单位，按付款人名称对账时无法区分；如确为不同单位，请联系市中心确认。")
    return found


def _lock(registration) -> UnitRegistration:
    return UnitRegistration.objects.select_for_update().select_related("district").get(pk=registration.pk)


def _require_reviewer(actor, registration):
    require(actor, UnitRegistration.workflow.roles("approve"), district=registration.district,
            message="由单位所在办事处审核注册申请。")  # fmt: skip


def _serialise_approvals() -> None:
    """One approval at a time: two at once would take the same unit code, or each miss the other's
    unit of the same name."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x4D41_5255])  # "MARU"


def _next_unit_code() -> str:
    last = Unit.objects.filter(code__regex=r"^R[0-9]{5}$").aggregate(m=Max("code"))["m"] or "R00000"
    return f"R{int(last[1:]) + 1:05d}"


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


@transaction.atomic(durable=True)
def registration_approve(
    *, actor, registration: UnitRegistration, comment: str = "", confirm_same_name: bool = False
) -> tuple[Unit, str, str]:
    """Create the unit and its clerk's account. Returns (unit, username, first password): the
    password is shown once to the reviewer and never stored in clear; the clerk must change it.

    A unit whose name equals an existing unit's (as payer names are compared) is approved only when
    the centre confirms they are different units (``confirm_same_name``, recorded in the trail)."""
    registration = _lock(registration)
    _require_reviewer(actor, registration)
    _serialise_approvals()
    if _same_uscc(registration):
        raise ValidationError(registration_conflicts(registration, actor)[0] + "请退回并说明。")
    same_name = registration_same_name_units(registration)
    data = None
    if same_name:
        if not (confirm_same_name and is_city(actor)):
            raise ValidationError(
                registration_conflicts(registration, actor)[0]
                + ("请核实后勾选“确认为不同单位”再通过。" if is_city(actor)
                   else "请退回申请单位使用完整的登记名称，或请市中心核实为不同单位后审核通过。")
            )  # fmt: skip
        codes = [unit.code for unit in same_name]
        data = {"same_name_confirmed": codes}
        comment = "；".join(filter(None, [comment, f"市中心确认与同名单位 {'、'.join(codes)} 为不同单位"]))
    transition(actor=actor, obj=registration, action="approve", comment=comment, data=data)
    unit = Unit.objects.create(
        code=_next_unit_code(), name=registration.name, uscc=registration.uscc, district=registration.district,
        address=registration.address, chair_name=registration.chair_name, chair_phone=registration.chair_phone,
        contact_name=registration.contact_name, contact_phone=registration.contact_phone,
        declared_staff=registration.declared_staff,
    )  # fmt: skip
    username = f"clerk_{unit.code.lower()}"
    password = _new_password()
    user = get_user_model().objects.create_user(
        username=username, password=password, first_name=registration.contact_name[:150]
    )
    user.groups.add(Group.objects.get(name=Role.CLERK.group_name))
    StaffProfile.objects.create(user=user, unit=unit, phone=registration.contact_phone, must_change_password=True)
    registration.unit, registration.decided_by, registration.decided_at = unit, actor, timezone.now()
    registration.reason = ""
    registration.save()
    audit(actor=actor, obj=unit, action="create", comment=f"单位注册审核通过，经办人账号 {username}")
    # The registration form promised "审核结果和账号会通过此手机号通知您": the account name, never the password.
    notices.emit("registration_approved", registration, actor=actor, username=username)
    return unit, username, password


@transaction.atomic(durable=True)
def clerk_first_password_issue(*, actor, clerk) -> str:
    """A new first password for a unit's clerk who lost theirs (DOMAIN.md §13): issued by the unit's
    district office (or the centre), shown once to it, recorded in the trail without the password; the
    old password and the clerk's open sessions stop working, and the clerk must change it at next login."""
    profiles = StaffProfile.objects.select_for_update(of=("self",)).select_related("unit", "user")
    profile = profiles.filter(user=clerk).first()
    if profile is None or profile.unit is None or role_of(profile.user) != Role.CLERK:
        raise ValidationError("只能为基层工会经办人重新生成初始密码。")
    require(actor, {Role.DISTRICT} | CITY_ROLES, unit=profile.unit,
            message="由单位所在办事处为经办人重新生成初始密码。")  # fmt: skip
    password = _new_password()
    account = profile.user
    account.set_password(password)
    account.save(update_fields=["password"])
    profile.must_change_password = True
    profile.save(update_fields=["must_change_password"])
    audit(actor=actor, obj=account, action="password_reissue",
          comment=f"为 {profile.unit.code} {profile.unit.name} 的经办人重新生成初始密码，首次登录须修改")  # fmt: skip
    return password


@transaction.atomic(durable=True)
def registration_return(*, actor, registration: UnitRegistration, reason: str) -> UnitRegistration:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写退回原因，申请单位会看到。")
    registration = _lock(registration)
    _require_reviewer(actor, registration)
    transition(actor=actor, obj=registration, action="return", comment=reason)
    registration.reason, registration.decided_by, registration.decided_at = reason, actor, timezone.now()
    registration.save()
    return registration


@transaction.atomic(durable=True)
def registration_resubmit(*, registration: UnitRegistration, details: dict, certificates: list) -> UnitRegistration:
    """The union corrects a returned registration (it holds the registration's secret number)."""
    registration = _lock(registration)
    if registration.status != RegistrationStatus.RETURNED:
        raise ValidationError("该注册申请不在“已退回”状态，不能修改。")
    if len(certificates) + registration.documents.count() > MAX_CERTIFICATES:
        raise ValidationError({"certificates": f"证明材料最多 {MAX_CERTIFICATES} 个文件。"})
    checked = _checked(certificates)
    for name in REGISTRATION_FIELDS:
        setattr(registration, name, details[name])
    registration.uscc = _clean_uscc(registration.uscc)
    _store(registration, checked)
    transition(actor=None, obj=registration, action="resubmit")
    registration.save()
    return registration


@transaction.atomic(durable=True)
def unit_update(*, actor, unit: Unit, **details) -> Unit:
    """A clerk keeps their own unit's details; the code, USCC and district are the centre's."""
    require(actor, {Role.CLERK, Role.ADMIN}, unit=unit, message="只能修改本单位的信息。")
    unknown = set(details) - set(UNIT_FIELDS_FOR_CLERK)
    if unknown:
        raise ValidationError("单位编码、统一社会信用代码和所属办事处由市中心维护，不能在这里修改。")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = {name: getattr(unit, name) for name in details}
    changed = {name: value for name, value in details.items() if before[name] != value}
    for name, value in changed.items():
        setattr(unit, name, value)
    if changed:
        unit.save(update_fields=[*changed, "updated_at"])
        audit(actor=actor, obj=unit, action="update",
              data={"changes": {name: [str(before[name]), str(value)] for name, value in changed.items()}})  # fmt: skip
    return unit
