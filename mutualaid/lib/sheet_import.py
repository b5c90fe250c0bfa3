"""The base every spreadsheet import shares, the roster's (人员手册) and the bank statement's: the file
read through the guarded reader (``sheet_reader``) with one size limit, the header found by its
texts within the first rows, a cell's text as the person meant it, and one row-error type with the
Excel row number and the header as written, so every import reports its rows the same way.

Pure Python, like the rest of ``lib``: what each import checks in its rows is its own.
"""

import re
from dataclasses import dataclass
from operator import itemgetter

from mutualaid.lib.sheet_reader import SheetRefused, check_file, read_table

MAX_FILE_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WIDE = re.compile("[\uff01-\uff5e\u3000]")
_NOISE = re.compile(r"[（(][^）)]*[）)]|[\s\u3000*＊:：]")


class UnreadableFile(ValueError):
    """The file as a whole cannot be used (wrong type, damaged, too large): exit code 2."""


@dataclass(frozen=True)
class RowError:
    row: int | None  # the Excel row number a person sees; None for the whole file
    column: str | None  # the header as written in the file
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class Sheet:
    rows: list  # every row from A1: once the header is found, only the known columns, in header order
    header_row: int | None = None  # 0-based index of the header row
    columns: dict[str, int] | None = None  # field -> 0-based column
    headers: dict[str, str] | None = None  # field -> the header text as written in the file


def read_rows(data: bytes, filename: str, *, what: str) -> list[list]:
    """Every row of the file's first sheet, through the guarded reader every import shares."""
    _check_size(data, what)
    try:
        return read_table(data, filename)
    except SheetRefused as exc:
        raise UnreadableFile(str(exc)) from exc


def check_readable(data: bytes, filename: str, *, what: str) -> None:
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


def header_key(value) -> str:
    """A header cell as it is compared: no spaces, asterisks, colons or (notes in brackets)."""
    return _NOISE.sub("", str(value or ""))


def find_header_by(rows: list[list], aliases: dict, *, required) -> Sheet:
    """The first row within the first ten whose cells name every ``required`` field (by alias)."""
    sheet = Sheet(rows=rows)
    lookup = {header_key(alias): field for field, names in aliases.items() for alias in names}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns, headers = {}, {}
        for position, value in enumerate(row):
            field = lookup.get(header_key(value))
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


def text(value) -> str:
    """A cell as the person meant it: trimmed, full-width letters and digits made ASCII."""
    if type(value) is str:  # the common case, and the hot path: tested first
        if value.isascii() or not _WIDE.search(value):
            return value.strip()
        return value.translate(FULL_WIDTH).replace("\u3000", " ").strip()
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def shown(value: str, limit: int = 20) -> str:
    """A cell's text as a message may quote it: no control characters, at most ``limit`` characters."""
    value = CONTROL_CHARS.sub("", value)
    return value if len(value) <= limit else value[:limit] + "…"
