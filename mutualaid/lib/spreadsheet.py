"""Spreadsheet safety shared by every import and export (no Django: the ground floor's pure helpers).

Exports: a text cell that begins with ``= + - @`` (or a tab / carriage return)
is read by Excel and WPS as a formula, so ``=HYPERLINK(...)`` in a payee name
would become a live link in the bank file. ``safe_text`` neutralises it the way
OWASP recommends, with a leading apostrophe, which Excel hides.

Imports: an .xlsx is a zip; a 600 KB file can expand to gigabytes of XML.
``check_xlsx_size`` looks at the zip directory (no decompression) and refuses
a workbook whose parts would expand beyond a limit, before any parser runs.
It is one of the checks of ``sheet_reader``, the reader every import goes through.
"""

import zipfile
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import IO
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE: the product has one time zone
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DEFAULT_MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


class SpreadsheetTooLarge(ValueError):
    """The workbook would expand beyond what the server accepts."""


def safe_text(value):
    """A cell value that no spreadsheet program will evaluate.

    Numbers, dates and ``None`` pass through unchanged (they are data, not
    text); strings starting with a formula character get a leading apostrophe.
    """
    if value is None or isinstance(value, (int, float, Decimal)) or not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def check_xlsx_size(fileobj: IO[bytes], *, max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED) -> None:
    """Raise SpreadsheetTooLarge if the zip's members would expand past the limit.

    Reads only the central directory; the file position is restored.
    Non-zip input (an .xls or .csv) passes: other checks handle it.
    """
    position = fileobj.tell()
    try:
        if not zipfile.is_zipfile(fileobj):
            return
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO:
                    raise SpreadsheetTooLarge(
                        f"文件中的 {info.filename} 压缩比异常（{ratio:.0f} 倍），疑似压缩炸弹，已拒绝。"
                    )
            if total > max_uncompressed:
                raise SpreadsheetTooLarge(
                    f"表格解压后约 {total // (1024 * 1024)} MB，超过上限 {max_uncompressed // (1024 * 1024)} MB。"
                    "请拆分后分批上传。"
                )
    except zipfile.BadZipFile:
        return
    finally:
        fileobj.seek(position)


def workbook_bytes(sheets, *, tz: tzinfo = BEIJING) -> bytes:
    """An .xlsx of ``sheets``: (title, header, rows) each. Every text cell goes through ``safe_text``;
    numbers, dates and Decimals stay values. Written streaming, so 100,000 audit rows fit."""
    import io

    from openpyxl import Workbook

    def cell(value):
        if isinstance(value, datetime) and value.tzinfo is not None:  # Excel has no time zones: Beijing time
            return value.astimezone(tz).replace(tzinfo=None)
        return safe_text(value)

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
