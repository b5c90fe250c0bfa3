"""Bank accounts as clerks type them: a card or passbook number, digits only.

One check for every way an account enters the system (the roster's 银行卡号, a member's
page, a claim's payee), so a number the bank file would bounce is refused where it is typed.
"""

import re

ACCOUNT_RE = re.compile(r"^\d{10,30}$")
_SEPARATORS = str.maketrans("", "", " \u3000-")
ACCOUNT_MESSAGE = "银行卡号应为 10–30 位数字（可含空格），请核对银行卡或存折。"


def normalise_account(text: str) -> str:
    """The account's digits, spaces and dashes removed; '' for a blank. ValueError (in Chinese) otherwise."""
    digits = (text or "").translate(_SEPARATORS)
    if not digits:
        return ""
    if not ACCOUNT_RE.match(digits):
        raise ValueError(ACCOUNT_MESSAGE)
    return digits
