"""The admin's member and unit imports: the roster's per-person checks, a size limit before any
parsing, and exports whose text cells are never formulas."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment.models import Member, Unit
from mutualaid.models import AuditLog
from tests.test_roster_import import person

pytestmark = pytest.mark.django_db
HEADER = ["单位编码", "姓名", "身份证号码", "性别", "医保卡号", "手机号", "是否参加医保", "困难职工", "职业"]


def workbook(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def post_import(client, data: bytes, name="members.xlsx", model="member"):
    return client.post(
        reverse(f"admin:enrollment_{model}_import"),
        {"import_file": SimpleUploadedFile(name, data), "format": "0", "resource": "0"},
    )


def test_members_are_imported_through_the_rosters_person_checks(admin_client):
    good, bad_sex, bad_checksum = person(381), person(382), person(383)
    bad_checksum = bad_checksum[:-1] + ("0" if bad_checksum[-1] != "0" else "1")
    data = workbook([
        ["U001", "周　杰", good, "", "C381", "", "是", "否", ""],
        ["U001", "吴敏", bad_sex, "女", "C382", "", "是", "否", ""],
        ["U001", "郑3", bad_checksum, "", "", "", "", "", ""],
    ])  # fmt: skip
    page = post_import(admin_client, data).content.decode()
    assert "与身份证号码（男）不符" in page
    assert "校验" in page and "姓名“郑3”含数字或符号" in page
    assert not Member.objects.filter(id_number__in=[good, bad_sex]).exists()  # nothing written

    page = post_import(admin_client, workbook([["U001", "周　杰", good, "", "C381", "", "是", "否", ""]]))
    assert page.status_code == 200 and "confirm" in page.content.decode()
    form = page.context["confirm_form"]
    admin_client.post(reverse("admin:enrollment_member_process_import"), form.initial)
    member = Member.objects.get(id_number=good)
    assert (member.name, member.sex, member.unit.code, member.has_basic_insurance) == ("周杰", "M", "U001", True)


def test_the_file_waiting_for_the_confirmation_is_kept_in_the_shared_storage_and_deleted_once_imported(
    admin_client,
):
    page = post_import(admin_client, workbook([["U001", "冯涛", person(384), "", "C384", "", "是", "否", ""]]))
    name = page.context["confirm_form"].initial["import_file_name"]
    kept = f"admin-imports/{name}"
    # Not a path in the web machine's /tmp: a random name in the storage every web machine shares.
    assert re.fullmatch(r"[0-9a-f]{32}", name) and default_storage.exists(kept)
    admin_client.post(reverse("admin:enrollment_member_process_import"), page.context["confirm_form"].initial)
    assert Member.objects.filter(id_number=person(384)).exists() and not default_storage.exists(kept)
    # A name the form sends back from elsewhere is never read.
    forged = {**page.context["confirm_form"].initial, "import_file_name": "/etc/passwd"}
    with pytest.raises(FileNotFoundError):
        admin_client.post(reverse("admin:enrollment_member_process_import"), forged)


def test_an_oversized_file_or_a_zip_bomb_is_refused_before_parsing(admin_client, settings):
    settings.IMPORT_MAX_BYTES = 50_000
    page = post_import(admin_client, b"x" * 60_000, name="big.csv").content.decode()
    assert "导入文件不能超过" in page
    settings.IMPORT_MAX_BYTES = 5 * 1024 * 1024
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    page = post_import(admin_client, bomb.getvalue(), name="bomb.xlsx").content.decode()
    assert "疑似压缩炸弹，已拒绝" in page
    page = post_import(admin_client, b"PK\x03\x04 not really", name="fake.xlsx").content.decode()
    assert "无法读取表格文件“fake.xlsx”：文件已损坏" in page


def test_exports_write_formula_text_as_text(admin_client):
    Unit.objects.filter(code="U001").update(contact_name='=HYPERLINK("http://evil","点我")')
    response = admin_client.post(reverse("admin:enrollment_unit_export"),
                                 {"format": "0", "resource": "0", "unitresource_code": "on",
                                  "unitresource_contact_name": "on"})  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil","点我")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    logged = AuditLog.objects.filter(action="export").latest("pk")
    assert logged.object_repr == "单位" and logged.actor.username == "admin" and "后台导出" in logged.comment
