"""The roster import (人员手册) on spreadsheets made in the test: every DOMAIN.md §9 code and
normalisation, every §4 rule, four file formats, and the command line's contract."""

import csv
import io
import json
import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
import xlwt
from django.core.management import call_command
from django.db import connection

from enrollment.models import Application, Member, Plan, RosterLine, Unit
from enrollment.roster import ERROR_CODES, UnreadableFile, group_errors
from enrollment.services.rosters import roster_import
from mutualaid.lib.idcard import make_id
from mutualaid.models import AuditLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = ["序号", "姓名", "性别", "身份证号码", "医保卡号", "份数", "手机号", "是否参加医保", "职业", "困难职工"]


def person(k: int, sex="M", born=date(1985, 3, 1), area="371082") -> str:
    return make_id(area, born, 2 * k + (1 if sex == "M" else 0), sex)


def xlsx(rows, header=HEADER, title=True, id_as_number=False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append(["职工医疗互助保障 人员手册"])
        sheet.append(["单位名称：荣成示例水产合作社"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        if id_as_number:
            cell = sheet.cell(row=sheet.max_row, column=4)
            cell.value = int(cell.value) if str(cell.value).isdigit() else cell.value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xls(rows) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("人员手册")
    for c, value in enumerate(HEADER):
        sheet.write(0, c, value)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(k, name="测试", sex="男", id_number=None, card="C{k}", shares="", phone="", basic="", job="", needy=""):
    return [k, f"{name}{'一二三四五六七八九'[k % 9]}" if name == "测试" else name, sex,
            id_number or person(k, "M" if sex in ("男", "") else "F"), card.format(k=k), shares, phone, basic, job,
            needy]  # fmt: skip


def run(data, filename="roster.xlsx", plan="MED", unit="U003", **kwargs):
    return roster_import(
        actor=None, plan=Plan.objects.get(period__number=16, code=plan), unit=Unit.objects.get(code=unit),
        data=data, filename=filename, **kwargs,
    )  # fmt: skip


def codes(result) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for error in result.errors:
        found.setdefault(error.row, set()).add(error.code)
    return found


# --- a clean roster --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maker", "filename"),
    [(xlsx, "roster.xlsx"), (xls, "roster.xls"), (csv_bytes, "roster.csv"),
     (lambda rows: csv_bytes(rows, "gbk"), "roster.csv"), (lambda rows: csv_bytes(rows, "utf-8"), "roster.csv")],
    ids=["xlsx", "xls", "csv-utf8-bom", "csv-gbk", "csv-utf8"],
)  # fmt: skip
def test_a_clean_roster_creates_the_draft_in_every_format(maker, filename):
    result = run(maker([row(1), row(2, sex="女"), row(3)]), filename)
    assert result.errors == []
    assert (result.rows, result.valid, result.created) == (3, 3, 3)
    application = result.application
    assert application.status == "draft" and application.reference.startswith("16-MED-U003-")
    names = list(application.lines.order_by("row_number").values_list("member__name", flat=True))
    assert names == ["测试二", "测试三", "测试四"]
    assert Member.objects.get(id_number=person(2, "F")).sex == "F"


def test_the_header_is_found_by_its_text_below_a_title(db):
    header = ["序号", "姓名", "公民身份号码", "社保卡号", "联系电话"]
    data = xlsx([[1, "李雷", person(7), "C7", "13800000007"]], header=header)
    result = run(data)
    assert result.errors == [] and result.created == 1
    assert result.lines[0].excel_row == 4  # title, unit row, header, then the first person


def test_a_file_without_the_header_is_refused_as_a_whole():
    result = run(xlsx([[1, "李雷", person(7)]], header=["编号", "名字", "证件"]))
    assert [(e.row, e.code) for e in result.errors] == [(None, "header_missing")]
    assert result.created == 0


def test_normalisation_is_silent(db):
    full_width = person(11).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    x_id = next(person(k)[:-1] + "x" for k in range(20, 400) if person(k).endswith("X"))
    rows = [
        [1, "\u3000阿依古丽·买买提 ", "", full_width, "C1", "", "", "", "", ""],  # sex from the ID, full width
        [2, "王小明", "M", x_id, "C2", "１", "", "是", "", "否"],
        [],  # a blank row is skipped
        [3, "陈晓", "女", person(12, "F"), "C3", "", "", "", "", ""],
    ]
    result = run(xlsx(rows))
    assert result.errors == []
    first, second, third = result.lines
    assert (first.name, first.sex, first.id_number) == ("阿依古丽·买买提", "M", person(11))
    assert second.id_number == x_id.upper() and second.shares == 1
    assert third.excel_row == 7


# --- every error code ------------------------------------------------------------------------


def test_every_row_error_code_with_its_excel_row_and_column():
    med = Plan.objects.get(period__number=16, code="MED")
    taken = "371082197511030625"  # 赵敏, already on 16-MED-U003-1
    bad_checksum = person(30)[:-1] + ("0" if person(30)[-1] != "0" else "1")
    rows = [
        row(1, name=""),  # name_missing
        row(2, name="张三3"),  # name_invalid
        row(3, id_number=" "),  # id_missing
        row(4, id_number="37108219850301"),  # id_format (length)
        row(5, id_number=bad_checksum),  # id_checksum
        row(6, id_number="371082198513010011"),  # id_birthdate (month 13)
        row(7, sex="未知"),  # sex_invalid
        row(8, sex="女", id_number=person(8, "M")),  # sex_mismatch: the ID says a man
        row(9, id_number=make_id("371082", date(1950, 1, 1), 91, "M")),  # age_ineligible
        row(10),
        row(11, id_number=person(10)),  # duplicate_in_file (same as row 10)
        row(12, name="赵敏", sex="女", id_number=taken),  # already_enrolled
        row(13, card=""),  # insurance_card_missing
        row(14, basic="否"),  # basic_insurance_required
        row(15, shares="两份"),  # shares_invalid
        row(16, shares="2"),  # shares_exceeds_max (MED: 1)
        row(17, name="王芳", sex="女", id_number="371082198812010868"),  # name_mismatch: 周芳's number
    ]
    result = run(xlsx(rows))
    expected = {
        4: {"name_missing"}, 5: {"name_invalid"}, 6: {"id_missing"}, 7: {"id_format"}, 8: {"id_checksum"},
        9: {"id_birthdate"}, 10: {"sex_invalid"}, 11: {"sex_mismatch"}, 12: {"age_ineligible"},
        14: {"duplicate_in_file"}, 15: {"already_enrolled"}, 16: {"insurance_card_missing"},
        17: {"basic_insurance_required"}, 18: {"shares_invalid"}, 19: {"shares_exceeds_max"},
        20: {"name_mismatch"},
    }  # fmt: skip
    assert codes(result) == expected
    assert result.created == 0 and not Application.objects.filter(unit__code="U003", status="draft").exists()
    by_code = {e.code: e for e in result.errors}
    assert by_code["id_checksum"].column == "身份证号码"
    assert by_code["duplicate_in_file"].message == "身份证号码与第 13 行重复。"
    assert "U003" not in by_code["already_enrolled"].message and "荣成" not in by_code["already_enrolled"].message
    assert by_code["age_ineligible"].message.startswith(
        f"{max(med.period.coverage_start, date(2026, 9, 1))} 时年龄 76 岁"
    )
    assert set(ERROR_CODES) >= {e.code for e in result.errors}


def test_a_number_cell_that_lost_digits_is_an_id_format_error_telling_the_clerk_what_to_do():
    result = run(xlsx([row(1)], id_as_number=True))
    [error] = result.errors
    assert (error.row, error.code) == (4, "id_format")
    assert "文本" in error.message
    result = run(csv_bytes([[1, "李雷", "男", "3.70602198501011E+17", "C1"]]), "roster.csv")
    assert [e.code for e in result.errors] == ["id_format"]


def test_plan_specific_eligibility_sex_occupation_needy_and_exclusive_groups():
    fem = run(xlsx([row(1, sex="男"), row(2, sex="女")]), plan="FEM")
    assert codes(fem) == {4: {"sex_ineligible"}}
    gig = run(xlsx([row(1, job="外卖配送员"), row(2, job="会计")]), plan="GIG", unit="U004")
    assert codes(gig) == {5: {"occupation_ineligible"}}
    needy = run(xlsx([row(1, needy="是"), row(2, needy="")]), plan="NEEDY")
    assert codes(needy) == {5: {"needy_ineligible"}}
    # 赵敏 holds MW in period 16; DD is in the same exclusive group.
    dd = run(xlsx([row(1, name="赵敏", sex="女", id_number="371082197511030625")]), plan="DD")
    assert codes(dd) == {4: {"exclusive_conflict"}}


def test_shares_limits_uniform_mixed_and_the_renewal_exception():
    uniform = run(xlsx([row(1, shares="6"), row(2, shares="6")]), plan="DD")
    assert codes(uniform) == {4: {"shares_exceeds_max"}, 5: {"shares_exceeds_max"}}
    assert "上限 5 份" in uniform.errors[0].message
    assert run(xlsx([row(1, shares="5"), row(2, shares="5")]), plan="DD", dry_run=True).errors == []
    # Different shares in the file make it mixed (§4): at most 3 each, whatever the application's box says.
    mixed = run(xlsx([row(1, shares="5"), row(2, shares="3")]), plan="DD")
    assert codes(mixed) == {4: {"shares_exceeds_max"}}
    assert "上限 3 份" in mixed.errors[0].message and "各人份数不同" in mixed.errors[0].message
    # 张伟 held 3 DD shares in period 15 to its end: he may keep them even where the mixed limit is 3.
    zhang = run(xlsx([row(1, name="张伟", id_number="371002198005120137", shares="3")]), plan="DD", unit="U001",
                dry_run=True)  # fmt: skip
    assert codes(zhang) == {4: {"already_enrolled"}}  # he is on 16-DD-U001-1 already
    assert zhang.lines[0].renewed == 3


def test_default_shares_come_from_the_command_line(db):
    result = run(xlsx([row(1), row(2, shares="2")]), plan="DD", shares=3)
    assert result.errors == []
    assert [line.shares for line in result.lines] == [3, 2]


# --- writing -------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing():
    data = xlsx([row(1), row(2), row(3)])
    first = run(data)
    snapshot = list(
        RosterLine.objects.filter(application=first.application)
        .order_by("row_number")
        .values_list("member__id_number", "row_number", "shares", "renewed_shares", "insurance_card", "live")
    )
    members = Member.objects.count()
    second = run(data)
    assert second.application == first.application and second.created == 3
    assert Member.objects.count() == members
    again = list(
        RosterLine.objects.filter(application=first.application)
        .order_by("row_number")
        .values_list("member__id_number", "row_number", "shares", "renewed_shares", "insurance_card", "live")
    )
    assert again == snapshot


def test_a_new_version_of_the_file_makes_the_roster_exactly_the_new_file():
    """Joiners added, leavers removed, a changed row changed, and row numbers that moved follow the file;
    the people who stay keep their line."""
    first = run(xlsx([row(1), row(2), row(3, phone="13800000003")]))
    kept = dict(RosterLine.objects.filter(application=first.application).values_list("member__id_number", "pk"))
    second = run(xlsx([row(4), row(1), row(3, basic="是", phone="13900000003", card="新卡")]))
    assert second.errors == [] and second.application == first.application and second.created == 3
    lines = RosterLine.objects.filter(application=first.application).order_by("row_number")
    declared = ("member__id_number", "row_number", "phone", "insurance_card", "has_basic_insurance", "live")
    assert list(lines.values_list(*declared)) == [
        (person(4), 4, "", "C4", None, True),
        (person(1), 5, "", "C1", None, True),
        (person(3), 6, "13900000003", "新卡", True, True),
    ]
    assert {line.member.id_number: line.pk for line in lines if line.member.id_number in kept} == {
        number: pk for number, pk in kept.items() if number != person(2)
    }
    imports = AuditLog.objects.for_object(first.application).filter(action="roster_import").order_by("pk")
    assert [entry.comment for entry in imports] == ["导入人员手册 roster.xlsx：3 人"] * 2


def test_what_a_cell_says_is_kept_as_typed_but_a_tab_or_line_break_becomes_a_space():
    typed = '138\t0000\n1111 "宅" \\ 2,3'
    result = run(xlsx([row(1, phone=typed, card='C"1\\')]))
    assert result.errors == []
    line = RosterLine.objects.get(application=result.application)
    assert (line.phone, line.insurance_card) == ('138 0000 1111 "宅" \\ 2,3', 'C"1\\')
    assert (line.member.phone, line.member.insurance_card) == (line.phone, line.insurance_card)


def test_an_id_number_registered_under_another_name_after_the_checks_is_never_written():
    """The checks run before the write's transaction; a person registered meanwhile under another name
    fails the write, which the import answers by checking the file again."""
    from django.db import IntegrityError, transaction

    from enrollment.roster.validate import RosterRow
    from enrollment.roster.writing import write_roster

    zhao = Member.objects.get(name="赵敏")
    first = run(xlsx([row(1), row(2)]))
    lines = RosterLine.objects.count()
    taken = RosterRow(excel_row=4, name="赵小敏", id_number=zhao.id_number, sex=zhao.sex, birth_date=zhao.birth_date)
    with pytest.raises(IntegrityError), transaction.atomic():
        write_roster(application=first.application, unit=first.application.unit, rows=[taken])
    assert RosterLine.objects.count() == lines and Member.objects.get(pk=zhao.pk).name == "赵敏"


def test_a_roster_with_errors_or_a_dry_run_writes_nothing():
    members, lines = Member.objects.count(), RosterLine.objects.count()
    run(xlsx([row(1), row(2, name="")]))
    dry = run(xlsx([row(1), row(2)]), dry_run=True)
    assert dry.errors == [] and dry.created == 0 and dry.application is None
    assert (Member.objects.count(), RosterLine.objects.count()) == (members, lines)


def test_an_import_that_fails_midway_leaves_no_trace(monkeypatch):
    from enrollment.roster import writing

    members, lines, applications = Member.objects.count(), RosterLine.objects.count(), Application.objects.count()
    original = writing.write_roster

    def dies_after_writing(**kwargs):
        original(**kwargs)
        raise RuntimeError("the worker died")

    monkeypatch.setattr("enrollment.services.rosters.write_roster", dies_after_writing)
    with pytest.raises(RuntimeError):
        run(xlsx([row(1), row(2)]))
    assert (Member.objects.count(), RosterLine.objects.count(), Application.objects.count()) == (
        members, lines, applications
    )  # fmt: skip


def test_a_person_changing_employer_keeps_their_unit_until_approval():
    zhao = Member.objects.get(name="赵敏")  # U003
    result = run(xlsx([row(1, name="赵敏", sex="女", id_number=zhao.id_number)]), plan="ACC", unit="U002")
    assert result.errors == []
    zhao.refresh_from_db()
    assert zhao.unit.code == "U003"


def test_unusable_files_are_refused_with_a_message():
    with pytest.raises(UnreadableFile, match="不支持的文件类型"):
        run(b"hello", "roster.pdf")
    with pytest.raises(UnreadableFile, match="已损坏"):
        run(b"PK\x03\x04 not really a zip", "roster.xlsx")
    with pytest.raises(UnreadableFile, match="空的"):
        run(b"", "roster.csv")


def test_errors_are_grouped_most_frequent_kind_first():
    result = run(xlsx([row(1, name=""), row(2, name=""), row(3, card=""), row(4, name="")]))
    groups = group_errors(result.errors)
    assert [(g["code"], g["count"]) for g in groups] == [("name_missing", 3), ("insurance_card_missing", 1)]


# --- the command line ----------------------------------------------------------------------


def test_the_command_prints_the_json_contract_and_exits_by_outcome(tmp_path, capsys):
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(xlsx([row(1), row(2)]))
    call_command("import_roster", "--period", "16", "--plan", "MED", "--unit", "U003", "--json", str(clean))
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == out["valid"] == out["created"] == 2 and out["errors"] == []
    assert out["application"].startswith("16-MED-U003-")

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row(1, name="")]))
    with pytest.raises(SystemExit) as exited:
        call_command("import_roster", "--period", "16", "--plan", "MED", "--unit", "U003", "--json", str(bad))
    assert exited.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["created"] == 0 and out["application"] is None
    assert out["errors"] == [{"row": 4, "column": "姓名", "code": "name_missing", "message": "姓名未填写。"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--plan", "XYZ"], "没有保障项目"), (["--unit", "U999"], "没有编码为"), (["FILE_MISSING"], "找不到文件")],
)
def test_the_command_exits_2_for_unusable_input(tmp_path, args, message):
    from django.core.management import CommandError

    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx([row(1)]))
    base = {"--period": "16", "--plan": "MED", "--unit": "U003"}
    if args[0].startswith("--"):
        base[args[0]] = args[1]
    argv = [part for pair in base.items() for part in pair]
    argv.append("/nonexistent.xlsx" if args == ["FILE_MISSING"] else str(path))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_roster", *argv)
    assert excinfo.value.returncode == 2 and message in str(excinfo.value)


