"""Going live from Excel (issue 21): the centre's past coverages, read, checked and written.

The sheet streams: each row is read, checked in plain Python and handed to PostgreSQL by COPY
into a temporary table in chunks, so a file of millions of rows is never held as Python objects.
Whatever needs the database (a person registered under another name, a coverage already held that
differs, a renewal to compute) is then one set query over that table. Nothing here is durable:
``claims.history.history_import`` runs the coverages and the paid claims in one transaction, and
rolls it back unless every row of every file is clean (and it is no dry run).

The pieces the claims' half shares (the header found with merged cells, dates as legacy sheets
write them, amounts, the 15-digit ID numbers, the error log, COPY) are here too: claims may
import enrollment, never the other way (pyproject.toml's layers).
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import connection

from enrollment.models import ApplicationStatus, Period, Plan, Unit
from enrollment.roster.validate import RosterRow, read_person
from enrollment.roster.writing import analyze
from mutualaid.lib.idcard import upgrade_15
from mutualaid.lib.sheet_import import HEADER_SEARCH_ROWS, UnreadableFile, header_key, shown, text
from mutualaid.lib.sheet_reader import SheetRefused, iter_table
from mutualaid.uploads import KeptFiles

# The page's uploads, kept from the dry run to the confirmation (swept nightly with the others).
HISTORY_UPLOADS = KeptFiles("history-uploads")
MAX_ERRORS = 10_000  # reported in full up to this many; the count goes on (a wrong file has millions)
CHUNK_ROWS = 20_000
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000.00")
TOTAL_WORDS = {"合计", "总计", "小计", "合计：", "总计："}

COVERAGE_ALIASES = {
    "period": ("期数", "期次"),
    "unit": ("单位编码", "单位代码"),
    "name": ("姓名",),
    "id_number": ("身份证号码", "身份证号", "身份证", "公民身份号码"),
    "plan": ("项目代码", "项目编码"),
    "shares": ("份数",),
    "effective_from": ("生效日期", "保障起始日"),
    "effective_to": ("终止日期", "保障终止日"),
    "premium": ("缴费金额", "会费金额"),
    "phone": ("手机号", "联系电话"),
    "bank_name": ("开户行", "开户银行"),
    "bank_account": ("银行卡号", "银行账号"),
}
COVERAGE_REQUIRED = ("period", "unit", "name", "id_number", "plan", "shares", "effective_from", "effective_to")

# Every stable code either file may report, with the words a page shows for it.
ERROR_CODES = {
    "header_missing": "找不到表头",
    "period_unknown": "期数不存在",
    "plan_unknown": "项目代码不存在",
    "unit_unknown": "单位编码不存在",
    "name_missing": "姓名未填写",
    "name_invalid": "姓名格式错误",
    "name_mismatch": "姓名与已登记的不符",
    "id_missing": "身份证号码未填写",
    "id_format": "身份证号码格式错误",
    "id_checksum": "身份证号码校验位错误",
    "id_birthdate": "身份证号码出生日期错误",
    "shares_invalid": "份数错误",
    "shares_exceeds_max": "份数超过上限",
    "date_invalid": "日期无法识别",
    "date_outside_period": "日期不在该期保障期内",
    "amount_invalid": "金额错误",
    "bank_account_invalid": "银行卡号错误",
    "value_too_long": "内容过长",
    "control_character": "含控制字符",
    "duplicate_in_file": "文件内重复",
    "coverage_differs": "与系统已有的参保记录不一致",
    "already_enrolled": "系统中本期已有该人员的申请",
    "kind_invalid": "申领类型错误",
    "disease_missing": "疾病编码未填写",
    "disease_unknown": "疾病编码不在该项目的给付目录中",
    "expense_missing": "可报销费用未填写",
    "coverage_missing": "没有对应的参保记录",
    "date_outside_coverage": "事件日期不在保障期内",
    "claim_differs": "与系统已有的理赔记录不一致",
    "claim_in_system": "系统中已有同一事件的申领",
    "condition_paid": "该疾病已给付过",
}


@dataclass
class Log:
    """The errors of one import, by file, Excel row and column, each with its stable code."""

    errors: list[dict] = field(default_factory=list)
    count: int = 0

    def add(self, file: str, row: int | None, column: str | None, code: str, message: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"file": file, "row": row, "column": column, "code": code, "message": message})


@dataclass
class Converted:
    """15-digit first-generation ID numbers met in a file, each turned into its 18 digits."""

    count: int = 0
    rows: list[dict] = field(default_factory=list)

    def add(self, file: str, row: int, old: str, new: str) -> None:
        self.count += 1
        if len(self.rows) < MAX_ERRORS:
            self.rows.append({"file": file, "row": row, "from": old, "to": new})


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Header:
    row: int  # 0-based index of the header row
    columns: dict[str, int]
    headers: dict[str, str]


def find_header(rows: list[list], aliases: dict, required) -> Header | None:
    """The first row within the first ten that names every required column. A header cell merged
    down from the row above (a two-row header, 身份证号码 over two rows beside 参保信息 over
    three columns) holds its text in the upper row only, so an empty cell takes the text above."""
    lookup = {header_key(alias): name for name, names in aliases.items() for alias in names}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        above = rows[index - 1] if index else []
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for position in range(max(len(row), len(above))):
            value = row[position] if position < len(row) else ""
            if text(value) == "" and position < len(above):
                value = above[position]
            name = lookup.get(header_key(value))
            if name and name not in columns:
                columns[name], headers[name] = position, str(value).strip()
        if all(name in columns for name in required):
            return Header(index, columns, headers)
    return None


def missing_header(rows: list[list], aliases: dict, required, labels: dict) -> str:
    lookup = {header_key(alias): name for name, names in aliases.items() for alias in names}
    best: set[str] = set()
    for row in rows[:HEADER_SEARCH_ROWS]:
        found = {lookup[header_key(v)] for v in row if header_key(v) in lookup}
        if len(found) > len(best):
            best = found
    missing = "、".join(labels[name] for name in required if name not in best)
    return f"前 {HEADER_SEARCH_ROWS} 行中找不到表头（缺少：{missing}）。请使用模板的列名。"


def stream_rows(path, filename: str, aliases: dict, required, labels: dict, file_label: str, log: Log):
    """(Header, the data rows as (Excel row, cells)) of a file, or None with the problem logged."""
    try:
        rows = iter(iter_table(path, filename))
        head = [list(row) for _, row in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
    except (SheetRefused, OSError) as exc:
        raise UnreadableFile(str(exc)) from exc
    header = find_header(head, aliases, required)
    if header is None:
        log.add(file_label, None, None, "header_missing", missing_header(head, aliases, required, labels))
        return None

    def data() -> Iterator[tuple[int, list]]:
        excel_row = header.row + 1
        for cells in head[header.row + 1 :]:
            excel_row += 1
            yield excel_row, cells
        try:
            for cells in rows:
                excel_row += 1
                yield excel_row, cells
        except SheetRefused as exc:
            raise UnreadableFile(str(exc)) from exc

    return header, data()


def is_blank_or_total(cells, id_position: int) -> bool:
    """An empty row, or the 合计 row legacy sheets end with: skipped, never an error."""
    if id_position < len(cells) and len(text(cells[id_position])) >= 15:
        return False  # the usual row: an ID number (checked later)
    words = [text(value) for value in cells]
    if all(word == "" for word in words):
        return True
    return any(word.replace(" ", "") in TOTAL_WORDS for word in words) and not any(
        len(word) >= 15 and word[:15].isdigit() for word in words
    )


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value) -> date | None:
    """A date as legacy sheets hold it: a date cell, an Excel serial number, or text written
    2025-03-12, 2025/3/12, 2025.3.12, 2025年3月12日 or 20250312."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if type(value) is str and len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value < 80000:
            return EXCEL_EPOCH + timedelta(days=int(value))
        value = str(int(value)) if float(value).is_integer() else str(value)
    word = text(value)
    match = _YMD.match(word) or _COMPACT.match(word)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_amount(value) -> Decimal | None:
    """An amount in yuan, 0 to 100,000,000.00, rounded half-up to the fen; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        value = repr(value)
    word = text(value).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace("元", "")
    try:
        amount = Decimal(word.strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        return None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def period_lookup() -> Callable[[object], Period | None]:
    periods = list(Period.objects.all())
    by_number = {str(p.number): p for p in periods}
    by_name = {p.name: p for p in periods}

    seen: dict = {}

    def find(value) -> Period | None:
        if value in seen:  # a file holds a dozen different cells here, in millions of rows
            return seen[value]
        word = text(value)
        found = by_name.get(word) or by_number.get(re.sub(r"^第\s*(\d+)\s*期$", r"\1", word))
        if len(seen) < 1000:
            seen[value] = found
        return found

    return find


def plan_lookup() -> dict[tuple[int, str], Plan]:
    return {(p.period_id, p.code): p for p in Plan.objects.select_related("period")}


def read_id(raw, file_label: str, excel_row: int, converted: Converted):
    """The ID cell as ``read_person`` checks it, a 15-digit old number converted first (a number
    cell of 15 digits still holds them all; one of 18 has lost the last ones and stays an error).
    Returns (value for the checks, the old number or "")."""
    if isinstance(raw, float) and raw.is_integer() and 1e14 <= raw < 1e15:
        raw = str(int(raw))
    word = text(raw) if not isinstance(raw, float) else None
    if word is not None:
        new = upgrade_15(word)
        if new is not None:
            converted.add(file_label, excel_row, word, new)
            return new, word
        return word or None, ""
    return raw, ""


# --- COPY into a temporary table --------------------------------------------------------------


def _escape(value) -> str:
    if value is None:
        return r"\N"
    if value is True or value is False:
        return "t" if value else "f"
    word = str(value)
    if "\\" in word or "\t" in word or "\n" in word or "\r" in word:
        word = word.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return word


class Copier:
    """Rows into a temporary table, one COPY per chunk (a few MB of text at most in memory)."""

    def __init__(self, cursor, table: str, columns: tuple[str, ...]):
        self.cursor = cursor
        self.lines: list[str] = []
        self.statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"

    def add(self, values) -> None:
        self.lines.append("\t".join(map(_escape, values)))
        if len(self.lines) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        buffer = "\n".join(self.lines) + "\n"
        self.lines = []
        raw = self.cursor.cursor
        if hasattr(raw, "copy"):  # psycopg 3
            with raw.copy(self.statement) as copy:
                copy.write(buffer)
        else:  # psycopg2
            import io

            raw.copy_expert(self.statement, io.StringIO(buffer))


def insert_select(cursor, model, given: dict, source: str, params=()) -> int:
    """``INSERT INTO model's table SELECT ... FROM source``: ``given`` maps columns to SQL over the
    source (or to ``(sql, [parameters])``); every other column gets the model field's own default
    as a parameter (Django's defaults are not the database's, and a claim has fifty columns)."""
    import json

    unknown = set(given) - {f.column for f in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"no such columns: {sorted(unknown)}")
    columns, values, arguments = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.column in given:
            expression = given[f.column]
            if isinstance(expression, tuple):
                expression, extra = expression
                arguments.extend(extra)
            values.append(expression)
        elif getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            values.append("now()")
        else:
            default = f.get_default() if f.has_default() else (None if f.null else "")
            if f.get_internal_type() == "JSONField":
                default = json.dumps(default)
            values.append("%s")
            arguments.append(default)
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"
    cursor.execute(sql, [*arguments, *params])
    return cursor.rowcount


# --- coverages -------------------------------------------------------------------------------

COVERAGE_LABELS = {
    "period": "期数", "unit": "单位编码", "name": "姓名", "id_number": "身份证号码", "plan": "项目代码",
    "shares": "份数", "effective_from": "生效日期", "effective_to": "终止日期", "premium": "缴费金额",
    "phone": "手机号", "bank_name": "开户行", "bank_account": "银行卡号",
}  # fmt: skip
STAGE_COLUMNS = ("row_number", "period_id", "period_number", "plan_id", "plan_code", "unit_id", "id_number",
                 "old_id", "name", "sex", "birth_date", "shares", "effective_from", "effective_to", "premium",
                 "phone", "bank_name", "bank_account")  # fmt: skip


@dataclass
class Staged:
    """What one file left in its temporary table: data rows read, rows staged (clean in Python)."""

    file: str
    rows: int = 0
    staged: int = 0
    skipped: int = 0  # blank and 合计 rows
    new: int = 0
    unchanged: int = 0
    renewals: int = 0  # coverages of the following period that became renewals once this one was in


def coverages_stage(path, filename: str, *, log: Log, converted: Converted, today: date) -> Staged | None:
    """Read the coverages file into ``pg_temp.history_coverages``, every row checked on its own."""
    staged = Staged(filename)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.history_coverages")
        cursor.execute(
            """CREATE TEMP TABLE history_coverages (
                 row_number int, period_id int, period_number int, plan_id int, plan_code text, unit_id int,
                 id_number text, old_id text, name text, sex text, birth_date date, shares int,
                 effective_from date, effective_to date, premium numeric(14, 2), phone text, bank_name text,
                 bank_account text, state text NOT NULL DEFAULT 'new', renewed int NOT NULL DEFAULT 0,
                 member_id int) ON COMMIT DROP"""
        )
    found = stream_rows(path, filename, COVERAGE_ALIASES, COVERAGE_REQUIRED, COVERAGE_LABELS, filename, log)
    if found is None:
        return staged
    header, rows = found
    columns, headers = header.columns, header.headers
    find_period, plans = period_lookup(), plan_lookup()
    units = dict(Unit.objects.values_list("code", "pk"))
    current: dict = {}

    def cell(raw, name):
        if name == "id_number":
            return current["id"]
        position = columns.get(name)
        if position is None or position >= len(raw):
            return None
        return raw[position]

    def problem(row, name, code, message):
        row.codes.append(code)
        log.add(filename, row.excel_row, headers.get(name) or COVERAGE_LABELS.get(name), code, message)

    with connection.cursor() as cursor:
        copier = Copier(cursor, "history_coverages", STAGE_COLUMNS)
        for excel_row, raw in rows:
            if is_blank_or_total(raw, columns["id_number"]):
                staged.skipped += 1
                continue
            staged.rows += 1
            row = RosterRow(excel_row=excel_row)
            current["id"], old_id = read_id(cell_at(raw, columns["id_number"]), filename, excel_row, converted)
            read_person(row, raw, cell, problem, present=columns, today=today, default_shares=0)
            if text(cell(raw, "shares")) == "" and "shares_invalid" not in row.codes:
                problem(row, "shares", "shares_invalid", "份数未填写。")
            period = find_period(cell(raw, "period"))
            plan = None
            if period is None:
                problem(row, "period", "period_unknown",
                        f"系统中没有第“{shown(text(cell(raw, 'period')))}”期：请先在管理后台建立该期及其保障项目。")  # fmt: skip
            else:
                code = text(cell(raw, "plan")).upper()
                plan = plans.get((period.pk, code))
                if plan is None:
                    problem(row, "plan", "plan_unknown", f"第 {period.number} 期没有项目代码“{shown(code)}”。")
                elif row.shares > plan.max_shares:
                    problem(row, "shares", "shares_exceeds_max",
                            f"份数 {row.shares} 超过该期 {plan.code} 的上限 {plan.max_shares} 份。")  # fmt: skip
            unit_code = text(cell(raw, "unit")).upper()
            unit_id = units.get(unit_code)
            if unit_id is None:
                problem(row, "unit", "unit_unknown",
                        f"单位编码“{shown(unit_code)}”不存在：请先在管理后台导入单位。")  # fmt: skip
            start, end = parse_date(cell(raw, "effective_from")), parse_date(cell(raw, "effective_to"))
            for name, value in (("effective_from", start), ("effective_to", end)):
                if value is None:
                    problem(row, name, "date_invalid",
                            f"日期“{shown(text(cell(raw, name)))}”无法识别，请写成 2025-03-12。")  # fmt: skip
            if period and start and end:
                if start < period.coverage_start or start > period.coverage_end or start > end:
                    problem(row, "effective_from", "date_outside_period",
                            f"生效日期 {start} 不在第 {period.number} 期保障期（{period.coverage_start} 至 "
                            f"{period.coverage_end}）内，或晚于终止日期。")  # fmt: skip
                elif end > period.coverage_end:
                    problem(row, "effective_to", "date_outside_period",
                            f"终止日期 {end} 晚于第 {period.number} 期保障终止日 {period.coverage_end}。")  # fmt: skip
            premium = None
            if "premium" in columns and text(cell(raw, "premium")) != "":
                premium = parse_amount(cell(raw, "premium"))
                if premium is None:
                    problem(row, "premium", "amount_invalid",
                            f"缴费金额“{shown(text(cell(raw, 'premium')))}”不是有效金额。")  # fmt: skip
            elif plan is not None and row.shares:
                premium = plan.clerk_premium * row.shares
            if row.codes:
                continue
            assert plan is not None and period is not None
            staged.staged += 1
            copier.add((excel_row, period.pk, period.number, plan.pk, plan.code, unit_id, row.id_number, old_id,
                        row.name, row.sex, row.birth_date, row.shares, start, end, premium, row.phone,
                        row.bank_name, row.bank_account))  # fmt: skip
        copier.flush()
        cursor.execute("CREATE INDEX ON history_coverages (id_number, plan_id)")
        cursor.execute("ANALYZE history_coverages")
    return staged


def cell_at(raw, position):
    return raw[position] if position < len(raw) else None


def _rows(cursor, sql: str, params=()) -> list[tuple]:
    cursor.execute(sql + f" ORDER BY 1 LIMIT {MAX_ERRORS}", params)
    return cursor.fetchall()


def coverages_check(staged: Staged, *, log: Log) -> None:
    """The checks that need the whole file or the database, each one set query over the staged rows."""
    file, headers = staged.file, COVERAGE_LABELS
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE history_coverages h SET member_id = m.id FROM enrollment_member m WHERE m.id_number = h.id_number"
        )
        for row, first in _rows(cursor, """SELECT row_number, first FROM (
                SELECT row_number, min(row_number) OVER (PARTITION BY plan_id, id_number) AS first
                FROM history_coverages) d WHERE row_number <> first"""):  # fmt: skip
            log.add(file, row, headers["id_number"], "duplicate_in_file",
                    f"同一人同一期同一项目与第 {first} 行重复。")  # fmt: skip
        for (row,) in _rows(cursor, """SELECT h.row_number FROM history_coverages h
                JOIN enrollment_member m ON m.id = h.member_id WHERE m.name <> h.name"""):  # fmt: skip
            log.add(file, row, headers["name"], "name_mismatch",
                    "身份证号码已登记为其他姓名，请核对；确需更正请联系市中心。")  # fmt: skip
        for row, first in _rows(cursor, """SELECT row_number, first FROM (
                SELECT row_number, name, first_value(name) OVER w AS first_name,
                       first_value(row_number) OVER w AS first
                FROM history_coverages WHERE member_id IS NULL
                WINDOW w AS (PARTITION BY id_number ORDER BY row_number)) d WHERE name <> first_name"""):  # fmt: skip
            log.add(file, row, headers["name"], "name_mismatch", f"同一身份证号码在第 {first} 行是另一个姓名。")
        # A coverage the system already holds for the same period, plan and person: the same is
        # nothing to do (a second import), a different one is an error (which one is right?).
        cursor.execute(
            """UPDATE history_coverages h SET state = CASE
                 WHEN c.shares = h.shares AND c.effective_from = h.effective_from AND c.effective_to = h.effective_to
                      AND c.unit_id = h.unit_id THEN 'same' ELSE 'differs' END
               FROM enrollment_coverage c
               WHERE c.member_id = h.member_id AND c.plan_id = h.plan_id AND c.status = 'active'"""
        )
        for row, shares, start, end, unit in _rows(cursor, """SELECT h.row_number, c.shares, c.effective_from,
                c.effective_to, u.code FROM history_coverages h
                JOIN enrollment_coverage c ON c.member_id = h.member_id AND c.plan_id = h.plan_id AND c.status = 'active'
                JOIN enrollment_unit u ON u.id = c.unit_id WHERE h.state = 'differs'"""):  # fmt: skip
            log.add(file, row, None, "coverage_differs",
                    f"系统已有该人员本期此项目的参保记录（{unit}，{shares} 份，{start} 至 {end}），与本行不一致。")  # fmt: skip
        for (row,) in _rows(cursor, """SELECT h.row_number FROM history_coverages h
                JOIN enrollment_rosterline l ON l.member_id = h.member_id AND l.plan_id = h.plan_id AND l.live
                WHERE h.state = 'new'"""):  # fmt: skip
            log.add(file, row, headers["id_number"], "already_enrolled",
                    "该人员本期此项目已在系统的申请中（尚未生效或由系统办理），不能再导入。")  # fmt: skip
        cursor.execute("SELECT count(*) FILTER (WHERE state = 'new'), count(*) FILTER (WHERE state = 'same') "
                       "FROM history_coverages")  # fmt: skip
        staged.new, staged.unchanged = cursor.fetchone()
        # Renewal (DOMAIN.md §4): the shares held in the previous period under the same plan code to
        # that period's end, from the file itself or from what the system holds.
        # In the file: the row of the same person and plan code just before, by one sort (a window),
        # if it is the previous period's and held to that period's end.
        cursor.execute(
            f"""{PREVIOUS_PERIOD}
               UPDATE history_coverages h SET renewed = LEAST(h.shares, x.prev_shares) FROM (
                 SELECT f.row_number, f.period_id, lag(f.shares) OVER w AS prev_shares,
                        lag(f.period_id) OVER w AS prev_period, lag(f.effective_to >= fp.coverage_end) OVER w AS held
                 FROM history_coverages f JOIN enrollment_period fp ON fp.id = f.period_id
                 WINDOW w AS (PARTITION BY f.id_number, f.plan_code ORDER BY f.period_number)) x
               JOIN prev ON prev.period_id = x.period_id
               WHERE x.row_number = h.row_number AND x.prev_period = prev.prev_id AND x.held AND h.state = 'new'"""
        )
        # In the system: only people already registered can hold a coverage here.
        cursor.execute(
            f"""{PREVIOUS_PERIOD}
               UPDATE history_coverages h SET renewed = GREATEST(h.renewed, LEAST(h.shares, c.shares))
               FROM prev, enrollment_plan cp, enrollment_period cq, enrollment_coverage c
               WHERE h.member_id IS NOT NULL AND h.state = 'new' AND prev.period_id = h.period_id
                 AND cp.period_id = prev.prev_id AND cp.code = h.plan_code AND cq.id = cp.period_id
                 AND c.member_id = h.member_id AND c.plan_id = cp.id AND c.status = 'active'
                 AND c.effective_to >= cq.coverage_end"""
        )


# Each period with the one before it (by number): a handful of rows.
PREVIOUS_PERIOD = """WITH prev AS (
    SELECT p.id AS period_id,
           (SELECT q.id FROM enrollment_period q WHERE q.number < p.number ORDER BY q.number DESC LIMIT 1) AS prev_id
    FROM enrollment_period p)"""


def coverages_write(staged: Staged, *, source) -> int:
    """Write the new rows: people not yet registered, one effective application per unit and plan
    (its invoice what the sheet says was paid), the roster lines and the coverages, each marked
    with ``source`` (the file) and its row. The caller holds the transaction and has marked it bulk."""
    from enrollment.models import Application, Coverage, Member, RosterLine

    with connection.cursor() as cursor:
        insert_select(
            cursor, Member,
            {"id_number": "id_number", "name": "name", "sex": "sex", "birth_date": "birth_date", "unit_id": "unit_id",
             "phone": "phone", "bank_name": "bank_name", "bank_account": "bank_account", "old_id_number": "old_id"},
            """FROM (SELECT DISTINCT ON (id_number) * FROM history_coverages WHERE state = 'new' AND member_id IS NULL
                     ORDER BY id_number, period_number DESC, row_number) h
               ON CONFLICT (id_number) DO NOTHING""",
        )  # fmt: skip
        cursor.execute(
            """UPDATE history_coverages h SET member_id = m.id FROM enrollment_member m
               WHERE m.id_number = h.id_number AND h.member_id IS NULL"""
        )
        analyze("enrollment_member")
        insert_select(
            cursor, Application,
            {"reference": "g.period_number || '-' || g.plan_code || '-' || u.code || '-' || (COALESCE(s.seq, 0) + 1)",
             "plan_id": "g.plan_id", "unit_id": "g.unit_id", "seq": "COALESCE(s.seq, 0) + 1", "status": ("%s", [ApplicationStatus.EFFECTIVE]),
             "declared_staff": "g.members", "uniform_shares": "g.min_shares = g.max_shares",
             "member_count": "g.members", "share_count": "g.shares", "amount_due": "g.premium",
             "subsidy_total": "g.shares * pl.union_subsidy", "amount_paid": "g.premium",
             "paid_on": "g.starts", "effective_on": "g.starts", "imported_from_id": ("%s", [source.pk]),
             "last_comment": ("%s", [source.where(None)])},
            """FROM (SELECT plan_id, unit_id, min(period_number) AS period_number, min(plan_code) AS plan_code,
                            count(*) AS members, sum(shares) AS shares, min(shares) AS min_shares,
                            max(shares) AS max_shares, COALESCE(sum(premium), 0) AS premium,
                            min(effective_from) AS starts
                     FROM history_coverages WHERE state = 'new' GROUP BY plan_id, unit_id) g
               JOIN enrollment_unit u ON u.id = g.unit_id JOIN enrollment_plan pl ON pl.id = g.plan_id
               LEFT JOIN (SELECT plan_id, unit_id, max(seq) AS seq FROM enrollment_application
                          GROUP BY plan_id, unit_id) s ON s.plan_id = g.plan_id AND s.unit_id = g.unit_id""",
        )  # fmt: skip
        analyze("enrollment_application")  # thousands of new rows the next joins must see
        joined = """FROM history_coverages h JOIN enrollment_application a
                      ON a.plan_id = h.plan_id AND a.unit_id = h.unit_id AND a.imported_from_id = %s
                    WHERE h.state = 'new'"""
        insert_select(
            cursor, RosterLine,
            {"application_id": "a.id", "plan_id": "h.plan_id", "live": "true", "member_id": "h.member_id",
             "row_number": "h.row_number", "shares": "h.shares", "renewed_shares": "h.renewed",
             "phone": "h.phone", "bank_name": "h.bank_name", "bank_account": "h.bank_account"},
            joined, [source.pk],
        )  # fmt: skip
        written = insert_select(
            cursor, Coverage,
            {"member_id": "h.member_id", "plan_id": "h.plan_id", "application_id": "a.id", "unit_id": "h.unit_id",
             "shares": "h.shares", "renewed_shares": "h.renewed", "effective_from": "h.effective_from",
             "effective_to": "h.effective_to", "status": "'active'", "imported_from_id": ("%s", [source.pk]),
             "source_row": "h.row_number"},
            joined, [source.pk],
        )  # fmt: skip
        staged.renewals = renew_following(cursor, source)
        return written


def renew_following(cursor, source) -> int:
    """A past period imported after the next one was enrolled here: the members who held the plan code
    to that period's end become renewals of the next period (DOMAIN.md §4), on their live roster lines
    and their coverages, so their renewed shares never wait. Returns the coverages changed."""
    following = """WITH nxt AS (
                     SELECT p.id AS period_id, p.coverage_end,
                            (SELECT q.id FROM enrollment_period q WHERE q.number > p.number ORDER BY q.number LIMIT 1)
                              AS next_id
                     FROM enrollment_period p),
                   src AS (
                     SELECT h.member_id, h.plan_code, nxt.next_id, max(h.shares) AS shares FROM history_coverages h
                     JOIN nxt ON nxt.period_id = h.period_id
                     WHERE h.state = 'new' AND h.effective_to >= nxt.coverage_end AND nxt.next_id IS NOT NULL
                       -- the next period in the file too: computed with it already
                       AND NOT EXISTS (SELECT 1 FROM history_coverages n WHERE n.id_number = h.id_number
                                       AND n.plan_code = h.plan_code AND n.period_id = nxt.next_id)
                     GROUP BY 1, 2, 3)"""
    cursor.execute(
        f"""{following}
           UPDATE enrollment_rosterline l SET renewed_shares = LEAST(l.shares, src.shares)
           FROM src, enrollment_plan pl
           WHERE pl.id = l.plan_id AND pl.period_id = src.next_id AND pl.code = src.plan_code
             AND l.member_id = src.member_id AND l.live AND l.renewed_shares < LEAST(l.shares, src.shares)"""
    )
    cursor.execute(
        f"""{following}
           UPDATE enrollment_coverage c SET renewed_shares = LEAST(c.shares, src.shares)
           FROM src, enrollment_plan pl
           WHERE pl.id = c.plan_id AND pl.period_id = src.next_id AND pl.code = src.plan_code
             AND c.member_id = src.member_id AND c.status = 'active' AND c.imported_from_id IS DISTINCT FROM %s
             AND c.renewed_shares < LEAST(c.shares, src.shares)""",
        [source.pk],
    )
    return cursor.rowcount
