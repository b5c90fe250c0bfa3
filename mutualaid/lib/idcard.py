"""Chinese resident identity numbers (公民身份号码, GB 11643-1999).

Layout of the 18 characters::

    371002 19800512 013 7
    ^area  ^birth   ^seq ^check digit (0-9 or X)

The 17th character (last digit of the sequence code) is odd for men and even
for women. The area code is deliberately *not* checked against a table:
codes change with administrative re-zoning and old numbers stay valid, so a
table would reject real members.

Numbers usually arrive from Excel sheets typed by clerks, so validation also
recognises the typical Excel damage (scientific notation, last digits turned
into zeros) and says how to fix the sheet instead of just "invalid".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mutualaid.lib import dates

__all__ = [
    "IdInfo",
    "IdNumberError",
    "check_digit",
    "id_checker",
    "make_id",
    "mask_account",
    "mask_id",
    "mask_ids_in",
    "normalize_id",
    "upgrade_15",
    "validate_id",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_MIN_BIRTH_YEAR = 1900

# Full-width ASCII block (U+FF01..U+FF5E) maps onto ASCII by a fixed offset;
# Chinese input methods produce these when the clerk forgets to switch mode.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20  # ideographic (full-width) space
# str.strip() already removes U+3000 and NBSP; these invisible characters
# come along when copying from web pages or Word and are not whitespace.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

_ID_PATTERN = re.compile(r"\d{17}[\dX]")
_PLAIN_ID = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only, as a number needing no cleaning is
_EXCEL_FIXED = re.compile(r"\d{15,18}\.0*")  # e.g. "371002198005120000.0"

MSG_MISSING = "请填写身份证号码"
MSG_EXCEL = (
    "身份证号码被Excel当作数字处理（显示为科学计数法或末几位变成0），后几位已经丢失。请将该列设置为“文本”格式后重新填写"
)
MSG_OLD_15 = "身份证号码应为18位，当前为15位（旧版15位号码请换成18位新号码）"
MSG_CHARS = "身份证号码只能包含数字，最后一位可以是X"
MSG_CHECKSUM = "身份证号码校验位错误"
MSG_BIRTH_INVALID = "身份证号码中的出生日期无效"
MSG_BIRTH_FUTURE = "身份证号码中的出生日期晚于今天"
MSG_BIRTH_TOO_OLD = "身份证号码中的出生日期早于1900年"


def _length_message(n: int) -> str:
    return f"身份证号码应为18位，当前为{n}位"


class IdNumberError(ValueError):
    """A resident ID number failed validation.

    ``code`` is stable and machine-readable (for import reports and tests);
    ``message`` is the Chinese sentence shown to the clerk.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdInfo:
    """What a valid ID number tells us about its holder."""

    number: str
    birth_date: date
    sex: str  # "M" or "F"

    def age_on(self, d: date) -> int:
        """Age in completed years (周岁) on ``d``; see :func:`dates.age_on`."""
        return dates.age_on(self.birth_date, d)


def normalize_id(raw: str) -> str:
    """Return ``raw`` cleaned of the harmless noise clerks' input carries.

    Strips surrounding (including full-width) whitespace and invisible
    characters, converts full-width digits/letters to ASCII and upper-cases a
    trailing ``x``. Does not validate: garbage in stays recognisably garbage.
    """
    cleaned = raw.translate(_FULL_WIDTH).strip().strip(_INVISIBLE).strip()
    if cleaned.endswith("x"):
        cleaned = cleaned[:-1] + "X"
    return cleaned


