"""Unified Social Credit Codes (统一社会信用代码, GB 32100-2015).

Employers and partner organisations identify themselves with this 18-char
code. The alphabet has 31 symbols: digits plus upper-case letters without
I, O, Z, S, V (too easily confused with 1, 0, 2, 5, U). The last character
is a mod-31 check character over the first 17.

Only the alphabet, the length and the check character are validated; the
registration-authority and area segments are not checked against tables for
the same reason ID area codes are not (tables go stale, old codes stay valid).
"""

from __future__ import annotations

__all__ = ["UsccError", "make_uscc", "normalize_uscc", "validate_uscc"]

_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {ch: i for i, ch in enumerate(_CHARSET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_EXCLUDED_LETTERS = "IOZSV"

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

MSG_MISSING = "请填写统一社会信用代码"
MSG_CHECKSUM = "统一社会信用代码校验位错误"


class UsccError(ValueError):
    """A credit code failed validation.

    ``code`` is ``uscc_format`` or ``uscc_checksum``; ``message`` is the
    Chinese sentence shown to the clerk.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalize_uscc(raw: str) -> str:
    """Strip whitespace/invisible characters, fold full-width to ASCII, upper-case.

    Codes are printed in capitals on licences; clerks type them in any case
    and sometimes with a Chinese input method active.
    """
    return raw.translate(_FULL_WIDTH).strip().strip(_INVISIBLE).strip().upper()


def _check_char(first17: str) -> str:
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    value = 31 - total % 31
    return _CHARSET[0 if value == 31 else value]


def validate_uscc(raw: str | None) -> str:
    """Return the normalised code if valid, else raise :class:`UsccError`.

    Characters outside the alphabet are reported by name so the clerk can
    spot the usual mix-ups (letter O for zero, I for one).
    """
    code = normalize_uscc(raw or "")
    if not code:
        raise UsccError("uscc_format", MSG_MISSING)
    if len(code) != 18:
        raise UsccError("uscc_format", f"统一社会信用代码应为18位，当前为{len(code)}位")
    bad = [ch for ch in code if ch not in _VALUES]
    if bad:
        first = bad[0]
        if first in _EXCLUDED_LETTERS:
            message = f"统一社会信用代码不使用字母{first}（不含I、O、Z、S、V），请检查是否把数字错写成了字母"
        else:
            message = f"统一社会信用代码含有无效字符“{first}”"
        raise UsccError("uscc_format", message)
    if _check_char(code[:17]) != code[17]:
        raise UsccError("uscc_checksum", MSG_CHECKSUM)
    return code


def make_uscc(first17: str) -> str:
    """Append the check character to 17 code characters (for synthetic data)."""
    body = normalize_uscc(first17)
    if len(body) != 17 or any(ch not in _VALUES for ch in body):
        raise ValueError(f"expected 17 characters from {_CHARSET!r}, got {first17!r}")
    return body + _check_char(body)
