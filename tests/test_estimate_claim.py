"""`manage.py estimate_claim`: every worked example of DOMAIN.md §8 against the seeded demo."""

import io
import json
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from claims import services
from claims.models import Claim, ClaimStatus
from enrollment.models import Coverage
from mutualaid.models import AuditLog
from tests.helpers import estimate_json, submit

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")

ZHANG_WEI = "371002198005120137"
LI_NA = "371002199008200241"
WANG_QIANG = "371002196601100379"
LIU_YANG = "371003198502280496"
ZHAO_MIN = "371082197511030625"
ZHOU_FANG = "371082198812010868"

# Example 2's stay (王强 MED 16), reused by example 9 (NEEDY after MED).
WANG_QIANG_STAY = {
    "kind": "hospital_stay",
    "admitted": "2026-08-01",
    "discharged": "2026-08-15",
    "total_cost": "50000",
    "basic_insurance_paid": "20000",
    "excluded_self_pay": "2000",
    "submitted": "2026-08-25",
}


@pytest.fixture
def estimate(tmp_path):
    """Run the command on a JSON file and return its parsed stdout."""

    def _estimate(**data) -> dict:
        return estimate_json(tmp_path, data)

    return _estimate


def line_amounts(result: dict) -> list[str]:
    return [line["amount"] for line in result["lines"] if line["amount"] is not None]


# --- §8 worked examples -------------------------------------------------------------------


def test_example_1_zhang_wei_med_16(estimate):
    result = estimate(
        id_number=ZHANG_WEI,
        period=16,
        plan="MED",
        kind="hospital_stay",
        admitted="2026-04-02",
        discharged="2026-04-30",
        total_cost="168033",
        basic_insurance_paid="50000",
        submitted="2026-05-10",
    )
    assert result["payable"] == "68623.10"
    assert result["decision"] == "payable"
    assert result["reasons"] == []
    assert {"118033.00", "12000.00", "30000.00", "26623.10"} <= set(line_amounts(result))
    assert all(isinstance(line["label"], str) and line["label"] for line in result["lines"])


def test_example_1_under_period_15_deductible(estimate):
    # 张伟 holds MED 15 (effective 2025-03-12, 90-day wait until 2025-06-10); deductible 8,000.
    result = estimate(
        id_number=ZHANG_WEI,
        period=15,
        plan="MED",
        kind="hospital_stay",
        admitted="2025-10-02",
        discharged="2025-10-30",
        total_cost="168033",
        basic_insurance_paid="50000",
        submitted="2025-11-15",
    )
    assert (result["payable"], result["decision"], result["reasons"]) == ("67623.10", "payable", [])


def test_submitted_date_matters_180_day_deadline(estimate):
    # Period 15 coverage ends 2026-03-11: claims are accepted until 2026-09-07.
    base = {
        "id_number": ZHANG_WEI,
        "period": 15,
        "plan": "MED",
        "kind": "hospital_stay",
        "admitted": "2025-10-02",
        "discharged": "2025-10-30",
        "total_cost": "168033",
        "basic_insurance_paid": "50000",
    }
    assert estimate(**base, submitted="2026-09-07")["payable"] == "67623.10"
    late = estimate(**base, submitted="2026-09-08")
    assert (late["payable"], late["decision"], late["reasons"]) == ("0.00", "not_payable", ["late_submission"])


def test_example_2_wang_qiang_med_with_history(estimate):
    result = estimate(id_number=WANG_QIANG, period=16, plan="MED", **WANG_QIANG_STAY)
    assert (result["payable"], result["decision"], result["reasons"]) == ("15800.00", "payable", [])
    assert "28000.00" in line_amounts(result)  # e


def test_example_3_li_na_in_waiting_period(estimate):
    stay = {
        "id_number": LI_NA,
        "period": 16,
        "plan": "MED",
        "kind": "hospital_stay",
        "total_cost": "20000",
        "basic_insurance_paid": "5000",
        "submitted": "2026-08-10",
    }
    waiting = estimate(**stay, admitted="2026-07-10", discharged="2026-07-20")
    assert (waiting["payable"], waiting["decision"], waiting["reasons"]) == (
        "0.00",
        "not_payable",
        ["in_waiting_period"],
    )
    # Effective 2026-04-15 + 90 days: payable from 2026-07-14. e = 15,000 -> (15,000 - 6,000) x 50%.
    paid = estimate(**stay, admitted="2026-07-14", discharged="2026-07-20")
    assert (paid["payable"], paid["decision"], paid["reasons"]) == ("4500.00", "payable", [])


@pytest.mark.parametrize(
    ("code", "diagnosed", "payable", "decision", "reasons"),
    [
        ("DD01", "2026-06-01", "45000.00", "payable", ["shares_in_waiting"]),
        ("DD01", "2026-08-01", "75000.00", "payable", []),
        ("DD15", "2026-06-01", "0.00", "not_payable", ["already_paid_condition"]),
        ("DD15", "2026-08-01", "0.00", "not_payable", ["already_paid_condition"]),
    ],
)
def test_example_4_zhang_wei_dd(estimate, code, diagnosed, payable, decision, reasons):
    result = estimate(
        id_number=ZHANG_WEI,
        period=16,
        plan="DD",
        kind="diagnosis",
        diagnosis=code,
        event_date=diagnosed,
        submitted="2026-09-01",
    )
    assert (result["payable"], result["decision"], result["reasons"]) == (payable, decision, reasons)


