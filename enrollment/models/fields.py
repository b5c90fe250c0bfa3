"""How an amount is stored: ``MONEY`` (Decimal, 14 digits, 2 places); ``money_field`` adds a zero
default and refuses a negative amount. Claims stores its amounts the same way."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, validators=[MinValueValidator(ZERO)], **MONEY, **kwargs)
