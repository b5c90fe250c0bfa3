"""How much of a period's claims is still to come (以收定支): the submission lag of past periods.

Pure: for each past period, the amounts of its finally counted claims with the day each was filed,
counted in days after that period's coverage end. The share of the final total that had been filed
``n`` days after coverage end, over the past periods together (weighted by their totals), turns what
is filed so far in the current period into an estimate of its final total.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class PastPeriod:
    label: str
    claims: Sequence[tuple[int, Decimal]]  # (days after coverage end it was filed, final amount)

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.claims), ZERO)

    def filed_by(self, days: int) -> Decimal:
        return sum((amount for lag, amount in self.claims if lag <= days), ZERO)


@dataclass(frozen=True)
class LagEstimate:
    days: int  # days after coverage end, today (negative while the coverage runs)
    share: Decimal | None  # share of a final total filed by then in past periods; None: no history
    filed: Decimal
    final: Decimal | None
    inputs: tuple[tuple[str, Decimal, Decimal], ...]  # (period, filed by then, final total)

    @property
    def when(self) -> str:
        """The point in a period's life the estimate is made at, as the fund page words it."""
        return f"保障期满前 {-self.days} 天" if self.days < 0 else f"保障期满后 {self.days} 天"

    @property
    def not_yet_filed(self) -> Decimal | None:
        return None if self.final is None else self.final - self.filed


def estimate(past: Iterable[PastPeriod], *, days: int, filed: Decimal) -> LagEstimate:
    periods = [p for p in past if p.total > 0]
    inputs = tuple((p.label, p.filed_by(days), p.total) for p in periods)
    final_total = sum((total for _, _, total in inputs), ZERO)
    filed_then = sum((part for _, part, _ in inputs), ZERO)
    if not final_total or not filed_then:
        return LagEstimate(days, None, filed, None, inputs)
    share = filed_then / final_total
    final = (filed / share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return LagEstimate(days, share, filed, max(final, filed), inputs)
