"""Plans of several components (DOMAIN.md §14): Guangxi's CMP and Beijing's HOME, engine only."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from claims.rules import Bundle, ClaimFacts, History, evaluate, evaluate_bundle
from claims.rules.serialize import dump_inputs, load_inputs
from tests.rules.demo_schedules import ACC_16, DD_16, coverage_16
from tests.rules.scheme_schedules import CMP, GAO_FENG_HOME, HOME, HUANG_HAI_CMP

NONE = History()


def diagnosis(day, code="DD01"):
    return ClaimFacts(kind="diagnosis", submitted=date(2026, 7, 1), event_date=day, diagnosis=code)


def labels(result):
    return [line.label for line in result.lines]


def test_cmp_designated_disease_after_waiting_pays_three_shares():
    result = evaluate_bundle(CMP, HUANG_HAI_CMP, NONE, diagnosis(date(2026, 6, 1)))
    assert (result.payable, result.decision, result.reasons) == (D("45000.00"), "payable", ())
    assert result.condition == "DD01"
    assert "【指定疾病】3 份 × 15,000.00 = 45,000.00" in labels(result)
    assert all(label.startswith("【") or label.startswith("合计") for label in labels(result))


def test_cmp_designated_disease_in_waiting_pays_the_condolence():
    result = evaluate_bundle(CMP, HUANG_HAI_CMP, NONE, diagnosis(date(2026, 4, 1)))
    assert (result.payable, result.decision) == (D("500.00"), "condolence")
    assert "in_waiting_period" in result.reasons
    assert result.condolence


def test_cmp_accidental_death_pays_the_accident_and_the_death_parts():
    death = ClaimFacts(kind="death", submitted=date(2026, 3, 20), cause="accident", event_date=date(2026, 3, 1))
    result = evaluate_bundle(CMP, HUANG_HAI_CMP, NONE, death)
    assert (result.payable, result.decision, result.reasons) == (D("30000.00"), "payable", ())
    assert "【意外伤害】意外身故：3 份 × 5,000.00 = 15,000.00" in labels(result)
    assert "【身故】意外身故：3 份 × 5,000.00 = 15,000.00" in labels(result)
    assert labels(result)[-1] == "合计应付互助金 【意外伤害】15,000.00 + 【身故】15,000.00 = 30,000.00"
    # The designated-disease part has no death rule for an accident: not assessed at all.
    assert not any(label.startswith("【指定疾病】") for label in labels(result))


def test_cmp_accident_hospital_expense_over_100_at_80_percent_within_9000_a_share():
    stay = ClaimFacts(
        kind="hospital_stay",
        submitted=date(2026, 3, 20),
        cause="accident",
        admitted=date(2026, 3, 2),
        discharged=date(2026, 3, 9),
        total_cost=D("2100"),
    )
    result = evaluate_bundle(CMP, HUANG_HAI_CMP, NONE, stay)
    assert (result.payable, result.accident_medical) == (D("1600.00"), D("1600.00"))
    assert any("3 份 × 9,000.00 = 27,000.00" in label for label in labels(result))
    near_cap = evaluate_bundle(CMP, HUANG_HAI_CMP, History(accident_medical_paid=D("26500")), stay)
    assert (near_cap.payable, near_cap.reasons) == (D("500.00"), ("cap_reached",))


def test_cmp_illness_death_in_waiting_pays_one_condolence_not_two():
    death = ClaimFacts(kind="death", submitted=date(2026, 3, 20), event_date=date(2026, 3, 1), diagnosis="X99")
    result = evaluate_bundle(CMP, HUANG_HAI_CMP, NONE, death)
    assert (result.payable, result.decision) == (D("500.00"), "condolence")
    assert any("本项不另付慰问金" in label for label in labels(result))


def test_cmp_illness_death_after_waiting_pays_the_death_part_without_condolence():
    death = ClaimFacts(kind="death", submitted=date(2026, 9, 20), event_date=date(2026, 9, 1), diagnosis="X99")
    result = evaluate_bundle(CMP, HUANG_HAI_CMP, NONE, death)
    assert (result.payable, result.decision, result.condolence) == (D("15000.00"), "payable", False)


def fire(day, loss="8200"):
    return ClaimFacts(kind="property_loss", submitted=date(2026, 6, 1), event_date=day, loss_amount=D(loss))


def test_home_fire_loss_pays_the_loss_over_200_at_80_percent():
    result = evaluate_bundle(HOME, GAO_FENG_HOME, NONE, fire(date(2026, 3, 1)))
    assert (result.payable, result.decision, result.property_loss) == (D("6400.00"), "payable", D("6400.00"))
    assert any("(核定损失 8,200.00 − 每次免赔额 200.00) × 80% = 6,400.00" in label for label in labels(result))


def test_home_fire_in_the_30_day_waiting_pays_nothing_with_its_reason():
    result = evaluate_bundle(HOME, GAO_FENG_HOME, NONE, fire(date(2026, 1, 20)))
    assert (result.payable, result.decision, result.reasons) == (D("0.00"), "not_payable", ("in_waiting_period",))
    assert any("2026-01-31" in label for label in labels(result))


def test_home_fire_loss_is_capped_at_5000_a_share_per_coverage():
    result = evaluate_bundle(HOME, GAO_FENG_HOME, History(property_loss_paid=D("6400")), fire(date(2026, 5, 1)))
    assert (result.payable, result.reasons) == (D("3600.00"), ("cap_reached",))


def test_home_accident_marked_work_injury_is_not_payable():
    accident = ClaimFacts(
        kind="disability",
        submitted=date(2026, 6, 1),
        cause="accident",
        event_date=date(2026, 5, 1),
        disability_grade=5,
    )
    excluded = evaluate_bundle(HOME, GAO_FENG_HOME, NONE, replace(accident, work_injury=True))
    assert (excluded.payable, excluded.decision, excluded.reasons) == (
        D("0.00"),
        "not_payable",
        ("work_injury_excluded",),
    )
    paid = evaluate_bundle(HOME, GAO_FENG_HOME, NONE, accident)
    assert paid.payable == D("12000.00")  # 2 shares × 10,000 × 60%


def test_work_injury_excludes_only_where_the_component_says_so():
    accident = ClaimFacts(
        kind="disability",
        submitted=date(2026, 7, 1),
        cause="accident",
        event_date=date(2026, 6, 1),
        disability_grade=8,
        work_injury=True,
    )
    # Weihai's ACC has no such exclusion: 3 shares × 10,000 × 30%.
    assert evaluate(ACC_16, coverage_16(shares=3), NONE, accident).payable == D("9000.00")


def test_a_plan_of_one_component_is_exactly_its_schedule():
    claim = diagnosis(date(2026, 6, 1))
    coverage = coverage_16(shares=5, renewed_shares=3)
    assert evaluate_bundle(Bundle("DD", (DD_16,)), coverage, NONE, claim) == evaluate(DD_16, coverage, NONE, claim)


def test_a_bundle_decision_replays_from_its_stored_inputs():
    claim = fire(date(2026, 3, 1))
    stored = dump_inputs(HOME, GAO_FENG_HOME, NONE, claim)
    assert "bundle" in stored
    bundle, coverage, history, facts = load_inputs(stored)
    assert evaluate_bundle(bundle, coverage, history, facts) == evaluate_bundle(HOME, GAO_FENG_HOME, NONE, claim)


def test_two_components_of_one_kind_are_refused():
    with pytest.raises(ValueError):
        Bundle("X", (CMP.components[1], CMP.components[1]))
