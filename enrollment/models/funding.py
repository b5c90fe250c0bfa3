"""Who pays an application's premium (DOMAIN.md §14, Beijing's five ways): the unit's
administration (单位行政), the unit's union (单位工会), the members themselves (职工个人), alone or
sharing it. The way decides which payers have a part; each part is a sum per share, invoiced, paid,
receipted and refunded on its own.

``unit`` is the administration's code because it was the only payer before: every receipt, credit
and refund recorded then is the unit's (单位行政全额, the default way).
"""

from django.db import models


class PayerKind(models.TextChoices):
    UNIT = "unit", "单位行政"
    UNION = "union", "单位工会"
    PERSONAL = "personal", "职工个人"


class FundingWay(models.TextChoices):
    ADMIN = "admin", "单位行政全额"
    UNION = "union", "单位工会全额"
    ADMIN_UNION = "admin_union", "行政与工会分担"
    ADMIN_UNION_PERSONAL = "admin_union_personal", "行政、工会与个人分担"
    PERSONAL = "personal", "个人全额"


# Which payers have a part under each way, in the order the invoice lists them (the first one is
# also the payer of a transfer whose memo names the application's reference without a suffix).
FUNDING_PAYERS: dict[str, tuple[str, ...]] = {
    FundingWay.ADMIN: (PayerKind.UNIT,),
    FundingWay.UNION: (PayerKind.UNION,),
    FundingWay.ADMIN_UNION: (PayerKind.UNIT, PayerKind.UNION),
    FundingWay.ADMIN_UNION_PERSONAL: (PayerKind.UNIT, PayerKind.UNION, PayerKind.PERSONAL),
    FundingWay.PERSONAL: (PayerKind.PERSONAL,),
}

# The payment reference of one payer's part is the application's reference and this suffix
# (1-HOME-B002-1-GH); an application with one payer keeps its plain reference.
PAYER_SUFFIX = {PayerKind.UNIT: "XZ", PayerKind.UNION: "GH", PayerKind.PERSONAL: "GR"}
SUFFIX_PAYER = {suffix: kind for kind, suffix in PAYER_SUFFIX.items()}

# The application's field holding each payer's part per share (used by the ways that share).
PART_FIELDS = {PayerKind.UNIT: "part_unit", PayerKind.UNION: "part_union", PayerKind.PERSONAL: "part_personal"}
