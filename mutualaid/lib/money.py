"""Money formatting for payout forms: rounding, thousands separators and the
RMB amount in capitals (大写金额) that banks require next to the figures.

All arithmetic is on :class:`~decimal.Decimal`; floats are rejected because a
payout of 0.1 + 0.2 yuan must never print as 0.30000000000000004.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["amount_in_capitals", "format_yuan", "quantize_yuan"]

Amount = Decimal | int | str

_CENT = Decimal("0.01")
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_SECTION_UNITS = ("仟", "佰", "拾", "")  # for the 4 digits of a section
_SECTION_UNITS = ("", "万", "亿")  # sections of 4 digits, low to high
# Spelling stops below 一万亿 (10^12), where 万亿 compounding starts; no
# payout comes anywhere near it, so refusing is safer than a wrong cheque.
_MAX_YUAN = 10**12


def _to_decimal(x: Amount) -> Decimal:
    if isinstance(x, bool | float):
        raise TypeError(f"use Decimal, int or str for money, not {type(x).__name__}")
    value = Decimal(x)
    if not value.is_finite():
        raise ValueError(f"amount must be finite, got {value}")
    return value


def quantize_yuan(x: Amount) -> Decimal:
    """Round to whole fen (0.01) with ROUND_HALF_UP.

    Half-up ("四舍五入") is what clerks and members expect on paper; Python's
    default banker's rounding would make 0.125 print as 0.12.
    """
    return _to_decimal(x).quantize(_CENT, rounding=ROUND_HALF_UP)


def format_yuan(x: Amount) -> str:
    """Format as ``68,623.10``: rounded to fen, comma-grouped, no symbol."""
    return f"{quantize_yuan(x):,.2f}"


def _section_in_capitals(section: int) -> str:
    """Spell 1..9999 without leading/trailing 零 (the caller adds those)."""
    out: list[str] = []
    pending_zero = False
    for digit_char, unit in zip(f"{section:04d}", _IN_SECTION_UNITS, strict=True):
        digit = int(digit_char)
        if digit == 0:
            pending_zero = bool(out)  # only zeros *between* digits are written
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)


def _yuan_in_capitals(yuan: int) -> str:
    """Spell a positive whole number of yuan, e.g. 100010 -> 壹拾万零壹拾."""
    sections: list[int] = []
    while yuan:
        yuan, section = divmod(yuan, 10_000)
        sections.append(section)

    out: list[str] = []
    gap = False  # a zero section was skipped since the last written one
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            gap = bool(out)
            continue
        # One 零 for any run of zeros between written digits: a skipped
        # section or leading zeros inside this one (壹拾万零壹拾, 壹亿零壹).
        if out and (gap or section < 1000):
            out.append("零")
        out.append(_section_in_capitals(section) + _SECTION_UNITS[index])
        gap = False
    return "".join(out)


def amount_in_capitals(x: Amount) -> str:
    """Return the RMB amount in capitals as written on Chinese financial forms.

    Examples: ``68623.10`` -> 陆万捌仟陆佰贰拾叁元壹角, ``1005`` -> 壹仟零伍元整,
    ``100.05`` -> 壹佰元零伍分, ``0.5`` -> 伍角, ``0`` -> 零元整.

    Rules (following 《支付结算办法》 practice):

    * the amount is first rounded half-up to fen;
    * tens are written with 壹 (壹拾元, not 拾元), as banks require;
    * a run of zeros is written as one 零, never directly before 万/亿, and
      never at the end of the yuan part (壹佰万元整);
    * 整 follows 元 only when there are no jiao or fen; an amount ending in
      jiao ends with 角;
    * jiao 0 with fen non-zero writes 零 between 元 and 分 (壹佰元零伍分);
    * amounts under one yuan omit 元 (伍角, 伍分);
    * negative amounts are prefixed with 负.

    Raises ``ValueError`` for amounts of 10^12 yuan (一万亿) or more.
    """
    value = quantize_yuan(x)
    negative = value < 0
    fen_total = int(abs(value) * 100)
    yuan, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    if yuan >= _MAX_YUAN:
        raise ValueError(f"amount too large to spell in capitals: {value}")

    if yuan == 0 and cents == 0:
        return "零元整"

    parts: list[str] = []
    if yuan:
        parts.append(_yuan_in_capitals(yuan) + "元")
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    if fen:
        if yuan and not jiao:
            parts.append("零")
        parts.append(_DIGITS[fen] + "分")
    if not cents:
        parts.append("整")
    return ("负" if negative else "") + "".join(parts)