def test_example_5_zhao_min_mw_condolence(estimate):
    result = estimate(
        id_number=ZHAO_MIN,
        period=16,
        plan="MW",
        kind="diagnosis",
        diagnosis="DD02",
        event_date="2026-07-01",
        submitted="2026-07-20",
    )
    assert (result["payable"], result["decision"], result["reasons"]) == (
        "260.00",
        "condolence",
        ["in_waiting_period"],
    )


def test_example_6_liu_yang_acc_disability(estimate):
    result = estimate(
        id_number=LIU_YANG,
        period=16,
        plan="ACC",
        kind="disability",
        cause="accident",
        event_date="2026-06-01",
        disability_grade=8,
        submitted="2026-07-01",
    )
    assert (result["payable"], result["decision"], result["reasons"]) == ("9000.00", "payable", [])


def test_example_7_wang_qiang_alw(estimate):
    result = estimate(
        id_number=WANG_QIANG,
        period=16,
        plan="ALW",
        kind="hospital_stay",
        admitted="2026-06-01",
        discharged="2026-07-06",
        diagnosis="A15",
        submitted="2026-07-20",
    )
    assert (result["payable"], result["decision"], result["reasons"]) == ("3000.00", "payable", ["stay_day_cap"])


def test_example_8_zhou_fang_gig_traffic_accident(estimate):
    result = estimate(
        id_number=ZHOU_FANG,
        period=16,
        plan="GIG",
        kind="hospital_stay",
        cause="traffic_accident",
        admitted="2026-09-01",
        discharged="2026-09-11",
        submitted="2026-09-20",
    )
    assert (result["payable"], result["decision"], result["reasons"]) == ("800.00", "payable", [])


def test_example_9_needy_after_med_paid(estimate, clerk_u001, district_hc, handler, head):
    coverage = Coverage.objects.get(member__id_number=WANG_QIANG, plan__period__number=16, plan__code="MED")
    details = {k: v for k, v in WANG_QIANG_STAY.items() if k != "submitted"}
    for money in ("total_cost", "basic_insurance_paid", "excluded_self_pay"):
        details[money] = Decimal(details[money])
    for day in ("admitted", "discharged"):
        details[day] = datetime.fromisoformat(details[day]).date()
    with time_machine.travel(datetime(2026, 8, 25, 10, tzinfo=SHANGHAI), tick=False):
        claim = services.claim_create(actor=clerk_u001, coverage=coverage, **details)
        submit(clerk_u001, claim)
        services.claim_district_approve(actor=district_hc, claim=claim, comment="同意")
        services.claim_check(actor=handler, claim=claim, comment="材料齐全")
        services.claim_receive_originals(actor=handler, claim=claim)
        services.claim_approve(actor=head, claim=claim, comment="同意给付")
    claim.refresh_from_db()
    assert (claim.status, claim.approved_amount) == (ClaimStatus.APPROVED, Decimal("15800.00"))

    result = estimate(id_number=WANG_QIANG, period=16, plan="NEEDY", **WANG_QIANG_STAY)
    assert (result["payable"], result["decision"], result["reasons"]) == ("6100.00", "payable", [])
    assert "12200.00" in line_amounts(result)  # e = 28,000 - MED's 15,800
    assert any("前序保障项目已付 15,800.00" in line["label"] for line in result["lines"])


def test_needy_before_med_is_paid_sees_no_prior_payout(estimate):
    # Without an approved MED claim for the stay, NEEDY pays 50% of the full e = 28,000, capped at 10,000.
    result = estimate(id_number=WANG_QIANG, period=16, plan="NEEDY", **WANG_QIANG_STAY)
    assert (result["payable"], result["decision"], result["reasons"]) == ("10000.00", "payable", ["cap_reached"])


# --- behaviour of the command ----------------------------------------------------------------


def test_member_without_coverage_is_not_covered(estimate):
    result = estimate(
        id_number=LI_NA,
        period=16,
        plan="DD",
        kind="diagnosis",
        diagnosis="DD01",
        event_date="2026-08-01",
        submitted="2026-09-01",
    )
    assert (result["payable"], result["decision"], result["reasons"]) == ("0.00", "not_payable", ["not_covered"])


def test_writes_nothing(estimate):
    claims, audits = Claim.objects.count(), AuditLog.objects.count()
    estimate(id_number=WANG_QIANG, period=16, plan="MED", **WANG_QIANG_STAY)
    estimate(id_number=LI_NA, period=16, plan="DD", kind="diagnosis", diagnosis="DD01", event_date="2026-08-01")
    assert (Claim.objects.count(), AuditLog.objects.count()) == (claims, audits)


