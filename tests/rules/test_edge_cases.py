"""Dates, caps, waiting periods, condolence and accident rules at their edges."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from claims.rules import ClaimFacts, History, evaluate

from .demo_schedules import (
    ACC_16,
    ALW_16,
    DD_16,
    FEM_16,
    GIG_16,
    MED_16,
    MW_16,
    NEEDY_16,
    P16_END,
    coverage_16,
)

RENEWED = coverage_16(renewed_shares=1)


def stay(admitted, days=10, total="20000", basic="5000", submitted=None, **more):
    discharged = admitted + timedelta(days=days)
    return ClaimFacts(
        kind="hospital_stay",
        submitted=submitted or discharged + timedelta(days=10),
        admitted=admitted,
        discharged=discharged,
        total_cost=D(total),
        basic_insurance_paid=D(basic),
        **more,
    )


def event(kind, when, **more):
    return ClaimFacts(kind=kind, submitted=when + timedelta(days=10), event_date=when, **more)


def outcome(result):
    return str(result.payable), result.decision, result.reasons


# --- dates ---


@pytest.mark.parametrize(
    "submitted, expected",
    [
        (P16_END + timedelta(days=180), ("4500.00", "payable", ())),
        (P16_END + timedelta(days=181), ("0.00", "not_payable", ("late_submission",))),
    ],
)
def test_claims_are_accepted_until_180_days_after_coverage_end(submitted, expected):
    claim = stay(date(2027, 2, 20), submitted=submitted)

    assert outcome(evaluate(MED_16, RENEWED, History(), claim)) == expected


def test_event_before_the_coverage_takes_effect():
    coverage = coverage_16(effective_from=date(2026, 4, 15))

    result = evaluate(MED_16, coverage, History(), stay(date(2026, 4, 14)))

    assert outcome(result) == ("0.00", "not_payable", ("before_effective",))
    assert result.eligible_expense == 0


def test_stay_admitted_on_the_last_day_of_coverage_pays():
    result = evaluate(MED_16, RENEWED, History(), stay(P16_END))

    assert outcome(result) == ("4500.00", "payable", ())


def test_stay_admitted_after_coverage_end():
    result = evaluate(MED_16, RENEWED, History(), stay(P16_END + timedelta(days=1)))

    assert outcome(result) == ("0.00", "not_payable", ("after_coverage_end",))


def test_late_and_out_of_coverage_reports_both():
    claim = stay(P16_END + timedelta(days=2), submitted=P16_END + timedelta(days=400))

    result = evaluate(MED_16, RENEWED, History(), claim)

    assert result.reasons == ("after_coverage_end", "late_submission")


def test_no_coverage():
    result = evaluate(MED_16, None, History(), stay(date(2026, 5, 1)))

    assert outcome(result) == ("0.00", "not_payable", ("not_covered",))


# --- information ---


@pytest.mark.parametrize(
    "schedule, claim, missing",
    [
        (MED_16, ClaimFacts(kind="hospital_stay", submitted=date(2026, 5, 1)), "入院日期"),
        (
            ALW_16,
            ClaimFacts(kind="hospital_stay", submitted=date(2026, 5, 1), admitted=date(2026, 4, 20)),
            "出院日期",
        ),
        (DD_16, event("diagnosis", date(2026, 8, 1)), "疾病代码"),
        (ACC_16, event("disability", date(2026, 8, 1), cause="accident"), "伤残等级"),
        (ACC_16, ClaimFacts(kind="death", submitted=date(2026, 5, 1), cause="accident"), "身故日期"),
    ],
)
def test_missing_information_says_what_is_missing(schedule, claim, missing):
    result = evaluate(schedule, coverage_16(renewed_shares=1), History(), claim)

    assert outcome(result) == ("0.00", "not_payable", ("missing_information",))
    assert any(missing in line.label for line in result.lines)


@pytest.mark.parametrize(
    "claim",
    [
        replace(stay(date(2026, 5, 1)), discharged=date(2026, 4, 30)),
        event("disability", date(2026, 8, 1), cause="accident", disability_grade=11),
        stay(date(2026, 5, 1), basic="-1"),
        stay(date(2026, 5, 1), submitted=date(2026, 4, 30)),
        replace(stay(date(2026, 5, 1)), cause="flood"),
    ],
)
def test_inconsistent_information(claim):
    schedule = ACC_16 if claim.kind == "disability" else MED_16

    result = evaluate(schedule, RENEWED, History(), claim)

    assert outcome(result) == ("0.00", "not_payable", ("invalid_information",))


@pytest.mark.parametrize(
    "schedule, claim",
    [
        (MED_16, event("death", date(2026, 8, 1))),
        (DD_16, stay(date(2026, 8, 1))),
        (ALW_16, event("diagnosis", date(2026, 8, 1), diagnosis="A15")),
        (ALW_16, event("death", date(2026, 8, 1), cause="accident")),  # ALW has no death benefit
        (DD_16, event("death", date(2026, 8, 1), cause="traffic_accident")),
    ],
)
def test_benefits_a_plan_does_not_offer(schedule, claim):
    result = evaluate(schedule, coverage_16(renewed_shares=1), History(), claim)

    assert outcome(result) == ("0.00", "not_payable", ("not_covered_benefit",))


# --- reimbursement ---


def test_cap_cuts_a_claim_to_what_is_left():
    history = History(eligible_total=D("150000"), paid_total=D("95000.00"))

    result = evaluate(MED_16, RENEWED, history, stay(date(2026, 9, 1), total="50000", basic="0"))

    assert outcome(result) == ("5000.00", "payable", ("cap_reached",))
    assert result.eligible_expense == D("50000.00")


def test_cap_already_reached():
    history = History(eligible_total=D("200000"), paid_total=D("100000.00"))

    result = evaluate(MED_16, RENEWED, history, stay(date(2026, 9, 1)))

    assert outcome(result) == ("0.00", "not_payable", ("cap_reached",))


def test_needy_cap():
    history = History(eligible_total=D("19000"), paid_total=D("9500.00"))

    result = evaluate(NEEDY_16, coverage_16(), history, stay(date(2026, 9, 1), total="10000", basic="0"))

    assert outcome(result) == ("500.00", "payable", ("cap_reached",))


def test_deductible_is_taken_once_per_coverage_across_stays():
    first = evaluate(MED_16, RENEWED, History(), stay(date(2026, 5, 1), total="4000", basic="0"))
    history = History(eligible_total=first.eligible_expense, paid_total=first.payable)
    second = evaluate(MED_16, RENEWED, history, stay(date(2026, 6, 1), total="4000", basic="0"))

    # Nothing to pay for the first stay, but it is closed with its 4,000 counted towards the deductible.
    assert outcome(first) == ("0.00", "not_payable", ("below_deductible",))
    assert first.eligible_expense == D("4000.00")
    assert outcome(second) == ("1000.00", "payable", ())


def test_stay_fully_paid_by_basic_insurance():
    result = evaluate(MED_16, RENEWED, History(), stay(date(2026, 5, 1), total="4000", basic="4500"))

    assert outcome(result) == ("0.00", "not_payable", ("no_eligible_expense",))


def test_renewal_skips_the_waiting_period_a_new_member_serves():
    claim = stay(date(2026, 4, 1))

    assert evaluate(MED_16, coverage_16(), History(), claim).reasons == ("in_waiting_period",)
    assert evaluate(MED_16, RENEWED, History(), claim).decision == "payable"


def test_accident_stays_never_wait():
    claim = stay(date(2026, 4, 1), cause="accident")

    assert evaluate(MED_16, coverage_16(), History(), claim).payable == D("4500.00")


# --- allowance ---


def test_coverage_day_cap_cuts_the_days():
    history = History(days_paid=80)

    result = evaluate(ALW_16, coverage_16(), history, stay(date(2026, 9, 1), days=20))

    assert outcome(result) == ("500.00", "payable", ("day_cap_reached",))
    assert result.days == 10


def test_coverage_day_cap_used_up():
    result = evaluate(ALW_16, coverage_16(), History(days_paid=90), stay(date(2026, 9, 1)))

    assert outcome(result) == ("0.00", "not_payable", ("day_cap_reached",))
    assert result.days == 0


def test_both_day_caps():
    result = evaluate(ALW_16, coverage_16(), History(days_paid=70), stay(date(2026, 9, 1), days=40))

    assert outcome(result) == ("1000.00", "payable", ("stay_day_cap", "day_cap_reached"))


@pytest.mark.parametrize(
    "schedule, claim, expected",
    [
        (ALW_16, stay(date(2026, 4, 10)), ("0.00", "not_payable", ("in_waiting_period",))),
        (ALW_16, stay(date(2026, 4, 11)), ("500.00", "payable", ())),
        (ALW_16, stay(date(2026, 3, 20), cause="accident"), ("500.00", "payable", ())),
        (ALW_16, stay(date(2026, 3, 20), cause="traffic_accident"), ("500.00", "payable", ())),
        (ALW_16, stay(date(2026, 5, 1), days=0), ("50.00", "payable", ())),
        (GIG_16, stay(date(2026, 5, 1), days=3), ("120.00", "payable", ())),
        (GIG_16, stay(date(2026, 5, 1), days=3, cause="accident"), ("120.00", "payable", ())),
        (
            GIG_16,
            stay(date(2026, 5, 1), days=45, cause="traffic_accident"),
            ("2400.00", "payable", ("stay_day_cap",)),
        ),
    ],
)
def test_day_rates_and_waiting(schedule, claim, expected):
    assert outcome(evaluate(schedule, coverage_16(), History(), claim)) == expected


def test_allowance_plan_pays_accident_disability_but_not_illness():
    injured = event("disability", date(2026, 6, 1), cause="accident", disability_grade=8)
    ill = replace(injured, cause="illness")

    assert outcome(evaluate(ALW_16, coverage_16(), History(), injured)) == ("1800.00", "payable", ())
    assert outcome(evaluate(ALW_16, coverage_16(), History(), ill)) == ("0.00", "not_payable", ("not_accident",))


def test_gig_accident_death():
    claim = event("death", date(2026, 6, 1), cause="traffic_accident")

    assert outcome(evaluate(GIG_16, coverage_16(), History(), claim)) == ("20000.00", "payable", ())


# --- accident ---


@pytest.mark.parametrize(
    "total, already_paid, expected",
    [
        ("2100", "0", ("1600.00", "payable", ())),
        ("2100", "2000.00", ("1000.00", "payable", ("cap_reached",))),
        ("2100", "3000.00", ("0.00", "not_payable", ("cap_reached",))),
        ("100", "0", ("0.00", "not_payable", ("below_deductible",))),
        ("100.01", "0", ("0.01", "payable", ())),
    ],
)
def test_accident_medical(total, already_paid, expected):
    history = History(accident_medical_paid=D(already_paid))
    claim = stay(date(2026, 6, 1), total=total, basic="0", cause="accident")

    result = evaluate(ACC_16, coverage_16(shares=3), history, claim)

    assert outcome(result) == expected
    assert result.accident_medical == result.payable


def test_accident_plan_refuses_illness():
    claim = stay(date(2026, 6, 1))

    assert evaluate(ACC_16, coverage_16(shares=3), History(), claim).reasons == ("not_accident",)


@pytest.mark.parametrize(
    "grade, expected",
    [
        (5, ("9000.00", "payable", ())),  # 18,000 for grade 5 less 9,000 paid for grade 8
        (8, ("0.00", "not_payable", ("disability_already_paid",))),
        (9, ("0.00", "not_payable", ("disability_already_paid",))),
    ],
)
def test_second_disability_claim_for_the_same_accident_pays_only_the_difference(grade, expected):
    history = History(disability_paid_for_event=D("9000.00"))
    claim = event("disability", date(2026, 6, 1), cause="accident", disability_grade=grade)

    result = evaluate(ACC_16, coverage_16(shares=3), history, claim)

    assert outcome(result) == expected
    assert result.disability == result.payable


@pytest.mark.parametrize("grade, ratio", [(1, "1"), (2, "0.9"), (10, "0.1")])
def test_disability_grade_ratios(grade, ratio):
    claim = event("disability", date(2026, 6, 1), cause="accident", disability_grade=grade)

    result = evaluate(ACC_16, coverage_16(shares=3), History(), claim)

    assert result.payable == D("30000") * D(ratio)


def test_accident_death():
    claim = event("death", date(2026, 6, 1), cause="accident")

    assert outcome(evaluate(ACC_16, coverage_16(shares=3), History(), claim)) == ("30000.00", "payable", ())


# --- lump sum and condolence ---

ZHANG_WEI_DD = coverage_16(shares=5, renewed_shares=3)
ZHAO_MIN_MW = coverage_16(effective_from=date(2026, 5, 1), shares=2)


@pytest.mark.parametrize("diagnosis", ["X99", None])
def test_death_from_an_illness_outside_the_catalogue_gets_condolence(diagnosis):
    claim = event("death", date(2026, 9, 1), diagnosis=diagnosis)

    result = evaluate(DD_16, ZHANG_WEI_DD, History(), claim)

    assert outcome(result) == ("500.00", "condolence", ("not_catalogued",))
    assert result.condolence is True


def test_death_condolence_only_once_per_coverage():
    claim = event("death", date(2026, 9, 1), diagnosis="X99")

    result = evaluate(DD_16, ZHANG_WEI_DD, History(condolence_paid=True), claim)

    assert outcome(result) == ("0.00", "not_payable", ("not_catalogued", "condolence_already_paid"))
    assert result.condolence is False


def test_waiting_period_condolence_only_once_per_coverage():
    claim = event("diagnosis", date(2026, 7, 1), diagnosis="DD02")

    result = evaluate(MW_16, ZHAO_MIN_MW, History(condolence_paid=True), claim)

    assert outcome(result) == ("0.00", "not_payable", ("in_waiting_period", "condolence_already_paid"))


def test_death_from_a_catalogued_condition_pays_the_lump_sum():
    claim = event("death", date(2026, 9, 1), diagnosis="DD01")

    result = evaluate(DD_16, ZHANG_WEI_DD, History(), claim)

    assert outcome(result) == ("75000.00", "payable", ())
    assert result.condition == "DD01"


def test_condition_outside_the_catalogue_gets_no_condolence():
    claim = event("diagnosis", date(2026, 7, 1), diagnosis="A15")

    result = evaluate(MW_16, ZHAO_MIN_MW, History(), claim)

    assert outcome(result) == ("0.00", "not_payable", ("not_catalogued",))


def test_already_paid_condition_in_waiting_gets_no_condolence():
    claim = event("diagnosis", date(2026, 7, 1), diagnosis="DD02")

    result = evaluate(MW_16, ZHAO_MIN_MW, History(paid_conditions=frozenset({"DD02"})), claim)

    assert outcome(result) == ("0.00", "not_payable", ("already_paid_condition",))


@pytest.mark.parametrize(
    "diagnosed, expected",
    [
        (date(2026, 8, 12), ("500.00", "condolence", ("in_waiting_period",))),
        (date(2026, 8, 13), ("20000.00", "payable", ())),
    ],
)
def test_li_na_fem_waiting_period(diagnosed, expected):
    coverage = coverage_16(effective_from=date(2026, 4, 15), shares=2)
    claim = event("diagnosis", diagnosed, diagnosis="F01")

    assert outcome(evaluate(FEM_16, coverage, History(), claim)) == expected


def test_catalogued_condition_from_an_accident_does_not_wait():
    claim = event("diagnosis", date(2026, 6, 1), diagnosis="DD14", cause="accident")

    assert outcome(evaluate(DD_16, ZHANG_WEI_DD, History(), claim)) == ("75000.00", "payable", ())


def test_plan_without_condolence_refuses_in_waiting():
    schedule = replace(MW_16, condolence=D("0"))
    claim = event("diagnosis", date(2026, 7, 1), diagnosis="DD02")

    assert outcome(evaluate(schedule, ZHAO_MIN_MW, History(), claim)) == (
        "0.00",
        "not_payable",
        ("in_waiting_period",),
    )


def test_unknown_schedule_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown schedule kind"):
        evaluate(replace(MED_16, kind="BONUS"), RENEWED, History(), stay(date(2026, 5, 1)))
