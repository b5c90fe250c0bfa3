"""Bank accounts as clerks type them: a card or passbook number, the one rule every form and
file shares (a member's account on record, a roster's 银行卡号 column, a claim's payee)."""

import re
import unicodedata

ACCOUNT_MIN_DIGITS = 10
ACCOUNT_MAX_DIGITS = 30
ACCOUNT_RE = re.compile(rf"[0-9]{{{ACCOUNT_MIN_DIGITS},{ACCOUNT_MAX_DIGITS}}}")
ACCOUNT_MESSAGE = f"银行账号应为 {ACCOUNT_MIN_DIGITS}–{ACCOUNT_MAX_DIGITS} 位数字（可含空格），请核对银行卡或存折。"


def normalise_account(text) -> str:
    """The account as digits only, or ValueError with the message to show.

    Spaces (as printed on cards: 6222 0216 …, also full-width ones) are dropped and
    full-width digits become ASCII. Blank input gives "" (no account): whether one is
    required is the caller's decision.
    """
    digits = "".join(unicodedata.normalize("NFKC", str(text or "")).split())
    if not digits:
        return ""
    if not ACCOUNT_RE.fullmatch(digits):
        raise ValueError(ACCOUNT_MESSAGE)
    return digits


def account_tail(account: str) -> str:
    """Only the last four digits (尾号 0015), for people who need to recognise an account, not use it."""
    digits = (account or "").replace(" ", "")
    return f"尾号 {digits[-4:]}" if digits else ""
