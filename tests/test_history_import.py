"""Going live from Excel (issue 21): the centre's past coverages and paid claims imported, and
counted from the first day: renewals and waiting periods, once-per-condition lump sums, E and the
cap, the statistics, the member's pages. The spreadsheets are written by the tests."""

import csv
import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from openpyxl import Workbook

from claims import engine
from claims import services as claim_services
from claims.history import history_import
from claims.models import Claim
from enrollment.models import Coverage, HistoryImport, Member, Plan
from enrollment.services.applications import renewed_shares_for
from mutualaid.lib.idcard import make_id, upgrade_15, validate_id
from mutualaid.models import AuditLog
from reports import statistics_check
from reports.statistics import compute

pytestmark = pytest.mark.django_db

COV_HEADER = ["期数", "单位编码", "姓名", "身份证号码", "项目代码", "份数", "生效日期", "终止日期", "缴费金额"]
CLAIM_HEADER = [
    "期数",
    "身份证号码",
    "项目代码",
    "申领类型",
    "事件日期",
    "疾病编码",
    "给付金额",
    "给付日期",
    "可报销费用",
]
P15 = ("2025-03-12", "2026-03-11")
P16 = ("2026-03-12", "2027-03-11")
NEW_A = make_id("371082", date(1970, 1, 2), 11, "M")  # not in the demo
NEW_B = make_id("371082", date(1972, 5, 6), 22, "F")
ZHANG_WEI = "371002198005120137"


def write_csv(path, header, rows, *, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["威海市职工医疗互助保障 历史数据"])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def cov(period, name, number, plan, shares=1, dates=None, unit="U003", premium=""):
    start, end = dates or (P15 if period == 15 else P16)
    return [period, unit, name, number, plan, shares, start, end, premium]


def claim(period, number, plan, kind, event, paid, paid_on, disease="", expense=""):
    return [period, number, plan, kind, event, disease, paid, paid_on, expense]


@pytest.fixture
def files(tmp_path):
    def make(coverages=None, claims=None, **kwargs):
        paths = {}
        if coverages is not None:
            paths["coverages"] = write_csv(tmp_path / "参保.csv", COV_HEADER, coverages)
        if claims is not None:
            paths["claims"] = write_csv(tmp_path / "理赔.csv", CLAIM_HEADER, claims)
        return paths

    return make


def run(paths, **kwargs):
    return history_import(actor=None, **{k: str(v) for k, v in paths.items()}, **kwargs)


def estimate(coverage, **details):
    claim = Claim(coverage=coverage, plan=coverage.plan, member=coverage.member, unit=coverage.unit, **details)
    return engine.estimate(claim)[0]


def coverage_of(number, period, code):
    return Coverage.objects.get(member__id_number=number, plan__period__number=period, plan__code=code)


# --- counting everywhere -------------------------------------------------------------------


def test_a_renewing_members_waiting_period_after_their_previous_period_was_imported(files):
    result = run(files(coverages=[cov(15, "于海洋", NEW_A, "MED"), cov(16, "于海洋", NEW_A, "MED"),
                                  cov(16, "曲晓梅", NEW_B, "MED")]))  # fmt: skip
    assert result.error_count == 0 and result.written
    renewing, new = coverage_of(NEW_A, 16, "MED"), coverage_of(NEW_B, 16, "MED")
    assert (renewing.renewed_shares, new.renewed_shares) == (1, 0)
    # A stay on 2026-04-02, within the 90 days' waiting period: the renewing member is paid, the new one not.
    stay = {"kind": "hospital_stay", "admitted": date(2026, 4, 2), "discharged": date(2026, 4, 10),
            "total_cost": Decimal("26000"), "basic_insurance_paid": Decimal("10000")}  # fmt: skip
    assert estimate(renewing, **stay).payable == Decimal("5000.00")  # (16,000 - 6,000) x 50%
    assert estimate(new, **stay).payable == Decimal("0.00")
    # And a roster of period 17 would see them as renewals too: the same question, asked of period 16.
    assert renewed_shares_for(Member.objects.get(id_number=NEW_A), Plan.objects.get(period__number=16, code="MED")) == 1
    assert renewed_shares_for(Member.objects.get(id_number=NEW_B), Plan.objects.get(period__number=16, code="MED")) == 0


