"""The one guarded reader every import shares: a spreadsheet's first sheet as rows of cell values.

python-calamine builds a dense grid of the used range *before* anything can be
asked of it: an .xlsx of 5 KB whose only cell is XFD1048576 becomes 17 billion
cells, and the process aborts (a Rust allocation failure is not an exception).
An .xls is worse: calamine lays out every sheet while opening the file, and a
BIFF record may name column 65,535. So the extent is bounded here, from the
file's own bytes, before calamine sees it:

- .xlsx: the zip's directory (``check_xlsx_size``), the first sheet's declared
  ``<dimension ref>``, and a streaming scan of that sheet's XML for the cells
  that really are there (a file may declare A1:B2 and hold XFD1048576, or
  declare nothing). A sheet written the usual way (every ``<c`` starts with
  ``r="A1"``) is checked by one regular-expression pass per chunk; anything else
  is walked tag by tag the way calamine counts positions.
- .xls: the compound file is opened here and every sheet's DIMENSIONS and cell
  records are read (calamine reserves memory from DIMENSIONS alone).
- .csv: rows are counted as they are read.

Limits: ``MAX_ROWS`` rows and ``MAX_COLUMNS`` columns of the first sheet, counted
from A1. Every refusal is a ``SheetRefused`` with a Chinese sentence saying what
the limit is and what to do.
"""

import csv
import io
import re
import struct
import zipfile

from mutualaid.lib.spreadsheet import SpreadsheetTooLarge, check_xlsx_size

MAX_ROWS = 200_000
MAX_COLUMNS = 100
CHUNK = 1 << 20
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DAMAGED = "文件已损坏，或不是 Excel 文件。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"  # read_table names the file


class SheetRefused(ValueError):
    """The file as a whole cannot be read: too large, damaged, of the wrong kind. The text says why."""


class SheetTooLarge(SheetRefused, SpreadsheetTooLarge):
    """Beyond the rows, columns or expanded size the server reads."""


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def _too_large(rows: int, columns: int, *, declared: str = "", at_least: bool = False) -> SheetTooLarge:
    if declared:
        return SheetTooLarge(
            f"表格声明的数据范围是 {declared}（{rows:,} 行 × {columns:,} 列），超过上限：最多 {MAX_ROWS:,} 行、"
            f"{MAX_COLUMNS} 列。请只选中需要的数据，复制到新建的工作簿，另存为 .xlsx 后再上传。"
        )
    if rows > MAX_ROWS:
        counted = f"超过 {MAX_ROWS:,} 行的上限" if at_least else f"有 {rows:,} 行，超过上限 {MAX_ROWS:,} 行"
        return SheetTooLarge(
            f"表格第一个工作表{counted}。请删除表格下方多余的行（包括看似空白、实际有内容的单元格），"
            "或拆分为几个文件分批上传。"
        )
    return SheetTooLarge(
        f"表格第一个工作表有 {columns:,} 列（到 {column_letters(columns)} 列），超过上限 {MAX_COLUMNS} 列"
        f"（{column_letters(MAX_COLUMNS)} 列）。请删除右侧多余的列（包括看似空白、实际有内容的单元格），"
        "只保留模板中的列后再上传。"
    )


def _check(rows: int, columns: int, **kwargs) -> None:
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        raise _too_large(rows, columns, **kwargs)


# --- .xlsx --------------------------------------------------------------------------------


def _at_most(limit: str, alphabet: bytes, first: bytes) -> bytes:
    """A regular expression for the strings of ``alphabet`` that count up to ``limit``: any shorter
    string (not starting with a zero, for digits), or one of the same length not above it."""
    low, high = alphabet[:1], alphabet[-1:]
    options = [b"[%s-%s][%s-%s]{0,%d}" % (first, high, low, high, len(limit) - 2)] if len(limit) > 1 else []
    for index, char in enumerate(limit.encode()):
        start = first if index == 0 else low
        if bytes([char]) > start:
            options.append(re.escape(limit[:index].encode()) + b"[%s-%s]" % (start, bytes([char - 1]))
                           + b"[%s-%s]{%d}" % (low, high, len(limit) - index - 1))  # fmt: skip
    options.append(re.escape(limit.encode()))
    return b"(?:" + b"|".join(options) + b")"


