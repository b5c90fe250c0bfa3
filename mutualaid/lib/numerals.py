"""Chinese numerals for the names people read: 第十六期."""

_DIGITS = "零一二三四五六七八九"
_UNITS = ("", "十", "百", "千")


def chinese_number(n: int) -> str:
    """Write 1..9999 in Chinese numerals the way period names do (十六, 一百零二)."""
    if not 0 < n < 10000:
        return str(n)
    digits = [int(d) for d in str(n)]
    out: list[str] = []
    zero_pending = False
    for position, digit in enumerate(digits):
        unit = _UNITS[len(digits) - position - 1]
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[digit] + unit)
    text = "".join(out)
    # 10-19 read 十, 十一 …, not 一十, 一十一.
    return text[1:] if 10 <= n < 20 else text


def period_name(number: int) -> str:
    return f"第{chinese_number(number)}期"