# --- one live enrollment per person, plan and period, held by the database ----------------------


@pytest.mark.django_db(transaction=True)
def test_two_units_enrolling_the_same_person_at_once_one_wins(committed_demo):
    shared = person(77)
    files = {
        "U002": xlsx([row(1, name="共同人", id_number=shared), row(2, id_number=person(78))]),
        "U003": xlsx([row(1, name="共同人", id_number=shared), row(2, id_number=person(79))]),
    }
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def enroll(unit):
        try:
            barrier.wait(timeout=30)
            with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=SHANGHAI), tick=False):
                results[unit] = run(files[unit], plan="ACC", unit=unit, shares=1)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll, args=(unit,)) for unit in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    outcomes = sorted((bool(r.errors), r.created) for r in results.values())
    assert outcomes == [(False, 2), (True, 0)]
    loser = next(r for r in results.values() if r.errors)
    assert [e.code for e in loser.errors] == ["already_enrolled"]
    assert "U002" not in loser.errors[0].message and "U003" not in loser.errors[0].message
    assert RosterLine.objects.filter(member__id_number=shared, live=True, plan__code="ACC").count() == 1


# --- the template and the marked-up file ------------------------------------------------------


def test_the_template_is_laid_out_like_the_official_roster_with_its_rules():
    from enrollment.roster import roster_template

    plan = Plan.objects.get(period__number=16, code="DD")
    book = openpyxl.load_workbook(io.BytesIO(roster_template(plan=plan, unit=Unit.objects.get(code="U003"))))
    sheet = book["人员手册"]
    assert "第十六期" in sheet["A1"].value and sheet["A2"].value == "单位名称：荣成示例水产合作社"
    assert [c.value for c in sheet[3]] == ["序号", "姓名", "性别", "身份证号码", "医保卡号", "份数", "手机号",
                                          "是否参加医保", "职业", "困难职工", "开户行", "银行卡号"]  # fmt: skip
    assert sheet["D4"].number_format == "@" and sheet["E500"].number_format == "@"
    rules = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert rules["C4"].formula1 == '"男,女"' and rules["H4"].formula1 == '"是,否"' and rules["J4"].formula1 == '"是,否"'
    assert (rules["F4"].type, rules["F4"].formula1, rules["F4"].formula2) == ("whole", "1", "5")
    notes = "\n".join(" ".join(str(v) for v in row if v) for row in book["填表说明"].iter_rows(values_only=True))
    assert "16–60 周岁" in notes and "最多 3 份" in notes and "already_enrolled" in notes and "免责期" in notes


