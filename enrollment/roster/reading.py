"""Read a roster file into rows of cell values, and find its header by text.

.xlsx and .xls are read with python-calamine (an order of magnitude faster than
openpyxl); .csv in UTF-8 (with or without BOM) or GBK/GB18030, which is what
Chinese Excel writes when it saves "CSV".
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePath

from python_calamine import CalamineWorkbook

from mutualaid.lib.spreadsheet import SpreadsheetTooLarge, check_xlsx_size

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
    rows: list[list]  # every row from A1, cells as read
    header_row: int | None = None  # 0-based index of the header row
    columns: dict[str, int] | None = None  # field -> 0-based column
    headers: dict[str, str] | None = None  # field -> the header text as written in the file


def _header_key(value) -> str:
    return _NOISE.sub("", str(value or ""))


def read_rows(data: bytes, filename: str, *, what: str = "人员手册") -> list[list]:
    suffix = PurePath(filename).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(f"文件过大（{len(data) // 1048576} MB），{what}不能超过 {MAX_FILE_BYTES // 1048576} MB。")
    if not data:
        raise UnreadableFile("文件是空的。")
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            if suffix != ".xls":
                check_xlsx_size(io.BytesIO(data))
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except SpreadsheetTooLarge as exc:
            raise UnreadableFile(str(exc)) from exc
        except Exception as exc:  # calamine raises its own error types for damaged files
            raise UnreadableFile(
                f"无法读取表格文件“{filename}”：文件已损坏，或不是 Excel 文件。请另存为 .xlsx 后重试。"
            ) from exc
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UnreadableFile("无法识别 CSV 文件的编码：请另存为 UTF-8 或 GBK 编码的 CSV，或直接上传 .xlsx。")
        return [row for row in csv.reader(io.StringIO(text))]
    raise UnreadableFile(f"不支持的文件类型“{suffix or filename}”：请上传 .xlsx、.xls 或 .csv 文件。")


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
            sheet.header_row, sheet.columns, sheet.headers = index, columns, headers
            break
    return sheet
