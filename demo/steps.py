"""The steps a demo's named records are made by, shared by the Weihai demo and the scheme packs:
the clock set to the day a step happened, a person typed in as the clerk types them, the bank's
statement of a day, and the demo's accounts."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Group, User

from enrollment.models import District, Member, Prefecture, Unit
from mutualaid.models import StaffProfile
from mutualaid.scoping import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def typed_in(member: Member, shares: int) -> dict:
    """A registered person as the clerk types them into 逐个添加: what the plan asks of them."""
    return {"name": member.name, "id_number": member.id_number, "card": member.insurance_card, "shares": shares,
            "needy": member.needy or "", "occupation": member.occupation}  # fmt: skip


def statement_file(day: date, applications) -> bytes:
    """The bank's statement of ``day``: one credit per invoice, from the unit's account, the exact
    amount, the payment reference as the memo (what the invoice tells the clerk to write)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["交易日期", "交易流水号", "付款人名称", "付款人账号", "金额", "摘要/附言"])
    for application in applications:
        writer.writerow([f"{day:%Y-%m-%d}", f"DEMO{application.reference}", application.unit.name, "",
                         f"{application.amount_due:.2f}", application.reference])  # fmt: skip
    return buffer.getvalue().encode()


def make_users(rows, *, password: str, display_names: dict, phones: dict) -> dict[str, User]:
    """The admin and each (username, role, unit code, district code[, prefecture code]) of ``rows``,
    with their profile."""
    groups = {role: Group.objects.get_or_create(name=role.group_name)[0] for role in Role}
    users = {}
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "管理员"}
    )
    if created:
        admin.set_password(password)
        admin.save()
    admin.groups.add(groups[Role.ADMIN])
    users["admin"] = admin
    for username, role, unit, district, *prefecture in rows:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": display_names.get(username, username)}
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(groups[Role(role)])
        StaffProfile.objects.get_or_create(
            user=user,
            defaults={
                "unit": Unit.objects.get(code=unit) if unit else None,
                "district": District.objects.get(code=district) if district else None,
                "prefecture": Prefecture.objects.get(code=prefecture[0]) if prefecture else None,
                "phone": phones.get(username, ""),
            },
        )
        users[username] = user
    return users
