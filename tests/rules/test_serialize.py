"""Stored inputs and results replay to the same decision."""

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings

from claims.rules import History, evaluate
from claims.rules.serialize import dump_inputs, dump_result, load_inputs, load_result

from .demo_schedules import MED_16
from .strategies import cases
from .test_worked_examples import EXAMPLES, WANG_QIANG_MED, WANG_QIANG_PAID, WANG_QIANG_STAY


def through_json(data):
    return json.loads(json.dumps(data, ensure_ascii=False))


def assert_replays(schedule, coverage, history, claim):
    stored_inputs = through_json(dump_inputs(schedule, coverage, history, claim))
    result = evaluate(schedule, coverage, history, claim)
    stored_result = through_json(dump_result(result))

    assert load_inputs(stored_inputs) == (schedule, coverage, history, claim)
    assert evaluate(*load_inputs(stored_inputs)) == result
    assert load_result(stored_result) == result
    assert dump_result(load_result(stored_result)) == stored_result


@pytest.mark.parametrize("case", [row[1:5] for row in EXAMPLES], ids=[row[0] for row in EXAMPLES])
def test_worked_examples_replay(case):
    assert_replays(*case)


@settings(max_examples=150)
@given(case=cases())
def test_any_decision_replays(case):
    assert_replays(*case)


def test_stored_result_is_plain_json_with_amounts_as_strings():
    result = evaluate(MED_16, WANG_QIANG_MED, WANG_QIANG_PAID, WANG_QIANG_STAY)

    stored = dump_result(result)

    assert stored["payable"] == "15800.00"
    assert stored["decision"] == "payable"
    assert stored["reasons"] == []
    assert stored["eligible_expense"] == "28000.00"
    assert stored["lines"][-1] == {"label": "本次应付互助金 15,800.00", "amount": "15800.00"}
    assert stored["lines"][0]["amount"] is None
    assert (stored["days"], stored["condition"], stored["condolence"]) == (0, None, False)
    assert (stored["accident_medical"], stored["disability"]) == ("0.00", "0.00")


def test_stored_inputs_are_plain_json():
    history = replace(WANG_QIANG_PAID, paid_conditions=frozenset({"DD15", "DD02"}))

    stored = dump_inputs(MED_16, None, history, WANG_QIANG_STAY)

    assert stored["coverage"] is None
    assert stored["history"]["paid_conditions"] == ["DD02", "DD15"]
    assert stored["history"]["eligible_total"] == "20000"
    assert stored["claim"]["admitted"] == "2026-08-01"
    assert stored["schedule"]["tiers"][0] == {"up_to": "30000", "rate": "0.5"}
    assert stored["schedule"]["tiers"][-1]["up_to"] is None
    assert load_inputs(through_json(stored)) == (MED_16, None, history, WANG_QIANG_STAY)


def test_float_money_is_refused_on_load():
    stored = dump_inputs(MED_16, None, History(), WANG_QIANG_STAY)
    stored["claim"]["total_cost"] = 50000.1

    with pytest.raises(TypeError, match="float"):
        load_inputs(stored)


def test_history_defaults_replay_as_decimals():
    (_, _, history, _) = load_inputs(through_json(dump_inputs(MED_16, None, History(), WANG_QIANG_STAY)))

    assert history.paid_total == Decimal("0")
    assert isinstance(history.paid_total, Decimal)
