"""Normalise and check a whole roster: plain Python per row, then a few set queries.

Nothing here writes. The result is every row's clean values and every problem,
with the Excel row number and the column header the clerk sees.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from enrollment.roster import rules
from enrollment.roster.reading import LABELS
from mutualaid.lib.bank import normalise_account
from mutualaid.lib.idcard import IdNumberError, id_checker, validate_id
from mutualaid.lib.sheet_import import CONTROL_CHARS, RowError, Sheet, shown, text

_NAME_OK = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002ebef·A-Za-z ]+$")
_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "∙": "·", "‧": "·"})
_ODD_DOTS = re.compile("[•・．∙‧]")
YES = {"是", "有", "Y", "YES", "TRUE", "1", "√", "✓"}
NO = {"否", "无", "没有", "不", "N", "NO", "FALSE", "0", "×", "X"}
SEX = {"男": "M", "女": "F", "M": "M", "F": "F", "男性": "M", "女性": "F"}
MAX_NAME = 30
MAX_TEXT = 30  # 医保卡号, 手机号, 职业: the member record's columns


def group_errors(errors: list[RowError]) -> list[dict]:
    """Errors by kind, most frequent first, so a clerk with 40 errors sees the 3 kinds first."""
    counts = Counter(error.code for error in errors)
    return [
        {"code": code, "label": rules.ERROR_CODES.get(code, code), "count": count,
         "rows": [e for e in errors if e.code == code]}
        for code, count in counts.most_common()
    ]  # fmt: skip


@dataclass(slots=True)
class RosterRow:
    excel_row: int
    name: str = ""
    id_number: str = ""
    sex: str = ""
    birth_date: date | None = None
    card: str = ""
    phone: str = ""
    shares: int = 1
    basic: bool = True
    needy: bool = False
    occupation: str = ""
    bank_name: str = ""
    bank_account: str = ""
    # Whether the file said 是/否 at all: a blank cell declares nothing about the person's record.
    basic_declared: bool = False
    needy_declared: bool = False
    renewed: int = 0
    parent_id: str = ""  # the parent's ID number, on a plan insuring dependants (§14)
    codes: list[str] = field(default_factory=list)


def _blank(raw) -> bool:
    """Whether every cell is empty as ``text`` sees it (None, or a string of spaces), without calling it
    per cell: a row of people stops at its first cell."""
    for value in raw:  # noqa: SIM110 (a loop: all() over a generator costs more than the check itself)
        if value is not None and (type(value) is not str or value.strip()):
            return False
    return True


def validate_rows(sheet: Sheet, *, plan, application_id, default_shares: int, today: date, unit_id=None):
    """Return (rows, errors) for a sheet whose header was found. ``unit_id`` is the application's unit,
    whose staff the parents of a plan insuring dependants must be on (§14)."""
    columns, headers = sheet.columns, sheet.headers
    rows: list[RosterRow] = []
    errors: list[RowError] = []

    # Each row becomes {field: value} once, so a cell is one dict look-up (a field the header does not
    # name, or a short CSV row's missing cells, are simply absent: None).
    fields = [None] * (max(columns.values()) + 1)
    for name, position in columns.items():
        fields[position] = name
    cell = dict.get
    check_id = id_checker(today=today)

    def problem(row: RosterRow, field_name: str | None, code: str, message: str):
        row.codes.append(code)
        column = headers.get(field_name) if field_name else None
        errors.append(
            RowError(row.excel_row, column or (LABELS.get(field_name) if field_name else None), code, message)
        )

    on = rules.check_day(plan, today)
    for index in range(sheet.header_row + 1, len(sheet.rows)):
        raw = sheet.rows[index]
        if _blank(raw):
            continue  # entirely blank rows are skipped (§9)
        raw = dict(zip(fields, raw, strict=False))  # a short CSV row lacks the last cells
        row = RosterRow(excel_row=index + 1)
        row.parent_id = text(raw.get("parent_id")).upper()
        rows.append(row)
        read_person(row, raw, cell, problem, present=columns, today=today, default_shares=default_shares,
                    check_id=check_id)  # fmt: skip
        if plan.requires_basic_insurance and row.basic and not row.card and "card" in columns:
            problem(row, "card", "insurance_card_missing", "医保卡号未填写（本项目须参加基本医保）。")
        elif plan.requires_basic_insurance and "card" not in columns:
            problem(row, "card", "insurance_card_missing", "表中没有“医保卡号”一列（本项目须参加基本医保）。")

    _check_duplicates(rows, problem)
    if plan.insures_dependants:
        _check_parents(rows, problem=problem, unit_id=unit_id, today=today)
    people = [row for row in rows if row.id_number]
    ids = [row.id_number for row in people]
    mismatched = name_mismatches(ids, [row.name for row in people])
    renewed = renewed_shares(plan, ids)
    enrolled = enrolled_elsewhere(plan, ids, application_id)
    exclusive = exclusive_elsewhere(plan, ids, application_id)
    # Uniform or not is what the roster holds (§4): different shares in the file make it mixed.
    held = [row.shares for row in rows if row.shares >= 1]
    uniform = rules.is_uniform(held)
    common = rules.common_shares(held) if plan.uniform_shares_required and not uniform else None
    judged: dict[tuple, list[rules.Problem]] = {}  # people alike are judged alike: once per kind
    for position, row in enumerate(people):
        held_before = renewed.get(row.id_number, 0)
        row.renewed = min(held_before, row.shares) if row.shares else 0
        if row.shares and common is not None and row.shares != common:
            problem(row, "shares", "shares_invalid", rules.not_uniform_message(common))
        if row.shares and row.birth_date:
            key = (row.birth_date, row.sex, row.basic, row.needy, row.occupation, row.shares, held_before)
            found_here = judged.get(key)
            if found_here is None:
                found_here = judged[key] = rules.person_problems(
                    plan, birth_date=row.birth_date, sex=row.sex, basic=row.basic, needy=row.needy,
                    occupation=row.occupation, shares=row.shares, uniform=uniform or common is not None,
                    renewed=held_before, on=on,
                )  # fmt: skip
            for found in found_here:
                if found.code.startswith("shares") and "shares_invalid" in row.codes:
                    continue
                problem(row, found.field, found.code, found.message)
        if position in mismatched and row.name:
            # The registered name is not shown: it may be another unit's person (DOMAIN.md §2).
            problem(row, "name", "name_mismatch", "身份证号码已登记为其他姓名，请核对；确需更正请联系市中心。")
        if row.id_number in enrolled:
            problem(
                row,
                "id_number",
                "already_enrolled",
                "该人员本期已参加此项目（本单位或其他单位的申请中），不能重复参加。",
            )
        if row.id_number in exclusive:
            problem(
                row,
                "id_number",
                "exclusive_conflict",
                f"该人员本期已参加与本项目互斥的项目（{exclusive[row.id_number]}），只能选其一。",
            )
    errors.sort(key=lambda error: error.row or 0)
    return rows, errors


def read_person(
    row: RosterRow, raw, cell, problem, *, present, today: date, default_shares: int, check_id=None
) -> None:
    """Normalise one person's cells into ``row`` and report what is wrong with them as a person
    (name, ID number, sex, shares): the checks every way of entering people shares, before any plan.
    ``present`` holds the fields the sheet has (a cell of any other is None, and is not asked for);
    ``check_id`` is ``idcard.id_checker`` for a whole sheet (the same answers, faster)."""
    name = text(cell(raw, "name"))
    if _ODD_DOTS.search(name):
        name = name.translate(_DOTS)
    row.name = name = name.replace(" ", "")
    if not name:
        problem(row, "name", "name_missing", "姓名未填写。")
    elif len(name) > MAX_NAME or not _NAME_OK.match(name):
        problem(
            row,
            "name",
            "name_invalid",
            f"姓名“{shown(name, 40)}”含数字或符号（间隔号请用“·”），或超过 {MAX_NAME} 个字。",
        )
    raw_id = cell(raw, "id_number")
    # A number cell (calamine gives a float) has already lost the last digits.
    value = raw_id if isinstance(raw_id, float) else (text(raw_id) or None)
    try:
        if check_id is None:
            info = validate_id(value, today=today)
            row.id_number, row.birth_date, row.sex = info.number, info.birth_date, info.sex
        else:
            row.id_number, row.birth_date, row.sex = check_id(value)
    except IdNumberError as exc:
        message = exc.message.rstrip("。") + "。"
        problem(row, "id_number", exc.code, message)
    sex_text = text(cell(raw, "sex")).upper() if "sex" in present else ""
    if sex_text:
        sex = SEX.get(sex_text) or SEX.get(sex_text.lower())
        if sex is None:
            problem(row, "sex", "sex_invalid", f"性别“{shown(sex_text)}”无法识别，请填“男”或“女”。")
        elif row.birth_date and sex != row.sex:
            problem(
                row,
                "sex",
                "sex_mismatch",
                f"性别填的是“{sex_text}”，与身份证号码（{'男' if row.sex == 'M' else '女'}）不符。",
            )
    for name in ("card", "phone", "occupation"):
        value = text(cell(raw, name)) if name in present else ""
        if not value:
            pass
        elif len(value) > MAX_TEXT:  # the row is not written: the value may stay for the checks after
            problem(row, name, "value_too_long", f"内容过长（{len(value):,} 个字符），此栏最多 {MAX_TEXT} 个字符。")
        elif not value.isprintable() and CONTROL_CHARS.search(value):  # every control character is unprintable
            problem(row, name, "control_character", "含有不可见的控制字符（如 NUL），请删除后重新输入。")
        setattr(row, name, value)
    basic = text(cell(raw, "basic")) if "basic" in present else ""
    needy = text(cell(raw, "needy")) if "needy" in present else ""
    row.basic = basic.upper() not in NO if basic else True
    row.needy = needy.upper() not in NO if needy else False
    row.basic_declared, row.needy_declared = basic != "", needy != ""
    row.bank_name = text(cell(raw, "bank_name")) if "bank_name" in present else ""
    account = cell(raw, "bank_account") if "bank_account" in present else None
    if isinstance(account, float) and account >= 1e15:
        problem(row, "bank_account", "bank_account_invalid",
                "银行卡号被 Excel 存成了数字，后几位已丢失：请把该列设为“文本”后重新填写。")  # fmt: skip
    elif account is not None and account != "":
        try:
            row.bank_account = normalise_account(text(account))
        except ValueError as exc:
            problem(row, "bank_account", "bank_account_invalid", str(exc))
    if row.bank_account and not row.bank_name:
        problem(row, "bank_name", "bank_account_invalid", "填写了银行卡号，请同时填写开户行。")
    elif not row.bank_account:
        row.bank_name = ""  # a bank without an account declares nothing: the pair goes together
    shares_raw = cell(raw, "shares")
    if type(shares_raw) is float and shares_raw >= 1 and shares_raw.is_integer():
        row.shares = int(shares_raw)  # a number cell, as Excel keeps 份数: what its text would say
        return
    shares_text = text(shares_raw)
    if shares_text == "":
        row.shares = default_shares
    elif shares_text.isascii() and shares_text.isdigit() and int(shares_text) >= 1:
        row.shares = int(shares_text)
    else:  # 0, negative, fractional or words: never imported as a share count (§4: 1..max)
        row.shares = 0
        problem(row, "shares", "shares_invalid", f"份数“{shown(shares_text)}”应为不小于 1 的整数。")


def _check_parents(rows, *, problem, unit_id, today: date) -> None:
    """Each child's parent (§14): a valid ID number of someone on the unit's staff, a member of the
    unit or on one of its live applications, and not a child insured themself."""
    numbers = {}
    for row in rows:
        if not row.parent_id:
            problem(row, "parent_id", "parent_not_staff", "未填写父母（职工）身份证号码。")
            continue
        try:
            numbers[row.excel_row] = validate_id(row.parent_id, today=today).number
        except IdNumberError as exc:
            problem(row, "parent_id", "parent_not_staff", f"父母（职工）身份证号码有误：{exc.message.rstrip('。')}。")
    staff = staff_of_unit(unit_id, list(set(numbers.values())))
    for row in rows:
        number = numbers.get(row.excel_row)
        if number is None:
            continue
        row.parent_id = number
        if number == row.id_number:
            problem(row, "parent_id", "parent_not_staff", "父母（职工）身份证号码与子女的相同。")
        elif number not in staff:
            problem(row, "parent_id", "parent_not_staff",
                    "父母（职工）不是本单位的职工：须为本单位会员，或在本单位的参保名单中。")  # fmt: skip


def staff_of_unit(unit_id, ids: list[str]) -> set[str]:
    """Of ``ids``, the people on the unit's staff: its members, or on one of its live applications
    (not themselves an insured child)."""
    if not ids or unit_id is None:
        return set()
    rows = _query(
        """SELECT m.id_number FROM enrollment_member m
           WHERE m.id_number = ANY(string_to_array(%s, ',')) AND m.parent_id IS NULL
             AND (m.unit_id = %s OR EXISTS (
                 SELECT 1 FROM enrollment_rosterline l JOIN enrollment_application a ON a.id = l.application_id
                 WHERE l.member_id = m.id AND l.live AND a.unit_id = %s))""",
        [_numbers(ids), unit_id, unit_id],
    )
    return {number for (number,) in rows}


def _check_duplicates(rows, problem):
    first_seen: dict[str, int] = {}
    for row in rows:
        if not row.id_number:
            continue
        if row.id_number in first_seen:
            problem(row, "id_number", "duplicate_in_file", f"身份证号码与第 {first_seen[row.id_number]} 行重复。")
        else:
            first_seen[row.id_number] = row.excel_row


def _query(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _numbers(ids) -> str:
    """ID numbers as one text for ``string_to_array(%s, ',')`` (an ID number holds no comma): psycopg
    adapts a list parameter item by item in Python, which at 100,000 numbers takes longer than the query."""
    return ",".join(ids)


def name_mismatches(ids: list[str], names: list[str]) -> set[int]:
    """The positions of the people (ID number, name as the file writes it) whose number is registered
    under another name. Only those come back: sending the names costs a fraction of reading 100,000
    registered names back through the driver."""
    if not ids:
        return set()
    # No member's name holds a NUL (PostgreSQL text cannot): such a name is "not the registered one".
    sent = json.dumps([None if "\x00" in name else name for name in names], ensure_ascii=False)
    # Each number looked up in the unique index (the LATERAL ... OFFSET 0 keeps the look-up a look-up):
    # as a plain join the planner hashed all five million members of a province to probe 100,000
    # numbers, 1.6-1.8 s against 0.25 s.
    rows = _query(
        """SELECT x.i FROM ROWS FROM (unnest(string_to_array(%s, ',')), jsonb_array_elements_text(%s::jsonb))
                WITH ORDINALITY AS x(n, name, i),
           LATERAL (SELECT m.name FROM enrollment_member m WHERE m.id_number = x.n OFFSET 0) m
           WHERE m.name IS DISTINCT FROM x.name""",
        [_numbers(ids), sent],
    )
    return {i - 1 for (i,) in rows}


def renewed_shares(plan, ids: list[str]) -> dict[str, int]:
    """Shares each person held under the same plan code in the previous period, to its end."""
    previous = plan.period.previous()
    if previous is None or not ids:
        return {}
    rows = _query(
        """SELECT m.id_number, c.shares FROM unnest(string_to_array(%s, ',')) AS ids(n)
           JOIN enrollment_member m ON m.id_number = ids.n
           JOIN enrollment_coverage c ON c.member_id = m.id JOIN enrollment_plan p ON p.id = c.plan_id
           WHERE p.period_id = %s AND p.code = %s AND c.status = 'active' AND c.effective_to >= %s""",
        [_numbers(ids), previous.pk, plan.code, previous.coverage_end],
    )
    return dict(rows)


def enrolled_elsewhere(plan, ids: list[str], application_id) -> set[str]:
    """People on another live application of this plan, in any unit (the unit is not named)."""
    if not ids:
        return set()
    rows = _query(
        """SELECT m.id_number FROM unnest(string_to_array(%s, ',')) AS ids(n)
           JOIN enrollment_member m ON m.id_number = ids.n
           JOIN enrollment_rosterline l ON l.member_id = m.id
           WHERE l.plan_id = %s AND l.live AND l.application_id <> %s""",
        [_numbers(ids), plan.pk, application_id or 0],
    )
    return {number for (number,) in rows}


def exclusive_elsewhere(plan, ids: list[str], application_id) -> dict[str, str]:
    if not plan.exclusive_group or not ids:
        return {}
    rows = _query(
        """SELECT m.id_number, p.name FROM unnest(string_to_array(%s, ',')) AS ids(n)
           JOIN enrollment_member m ON m.id_number = ids.n
           JOIN enrollment_rosterline l ON l.member_id = m.id JOIN enrollment_plan p ON p.id = l.plan_id
           WHERE p.period_id = %s AND p.exclusive_group = %s AND p.id <> %s AND l.live AND l.application_id <> %s""",
        [_numbers(ids), plan.period_id, plan.exclusive_group, plan.pk, application_id or 0],
    )
    return dict(rows)
