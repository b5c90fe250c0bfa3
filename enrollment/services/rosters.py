"""Roster use cases (人员手册): import a file, add a person typed in, renew last period's list.

They run the machinery in ``enrollment.roster`` (read, normalise, validate over the whole sheet, write).

One entry point, ``roster_import``, serves the page, the command line and the
background worker alike. A roster with any error writes nothing (DOMAIN.md §9).
"""

import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus, Coverage, CoverageStatus, RosterLine
from enrollment.roster.reading import LABELS, find_header, read_rows
from enrollment.roster.rules import check_day, is_uniform, person_problems
from enrollment.roster.validate import RosterRow, validate_rows
from enrollment.roster.writing import refresh_statistics, write_roster
from enrollment.services.applications import (
    ShareLine,
    draft_create,
    require_editable,
    roster_share_problem,
    share_lines,
)
from mutualaid.lib.sheet_import import RowError, Sheet, UnreadableFile
from mutualaid.models import audit
from mutualaid.scoping import CITY_ROLES, Role, require


@dataclass
class RosterResult:
    rows: int = 0
    valid: int = 0
    created: int = 0
    application: Application | None = None
    errors: list[RowError] = field(default_factory=list)
    lines: list[RosterRow] = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "created": self.created,
            "application": self.application.reference if self.application else None,
            "errors": [error.as_dict() for error in self.errors],
        }


def _open_draft(plan, unit):
    return (
        Application.objects.filter(plan=plan, unit=unit, status__in=sorted(ApplicationStatus.EDITABLE))
        .order_by("-seq")
        .first()
    )


def _target_application(*, actor, plan, unit, application, staff):
    if application is not None:
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.unit_id != unit.pk or application.plan_id != plan.pk:
            raise UnreadableFile("该申请不属于所选单位和保障项目。")
        if application.status not in ApplicationStatus.EDITABLE:
            raise UnreadableFile(f"申请 {application.reference} 已提交，名单已冻结，不能再导入。")
        return application
    draft = (
        Application.objects.select_for_update()
        .filter(plan=plan, unit=unit, status__in=sorted(ApplicationStatus.EDITABLE))
        .order_by("-seq")
        .first()
    )
    if draft is not None:
        return draft
    return draft_create(actor=actor, plan=plan, unit=unit, declared_staff=staff or unit.declared_staff or 0)


