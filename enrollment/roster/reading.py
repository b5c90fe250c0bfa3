"""Read a roster file into rows of cell values, and find its header by text.

Every file goes through ``mutualaid.lib.sheet_reader``, the guarded reader all imports share
(python-calamine for .xlsx and .xls, an order of magnitude faster than openpyxl, behind the
size and extent checks; .csv in UTF-8 or GBK/GB18030, which is what Chinese Excel writes when it
saves "CSV"). Once the header is found only the columns it names are kept.
"""

import re
from dataclasses import dataclass
from operator import itemgetter

from mutualaid.lib.sheet_reader import SheetRefused, check_file, read_table

MAX_FILE_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10

# DOMAIN.md §9: the header texts each column is known by.
ALIASES = {
    "seq": ("序号",),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证", "身份证号", "身份证号码", "公民身份号码"),
    "card": ("医保卡号", "医保卡", "社保卡号"),
    "shares": ("份数",),
    "phone": ("手机号", "联系电话"),
    "basic": ("是否参加医保",),
    "occupation": ("职业",),
    "needy": ("困难职工",),
    "bank_name": ("开户行", "开户银行"),
    "bank_account": ("银行卡号", "银行账号", "收款账号"),
}
LABELS = {"seq": "序号", "name": "姓名", "sex": "性别", "id_number": "身份证号码", "card": "医保卡号",
          "shares": "份数", "phone": "手机号", "basic": "是否参加医保", "occupation": "职业",
          "needy": "困难职工", "bank_name": "开户行", "bank_account": "银行卡号"}  # fmt: skip
_NOISE = re.compile(r"[（(][^）)]*[）)]|[\s\u3000*＊:：]")


class UnreadableFile(ValueError):
    """The file as a whole cannot be used (wrong type, damaged, too large): exit code 2."""


@dataclass
class Sheet:
    rows: list  # every row from A1: once the header is found, only the known columns, in header order
    header_row: int | None = None  # 0-based index of the header row
    columns: dict[str, int] | None = None  # field -> 0-based column
    headers: dict[str, str] | None = None  # field -> the header text as written in the file


def _header_key(value) -> str:
    return _NOISE.sub("", str(value or ""))


def read_rows(data: bytes, filename: str, *, what: str = "人员手册") -> list[list]:
    """Every row of the file's first sheet, through the guarded reader every import shares."""
    _check_size(data, what)
    try:
        return read_table(data, filename)
    except SheetRefused as exc:
        raise UnreadableFile(str(exc)) from exc


def check_readable(data: bytes, filename: str, *, what: str = "人员手册") -> None:
    """The refusals ``read_rows`` makes before reading (size, type, a sheet's rows and columns), so a
    page can refuse a large file at once instead of handing it to the worker."""
    _check_size(data, what)
    try:
        check_file(data, filename)
    except SheetRefused as exc:
        raise UnreadableFile(str(exc)) from exc


def _check_size(data: bytes, what: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(f"文件过大（{len(data) // 1048576} MB），{what}不能超过 {MAX_FILE_BYTES // 1048576} MB。")
    if not data:
        raise UnreadableFile("文件是空的。")


def find_header(rows: list[list]) -> Sheet:
    """The first row (within the first ten) that names both 姓名 and an ID column."""
    return find_header_by(rows, ALIASES, required=("name", "id_number"))


def find_header_by(rows: list[list], aliases: dict, *, required) -> Sheet:
    """The first row within the first ten whose cells name every ``required`` field (by alias)."""
    sheet = Sheet(rows=rows)
    lookup = {_header_key(alias): field for field, names in aliases.items() for alias in names}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns, headers = {}, {}
        for position, value in enumerate(row):
            field = lookup.get(_header_key(value))
            if field and field not in columns:
                columns[field] = position
                headers[field] = str(value).strip()
        if all(name in columns for name in required):
            sheet.header_row, sheet.headers = index, headers
            sheet.rows, sheet.columns = _known_columns(rows, columns)
            break
    return sheet


def _known_columns(rows: list, columns: dict[str, int]) -> tuple[list, dict[str, int]]:
    """Only the columns the header names: what a 100-column sheet holds beyond them is never looked at again."""
    kept = sorted(set(columns.values()))
    width = kept[-1] + 1
    if kept == list(range(width)) and all(len(row) == width for row in rows):
        return rows, columns  # every column is known (the template as downloaded): nothing to drop
    take = itemgetter(*kept) if len(kept) > 1 else (lambda row: (row[kept[0]],))
    trimmed = [take(row) if len(row) >= width else take(list(row) + [""] * (width - len(row))) for row in rows]
    return trimmed, {name: kept.index(position) for name, position in columns.items()}