def test_a_lump_sum_paid_in_an_imported_claim_is_not_paid_again(files):
    result = run(files(
        coverages=[cov(15, "于海洋", NEW_A, "DD", 3), cov(16, "于海洋", NEW_A, "DD", 3)],
        claims=[claim(15, NEW_A, "DD", "确诊/手术", "2025-09-01", "45000", "2025-10-10", disease="DD01")],
    ))  # fmt: skip
    assert result.error_count == 0
    dd16 = coverage_of(NEW_A, 16, "DD")
    again = estimate(dd16, kind="diagnosis", event_date=date(2026, 8, 1), diagnosis="DD01")
    other = estimate(dd16, kind="diagnosis", event_date=date(2026, 8, 1), diagnosis="DD02")
    assert again.payable == Decimal("0.00")
    assert other.payable == Decimal("45000.00")  # 3 renewed shares x 15,000, no waiting


def test_an_imported_claim_of_the_current_period_moves_the_deductible_and_the_cap(files):
    run(files(
        coverages=[cov(15, "于海洋", NEW_A, "MED"), cov(16, "于海洋", NEW_A, "MED"),
                   cov(15, "曲晓梅", NEW_B, "MED"), cov(16, "曲晓梅", NEW_B, "MED")],
        claims=[claim(16, NEW_A, "MED", "住院", "2026-05-03", "7000", "2026-06-01", expense="20000"),
                claim(16, NEW_B, "MED", "住院", "2026-05-03", "95000", "2026-06-01", expense="150000")],
    ))  # fmt: skip
    # DOMAIN.md §8 example 2 with the first stay imported: E 20,000 -> 48,000 pays 22,800 - 7,000.
    stay = {"kind": "hospital_stay", "admitted": date(2026, 8, 1), "discharged": date(2026, 8, 15),
            "total_cost": Decimal("50000"), "basic_insurance_paid": Decimal("20000"),
            "excluded_self_pay": Decimal("2000")}  # fmt: skip
    assert estimate(coverage_of(NEW_A, 16, "MED"), **stay).payable == Decimal("15800.00")
    # 95,000 already paid of the 100,000 cap: only 5,000 is left.
    assert estimate(coverage_of(NEW_B, 16, "MED"), **stay).payable == Decimal("5000.00")


def test_the_statistics_cumulative_figures_include_the_imported_periods(files, handler):
    before = compute(handler).totals
    run(files(
        coverages=[cov(15, "于海洋", NEW_A, "DD", 2, premium="80"), cov(15, "曲晓梅", NEW_B, "MED", premium="50")],
        claims=[claim(15, NEW_A, "DD", "确诊", "2025-09-01", "30000", "2025-10-10", disease="DD02")],
    ))  # fmt: skip
    after = compute(handler).totals
    assert after.enrolled - before.enrolled == 2
    assert after.collected - before.collected == Decimal("130.00")
    assert after.claims_paid - before.claims_paid == 1
    assert after.paid - before.paid == Decimal("30000.00")
    row = next(r for r in compute(handler, period=15, plan="DD").rows)
    assert row.paid == Decimal("39000.00")  # 张伟's 9,000 of the demo and the imported 30,000
    assert statistics_check.differences() == []  # the summary recounted in the import's transaction


# --- the import itself ---------------------------------------------------------------------


