"""Uploaded files built to hurt the server: a 5 KB workbook whose one cell is XFD1048576, a sheet
that declares A1:B2 and holds XFD1048576, an .xls record at column 65,535, a CSV of 200,001 rows,
NUL bytes and 100,000-character cells. Every one is refused with a Chinese sentence (or reported
as a row error) before python-calamine could lay out the grid; none may reach the reader, which
would take the test run down with it."""

import io
import os
import struct
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment.models import Member, RosterLine
from enrollment.roster import UnreadableFile
from enrollment.roster.reading import find_header
from enrollment.services.rosters import roster_import
from mutualaid.lib.sheet_reader import MAX_COLUMNS, MAX_ROWS, SheetRefused, check_extent
from mutualaid.models import Job
from tests.test_enrollment_pages import create, upload
from tests.test_payments import HEADER as STATEMENT_HEADER
from tests.test_payments import line, statement, stored_lines
from tests.test_roster_import import HEADER, csv_bytes, person, row, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def far_cell(ref="XFD1048576", header=HEADER) -> bytes:
    """What openpyxl writes for a header and one cell far away (it declares the whole range)."""
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active[ref] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def raw_sheet(sheet_data: str, dimension: str | None = None, padding: int = 0) -> bytes:
    """A workbook whose first sheet's XML is written by hand (openpyxl's other parts kept)."""
    book = openpyxl.Workbook()
    book.active["A1"] = "姓名"
    buffer = io.BytesIO()
    book.save(buffer)
    source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                declared = f'<dimension ref="{dimension}"/>' if dimension else ""
                data = f'<worksheet xmlns="{NS}">{declared}<sheetData>{sheet_data}</sheetData></worksheet>'.encode()
            archive.writestr(info, data)
        if padding:  # incompressible, so the upload is large enough for the worker
            archive.writestr("xl/media/image1.png", os.urandom(padding), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def header_cells() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{text}</t></is></c>' for i, text in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'


LYING = header_cells() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def test_a_roster_whose_one_far_cell_is_xfd1048576_is_refused_on_the_page(login, clerk_u003):
    client = login(clerk_u003)
    application = create(client)
    data = far_cell()
    assert len(data) < 10_000
    page = upload(client, application, data).text
    assert "超过上限" in page and "200,000 行" in page and "100 列" in page
    assert not RosterLine.objects.filter(application=application).exists()


def test_a_sheet_that_declares_a1_b2_and_holds_xfd1048576_is_refused(login, clerk_u003):
    client = login(clerk_u003)
    application = create(client)
    page = upload(client, application, raw_sheet(LYING, dimension="A1:B2")).text
    assert "表格第一个工作表有 1,048,576 行，超过上限 200,000 行" in page
    page = upload(client, application, raw_sheet(LYING)).text  # no dimension at all
    assert "超过上限 200,000 行" in page


def test_a_large_hostile_roster_is_refused_at_once_instead_of_killing_the_worker(login, clerk_u003):
    client = login(clerk_u003)
    application = create(client)
    data = raw_sheet(LYING, dimension="A1:J2", padding=200_000)
    assert len(data) > 150 * 1024  # the size above which the worker would import it
    page = upload(client, application, data).text
    assert "超过上限 200,000 行" in page
    assert not Job.objects.filter(kind="roster_import").exists()


def test_one_row_or_one_column_past_the_limit_is_refused_and_the_limit_itself_is_not(clerk_u003):
    from enrollment.models import Plan, Unit

    plan, unit = Plan.objects.get(period__number=16, code="ACC"), Unit.objects.get(code="U003")
    for ref, text in ((f"A{MAX_ROWS + 1}", "200,001 行"), ("CW1", "101 列")):
        with pytest.raises(UnreadableFile, match=text):
            roster_import(actor=clerk_u003, plan=plan, unit=unit, data=far_cell(ref), filename="名单.xlsx")
    check_extent(far_cell(f"CV{MAX_ROWS}"))  # exactly at the limits: read (not here: 20 million cells)


def test_the_statement_upload_refuses_a_workbook_declaring_the_whole_grid(login, handler):
    data = far_cell("XFD1048576", header=STATEMENT_HEADER)
    page = login(handler).post(reverse("enrollment:statement_upload"), {"file": SimpleUploadedFile("工行.xlsx", data)})
    assert page.status_code == 200
    assert "表格声明的数据范围是 A1:XFD1048576" in page.text and "最多 200,000 行、100 列" in page.text
    assert not stored_lines().exists()


def test_the_admin_import_refuses_before_import_export_reads_the_file(admin_client):
    for data in (far_cell("XFD1048576", header=["单位编码", "姓名", "身份证号码"]), raw_sheet(LYING, "A1:B2")):
        page = admin_client.post(
            reverse("admin:enrollment_member_import"),
            {"import_file": SimpleUploadedFile("members.xlsx", data), "format": "0", "resource": "0"},
        )
        assert page.status_code == 200 and "超过上限" in page.content.decode()
    assert not Member.objects.filter(name="x").exists()


def xls_with_cell_at(row_index: int, col_index: int) -> bytes:
    """An .xls of a header and one number, whose record is then moved (xlwt itself refuses)."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("人员手册")
    for c, value in enumerate(HEADER):
        sheet.write(0, c, value)
    sheet.write(3, 4, 7.5)
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    at = data.find(struct.pack("<HHHH", 0x027E, 10, 3, 4))  # the RK record of (3, 4)
    assert at > 0
    struct.pack_into("<HH", data, at + 4, row_index, col_index)
    return bytes(data)


def test_an_xls_record_at_column_65535_is_refused_before_calamine_opens_the_file(login, clerk_u003):
    client = login(clerk_u003)
    application = create(client)
    page = upload(client, application, xls_with_cell_at(65535, 65535), name="名单.xls").text
    assert "65,536 列" in page and "超过上限 100 列" in page
    page = upload(client, application, xls_with_cell_at(9, 5), name="名单.xls").text
    assert "超过上限" not in page  # the same file with its cell where xlwt put it is read


def test_a_csv_of_200001_rows_or_with_a_giant_cell_is_refused(login, clerk_u003):
    client = login(clerk_u003)
    application = create(client)
    long = ("姓名,身份证号码\n" + "\n".join("张三,1" for _ in range(MAX_ROWS))).encode()
    page = upload(client, application, long, name="名单.csv").text
    assert "超过 200,000 行" in page
    wide = ("姓名,身份证号码" + "," * 150 + "x\n").encode()
    assert "超过上限 100 列" in upload(client, application, wide, name="名单.csv").text
    giant = csv_bytes([row(1, phone="1" * 140_000)])  # past csv's 131,072, under 150 KB
    page = upload(client, application, giant, name="名单.csv")
    assert page.status_code == 200 and "CSV 文件第 2 行无法读取" in page.text


def test_nul_bytes_and_overlong_cells_are_row_errors_with_excel_row_numbers(login, clerk_u003):
    client = login(clerk_u003)
    application = create(client)
    rows = [row(1), row(2, name="张" * 40_000), row(3, phone="1" * 10_240), row(4, card="C\x004"), row(5)]
    for data, name in ((csv_bytes(rows), "名单.csv"), (xlsx(rows[:3]), "名单.xlsx")):  # small enough for the page
        response = upload(client, application, data, name=name)
        assert response.status_code == 200
        assert "内容过长（10,240 个字符），此栏最多 30 个字符" in response.text
        assert "超过 30 个字" in response.text
        assert not RosterLine.objects.filter(application=application).exists()
        if name.endswith(".csv"):  # the marked-up file holds what Excel can: the NUL shown as �, cells cut to 32,767
            marked = client.get(reverse("enrollment:roster_marked", args=[application.reference]))
            sheet = openpyxl.load_workbook(io.BytesIO(marked.content)).active
            assert sheet["E5"].value == "C\ufffd4" and sheet["E5"].fill.start_color.rgb.endswith("FFC7CE")
            assert len(sheet["B3"].value) == 32_767
    rows[1] = row(2, name="张" * 100_000)
    result = roster_import(actor=clerk_u003, plan=application.plan, unit=application.unit, data=csv_bytes(rows),
                           filename="名单.csv", dry_run=True)  # fmt: skip
    # csv_bytes: the header is Excel row 1, so the five people are rows 2 to 6
    assert {(error.row, error.code) for error in result.errors} == {
        (3, "name_invalid"), (4, "value_too_long"), (5, "control_character")}  # fmt: skip


def test_a_statement_with_nul_bytes_or_overlong_values_names_the_rows(login, handler):
    import csv

    rows = [line("P1", 100), line("P2" * 40, 100), line("P3", 100, memo="付款\x00"), line("P4", "1e999999")]
    out = io.StringIO()
    csv.writer(out).writerows([STATEMENT_HEADER, *rows])
    readable = statement([*rows[:2], line("P3", 100, memo="付款"), rows[3]], title=False)  # openpyxl writes no NUL
    for name, body in (("工行.xlsx", readable), ("工行.csv", out.getvalue().encode("utf-8-sig"))):
        page = login(handler).post(reverse("enrollment:statement_upload"), {"file": SimpleUploadedFile(name, body)})
        assert page.status_code == 200
        assert "第 3 行：交易流水号过长（80 个字符，最多 60 个）" in page.text
        assert "第 5 行：金额“1e999999”过大" in page.text
    assert "第 4 行：摘要/附言含有不可见的控制字符" in page.text  # an .xlsx cannot carry a NUL: the CSV does
    assert not stored_lines().exists()


def test_only_the_columns_the_header_names_are_kept():
    rows = [
        ["备注", "姓名", "x" * 50, "身份证号码"] + ["杂项"] * 90,
        ["很长" * 50_000, "张三", "\x00", person(1)] + [""] * 90,
    ]
    sheet = find_header(rows)
    assert sheet.rows[1] == ("张三", person(1))
    assert sheet.columns == {"name": 0, "id_number": 1} and sheet.headers["name"] == "姓名"


@pytest.mark.parametrize(
    "sheet_data",
    [
        '<row r="1"><c r="A1" r="XFD1"><v>1</v></c></row>',  # calamine takes the last r
        '<row r="1"><c foo=">" r="XFD1"><v>1</v></c></row>',  # a > inside a quoted attribute
        '<row r="1"><c s="1"\tr = \'XFD1\'><v>1</v></c></row>',  # r not first, tab, spaces, single quotes
        '<x:row r="1"><x:c r="XFD5"><x:v>1</x:v></x:c></x:row>',  # a namespace prefix
        "<row>" + "<c><v>1</v></c>" * (MAX_COLUMNS + 1) + "</row>",  # no r: each cell follows the last
        "<row><c><v>1</v></c></row>" * 3 + f'<row r="{MAX_ROWS}"><c><v>1</v></c></row><row><c><v>1</v></c></row>',
    ],
    ids=["two r", "quoted >", "odd spelling", "prefix", "no r", "rows without r"],
)
def test_unusual_spellings_of_a_far_cell_are_found(sheet_data):
    with pytest.raises(SheetRefused, match="超过上限"):
        check_extent(raw_sheet(sheet_data))


def test_a_styled_empty_cell_far_away_is_no_cell():
    check_extent(raw_sheet('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="1"/></row>'))  # calamine ignores it


def test_a_workbook_behind_some_bytes_is_still_checked():
    with pytest.raises(SheetRefused, match="超过上限"):  # calamine opens on content, not the name or the first bytes
        check_extent(b"MZ\x90\x00" + far_cell())


def test_a_twin_sheet_part_differing_only_in_case_is_checked_too():
    data = io.BytesIO(raw_sheet(header_cells()))
    with zipfile.ZipFile(data, "a") as archive:
        archive.writestr(
            "xl/worksheets/Sheet1.xml", f'<worksheet xmlns="{NS}"><sheetData>{LYING}</sheetData></worksheet>'
        )
    with pytest.raises(SheetRefused, match="超过上限"):
        check_extent(data.getvalue())