def roster_import(*, actor, plan, unit, data: bytes, filename: str, shares: int | None = None,
                  staff: int | None = None, dry_run: bool = False, application=None, progress=None) -> RosterResult:  # fmt: skip
    """Import a roster file into the unit's draft application for ``plan``.

    Raises UnreadableFile for a file that cannot be used at all. Otherwise returns
    the counts and every row error; with no error (and not a dry run) the draft is
    created or its roster replaced, in one transaction. ``actor`` None means the
    command line, run by the operator; a person is checked like the page checks them.
    """
    if actor is not None:
        require(actor, CITY_ROLES | {Role.CLERK}, unit=unit, message="只有本单位经办人或市中心可以导入人员手册。")
    if application is not None and application.status not in ApplicationStatus.EDITABLE:
        raise UnreadableFile(f"申请 {application.reference} 已提交，名单已冻结，不能再导入。")
    if application is None:  # a new file replaces the roster of the unit's open draft, if there is one
        application = _open_draft(plan, unit)
    result = RosterResult()
    started = time.perf_counter()
    if progress:
        progress.step("读取文件")
    sheet = find_header(read_rows(data, filename))
    result.timings["read"] = time.perf_counter() - started
    if sheet.header_row is None:
        result.errors.append(
            RowError(None, None, "header_missing",
                     "前 10 行中找不到表头：须有“姓名”和“身份证号码”两列。请使用本系统下载的人员手册模板。")
        )  # fmt: skip
        return result
    if progress:
        progress.start(total=max(len(sheet.rows) - sheet.header_row - 1, 1), message="校验中")
    started = time.perf_counter()
    rows, errors = validate_rows(
        sheet, plan=plan, application_id=application.pk if application else None, default_shares=shares or 1,
        today=timezone.localdate(), unit_id=unit.pk,
    )  # fmt: skip
    result.timings["validate"] = time.perf_counter() - started
    result.rows, result.errors, result.lines = len(rows), errors, rows
    result.valid = sum(1 for row in rows if not row.codes)
    if progress:
        progress.advance(len(rows))
    if errors or dry_run or not rows:
        if not rows and not errors:
            result.errors.append(RowError(None, None, "name_missing", "表头下面没有人员：请填写后再上传。"))
        return result
    if progress:
        progress.step("写入中")
    started = time.perf_counter()
    try:
        with transaction.atomic(durable=True):
            target = _target_application(actor=actor, plan=plan, unit=unit, application=application, staff=staff)
            if staff:
                target.declared_staff = staff
                target.save(update_fields=["declared_staff"])
            written = write_roster(application=target, unit=unit, rows=rows)
            result.created = written.lines
            audit(
                actor=actor, obj=target, action="roster_import", comment=f"导入人员手册 {filename}：{result.created} 人",
                data={"rows": result.rows, "file": filename[:100]},
            )  # fmt: skip
            result.application = target
            committing = time.perf_counter()
    except IntegrityError:
        # Someone enrolled one of these people a moment ago: say who is now taken, write nothing.
        again = validate_rows(
            sheet, plan=plan, application_id=application.pk if application else None, default_shares=shares or 1,
            today=timezone.localdate(), unit_id=unit.pk,
        )  # fmt: skip
        result.errors = again[1] or [
            RowError(None, None, "already_enrolled", "名单中有人员刚被其他申请登记，请重新上传。")
        ]
        result.valid, result.created, result.application = result.rows - len({e.row for e in result.errors}), 0, None
        return result
    finished = time.perf_counter()
    result.timings["write"] = finished - started
    # Leaving the block commits: PostgreSQL checks the deferred foreign keys of every new line and member.
    result.timings["commit"] = finished - committing
    refresh_statistics(written)
    return result


PERSON_FIELDS = ("name", "sex", "id_number", "card", "phone", "shares", "basic", "needy", "occupation", "bank_name",
                 "bank_account", "parent_id")  # fmt: skip


def roster_add_person(*, actor, application, person: dict) -> RosterLine:
    """Add one person typed into the page to a draft's roster, through the very checks a file goes
    through (one row of a sheet), and return their line. Refused with a ValidationError naming each
    field's problems (``error_dict``: 姓名, 身份证号码 … as the form's fields), and nothing written."""

    def cell(value):
        return ("是" if value else "否") if isinstance(value, bool) else value

    header = [LABELS[name] for name in PERSON_FIELDS]
    values = [cell(person.get(name, "")) for name in PERSON_FIELDS]
    sheet = Sheet(rows=[header, values], header_row=0, columns={name: i for i, name in enumerate(PERSON_FIELDS)},
                  headers={name: LABELS[name] for name in PERSON_FIELDS})  # fmt: skip
    with transaction.atomic(durable=True):
        application = (
            Application.objects.select_for_update().select_related("plan__period", "unit").get(pk=application.pk)
        )
        require(actor, CITY_ROLES | {Role.CLERK}, unit=application.unit, message="只有本单位经办人可以修改名单。")
        require_editable(application)
        rows, errors = validate_rows(
            sheet, plan=application.plan, application_id=application.pk, default_shares=1,
            today=timezone.localdate(), unit_id=application.unit_id,
        )  # fmt: skip
        row = rows[0]
        problems: dict[str, list[str]] = {}
        field_of = {label: name for name, label in LABELS.items()}
        for error in errors:
            problems.setdefault(field_of.get(error.column, "__all__"), []).append(error.message)
        if row.id_number and application.lines.filter(member__id_number=row.id_number).exists():
            problems.setdefault("id_number", []).append("该人员已在本申请的名单中。")
        if problems:
            raise ValidationError(problems)
        row.excel_row = (application.lines.aggregate(m=Max("row_number"))["m"] or 0) + 1
        # The file's check saw this person alone; the shares are judged on the roster they join (§4).
        shares_problem = roster_share_problem(
            application, [*share_lines(application), ShareLine(None, row.excel_row, row.shares, row.renewed, row.name)]
        )
        if shares_problem:
            raise ValidationError({"shares": [shares_problem]})
        try:
            with transaction.atomic():
                write_roster(application=application, unit=application.unit, rows=[row], replace=False)
        except IntegrityError as exc:
            raise ValidationError(
                {"id_number": ["该人员本期已参加此项目（本单位或其他单位的申请中），不能重复参加。"]}
            ) from exc
        audit(actor=actor, obj=application, action="roster_add", comment=row.name,
              data={"shares": row.shares, "row": row.excel_row})  # fmt: skip
    return application.lines.get(member__id_number=row.id_number)


