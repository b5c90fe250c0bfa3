"""Telephone numbers as clerks type them: a mobile (11 digits) or a landline with its area code."""

import re

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
PHONE_MESSAGE = "联系电话应为 11 位手机号，或带区号的固定电话（如 0631-5201234）。"
MOBILE_MESSAGE = "手机号应为 11 位数字，如 13806310000。"


def clean_phone(value: str, *, mobile_only: bool = False) -> str:
    """The number without spaces, or ValueError with the message to show."""
    phone = (value or "").replace(" ", "").replace("\u3000", "").strip()
    if MOBILE_RE.match(phone) or (not mobile_only and LANDLINE_RE.match(phone)):
        return phone
    raise ValueError(MOBILE_MESSAGE if mobile_only else PHONE_MESSAGE)