def test_reads_stdin(monkeypatch):
    data = {"id_number": WANG_QIANG, "period": "16", "plan": "med", **WANG_QIANG_STAY}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(data)))
    out = io.StringIO()
    call_command("estimate_claim", "--json", "-", stdout=out)
    assert json.loads(out.getvalue())["payable"] == "15800.00"
    assert out.getvalue().count("\n") == 1  # one JSON object on one line


def test_output_is_one_json_object_with_chinese_kept(monkeypatch):
    data = {"id_number": ZHAO_MIN, "period": 16, "plan": "MW", "kind": "diagnosis", "diagnosis": "DD02",
            "event_date": "2026-07-01", "submitted": "2026-07-20"}  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(data)))
    out = io.StringIO()
    call_command("estimate_claim", "--json", "-", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) == {"payable", "decision", "reasons", "lines"}
    assert all(set(line) == {"label", "amount"} for line in result["lines"])
    assert "慰问金" in out.getvalue()  # ensure_ascii=False
    assert "\\u" not in out.getvalue()


def test_submitted_defaults_to_today_in_shanghai(estimate):
    data = {**{k: v for k, v in WANG_QIANG_STAY.items() if k != "submitted"}, "discharged": "2026-08-01"}
    # 2026-07-31 20:00 UTC is 2026-08-01 04:00 in Shanghai: submitted on the day of admission, fine.
    with time_machine.travel(datetime(2026, 7, 31, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        result = estimate(id_number=WANG_QIANG, period=16, plan="MED", **data)
    assert result["payable"] == "15800.00"
    # 2026-07-31 10:00 UTC is still 2026-07-31 in Shanghai: submitted before the admission.
    with time_machine.travel(datetime(2026, 7, 31, 10, tzinfo=ZoneInfo("UTC")), tick=False):
        early = estimate(id_number=WANG_QIANG, period=16, plan="MED", **data)
    assert (early["payable"], early["decision"], early["reasons"]) == ("0.00", "not_payable", ["invalid_information"])


BAD_INPUTS = [
    ("not json", "JSON"),
    ("[1, 2]", "JSON 对象"),
    (json.dumps({"id_number": "371002000000000000", "period": 16, "plan": "MED", "kind": "hospital_stay"}), "未找到"),
    (json.dumps({"id_number": ZHANG_WEI, "period": 99, "plan": "MED", "kind": "hospital_stay"}), "第 99 期"),
    (json.dumps({"id_number": ZHANG_WEI, "period": 15, "plan": "GIG", "kind": "hospital_stay"}), "没有保障项目 GIG"),
    (json.dumps({"id_number": ZHANG_WEI, "period": 16, "plan": "MED"}), "缺少必填字段"),
    (json.dumps({"id_number": ZHANG_WEI, "period": 16, "plan": "MED", "kind": "surgery"}), "申领类型"),
    (json.dumps({"id_number": ZHANG_WEI, "period": 16, "plan": "MED", "kind": "hospital_stay", "cause": "x"}), "原因"),
    (
        json.dumps(
            {"id_number": ZHANG_WEI, "period": 16, "plan": "MED", "kind": "hospital_stay", "admitted": "2026-02-30"}
        ),
        "入院日期",
    ),
    (
        json.dumps(
            {"id_number": ZHANG_WEI, "period": 16, "plan": "MED", "kind": "hospital_stay", "total_cost": "十万"}
        ),
        "不是有效金额",
    ),
    (
        json.dumps({"id_number": ZHANG_WEI, "period": 16, "plan": "MED", "kind": "hospital_stay", "total_cost": "-5"}),
        "不能为负数",
    ),
    (
        json.dumps(
            {"id_number": ZHANG_WEI, "period": 16, "plan": "MED", "kind": "hospital_stay", "other_paid": "1.005"}
        ),
        "两位小数",
    ),
    (
        json.dumps({"id_number": ZHANG_WEI, "period": 16, "plan": "ACC", "kind": "disability", "disability_grade": 11}),
        "伤残等级",
    ),
    (
        json.dumps({"id_number": ZHANG_WEI, "period": 16, "plan": "MED", "kind": "hospital_stay", "amount": "1"}),
        "amount",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_INPUTS)
def test_bad_input_is_a_command_error_in_chinese(monkeypatch, text, message):
    claims = Claim.objects.count()
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    with pytest.raises(CommandError) as excinfo:
        call_command("estimate_claim", "--json", "-", stdout=io.StringIO())
    assert message in str(excinfo.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(excinfo.value))
    assert excinfo.value.returncode == 2
    assert Claim.objects.count() == claims


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="无法读取文件") as excinfo:
        call_command("estimate_claim", "--json", str(tmp_path / "missing.json"))
    assert excinfo.value.returncode == 2


def test_command_line_exit_code_and_stderr():
    """From a shell: the message goes to stderr and the exit code is 2."""
    completed = subprocess.run(
        [sys.executable, "manage.py", "estimate_claim", "--skip-checks", "--json", "-"],
        input="{bad json",
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "JSON 格式错误" in completed.stderr
