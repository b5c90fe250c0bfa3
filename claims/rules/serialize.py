"""JSON-safe dumps of a decision's inputs and result, so it can be replayed."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import date
from decimal import Decimal
from typing import Any

from .facts import ClaimFacts, CoverageFacts, History, Result
from .money import to_cents
from .schedule import Bundle, Schedule

_RESULT_MONEY = ("payable", "eligible_expense", "accident_medical", "disability", "property_loss")


def dump_inputs(
    schedule: Schedule | Bundle,
    coverage: CoverageFacts | None,
    history: History,
    claim: ClaimFacts,
) -> dict:
    """A plan of one component is stored as its schedule (as before bundles); a bundle as ``bundle``."""
    if isinstance(schedule, Bundle) and len(schedule.components) == 1:
        schedule = schedule.components[0]
    key = "bundle" if isinstance(schedule, Bundle) else "schedule"
    return {
        key: _dump(schedule),
        "coverage": _dump(coverage),
        "history": _dump(history),
        "claim": _dump(claim),
    }


def load_inputs(
    data: dict,
) -> tuple[Schedule | Bundle, CoverageFacts | None, History, ClaimFacts]:
    """The inputs back; pass a Bundle to ``evaluate_bundle``, a Schedule to ``evaluate``."""
    coverage = data["coverage"]
    return (
        _load(Bundle, data["bundle"]) if "bundle" in data else _load(Schedule, data["schedule"]),
        None if coverage is None else _load(CoverageFacts, coverage),
        _load(History, data["history"]),
        _load(ClaimFacts, data["claim"]),
    )


def dump_result(result: Result) -> dict:
    data = _dump(result)
    for name in _RESULT_MONEY:
        data[name] = _money(getattr(result, name))
    data["lines"] = [
        {"label": line.label, "amount": None if line.amount is None else _money(line.amount)} for line in result.lines
    ]
    return data


def load_result(data: dict) -> Result:
    return _load(Result, data)


def _money(amount: Decimal | int) -> str:
    return format(to_cents(amount), "f")


def _dump(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(_dump(item) for item in value)
    if isinstance(value, tuple | list):
        return [_dump(item) for item in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot serialise {type(value).__name__}: {value!r}")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A dataclass's field types, resolved once: resolving them evaluates each annotation's text, and a
    claim's page loads its workings (some seventy dataclasses) on every view."""
    return typing.get_type_hints(cls)


def _load(hint: Any, raw: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if raw is None:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _load(inner, raw)
    if hint is Decimal:
        if isinstance(raw, float):  # a float has already lost the cents
            raise TypeError(f"money must be a string, not float {raw!r}")
        return Decimal(raw)
    if hint is date:
        return date.fromisoformat(raw)
    if hint in (int, str, bool):
        if not isinstance(raw, hint):
            raise TypeError(f"expected {hint.__name__}, got {raw!r}")
        return raw
    if origin is frozenset:
        return frozenset(_load(args[0], item) for item in raw)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], item) for item in raw)
        return tuple(_load(arg, item) for arg, item in zip(args, raw, strict=True))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(**{name: _load(hints[name], value) for name, value in raw.items()})
    raise TypeError(f"cannot load {hint!r}")


__all__ = ["dump_inputs", "dump_result", "load_inputs", "load_result"]