# A cell tag as Excel, WPS, LibreOffice and openpyxl write it, within the limits: ``r`` first, then
# only attributes not named r (calamine takes the last ``r``), double quotes, single spaces. Any
# other ``<c`` tag, or a prefixed ``<x:c``, sends the sheet to the exact walk.
_USUAL_CELL = re.compile(
    rb'<c(?=[\s/>])(?! r="%s%s"(?: [a-qs-z][a-z]*+="[^"]*+")*+ ?/?>)'
    % (_at_most(column_letters(MAX_COLUMNS), b"AZ", b"A"), _at_most(str(MAX_ROWS), b"09", b"1"))
)
_PREFIXED_CELL = re.compile(rb":c(?=[\s/>])")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.\-]*:)?dimension\s[^>]*?\bref\s*=\s*["\']([^"\']*)["\']')
_TAG = re.compile(rb'<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])((?:[^>"\']|"[^"]*"|\'[^\']*\')*)>')
_R = re.compile(rb'(?:^|\s)r\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REF = re.compile(rb"^\$?([A-Za-z]{1,4})\$?([0-9]{1,9})$")
_SHEET = re.compile(rb'<(?:[A-Za-z_][\w.\-]*:)?sheet\s((?:[^>"\']|"[^"]*"|\'[^\']*\')*)>')
_SHEET_ID = re.compile(rb'\s(?:r|relationships):id\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_RELATIONSHIP = re.compile(rb'<(?:[A-Za-z_][\w.\-]*:)?Relationship\s((?:[^>"\']|"[^"]*"|\'[^\']*\')*)>')
_ATTRIBUTE = re.compile(rb'([\w:.\-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _chunks(archive: zipfile.ZipFile, name: str):
    """The part's text in pieces that each end just before a ``<``, so no tag is ever cut in two."""
    carry = b""
    with archive.open(name) as stream:
        while block := stream.read(CHUNK):
            buffer = carry + block
            cut = buffer.rfind(b"<")
            if cut <= 0:
                carry = buffer
                continue
            carry = buffer[cut:]
            yield buffer[:cut]
    if carry:
        yield carry


def _ref(value: bytes) -> tuple[int, int]:
    """(row, column), both from 1, of a reference such as ``B12``."""
    match = _REF.match(value.strip())
    if not match:
        raise SheetRefused(DAMAGED)
    return int(match.group(2)), column_number(match.group(1).decode())


def _attributes(text: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTRIBUTE.finditer(text)}


def _sheet_parts(archive: zipfile.ZipFile) -> list[str]:
    """The part calamine reads as the first sheet (every spelling of its name that differs only in
    case); every sheet part when that cannot be told."""
    names: dict[str, list[str]] = {}
    for name in archive.namelist():
        names.setdefault(name.replace("\\", "/").lstrip("/").lower(), []).append(name)
    if "xl/workbook.xml" not in names or "xl/workbook.bin" in names:
        raise SheetRefused(DAMAGED)
    sheet_folders = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/")
    every = [name for key, found in names.items() if key.startswith(sheet_folders) and "/_rels/" not in key
             for name in found]  # fmt: skip
    try:
        workbook = b"".join(_read_small(archive, name) for name in names["xl/workbook.xml"])
        rels = b"".join(_read_small(archive, name) for name in names["xl/_rels/workbook.xml.rels"])
        first = _SHEET.search(workbook)
        key = _SHEET_ID.search(b" " + first.group(1)) if first else None
        if key is None:  # no <sheet>, or one without its relationship id: which part is first is unknown
            target = None
        else:
            wanted = key.group(1) if key.group(1) is not None else key.group(2)
            targets = {attrs.get(b"Id"): attrs.get(b"Target", b"") for attrs in map(_attributes,
                       (m.group(1) for m in _RELATIONSHIP.finditer(rels)))}  # fmt: skip
            target = targets[wanted].decode("utf-8").replace("\\", "/")
    except (KeyError, UnicodeDecodeError):
        target = None
    if target is not None:
        path = target[1:] if target.startswith("/xl/") else target if target.startswith("xl/") else f"xl/{target}"
        if path.lower() in names:
            return names[path.lower()]
    if not every:
        raise SheetRefused(DAMAGED)
    return every


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 10 * 1024 * 1024) -> bytes:
    if archive.getinfo(name).file_size > limit:
        raise SheetRefused(DAMAGED)
    return archive.read(name)


def _walk(chunks) -> tuple[int, int]:
    """The largest row and column (from 1) that hold a cell, counted the way calamine counts: a cell
    with ``r`` is where it says, one without follows the previous cell; ``</row>`` moves down one.
    A self-closing ``<c/>`` has no value and makes no cell. Doubtful cases count as cells."""
    row_index = col_index = 0  # 0-based, as calamine keeps them
    max_row = max_col = 0
    for chunk in chunks:
        for match in _TAG.finditer(chunk):
            closing, name, attributes = match.group(1), match.group(2), match.group(3)
            empty = attributes.endswith(b"/")
            refs = [m.group(1) if m.group(1) is not None else m.group(2) for m in _R.finditer(attributes)]
            if name == b"row":
                if closing:
                    row_index, col_index = row_index + 1, 0
                elif refs:
                    rows = []
                    for ref in refs:
                        if not ref.strip().isdigit():
                            raise SheetRefused(DAMAGED)
                        rows.append(int(ref))
                    row_index = max(rows) - 1
                continue
            if closing:
                continue
            if refs:
                cells = [_ref(ref) for ref in refs]
                row, col = max(r for r, _ in cells) - 1, max(c for _, c in cells) - 1
                col_index = col
            else:
                row, col = row_index, col_index
            col_index += 1
            if not empty:
                max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
    return max_row, max_col


def _check_xlsx(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in _sheet_parts(archive):
            with archive.open(part) as stream:
                head = stream.read(64 * 1024)
            declared = _DIMENSION.search(head)
            if declared:
                ref = declared.group(1).split(b":")[-1]
                try:
                    rows, columns = _ref(ref)
                except SheetRefused:
                    rows = columns = 0  # calamine refuses a damaged dimension itself
                _check(rows, columns, declared=declared.group(1).decode("ascii", "replace")[:40])
            usual = True
            for chunk in _chunks(archive, part):
                if _USUAL_CELL.search(chunk) or _PREFIXED_CELL.search(chunk):
                    usual = False
                    break
            if not usual:
                _check(*_walk(_chunks(archive, part)))


# --- .xls (BIFF in a compound file) -------------------------------------------------------

_FREE = 0xFFFFFFFF
_END = 0xFFFFFFFE
_CELL_RECORDS = {0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006}  # number, label, bool, rk, sst label, formula
_MULRK, _DIMENSIONS, _BOUNDSHEET, _EOF = 0x00BD, 0x0200, 0x0085, 0x000A


def _cfb_streams(data: bytes, wanted=("workbook", "book")) -> list[bytes]:
    """The named streams of a compound file (what an .xls is), read from its sector tables."""
    if len(data) < 512 or data[:8] != CFB_MAGIC:
        raise SheetRefused(DAMAGED)
    (major,) = struct.unpack_from("<H", data, 0x1A)
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise SheetRefused(DAMAGED)
    size, mini = 1 << sector_shift, 1 << mini_shift
    (first_dir,) = struct.unpack_from("<I", data, 0x30)
    cutoff, first_minifat, minifat_count, first_difat, difat_count = struct.unpack_from("<IIIII", data, 0x38)
    sectors = (len(data) - size) // size + 1

    def sector(index: int) -> bytes:
        if index >= sectors:
            raise SheetRefused(DAMAGED)
        return data[(index + 1) * size : (index + 2) * size]

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    current, seen = first_difat, 0
    while current not in (_FREE, _END) and seen <= difat_count:
        block = struct.unpack(f"<{size // 4}I", sector(current))
        difat.extend(block[:-1])
        current, seen = block[-1], seen + 1
    fat: list[int] = []
    for index in difat:
        if index not in (_FREE, _END):
            fat.extend(struct.unpack(f"<{size // 4}I", sector(index)))

    def chain(start: int, table: list[int]) -> list[int]:
        found: list[int] = []
        while start not in (_FREE, _END):
            if start >= len(table) or len(found) > len(table):
                raise SheetRefused(DAMAGED)
            found.append(start)
            start = table[start]
        return found

    directory = b"".join(sector(i) for i in chain(first_dir, fat))
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        name_length, kind = struct.unpack_from("<HB", directory, offset + 64)
        (start,) = struct.unpack_from("<I", directory, offset + 116)
        (length,) = struct.unpack_from("<Q" if major == 4 else "<I", directory, offset + 120)
        name = directory[offset : offset + max(name_length - 2, 0)].decode("utf-16-le", "replace")
        entries.append((name, kind, start, length))
    if not entries:
        raise SheetRefused(DAMAGED)
    minifat = [value for i in chain(first_minifat, fat)[:minifat_count]
               for value in struct.unpack(f"<{size // 4}I", sector(i))]  # fmt: skip
    mini_stream = b"".join(sector(i) for i in chain(entries[0][2], fat)) if entries[0][1] == 5 else b""
    streams = []
    for name, kind, start, length in entries:
        if kind != 2 or name.lower() not in wanted:
            continue
        if length < cutoff:
            body = b"".join(mini_stream[i * mini : (i + 1) * mini] for i in chain(start, minifat))
        else:
            body = b"".join(sector(i) for i in chain(start, fat))
        streams.append(body[:length])
    if not streams:
        raise SheetRefused(DAMAGED)
    return streams


def _records(stream: bytes, start: int):
    position, end = start, len(stream) - 4
    while position <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        yield kind, position + 4, length
        if kind == _EOF:
            return
        position += 4 + length


def _check_biff(stream: bytes) -> None:
    """Every sheet's DIMENSIONS (calamine reserves rows × columns from it) and every cell record."""
    offsets = {int.from_bytes(stream[at : at + 4], "little") for kind, at, length in _records(stream, 0)
               if kind == _BOUNDSHEET and length >= 4}  # fmt: skip
    for offset in sorted(offsets):
        max_row = max_col = 0
        for kind, at, length in _records(stream, offset):
            if kind in _CELL_RECORDS and length >= 4:
                row, col = struct.unpack_from("<HH", stream, at)
            elif kind == _MULRK and length >= 6:
                (row,) = struct.unpack_from("<H", stream, at)
                (col,) = struct.unpack_from("<H", stream, at + length - 2)
            elif kind == _DIMENSIONS and length in (10, 14):
                if length == 14:
                    first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, at)
                else:
                    first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", stream, at)
                if last_row and last_col:
                    if first_row >= last_row or first_col >= last_col:  # calamine's count would wrap round
                        raise SheetRefused(DAMAGED)
                    _check(last_row, last_col)
                continue
            else:
                continue
            max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
        _check(max_row, max_col)


# --- the reader -----------------------------------------------------------------------------


def check_extent(data: bytes) -> None:
    """Raise ``SheetRefused`` unless the workbook is small enough to hand to calamine.

    calamine does not go by the file's name: it tries .xls, then the zip formats, on any bytes.
    So an .xls header is checked as BIFF, and anything Python can open as a zip as .xlsx (a zip
    with bytes before it included); a zip that is neither readable here nor an .xls is refused."""
    cfb = data[:8] == CFB_MAGIC
    if cfb:
        for stream in _cfb_streams(data):
            _check_biff(stream)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return
    try:
        zipfile.ZipFile(io.BytesIO(data)).close()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        if cfb:
            return  # an .xls whose bytes happen to hold a zip signature: no zip reader opens it either
        raise SheetRefused(DAMAGED) from exc
    try:
        check_xlsx_size(io.BytesIO(data))
    except SpreadsheetTooLarge as exc:
        raise SheetTooLarge(str(exc)) from exc
    try:
        _check_xlsx(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise SheetRefused(DAMAGED) from exc


def _read_workbook(data: bytes) -> list[list]:
    """The first sheet of a workbook that ``check_extent`` has let through."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise SheetRefused(DAMAGED) from exc
    if sheet.end is not None:  # the checks above already held it; calamine's own count, to be sure
        _check(sheet.end[0] + 1, sheet.end[1] + 1)
    return sheet.to_python(skip_empty_area=False)


def _read_csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetRefused("无法识别 CSV 文件的编码：请另存为 UTF-8 或 GBK 编码的 CSV，或直接上传 .xlsx。")
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                while row and row[-1] == "":
                    row.pop()
                _check(0, len(row))
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise _too_large(len(rows), 0, at_least=True)
    except csv.Error as exc:  # a field beyond csv's 131,072 characters, an unclosed quote at the end
        raise SheetRefused(
            f"CSV 文件第 {reader.line_num:,} 行无法读取（单元格过长或引号不配对）。请检查该行，或另存为 .xlsx 后再上传。"
        ) from exc
    return rows


def check_file(data: bytes, filename: str) -> None:
    """What ``read_table`` refuses before reading, without reading: for a file handed to the worker."""
    name = filename.lower()
    if name.endswith(SPREADSHEET_SUFFIXES):
        try:
            check_extent(data)
        except SheetRefused as exc:
            raise _named(exc, filename) from exc
    elif name.endswith(".csv"):
        if data.count(b"\n") >= MAX_ROWS:  # maybe more than rows allowed: count the rows (a cell may hold a line break)
            _read_csv(data)
    else:
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else filename
        raise SheetRefused(f"不支持的文件类型“{suffix[:20]}”：请上传 .xlsx、.xls 或 .csv 文件。")


def _named(exc: SheetRefused, filename: str) -> SheetRefused:
    if str(exc) == DAMAGED:
        return SheetRefused(f"无法读取表格文件“{filename[:100]}”：{DAMAGED}")
    return exc


def read_table(data: bytes, filename: str) -> list[list]:
    """Every row of the first sheet from A1 (cells as read), or ``SheetRefused`` saying why not."""
    check_file(data, filename)
    if filename.lower().endswith(".csv"):
        return _read_csv(data)
    try:
        return _read_workbook(data)
    except SheetRefused as exc:
        raise _named(exc, filename) from exc


# --- streaming: files too long to hold as Python rows (the history import's millions) ---------


def iter_table(path, filename: str, *, chunk: int = CHUNK):
    """The rows of a file one at a time, never the whole sheet as Python lists: a .csv (UTF-8 or
    GBK) of any length is read as it streams from disk; a workbook goes through the same checks as
    ``read_table`` (so at most ``MAX_ROWS`` rows) and calamine hands its rows over one by one."""
    name = filename.lower()
    if name.endswith(".csv"):
        return _iter_csv(path, chunk)
    with open(path, "rb") as handle:
        data = handle.read()
    check_file(data, filename)
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise _named(SheetRefused(DAMAGED), filename) from exc
    return sheet.iter_rows()


def _iter_csv(path, chunk: int):
    with open(path, "rb") as binary:
        head = binary.read(chunk)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig") if len(head) < chunk else _decode_prefix(head)
    except UnicodeDecodeError:
        encoding = "gb18030"
    handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed when the rows end
    reader = csv.reader(handle)
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                while row and row[-1] == "":
                    row.pop()
                _check(0, len(row))
            yield row
    except csv.Error as exc:
        raise SheetRefused(
            f"CSV 文件第 {reader.line_num:,} 行无法读取（单元格过长或引号不配对）。请检查该行，或另存为 .xlsx 后再上传。"
        ) from exc
    except UnicodeDecodeError as exc:
        raise SheetRefused("无法识别 CSV 文件的编码：请另存为 UTF-8 或 GBK 编码的 CSV，或直接上传 .xlsx。") from exc
    finally:
        handle.close()


def _decode_prefix(head: bytes) -> str:
    """The first bytes of a longer file as UTF-8, forgiving only a character cut at the end."""
    import codecs

    return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
