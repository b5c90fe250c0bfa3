"""Money in (DOMAIN.md §10): statements read and matched, the manual queue, undo, refunds, and the
coverages that start the day after an approved invoice is fully paid. Against the demo's three
unpaid invoices: 16-ALW-U002-1 (62.00), 16-FEM-U003-1 (50.00) and 16-MED-U003-1 (100.00)."""

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError

from enrollment.models import Application, BankStatement, Coverage, LineStatus, Payment, StatementLine
from enrollment.roster import UnreadableFile
from enrollment.services import payments, waiting_ends
from enrollment.services.payments import StatementRefused, statement_import

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = ["交易日期", "交易流水号", "付款人名称", "付款人账号", "金额", "摘要/附言"]


@pytest.fixture(autouse=True)
def _autumn_2026():
    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=False):
        yield


def statement(rows, header=HEADER, title=True) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append(["中国工商银行 账户交易明细"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def line(txn, amount, memo="", payer="荣成示例水产合作社", day="2026-11-23"):
    return [day, txn, payer, "6222020000000001", amount, memo]


def stored_lines():
    """The statement lines stored beside the demo's own: the demo's transfers arrived by statement too."""
    return StatementLine.objects.exclude(txn_no__startswith="DEMO")


def stored_statements():
    """The statements imported beside the demo's own."""
    return BankStatement.objects.exclude(lines__txn_no__startswith="DEMO")


def app(reference) -> Application:
    return Application.objects.get(reference=reference)


def run(actor, rows, **kwargs):
    return statement_import(actor=actor, data=statement(rows), filename="对账单.xlsx", **kwargs)


def test_a_reference_in_the_memo_matches_and_the_coverages_start_the_next_day(handler):
    result = run(handler, [line("T1", 100, memo="16-MED-U003-1 互助金")])
    assert result.matched == [{"row": 3, "reference": "16-MED-U003-1", "amount": "100.00"}]
    med = app("16-MED-U003-1")
    assert (med.status, med.amount_paid, med.invoice_status, med.effective_on) == (
        "effective", D("100.00"), "paid", date(2026, 11, 24))  # fmt: skip
    coverages = Coverage.objects.filter(application=med)
    assert coverages.count() == med.lines.count() > 0
    for coverage in coverages:
        assert coverage.effective_from == date(2026, 11, 24) and coverage.effective_to == date(2027, 3, 11)
        assert waiting_ends(coverage) == date(2026, 11, 24) + timedelta(days=coverage.plan.waiting_days)


def test_the_payer_name_and_an_amount_owed_by_exactly_one_invoice_match(handler):
    # U003 owes 50.00 (FEM) and 100.00 (MED): the amount tells which; spaces and brackets do not matter.
    result = run(
        handler, [line("T2", "50.00", payer=" 荣成示例水产合作社 "), line("T3", 77, payer="荣成示例水产合作社")]
    )
    assert [m["reference"] for m in result.matched] == ["16-FEM-U003-1"]
    assert result.unmatched == [4]
    assert StatementLine.objects.get(txn_no="T3").status == LineStatus.WAITING


def test_a_partial_payment_leaves_a_balance_and_the_rest_completes_it(handler):
    run(handler, [line("T4", 30, memo="16-ALW-U002-1", payer="文登示例商店")])
    alw = app("16-ALW-U002-1")
    assert (alw.invoice_status, alw.balance, alw.status) == ("partly_paid", D("32.00"), "centre_approved")
    run(handler, [line("T5", 32, memo="16-ALW-U002-1", payer="文登示例商店", day="2026-11-24")])
    alw.refresh_from_db()
    assert (alw.invoice_status, alw.status, alw.effective_on) == ("paid", "effective", date(2026, 11, 25))


def test_an_overpayment_is_flagged_and_refunded(handler):
    result = run(handler, [line("T6", 150, memo="16-MED-U003-1")])
    assert result.overpaid == [3]
    med = app("16-MED-U003-1")
    assert (med.invoice_status, med.balance) == ("overpaid", D("-50.00"))
    with pytest.raises(ValidationError, match=r"0\.01 至 50\.00 元"):
        payments.refund_record(actor=handler, application_id=med.pk, amount=D("60"), refunded_on=date(2026, 11, 25),
                               reference="RF1")  # fmt: skip
    payments.refund_record(actor=handler, application_id=med.pk, amount=D("50"), refunded_on=date(2026, 11, 25),
                           reference="RF1")  # fmt: skip
    med.refresh_from_db()
    assert (med.invoice_status, med.balance, med.amount_refunded) == ("paid", D("0.00"), D("50.00"))


def test_duplicates_within_a_file_and_across_imports_count_once(handler):
    rows = [line("T7", 100, memo="16-MED-U003-1"), line("T7", 100, memo="16-MED-U003-1"), line("T8", 1, memo="x")]
    first = run(handler, rows)
    assert first.duplicates == [4] and len(first.matched) == 1 and first.unmatched == [5]
    counts = (StatementLine.objects.count(), Payment.objects.count(), app("16-MED-U003-1").amount_paid)
    second = run(handler, rows)
    assert second.duplicates == [3, 4, 5] and second.matched == [] and second.unmatched == []
    assert (StatementLine.objects.count(), Payment.objects.count(), app("16-MED-U003-1").amount_paid) == counts


def test_a_gbk_csv_with_a_banks_own_column_names_and_debit_lines(handler):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["记账日期", "流水号", "对方户名", "对方账号", "借方金额", "贷方金额", "用途"])
    writer.writerow(["2026/09/05", "B1", "文登示例商店", "6222", "", "62.00", "缴费 16-ALW-U002-1"])
    writer.writerow(["2026/09/05", "B2", "某供应商", "6223", "500.00", "", "货款"])
    data = buffer.getvalue().encode("gbk")
    result = statement_import(actor=handler, data=data, filename="流水.csv")
    assert (result.lines, result.debits, [m["reference"] for m in result.matched]) == (2, 1, ["16-ALW-U002-1"])
    assert stored_statements().get().debits_skipped == 1


def test_a_dry_run_previews_and_writes_nothing(handler):
    result = run(handler, [line("T9", 100, memo="16-MED-U003-1")], dry_run=True)
    assert [m["reference"] for m in result.matched] == ["16-MED-U003-1"]
    assert not stored_lines().exists() and app("16-MED-U003-1").amount_paid == 0


# --- The manual queue ---------------------------------------------------------------------


def test_candidates_rank_the_invoice_whose_amount_and_payer_agree_first(handler):
    run(handler, [line("M1", 100, memo="工会会费", payer="荣成示例水产合作社工会")])
    waiting = StatementLine.objects.get(txn_no="M1")
    found = payments.line_candidates(waiting)
    best = found[0]
    assert best["application"].reference == "16-MED-U003-1" and best["amount"] and best["payer_part"]
    payments.line_match(actor=handler, line_id=waiting.pk, application_id=best["application"].pk)
    waiting.refresh_from_db()
    assert waiting.status == LineStatus.MATCHED and app("16-MED-U003-1").status == "effective"
    with pytest.raises(ValidationError, match="已处理"):
        payments.line_match(actor=handler, line_id=waiting.pk, application_id=app("16-FEM-U003-1").pk)


def test_a_line_is_split_over_invoices_of_one_unit_and_never_over_credits(handler):
    run(handler, [line("S1", 150, memo="两项合并缴费"), line("S2", 200, payer="文登示例商店")])
    s1, s2 = StatementLine.objects.get(txn_no="S1"), StatementLine.objects.get(txn_no="S2")
    fem, med, alw = app("16-FEM-U003-1"), app("16-MED-U003-1"), app("16-ALW-U002-1")
    with pytest.raises(ValidationError, match=r"只欠 62\.00 元"):
        payments.line_match(actor=handler, line_id=s2.pk, application_id=alw.pk)
    with pytest.raises(ValidationError, match=r"与流水金额 150\.00 元不符"):
        payments.line_split(actor=handler, line_id=s1.pk, parts=[(fem.pk, D("50")), (med.pk, D("90"))])
    with pytest.raises(ValidationError, match="同一单位"):
        payments.line_split(actor=handler, line_id=s1.pk, parts=[(fem.pk, D("88")), (alw.pk, D("62"))])
    payments.line_split(actor=handler, line_id=s1.pk, parts=[(fem.pk, D("50")), (med.pk, D("100"))])
    assert app("16-FEM-U003-1").status == app("16-MED-U003-1").status == "effective"
    assert Payment.objects.filter(line=s1).count() == 2


def test_a_match_is_undone_with_a_reason_and_the_line_waits_again(handler):
    run(handler, [line("U1", 30, memo="16-ALW-U002-1", payer="文登示例商店")])
    payment = Payment.objects.get(bank_txn_no="U1")
    with pytest.raises(ValidationError, match="撤销原因"):
        payments.payment_undo(actor=handler, payment_id=payment.pk, reason=" ")
    payments.payment_undo(actor=handler, payment_id=payment.pk, reason="付款人是文登另一家单位")
    alw = app("16-ALW-U002-1")
    assert (alw.amount_paid, alw.invoice_status) == (D("0.00"), "unpaid")
    assert StatementLine.objects.get(txn_no="U1").status == LineStatus.WAITING
    assert alw.payments.get().undo_reason == "付款人是文登另一家单位"
    # A match that made coverages effective is not undone: the money is refunded instead.
    run(handler, [line("U2", 100, memo="16-MED-U003-1")])
    with pytest.raises(ValidationError, match="已生效"):
        payments.payment_undo(actor=handler, payment_id=Payment.objects.get(bank_txn_no="U2").pk, reason="误配")


def test_a_line_that_is_not_a_premium_is_set_aside(handler):
    run(handler, [line("N1", 999, payer="某公司", memo="房租")])
    line_obj = StatementLine.objects.get(txn_no="N1")
    payments.line_not_ours(actor=handler, line_id=line_obj.pk, reason="房租收入")
    line_obj.refresh_from_db()
    assert (line_obj.status, line_obj.note) == (LineStatus.NOT_OURS, "房租收入")


def test_only_the_centre_imports_and_matches(clerk_u003, district_rc, handler):
    for person in (clerk_u003, district_rc):
        with pytest.raises(Exception, match="市中心"):
            run(person, [line("X1", 100, memo="16-MED-U003-1")])
    run(handler, [line("X2", 5, memo="?")])
    with pytest.raises(Exception, match="市中心"):
        payments.line_match(actor=district_rc, line_id=stored_lines().get().pk,
                            application_id=app("16-MED-U003-1").pk)  # fmt: skip


# --- Malformed statements ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (statement([["2026-09-03", "A1", "x", "y", "z"]], header=["交易日期", "付款人名称", "金额", "摘要"]),
         "no-txn.xlsx", "找不到表头"),
        (statement([line("A2", "一百元")]), "text.xlsx", "金额“一百元”不是数字"),
        (statement([line("A3", -100)]), "negative.xlsx", "不是正数"),
        (statement([line("A4", 100, day="昨天")]), "date.xlsx", "交易日期“昨天”无法识别"),
        (b"", "empty.csv", "文件是空的"),
        (statement([]), "header-only.xlsx", "没有流水"),
        (b"x" * (50 * 1024 * 1024 + 1), "huge.csv", "不能超过 50 MB"),
        (b"%PDF-1.4 not a statement", "statement.pdf", "不支持的文件类型"),
    ],
)  # fmt: skip
def test_a_malformed_statement_is_refused_and_nothing_is_stored(handler, data, filename, message):
    with pytest.raises(UnreadableFile, match=message):
        statement_import(actor=handler, data=data, filename=filename)
    assert not stored_lines().exists() and not stored_statements().exists()


