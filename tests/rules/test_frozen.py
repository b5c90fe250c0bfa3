"""``quick_init``: the engine's frozen dataclasses keep their signature and stay frozen."""

import copy
import inspect
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace
from datetime import date
from decimal import Decimal

import pytest

from claims.rules import ClaimFacts, CoverageFacts, History, Result
from claims.rules.frozen import quick_init
from claims.rules.replay import Replayed, ReplayItem


@pytest.mark.parametrize("cls", [ClaimFacts, CoverageFacts, History, Result, ReplayItem, Replayed])
def test_the_signature_is_the_dataclass_fields(cls):
    params = inspect.signature(cls).parameters
    assert list(params) == [f.name for f in fields(cls)]
    assert [p.default for p in params.values()] == [
        inspect.Parameter.empty if f.default is f.default_factory else f.default for f in fields(cls)
    ]


def test_an_instance_is_still_frozen_comparable_replaceable_and_copyable():
    result = Result(Decimal("7000.00"), "payable", (), (), eligible_expense=Decimal("20000.00"))
    assert (result.payable, result.days, result.condition) == (Decimal("7000.00"), 0, None)
    with pytest.raises(FrozenInstanceError):
        result.payable = Decimal("1")  # type: ignore[misc]
    assert result == Result(Decimal("7000.00"), "payable", (), (), Decimal("20000.00"))
    assert hash(result) == hash(copy.deepcopy(result))
    assert replace(result, days=3).days == 3
    assert CoverageFacts(date(2026, 3, 12), date(2027, 3, 11)).shares == 1


def test_it_refuses_what_it_would_get_wrong():
    with pytest.raises(TypeError):

        @quick_init
        @dataclass(frozen=True)
        class Listed:
            items: list = field(default_factory=list)

    with pytest.raises(TypeError):

        @quick_init
        @dataclass(frozen=True)
        class Checked:
            value: int

            def __post_init__(self):
                pass
