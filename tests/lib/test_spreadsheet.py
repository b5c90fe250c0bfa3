import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from mutualaid.lib.spreadsheet import SpreadsheetTooLarge, check_xlsx_size, safe_text


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_formula_text_is_written_as_text(text):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = safe_text(text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    cell = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active["A1"]
    assert cell.data_type == "s"  # a string, not a formula Excel would evaluate
    assert cell.value == "'" + text


@pytest.mark.parametrize("value", ["张伟", "371002198005120137", 12, Decimal("-3.50"), date(2026, 1, 1), None])
def test_ordinary_values_pass_unchanged(value):
    assert safe_text(value) == value


def _zip(member_size: int) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * member_size)
    buffer.seek(0)
    return buffer


def test_zip_bomb_is_refused_before_parsing():
    bomb = _zip(20 * 1024 * 1024)  # 20 MB of zeros compress to ~20 KB
    with pytest.raises(SpreadsheetTooLarge, match="压缩"):
        check_xlsx_size(bomb)
    assert bomb.tell() == 0


def test_total_uncompressed_size_is_limited():
    with pytest.raises(SpreadsheetTooLarge, match="超过上限"):
        check_xlsx_size(_zip(600 * 1024), max_uncompressed=512 * 1024)


def test_a_real_workbook_and_a_csv_pass():
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "身份证"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    check_xlsx_size(buffer)
    check_xlsx_size(io.BytesIO("姓名,身份证\n".encode("gbk")))