def test_a_statements_wrong_rows_are_row_errors_like_a_rosters(handler):
    """The same row-error type as the roster's: the Excel row, the column as the bank heads it, a code."""
    rows = [line("E1", "一百元"), line("E2", 100, day="昨天"), line("", 100), line("E4", 100)]
    header = ["交易日期", "交易流水号", "对方户名", "对方账号", "贷方金额", "用途"]
    with pytest.raises(StatementRefused) as refused:
        statement_import(actor=handler, data=statement(rows, header=header), filename="农行.xlsx")
    assert [(e.row, e.column, e.code) for e in refused.value.errors] == [
        (3, "贷方金额", "amount_invalid"), (4, "交易日期", "date_invalid"), (5, "交易流水号", "txn_no_missing")
    ]  # fmt: skip
    assert "第 3 行：金额“一百元”不是数字" in str(refused.value) and not stored_lines().exists()


def test_a_zip_bomb_is_refused_before_it_is_expanded(handler):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    with pytest.raises(StatementRefused.__mro__[1], match="压缩炸弹"):
        statement_import(actor=handler, data=bomb.getvalue(), filename="bomb.xlsx")
    assert not stored_statements().exists()


def test_columns_the_statement_does_not_know_are_dropped_between_the_ones_it_does(handler):
    header = ["序号", "交易日期", "余额", "交易流水号", "对方户名", "备注说明", "对方账号", "贷方金额", "用途"]
    data = statement([[1, "2026-11-23", "9999.00", "W1", "荣成示例水产合作社", "x" * 5000, "6222", 100,
                       "16-MED-U003-1"]], header=header)  # fmt: skip
    result = statement_import(actor=handler, data=data, filename="对账单.xlsx")
    assert result.matched == [{"row": 3, "reference": "16-MED-U003-1", "amount": "100.00"}]
    stored = StatementLine.objects.get(txn_no="W1")
    assert (stored.payer_name, stored.payer_account, stored.memo) == ("荣成示例水产合作社", "6222", "16-MED-U003-1")
