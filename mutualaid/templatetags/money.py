"""Money in templates: 68,623.10 as on Chinese financial forms, whatever the locale's grouping."""

from decimal import Decimal, InvalidOperation

from django import template

from mutualaid.lib.idcard import mask_account
from mutualaid.lib.money import amount_in_capitals, format_yuan
from mutualaid.lib.numerals import period_name

register = template.Library()


@register.filter
def yuan(value):
    if value is None or value == "":
        return "—"
    try:
        return format_yuan(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return value


@register.filter
def capitals(value):
    return amount_in_capitals(Decimal(str(value))) if value not in (None, "") else ""


@register.filter
def account(value, full=False):
    """A bank account: in full for the centre (``full`` true), masked for everyone else."""
    return value if full else mask_account(value)


@register.filter
def period(number):
    """A period as every page names it: 16 -> 第十六期 (the glossary's one word for it)."""
    return period_name(int(number)) if number not in (None, "") else ""
