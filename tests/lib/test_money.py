from decimal import Decimal

import pytest

from mutualaid.lib.money import amount_in_capitals, format_yuan, quantize_yuan


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        # amounts from the specification / demo payout forms
        ("68623.10", "陆万捌仟陆佰贰拾叁元壹角"),
        ("100000.00", "壹拾万元整"),
        ("1005.00", "壹仟零伍元整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100.05", "壹佰元零伍分"),
        ("1000000", "壹佰万元整"),
        ("0", "零元整"),
        ("0.5", "伍角"),
        ("10.00", "壹拾元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("110000000.00", "壹亿壹仟万元整"),
        ("168033", "壹拾陆万捌仟零叁拾叁元整"),
        ("50000", "伍万元整"),
        ("32000", "叁万贰仟元整"),
        ("7000", "柒仟元整"),
        # zero handling
        ("1", "壹元整"),
        ("15", "壹拾伍元整"),
        ("101", "壹佰零壹元整"),
        ("1001", "壹仟零壹元整"),
        ("10001", "壹万零壹元整"),
        ("10100", "壹万零壹佰元整"),
        ("1000100", "壹佰万零壹佰元整"),
        ("1010101.01", "壹佰零壹万零壹佰零壹元零壹分"),
        ("100000001", "壹亿零壹元整"),
        ("100100000", "壹亿零壹拾万元整"),
        ("120003000", "壹亿贰仟万叁仟元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        # fractional parts
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("20000000.20", "贰仟万元贰角"),
        ("3.07", "叁元零柒分"),
        # rounding happens before spelling (half-up, like the printed figure)
        ("1234.565", "壹仟贰佰叁拾肆元伍角柒分"),
        ("0.004", "零元整"),
        # negative amounts (refund reversals)
        ("-12.30", "负壹拾贰元叁角"),
        ("-0.001", "零元整"),
        (0, "零元整"),
        (32000, "叁万贰仟元整"),
    ],
)
def test_amount_in_capitals(amount: str | int, capitals: str) -> None:
    value = Decimal(amount) if isinstance(amount, str) else amount
    assert amount_in_capitals(value) == capitals


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (Decimal(10**12), ValueError),
        (Decimal("NaN"), ValueError),
        (Decimal("Infinity"), ValueError),
        (0.1, TypeError),
        (True, TypeError),
    ],
)
def test_amount_in_capitals_rejects(amount: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        amount_in_capitals(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("68623.1", "68623.10"),
        ("0.125", "0.13"),  # half-up, not banker's rounding
        ("0.135", "0.14"),
        ("2.675", "2.68"),
        ("-0.125", "-0.13"),
        ("10", "10.00"),
    ],
)
def test_quantize_yuan(amount: str, expected: str) -> None:
    result = quantize_yuan(Decimal(amount))
    assert str(result) == expected


@pytest.mark.parametrize(
    ("amount", "formatted"),
    [
        (Decimal("68623.10"), "68,623.10"),
        (Decimal("68623.1"), "68,623.10"),
        (Decimal(0), "0.00"),
        (Decimal("999.995"), "1,000.00"),
        (Decimal(110000000), "110,000,000.00"),
        (Decimal("-1234.5"), "-1,234.50"),
        (168033, "168,033.00"),
    ],
)
def test_format_yuan(amount: Decimal | int, formatted: str) -> None:
    assert format_yuan(amount) == formatted


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        # what receipts print (DOMAIN.md §14): whole yuan end in 整; 角 without 分 ends in 角 (no 整);
        # 0 角 before a 分 is written 零; a zero run inside the yuan is one 零.
        ("1200.00", "壹仟贰佰元整"),
        ("1200.50", "壹仟贰佰元伍角"),
        ("1200.05", "壹仟贰佰元零伍分"),
        ("1200.55", "壹仟贰佰元伍角伍分"),
        ("1020.00", "壹仟零贰拾元整"),
        ("10020.30", "壹万零贰拾元叁角"),
        ("300.00", "叁佰元整"),
        ("62.00", "陆拾贰元整"),
    ],
)
def test_amounts_on_receipts_in_capitals(amount: str, capitals: str) -> None:
    assert amount_in_capitals(Decimal(amount)) == capitals