def check_digit(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    return _CHECK_CHARS[_weighted_sum_mod_11(first17)]


def _weighted_sum_mod_11(first17: str) -> int:
    """sum(digit x weight) mod 11 for 17 ASCII digits, in one C call: GB 11643's weights are 2 ** (18 - i)
    mod 11 for the i-th digit, and 13 is 2 mod 11, so the digits read as a base-13 number, doubled,
    leave the same remainder (a digit-by-digit sum cost more than the rest of a roster row's checks)."""
    return 2 * int(first17, 13) % 11


def upgrade_15(number: str) -> str | None:
    """A first-generation 15-digit number (issued before 1999: area, YYMMDD, sequence) as the
    18-digit number it became: "19" before the birth year, then the check digit. None unless
    ``number`` is 15 ASCII digits."""
    if len(number) != 15 or not number.isascii() or not number.isdigit():
        return None
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_digit(first17)


def _looks_like_excel_number(s: str) -> bool:
    """Excel turns long digit strings into floats: "3.70602198501011E+17"."""
    return "E+" in s.upper() or _EXCEL_FIXED.fullmatch(s) is not None


def _parse_birth(number: str, today: date) -> date:
    digits = number[6:14]
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError("id_birthdate", f"{MSG_BIRTH_INVALID}（{digits}）") from None
    if birth > today:
        raise IdNumberError("id_birthdate", f"{MSG_BIRTH_FUTURE}（{digits}）")
    if birth.year < _MIN_BIRTH_YEAR:
        raise IdNumberError("id_birthdate", f"{MSG_BIRTH_TOO_OLD}（{digits}）")
    return birth


def validate_id(raw: str | int | float | None, *, today: date) -> IdInfo:
    """Validate a resident ID number and return what it encodes.

    ``raw`` may be a cell value straight from a spreadsheet reader, hence the
    int/float/None tolerance. ``today`` is explicit so that "birth date in the
    future" is testable and consistent within one import run.

    Checks run in the order a clerk can act on: missing, Excel damage, length
    and characters, birth date (points at the exact digits), then checksum.

    Raises :class:`IdNumberError` with code ``id_missing``, ``id_format``,
    ``id_birthdate`` or ``id_checksum``.
    """
    if raw is None:
        raise IdNumberError("id_missing", MSG_MISSING)
    if isinstance(raw, float):
        # A double holds ~15-17 significant digits: the number is already lost.
        raise IdNumberError("id_format", MSG_EXCEL)
    number = normalize_id(str(raw))
    if not number:
        raise IdNumberError("id_missing", MSG_MISSING)
    if _looks_like_excel_number(number):
        raise IdNumberError("id_format", MSG_EXCEL)
    if len(number) != 18:
        if len(number) == 15 and number.isdigit():
            raise IdNumberError("id_format", MSG_OLD_15)
        raise IdNumberError("id_format", _length_message(len(number)))
    if not _ID_PATTERN.fullmatch(number) or not number.isascii():
        raise IdNumberError("id_format", MSG_CHARS)

    expected = check_digit(number[:17])
    if expected != number[17] and number.endswith("000"):
        # Excel keeps 15 significant digits and pads with zeros; a real
        # number ending in 000 would have passed the checksum.
        raise IdNumberError("id_format", MSG_EXCEL)
    birth = _parse_birth(number, today)
    if expected != number[17]:
        raise IdNumberError("id_checksum", MSG_CHECKSUM)

    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number=number, birth_date=birth, sex=sex)


def id_checker(*, today: date):
    """``validate_id`` for a whole sheet judged on one day, as a function of the cell value returning
    (number, birth date, sex). A value already as a valid number is written (18 ASCII characters, the
    check digit right, a birth date this sheet has already met) is taken as it is; anything else goes
    through ``validate_id``, so every error is the one it raises. At 100,000 rows the cleaning steps
    and the date parsing are most of a roster's per-row cost, and birth dates repeat."""
    births: dict[str, date] = {}
    plain = _PLAIN_ID.fullmatch

    def check(raw) -> tuple[str, date, str]:
        if type(raw) is str and len(raw) == 18 and plain(raw):
            birth = births.get(raw[6:14])
            if birth is not None and _CHECK_CHARS[2 * int(raw[:17], 13) % 11] == raw[17]:
                return raw, birth, "M" if raw[16] in "13579" else "F"
        info = validate_id(raw, today=today)
        births[info.number[6:14]] = info.birth_date
        return info.number, info.birth_date, info.sex

    return check


def mask_id(number: str) -> str:
    """Hide the birth date and sequence code for display in lists.

    ``371002198005120137`` -> ``371002********0137``: the area prefix and last
    four digits are enough for a clerk to tell members apart on screen while
    the full number stays out of screenshots and printouts. Input of 10
    characters or fewer is returned unchanged (nothing sensible to mask).
    """
    number = number.strip()
    if len(number) <= 10:
        return number
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_ids_in(text: str) -> str:
    """Every 18-character ID number inside free text (a log line, a name someone typed) masked as
    ``mask_id`` does; the rest of the text unchanged."""
    return _ID_IN_TEXT.sub(lambda match: mask_id(match.group()), text or "")


def make_id(area: str, birth: date, seq: int, sex: str) -> str:
    """Build a valid 18-character ID number (for synthetic data and tests).

    ``seq`` is the full 3-digit sequence code (0-999) as printed in the
    number; its last digit must be odd for ``sex="M"`` and even for
    ``sex="F"``. A mismatch raises ``ValueError`` rather than silently
    changing ``seq``, so ``make_id("371002", date(1980, 5, 12), 13, "M")``
    reproduces ``371002198005120137`` exactly. To enumerate many numbers of
    one sex use ``seq = 2 * k + (1 if sex == "M" else 0)``.
    """
    if len(area) != 6 or not area.isascii() or not area.isdigit():
        raise ValueError(f"area must be 6 digits, got {area!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"seq must be 0-999, got {seq}")
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")
    if (seq % 2 == 1) != (sex == "M"):
        raise ValueError(f"seq {seq:03d} does not encode sex {sex!r} (odd = M, even = F)")
    if birth.year < _MIN_BIRTH_YEAR:
        raise ValueError(f"birth year must be >= {_MIN_BIRTH_YEAR}")
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def mask_account(account: str) -> str:
    """A bank account as people outside the centre see it: ``6228 **** **** 8901``.

    The first and last four digits let a clerk recognise the card; the rest stays
    out of lists, screenshots and printouts.
    """
    digits = (account or "").replace(" ", "")
    if len(digits) <= 8:
        return digits
    return f"{digits[:4]} **** **** {digits[-4:]}"
