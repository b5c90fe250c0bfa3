"""Every worked example of DOMAIN.md section 8, against the demo records."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from claims.rules import ClaimFacts, History, evaluate

from .demo_schedules import (
    ACC_16,
    ALW_16,
    DD_15,
    DD_16,
    GIG_16,
    MED_15,
    MED_16,
    MW_16,
    NEEDY_16,
    coverage_15,
    coverage_16,
)

ZHANG_WEI_MED = coverage_16(renewed_shares=1)
WANG_QIANG_MED = coverage_16(renewed_shares=1)
LI_NA_MED = coverage_16(effective_from=date(2026, 4, 15))
ZHANG_WEI_DD = coverage_16(shares=5, renewed_shares=3)
ZHAO_MIN_MW = coverage_16(effective_from=date(2026, 5, 1), shares=2)
LIU_YANG_ACC = coverage_16(shares=3)
ZHOU_FANG_GIG = coverage_16(effective_from=date(2026, 5, 1))
WANG_QIANG_PAID = History(eligible_total=D("20000"), paid_total=D("7000.00"))


def stay(admitted, discharged, total, basic, **more):
    return ClaimFacts(
        kind="hospital_stay",
        submitted=discharged + timedelta(days=20),
        admitted=admitted,
        discharged=discharged,
        total_cost=D(total),
        basic_insurance_paid=D(basic),
        **more,
    )


def diagnosed(code, when, **more):
    return ClaimFacts(
        kind="diagnosis",
        submitted=when + timedelta(days=30),
        event_date=when,
        diagnosis=code,
        **more,
    )


ZHANG_WEI_STAY = stay(date(2026, 4, 2), date(2026, 4, 30), "168033", "50000")
WANG_QIANG_STAY = stay(date(2026, 8, 1), date(2026, 8, 15), "50000", "20000", excluded_self_pay=D("2000"))

EXAMPLES = [
    # (id, schedule, coverage, history, claim, payable, decision, reasons)
    ("1 张伟 MED", MED_16, ZHANG_WEI_MED, History(), ZHANG_WEI_STAY, "68623.10", "payable", ()),
    (
        "1 张伟 MED, deductible 8,000",
        replace(MED_16, deductible=MED_15.deductible),
        ZHANG_WEI_MED,
        History(),
        ZHANG_WEI_STAY,
        "67623.10",
        "payable",
        (),
    ),
    (
        "1 same stay a year earlier under period 15",
        MED_15,
        coverage_15(),
        History(),
        stay(date(2025, 8, 2), date(2025, 8, 30), "168033", "50000"),
        "67623.10",
        "payable",
        (),
    ),
    (
        "7 王强 MED paid claim 16-MED-U001-C1 (renewal: no waiting)",
        MED_16,
        WANG_QIANG_MED,
        History(),
        stay(date(2026, 5, 3), date(2026, 5, 20), "32000", "12000"),
        "7000.00",
        "payable",
        (),
    ),
    ("2 王强 MED", MED_16, WANG_QIANG_MED, WANG_QIANG_PAID, WANG_QIANG_STAY, "15800.00", "payable", ()),
    (
        "3 李娜 MED in waiting",
        MED_16,
        LI_NA_MED,
        History(),
        stay(date(2026, 7, 10), date(2026, 7, 20), "20000", "5000"),
        "0.00",
        "not_payable",
        ("in_waiting_period",),
    ),
    (
        "3 李娜 MED last day of waiting",
        MED_16,
        LI_NA_MED,
        History(),
        stay(date(2026, 7, 13), date(2026, 7, 20), "20000", "5000"),
        "0.00",
        "not_payable",
        ("in_waiting_period",),
    ),
    (
        "3 李娜 MED first payable day",
        MED_16,
        LI_NA_MED,
        History(),
        stay(date(2026, 7, 14), date(2026, 7, 20), "20000", "5000"),
        "4500.00",
        "payable",
        (),
    ),
    (
        "4 张伟 DD01 with 2 shares waiting",
        DD_16,
        ZHANG_WEI_DD,
        History(paid_conditions=frozenset({"DD15"})),
        diagnosed("DD01", date(2026, 6, 1)),
        "45000.00",
        "payable",
        ("shares_in_waiting",),
    ),
    (
        "4 张伟 DD01 on the day the new shares become payable",
        DD_16,
        ZHANG_WEI_DD,
        History(paid_conditions=frozenset({"DD15"})),
        diagnosed("DD01", date(2026, 7, 10)),
        "75000.00",
        "payable",
        (),
    ),
    (
        "4 张伟 DD01 later",
        DD_16,
        ZHANG_WEI_DD,
        History(paid_conditions=frozenset({"DD15"})),
        diagnosed("DD01", date(2026, 8, 1)),
        "75000.00",
        "payable",
        (),
    ),
    (
        "4 张伟 DD15 already paid in period 15, in waiting",
        DD_16,
        ZHANG_WEI_DD,
        History(paid_conditions=frozenset({"DD15"})),
        diagnosed("DD15", date(2026, 6, 1)),
        "0.00",
        "not_payable",
        ("already_paid_condition",),
    ),
    (
        "4 张伟 DD15 already paid in period 15",
        DD_16,
        ZHANG_WEI_DD,
        History(paid_conditions=frozenset({"DD15"})),
        diagnosed("DD15", date(2026, 8, 1)),
        "0.00",
        "not_payable",
        ("already_paid_condition",),
    ),
    (
        "7 张伟 DD15 paid claim 15-DD-U001-C1",
        DD_15,
        coverage_15(shares=3),
        History(),
        diagnosed("DD15", date(2025, 9, 10)),
        "9000.00",
        "payable",
        (),
    ),
    (
        "5 赵敏 MW condolence",
        MW_16,
        ZHAO_MIN_MW,
        History(),
        diagnosed("DD02", date(2026, 7, 1)),
        "260.00",
        "condolence",
        ("in_waiting_period",),
    ),
    (
        "5 赵敏 MW once the waiting period is over",
        MW_16,
        ZHAO_MIN_MW,
        History(),
        diagnosed("DD02", date(2026, 8, 29)),
        "15000.00",
        "payable",
        (),
    ),
    (
        "6 刘洋 ACC disability grade 8",
        ACC_16,
        LIU_YANG_ACC,
        History(),
        ClaimFacts(
            kind="disability",
            submitted=date(2026, 7, 1),
            cause="accident",
            event_date=date(2026, 6, 1),
            disability_grade=8,
        ),
        "9000.00",
        "payable",
        (),
    ),
    (
        "7 王强 ALW A15 35 days",
        ALW_16,
        coverage_16(),
        History(),
        stay(date(2026, 6, 1), date(2026, 7, 6), "0", "0", diagnosis="A15"),
        "3000.00",
        "payable",
        ("stay_day_cap",),
    ),
    (
        "8 周芳 GIG traffic accident",
        GIG_16,
        ZHOU_FANG_GIG,
        History(),
        stay(date(2026, 9, 1), date(2026, 9, 11), "0", "0", cause="traffic_accident"),
        "800.00",
        "payable",
        (),
    ),
    (
        "9 王强 NEEDY after MED",
        NEEDY_16,
        coverage_16(),
        History(),
        replace(WANG_QIANG_STAY, prior_plan_payouts=D("15800.00")),
        "6100.00",
        "payable",
        (),
    ),
]


@pytest.mark.parametrize(
    "schedule, coverage, history, claim, payable, decision, reasons",
    [row[1:] for row in EXAMPLES],
    ids=[row[0] for row in EXAMPLES],
)
def test_worked_example(schedule, coverage, history, claim, payable, decision, reasons):
    result = evaluate(schedule, coverage, history, claim)

    assert (result.payable, result.decision, result.reasons) == (D(payable), decision, reasons)
    assert str(result.payable) == payable  # quantized to the cent
    assert result.lines[-1].amount == result.payable


def test_example_1_explains_each_band():
    result = evaluate(MED_16, ZHANG_WEI_MED, History(), ZHANG_WEI_STAY)

    labels = [line.label for line in result.lines]
    assert "本次合规费用：医疗费用总额 168,033.00 − 基本医保支付 50,000.00 = 118,033.00" in labels
    amounts = {line.label: line.amount for line in result.lines}
    assert amounts["累计合规费用 6,000.00 至 30,000.00 的部分按 50% 给付：24,000.00 × 50%"] == D("12000.00")
    assert amounts["累计合规费用 30,000.00 至 80,000.00 的部分按 60% 给付：50,000.00 × 60%"] == D("30000.00")
    assert amounts["累计合规费用 80,000.00 以上 的部分按 70% 给付：38,033.00 × 70%"] == D("26623.10")
    assert result.lines[-1].label == "本次应付互助金 68,623.10"
    # Plain words for a clerk: no algebra, and each amount is said once.
    assert not any(token in label for label in labels for token in ("e =", "E =", "f(", "（E "))
    said = [line.amount for line in result.lines if line.amount]
    assert len(said) == len(set(said))
    assert result.eligible_expense == D("118033.00")


def test_example_2_explains_the_cumulative_curve():
    result = evaluate(MED_16, WANG_QIANG_MED, WANG_QIANG_PAID, WANG_QIANG_STAY)

    labels = [line.label for line in result.lines]
    assert (
        "本次合规费用：医疗费用总额 50,000.00 − 基本医保支付 20,000.00 − 自费及不予报销 2,000.00 = 28,000.00" in labels
    )
    assert "本保障期累计合规费用：此前 20,000.00 + 本次 28,000.00 = 48,000.00" in labels
    assert "累计合规费用 6,000.00 至 30,000.00 的部分按 50% 给付：10,000.00 × 50%" in labels
    assert result.lines[-1].label == "本次应付互助金 15,800.00"
    assert result.eligible_expense == D("28000.00")


def test_example_9_needy_tops_up_what_med_paid():
    med = evaluate(MED_16, WANG_QIANG_MED, WANG_QIANG_PAID, WANG_QIANG_STAY)
    claim = replace(WANG_QIANG_STAY, prior_plan_payouts=med.payable)

    needy = evaluate(NEEDY_16, coverage_16(), History(), claim)

    assert needy.payable == D("6100.00")
    assert needy.eligible_expense == D("12200.00")
    assert med.payable + needy.payable <= med.eligible_expense  # indemnity


def test_example_3_says_when_the_waiting_period_ends():
    claim = stay(date(2026, 7, 10), date(2026, 7, 20), "20000", "5000")

    result = evaluate(MED_16, LI_NA_MED, History(), claim)

    assert any("2026-07-14" in line.label for line in result.lines)
    assert result.eligible_expense == 0  # a refused stay does not count towards E


def test_example_4_names_the_date_new_shares_become_payable():
    claim = diagnosed("DD01", date(2026, 6, 1))

    result = evaluate(DD_16, ZHANG_WEI_DD, History(), claim)

    assert result.condition == "DD01"
    assert not result.condolence
    assert any("新增 2 份在等待期内" in line.label and "2026-07-10" in line.label for line in result.lines)
    assert any(line.label == "3 份 × 15,000.00 = 45,000.00" for line in result.lines)


def test_example_5_condolence_is_recorded_and_explained():
    result = evaluate(MW_16, ZHAO_MIN_MW, History(), diagnosed("DD02", date(2026, 7, 1)))

    assert result.condolence is True
    assert result.condition is None
    assert any("2026-08-29" in line.label for line in result.lines)


def test_example_6_records_the_disability_paid():
    claim = ClaimFacts(
        kind="disability",
        submitted=date(2026, 7, 1),
        cause="accident",
        event_date=date(2026, 6, 1),
        disability_grade=8,
    )

    result = evaluate(ACC_16, LIU_YANG_ACC, History(), claim)

    assert result.disability == D("9000.00")
    assert "伤残等级 8 级，给付比例 30%：3 份 × 10,000.00 × 30% = 9,000.00" in [line.label for line in result.lines]


def test_examples_7_and_8_record_the_days_paid():
    alw = evaluate(
        ALW_16,
        coverage_16(),
        History(),
        stay(date(2026, 6, 1), date(2026, 7, 6), "0", "0", diagnosis="A15"),
    )
    gig = evaluate(
        GIG_16,
        ZHOU_FANG_GIG,
        History(),
        stay(date(2026, 9, 1), date(2026, 9, 11), "0", "0", cause="traffic_accident"),
    )

    assert (alw.days, gig.days) == (30, 10)
    assert "30 天 × 100.00 = 3,000.00" in [line.label for line in alw.lines]
    assert "10 天 × 80.00 = 800.00" in [line.label for line in gig.lines]
