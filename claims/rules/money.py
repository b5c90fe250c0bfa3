"""Money and rate helpers shared by the engine and its explanation lines."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def to_cents(amount: Decimal | int) -> Decimal:
    """Round half-up to 0.01 yuan: done once per claim, at the end."""
    if type(amount) is not Decimal:  # an int (a Decimal needs no copy: a replay rounds 1.5 million amounts)
        amount = Decimal(amount)
    return amount.quantize(CENT, ROUND_HALF_UP)


def yuan(amount: Decimal | int) -> str:
    """Format for a clerk: ``68,623.10``.

    Intermediate figures that have more than two decimals are shown exactly
    (``0.005``) so that the arithmetic in the lines can be checked by hand.
    """
    value = Decimal(amount)
    if value == value.quantize(CENT):
        return f"{value:,.2f}"
    return f"{value.normalize():,f}"


def percent(rate: Decimal | int) -> str:
    """``Decimal("0.5")`` -> ``50%``."""
    return f"{(Decimal(rate) * 100).normalize():f}%"