def roster_diff(application, rows: list[RosterRow]) -> dict:
    """What a new file would change in a draft that already has people: joiners, leavers,
    changed shares, and for each joiner whether they renew (DOMAIN.md §4) or are new."""
    current = {
        number: (name, shares)
        for number, name, shares in application.lines.values_list("member__id_number", "member__name", "shares")
    }
    incoming = {row.id_number: row for row in rows if row.id_number}
    joiners = [
        {"name": r.name, "id_number": r.id_number, "shares": r.shares, "renewal": r.renewed > 0}
        for number, r in incoming.items()
        if number not in current
    ]
    leavers = [{"name": name, "id_number": number, "shares": shares} for number, (name, shares) in current.items()
               if number not in incoming]  # fmt: skip
    changed = [
        {"name": r.name, "id_number": number, "before": current[number][1], "after": r.shares}
        for number, r in incoming.items()
        if number in current and current[number][1] != r.shares
    ]
    return {
        "joiners": joiners,
        "leavers": leavers,
        "changed": changed,
        "unchanged": len(incoming) - len(joiners) - len(changed),
    }


@transaction.atomic(durable=True)
def roster_renew(*, actor, plan, unit):
    """续保上期名单: the unit's draft for ``plan``, pre-filled with last period's members of the
    same plan code in this unit who held it to its end, shares kept (all renewed). People already
    enrolled for this plan elsewhere are left out and counted."""
    require(actor, CITY_ROLES | {Role.CLERK}, unit=unit)
    previous = plan.period.previous()
    application = _target_application(
        actor=actor, plan=plan, unit=unit, application=_open_draft(plan, unit), staff=None
    )
    if previous is None:
        return application, 0, 0
    held = list(
        Coverage.objects.filter(unit=unit, plan__period=previous, plan__code=plan.code, status=CoverageStatus.ACTIVE,
                                effective_to__gte=previous.coverage_end)
        .select_related("member").order_by("member__name")
    )  # fmt: skip
    on = check_day(plan, timezone.localdate())
    uniform = is_uniform([c.shares for c in held] + list(application.lines.values_list("shares", flat=True)))
    eligible = [
        c for c in held
        if not person_problems(plan, birth_date=c.member.birth_date, sex=c.member.sex, basic=c.member.has_basic_insurance,
                               needy=c.member.needy, occupation=c.member.occupation, shares=c.shares,
                               uniform=uniform, renewed=c.shares, on=on)
    ]  # fmt: skip
    ineligible = len(held) - len(eligible)
    held = eligible
    present = set(application.lines.values_list("member_id", flat=True))
    taken = set(
        RosterLine.objects.filter(plan=plan, live=True)
        .exclude(application=application)
        .values_list("member_id", flat=True)
    )
    start = application.lines.count()
    lines = [
        RosterLine(application=application, plan=plan, member=c.member, row_number=start + n, shares=c.shares,
                   renewed_shares=c.shares, insurance_card=c.member.insurance_card)
        for n, c in enumerate((c for c in held if c.member_id not in present and c.member_id not in taken), start=1)
    ]  # fmt: skip
    RosterLine.objects.bulk_create(lines)
    skipped = sum(1 for c in held if c.member_id in taken) + ineligible
    audit(actor=actor, obj=application, action="roster_import", comment=f"续保上期名单：{len(lines)} 人",
          data={"renewed": len(lines), "skipped": skipped})  # fmt: skip
    return application, len(lines), skipped