def test_importing_the_same_files_again_changes_nothing(files):
    paths = files(coverages=[cov(15, "于海洋", NEW_A, "DD", 2)],
                  claims=[claim(15, NEW_A, "DD", "确诊", "2025-09-01", "30000", "2025-10-10", disease="DD02")])  # fmt: skip
    first = run(paths)
    counts = (Member.objects.count(), Coverage.objects.count(), Claim.objects.count(), AuditLog.objects.count(),
              HistoryImport.objects.count())  # fmt: skip
    second = run(paths)
    assert first.written and not second.written
    assert (second.coverages["new"], second.coverages["unchanged"]) == (0, 1)
    assert (second.claims["new"], second.claims["unchanged"]) == (0, 1)
    assert counts == (Member.objects.count(), Coverage.objects.count(), Claim.objects.count(),
                      AuditLog.objects.count(), HistoryImport.objects.count())  # fmt: skip
    assert second.totals == first.totals


def test_one_audit_row_per_file_and_the_marks_on_the_member_and_claim_pages(files, login, handler):
    run(files(coverages=[cov(15, "于海洋", NEW_A, "DD", 2)],
              claims=[claim(15, NEW_A, "DD", "确诊", "2025-09-01", "30000", "2025-10-10", disease="DD02")]))  # fmt: skip
    rows = AuditLog.objects.filter(action="history_import").order_by("pk")
    assert [r.comment for r in rows] == [
        "导入历史参保记录：新增 1 条，已有 0 条",
        "导入历史理赔记录：新增 1 条，已有 0 条",
    ]
    member = Member.objects.get(id_number=NEW_A)
    page = login(handler).get(f"/members/{member.pk}/").content.decode()
    assert "由历史数据导入（参保.csv 第 3 行）" in page
    assert "由历史数据导入（理赔.csv 第 3 行）" in page
    paid = Claim.objects.get(member=member)
    detail = login(handler).get(f"/claims/{paid.reference}/").content.decode()
    assert "由历史数据导入（理赔.csv 第 3 行）：上线前已给付的理赔" in detail


def test_an_imported_claim_is_never_worked_as_if_entered_here(files, handler):
    run(files(coverages=[cov(15, "于海洋", NEW_A, "DD", 2)],
              claims=[claim(15, NEW_A, "DD", "确诊", "2025-09-01", "30000", "2025-10-10", disease="DD02")]))  # fmt: skip
    paid = Claim.objects.get(member__id_number=NEW_A)
    assert paid.status == "paid" and paid.approved_amount == Decimal("30000.00")
    with pytest.raises(PermissionDenied, match="历史数据导入"):
        claim_services.claim_update(actor=handler, claim=paid, hospital="改一下")


def test_nothing_is_written_when_any_row_is_wrong_or_in_a_dry_run(files):
    counts = (Member.objects.count(), Coverage.objects.count(), Claim.objects.count())
    good = cov(15, "于海洋", NEW_A, "MED")
    assert run(files(coverages=[good, cov(15, "曲晓梅", NEW_B, "MED", unit="U999")])).error_count == 1
    assert run(files(coverages=[good]), dry_run=True).error_count == 0
    assert counts == (Member.objects.count(), Coverage.objects.count(), Claim.objects.count())


def test_the_15_digit_first_generation_id_is_converted_and_flagged(files, tmp_path):
    old = "371082700102011"  # born 1970-01-02
    new = upgrade_15(old)
    assert new == "37108219700102011" + new[-1] and validate_id(new, today=date(2026, 1, 1)).birth_date == date(
        1970, 1, 2
    )
    book = Workbook()
    sheet = book.active
    sheet.append(COV_HEADER)
    sheet.append([15, "U003", "于海洋", int(old), "MED", 1, *P15])  # a number cell: 15 digits survive
    book.save(tmp_path / "old.xlsx")
    result = run({"coverages": tmp_path / "old.xlsx"})
    assert result.error_count == 0
    assert result.converted.rows == [{"file": "old.xlsx", "row": 2, "from": old, "to": new}]
    member = Member.objects.get(id_number=new)
    assert member.old_id_number == old
    assert member.birth_date == date(1970, 1, 2)