def test_a_filled_template_imports():
    from enrollment.roster import roster_template

    plan, unit = Plan.objects.get(period__number=16, code="MED"), Unit.objects.get(code="U003")
    book = openpyxl.load_workbook(io.BytesIO(roster_template(plan=plan, unit=unit)))
    sheet = book["人员手册"]
    for r, k in enumerate((1, 2), start=4):
        for c, value in enumerate([k, f"模板{'一二'[k - 1]}", "男", person(40 + k), f"C{k}", 1], start=1):
            sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(buffer.getvalue())
    assert result.errors == [] and result.created == 2


def test_the_marked_file_points_at_each_bad_cell():
    from enrollment.roster import annotate_workbook

    # A CSV (GBK, as Chinese Excel saves it) with a formula typed as a name: rows 2-4 under the header.
    data = csv_bytes([row(1), row(2, name='=HYPERLINK("http://x","x")'), row(3, card="", id_number="123")], "gbk")
    result = run(data, "roster.csv")
    book = openpyxl.load_workbook(io.BytesIO(annotate_workbook(data=data, filename="r.csv", errors=result.errors)))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[-1] == "错误说明"
    name_cell = sheet.cell(row=3, column=2)
    assert name_cell.fill.start_color.rgb.endswith("FFC7CE") and "姓名" in name_cell.comment.text
    assert name_cell.data_type == "s" and name_cell.value.startswith("'=")  # the clerk's text stays text
    id_cell = sheet.cell(row=4, column=4)
    assert id_cell.fill.start_color.rgb.endswith("FFC7CE") and "18位" in id_cell.comment.text
    assert id_cell.number_format == "@"
    assert "医保卡号" in sheet.cell(row=4, column=len(header)).value
    assert sheet.cell(row=2, column=len(header)).value is None  # a good row has no note


# --- on the worker ---------------------------------------------------------------------------


def test_a_large_roster_runs_on_the_worker_and_a_failed_run_can_be_retried(clerk_u003, monkeypatch):
    from enrollment.tasks import start_roster_import
    from mutualaid import jobs

    plan, unit = Plan.objects.get(period__number=16, code="MED"), Unit.objects.get(code="U003")
    data = xlsx([row(k) for k in range(1, 31)])
    job = start_roster_import(actor=clerk_u003, plan=plan, unit=unit, data=data, filename="大名单.xlsx")
    lines = RosterLine.objects.count()

    def dies(**kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr("enrollment.services.rosters.write_roster", dies)
    job = jobs.execute(job.pk)
    assert job.status == "failed" and RosterLine.objects.count() == lines
    monkeypatch.undo()
    jobs.job_retry(actor=clerk_u003, job=job)
    job = jobs.execute(job.pk)
    assert job.status == "done" and (job.done, job.total) == (30, 30)
    assert job.result["created"] == 30 and job.result["application"].startswith("16-MED-U003-")
    assert RosterLine.objects.count() == lines + 30