def test_a_legacy_sheet_with_merged_headers_text_dates_and_a_total_row(tmp_path):
    """The mistakes the centre's own sheets have (fixtures/ has the same as templates)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["威海市职工医疗互助保障 历年参保明细"])
    sheet.merge_cells("A1:I1")
    sheet.append(["期数", "单位编码", "姓名", "身份证号码", "参保信息", None, None, None, "缴费金额"])
    sheet.append([None, None, None, None, "项目代码", "份数", "生效日期", "终止日期", None])
    for column in "ABCDI":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("E2:H2")
    sheet.append([15, "U003", "于海洋", NEW_A, "MED", 1, "2025-03-12", "2026/3/11", 50])
    sheet.append(["15", "U003", "曲晓梅", NEW_B, "MED", 1, "2025年3月12日", date(2026, 3, 11), 50])
    sheet.append(["合计", None, None, None, None, 2, None, None, 100])
    book.save(tmp_path / "legacy.xlsx")
    result = run({"coverages": tmp_path / "legacy.xlsx"})
    assert result.errors == []
    assert result.coverages == {"file": "legacy.xlsx", "rows": 2, "new": 2, "unchanged": 0, "skipped": 1, "renewals": 0}
    assert coverage_of(NEW_B, 15, "MED").effective_from == date(2025, 3, 12)


def test_json_output_and_the_reconciliation_workbook(files, tmp_path):
    from python_calamine import CalamineWorkbook

    paths = files(coverages=[cov(15, "于海洋", NEW_A, "DD", 2, premium="80")],
                  claims=[claim(15, NEW_A, "DD", "确诊", "2025-09-01", "30000", "2025-10-10", disease="DD02")])  # fmt: skip
    out = StringIO()
    call_command("import_history", coverages=str(paths["coverages"]), claims=str(paths["claims"]), as_json=True,
                 totals_xlsx=str(tmp_path / "totals.xlsx"), stdout=out)  # fmt: skip
    data = json.loads(out.getvalue())
    assert {"coverages", "claims", "errors", "totals"} <= set(data)
    dd15 = next(t for t in data["totals"] if (t["period"], t["plan"]) == (15, "DD"))
    # The demo's 张伟 (3 shares, his 9,000 claim) beside the imported person (2 shares, 80.00, 30,000).
    assert dd15 == {"period": 15, "plan": "DD", "persons": 2, "shares": 5, "premium": str(Decimal("120.00") + 80),
                    "claims": 2, "paid": "39000.00"}  # fmt: skip
    rows = CalamineWorkbook.from_path(str(tmp_path / "totals.xlsx")).get_sheet_by_index(0).to_python()
    assert rows[0] == ["期数", "项目代码", "参保人数", "份数", "会费", "理赔件数", "给付金额"]
    assert rows[-1][0] == "合计"


# --- every error code ----------------------------------------------------------------------

A = NEW_A
BAD_CHECK = A[:-1] + ("0" if A[-1] != "0" else "1")
# fmt: off
COVERAGE_ERRORS = [
    ("period_unknown", [cov(9, "于海洋", A, "MED", dates=P15)], "期数"),
    ("plan_unknown", [cov(15, "于海洋", A, "ALW")], "项目代码"),
    ("unit_unknown", [cov(15, "于海洋", A, "MED", unit="U999")], "单位编码"),
    ("name_missing", [cov(15, "", A, "MED")], "姓名"),
    ("name_invalid", [cov(15, "于海洋2", A, "MED")], "姓名"),
    ("name_mismatch", [cov(15, "张三", ZHANG_WEI, "DD", 3)], "姓名"),
    ("id_missing", [cov(15, "于海洋", "", "MED")], "身份证号码"),
    ("id_format", [cov(15, "于海洋", "3.71082197001021E+17", "MED")], "身份证号码"),
    ("id_checksum", [cov(15, "于海洋", BAD_CHECK, "MED")], "身份证号码"),
    ("id_birthdate", [cov(15, "于海洋", make_id("371082", date(1970, 1, 2), 11, "M").replace("19700102", "19701302"),
                          "MED")], "身份证号码"),
    ("shares_invalid", [cov(15, "于海洋", A, "MED", 0)], "份数"),
    ("shares_exceeds_max", [cov(15, "于海洋", A, "MED", 2)], "份数"),
    ("date_invalid", [cov(15, "于海洋", A, "MED", dates=("三月", P15[1]))], "生效日期"),
    ("date_outside_period", [cov(15, "于海洋", A, "MED", dates=("2024-03-12", P15[1]))], "生效日期"),
    ("amount_invalid", [cov(15, "于海洋", A, "MED", premium="五十")], "缴费金额"),
    ("duplicate_in_file", [cov(15, "于海洋", A, "MED"), cov(15, "于海洋", A, "MED")], "身份证号码"),
    ("coverage_differs", [cov(15, "张伟", ZHANG_WEI, "DD", 2)], None),
    ("already_enrolled", [cov(16, "赵敏", "371082197511030625", "MED")], "身份证号码"),
]
# fmt: on


@pytest.mark.parametrize(("code", "rows", "column"), COVERAGE_ERRORS, ids=[c[0] for c in COVERAGE_ERRORS])
def test_each_coverage_error_code(files, code, rows, column):
    before = Coverage.objects.count()
    result = run(files(coverages=rows))
    found = [e for e in result.errors if e["code"] == code]
    assert found, result.errors
    assert found[0]["file"] == "参保.csv" and found[0]["row"] == 2 + len(rows) and found[0]["column"] == column
    assert Coverage.objects.count() == before


DD16 = [cov(16, "于海洋", A, "DD", 1)]
# fmt: off
CLAIM_ERRORS = [
    ("kind_invalid", DD16, [claim(16, A, "DD", "住院", "2026-09-01", "100", "2026-10-01")], "申领类型"),
    ("disease_missing", DD16, [claim(16, A, "DD", "确诊", "2026-09-01", "100", "2026-10-01")], "疾病编码"),
    ("disease_unknown", DD16, [claim(16, A, "DD", "确诊", "2026-09-01", "100", "2026-10-01", "A15")], "疾病编码"),
    ("expense_missing", [cov(16, "于海洋", A, "MED")],
     [claim(16, A, "MED", "住院", "2026-09-01", "100", "2026-10-01")], "可报销费用"),
    ("coverage_missing", [], [claim(16, A, "DD", "确诊", "2026-09-01", "100", "2026-10-01", "DD01")], "身份证号码"),
    ("date_outside_coverage", [cov(16, "于海洋", A, "DD", 1, dates=("2026-05-01", P16[1]))],
     [claim(16, A, "DD", "确诊", "2026-04-01", "100", "2026-10-01", "DD01")], "事件日期"),
    ("date_invalid", DD16, [claim(16, A, "DD", "确诊", "九月", "100", "2026-10-01", "DD01")], "事件日期"),
    ("amount_invalid", DD16, [claim(16, A, "DD", "确诊", "2026-09-01", "-5", "2026-10-01", "DD01")], "给付金额"),
    ("duplicate_in_file", DD16, [claim(16, A, "DD", "确诊", "2026-09-01", "100", "2026-10-01", "DD01")] * 2, None),
    ("condition_paid", [], [claim(16, ZHANG_WEI, "DD", "确诊", "2026-09-01", "100", "2026-10-01", "DD15")], "疾病编码"),
    ("claim_in_system", [], [claim(16, "371002196601100379", "MED", "住院", "2026-05-03", "7000", "2026-06-01",
                                   expense="20000")], None),
]
# fmt: on


@pytest.mark.parametrize(("code", "coverages", "rows", "column"), CLAIM_ERRORS, ids=[c[0] for c in CLAIM_ERRORS])
def test_each_claim_error_code(files, code, coverages, rows, column):
    before = Claim.objects.count()
    result = run(files(coverages=coverages or None, claims=rows))
    found = [e for e in result.errors if e["code"] == code]
    assert found, result.errors
    assert found[0]["file"] == "理赔.csv" and found[0]["row"] == 2 + len(rows) and found[0]["column"] == column
    assert Claim.objects.count() == before


def test_claim_differs_from_one_imported_before(files):
    paths = files(coverages=DD16, claims=[claim(16, A, "DD", "确诊", "2026-09-01", "100", "2026-10-01", "DD01")])
    run(paths)
    result = run(files(claims=[claim(16, A, "DD", "确诊", "2026-09-01", "200", "2026-10-01", "DD01")]))
    assert [e["code"] for e in result.errors] == ["claim_differs"]


def test_header_missing_and_a_gbk_file(tmp_path):
    write_csv(tmp_path / "x.csv", ["期数", "姓名"], [[15, "于海洋"]])
    result = run({"coverages": tmp_path / "x.csv"})
    assert result.errors[0]["code"] == "header_missing" and result.errors[0]["row"] is None
    assert "单位编码" in result.errors[0]["message"]
    write_csv(tmp_path / "gbk.csv", COV_HEADER, [cov(15, "于海洋", A, "MED")], encoding="gbk")
    assert run({"coverages": tmp_path / "gbk.csv"}).coverages["new"] == 1


def test_the_roster_person_checks_reach_the_optional_columns(tmp_path):
    header = [*COV_HEADER, "手机号", "开户行", "银行卡号"]
    rows = [[*cov(15, "于海洋", A, "MED"), "1" * 31, "", ""], [*cov(15, "曲晓梅", NEW_B, "MED"), "", "工行", "12ab"]]
    result = run({"coverages": write_csv(tmp_path / "p.csv", header, rows)})
    assert [(e["row"], e["code"], e["column"]) for e in result.errors] == [
        (3, "value_too_long", "手机号"), (4, "bank_account_invalid", "银行卡号")]  # fmt: skip


def test_the_templates_in_fixtures_import_cleanly_against_the_demo():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "fixtures"
    result = history_import(actor=None, coverages=str(root / "历史参保记录-模板.xlsx"),
                            claims=str(root / "历史理赔记录-模板.xlsx"), dry_run=True)  # fmt: skip
    assert result.errors == []
    assert (result.coverages["new"], result.coverages["skipped"]) == (5, 1)  # the 合计 row skipped
    assert result.claims["new"] == 3
    assert result.converted.count == 4  # two people with old numbers, in both files
    assert not result.written and not Member.objects.filter(name="于海洋").exists()


# --- the centre's page ---------------------------------------------------------------------


def test_the_centre_page_previews_on_the_worker_then_imports_when_confirmed(login, handler, clerk_u001):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mutualaid import jobs

    body = StringIO()
    csv.writer(body).writerows([COV_HEADER, cov(15, "于海洋", A, "DD", 2), cov(15, "曲晓梅", NEW_B, "MED")])
    upload = SimpleUploadedFile("参保.csv", body.getvalue().encode("utf-8"), content_type="text/csv")
    assert login(clerk_u001).get("/claims/history/").status_code == 404
    client = login(handler)
    assert client.post("/claims/history/", {"coverages": upload}).status_code == 302
    [job] = jobs.execute_queued()
    assert job.status == "done", job.error
    page = client.get("/claims/history/").content.decode()
    assert "试导入结果（尚未写入）" in page and "确认导入</button>" in page
    assert not Member.objects.filter(id_number=A).exists()
    totals = client.get("/claims/history/totals.xlsx")
    assert totals["Content-Type"].startswith("application/vnd.openxmlformats")
    client.post("/claims/history/confirm/")
    [job] = jobs.execute_queued()
    assert job.status == "done" and job.result["written"]
    assert coverage_of(A, 15, "DD").imported_where == "由历史数据导入（参保.csv 第 2 行）"
    assert "确认导入</button>" not in client.get("/claims/history/").content.decode()


def test_the_centre_page_lists_the_errors_and_offers_no_confirmation(login, handler):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mutualaid import jobs

    body = StringIO()
    csv.writer(body).writerows([COV_HEADER, cov(15, "于海洋", A, "DD", 2, unit="U999")])
    client = login(handler)
    client.post("/claims/history/", {"coverages": SimpleUploadedFile("参保.csv", body.getvalue().encode())})
    jobs.execute_queued()
    page = client.get("/claims/history/").content.decode()
    assert "有 1 处错误，未写入任何记录" in page and "unit_unknown" in page
    assert "确认导入</button>" not in page
    assert client.post("/claims/history/confirm/").status_code == 302
    assert not Member.objects.filter(id_number=A).exists()


def test_an_imported_application_is_read_only_in_the_admin(files, login, admin_user):
    run(files(coverages=[cov(15, "于海洋", A, "DD", 2)]))
    application = Coverage.objects.get(member__id_number=A).application
    client = login(admin_user)
    url = f"/admin/enrollment/application/{application.pk}/change/"
    assert "由历史数据导入（参保.csv）" in client.get(url).content.decode()
    response = client.post(url, {"contact_name": "改一下"})
    application.refresh_from_db()
    assert response.status_code == 403 and application.contact_name == ""


def test_importing_the_previous_period_after_the_current_one_was_enrolled_makes_them_renewals(files):
    """陈静 joined MED in period 16 here as a new member; the centre's sheet says she held it in period
    15 to its end: once that is imported, her period-16 coverage is a renewal and does not wait."""
    chen = "371003199203050505"
    coverage = coverage_of(chen, 16, "MED")
    stay = {"kind": "hospital_stay", "admitted": date(2026, 4, 2), "discharged": date(2026, 4, 10),
            "total_cost": Decimal("26000"), "basic_insurance_paid": Decimal("10000")}  # fmt: skip
    assert coverage.renewed_shares == 0 and estimate(coverage, **stay).payable == Decimal("0.00")
    result = run(files(coverages=[cov(15, "陈静", chen, "MED", unit="U002")]))
    assert result.coverages["renewals"] == 1
    coverage.refresh_from_db()
    assert coverage.renewed_shares == 1 and estimate(coverage, **stay).payable == Decimal("5000.00")
    assert coverage.application.lines.get(member__id_number=chen).renewed_shares == 1
    assert "下一期 1 人改为续保" in AuditLog.objects.filter(action="history_import").latest("pk").comment


def test_the_members_own_page_shows_the_imported_periods(files, client):
    from tests.helpers import as_member

    run(files(coverages=[cov(15, "于海洋", A, "DD", 2), cov(16, "于海洋", A, "DD", 2)],
              claims=[claim(15, A, "DD", "确诊", "2025-09-01", "30000", "2025-10-10", disease="DD02")]))  # fmt: skip
    page = as_member(client, Member.objects.get(id_number=A)).get("/me/").content.decode()
    paid = Claim.objects.get(member__id_number=A)
    assert "第十五期" in page and paid.reference in page
    assert "2 份：<strong>2026-03-12</strong> 起可给付（续保不设等待期）" in page  # renewed: no waiting


def test_a_period_imported_in_a_later_file_renews_the_one_imported_before(files, tmp_path):
    run(files(coverages=[cov(15, "于海洋", A, "DD", 2)]))
    later = write_csv(tmp_path / "第16期.csv", COV_HEADER, [cov(16, "于海洋", A, "DD", 3)])
    assert run({"coverages": later}).error_count == 0
    assert coverage_of(A, 16, "DD").renewed_shares == 2  # the third share is new and waits
