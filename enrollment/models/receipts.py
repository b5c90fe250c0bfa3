"""Receipts (收据) for premiums received, numbered from the centre's series (DOMAIN.md §14).

A receipt is a snapshot: the payer's title and tax number, the items and the amount as they were
when it was issued, so a later change to the unit or the application never rewrites a receipt
already handed out. A refund voids it and a new one is issued for what remains paid; the void one
stays, marked void, and its public check page says so.

An application has one receipt per payer (``payer_kind``, ``enrollment.models.funding``): the unit
alone under the default way, or each payer of a shared way (单位行政, 单位工会, 职工个人, §14) for
its own part; the one-valid-receipt constraint counts per (application, payer_kind).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from enrollment.models.applications import Application
from enrollment.models.fields import MONEY
from enrollment.models.funding import PayerKind
from mutualaid.scoping import CityWideQuerySet, ScopedQuerySet


class ReceiptSeries(models.Model):
    """The centre's numbering of receipts: its prefix and the name printed as the issuer. Numbers
    run per year from 1 without gaps (``ReceiptCounter``): WH2026-000001, WH2026-000002, …"""

    prefix = models.CharField("编号前缀", max_length=8, unique=True, help_text="如 WH，收据编号为 WH2026-000123")
    issuer_name = models.CharField("开票单位", max_length=100)
    active = models.BooleanField("当前使用", default=True)

    objects = CityWideQuerySet.as_manager()

    class Meta:
        verbose_name = "收据编号序列"
        verbose_name_plural = "收据编号序列"
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_receipt_series")
        ]

    def __str__(self):
        return f"{self.prefix} {self.issuer_name}"


class ReceiptCounter(models.Model):
    """The last number issued in a series' year; advanced in the issuing transaction (so a number
    is used once and a rolled-back issue leaves no gap)."""

    series = models.ForeignKey(ReceiptSeries, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveIntegerField("年度")
    last_number = models.PositiveIntegerField("已用到", default=0)

    class Meta:
        verbose_name = "收据编号计数"
        verbose_name_plural = "收据编号计数"
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="receipt_counter_unique")]

    def __str__(self):
        return f"{self.series.prefix}{self.year} {self.last_number}"


class ReceiptStatus(models.TextChoices):
    VALID = "valid", "有效"
    VOID = "void", "已作废"


class ReceiptQuerySet(ScopedQuerySet):
    unit_path = "application__unit"
    district_path = "application__unit__district"

    def valid(self):
        return self.filter(status=ReceiptStatus.VALID)


def receipt_token() -> str:
    """What the QR code carries: random, not derived from the number or the record."""
    return secrets.token_urlsafe(24)


class Receipt(models.Model):
    number = models.CharField("收据编号", max_length=30, unique=True)
    series = models.ForeignKey(ReceiptSeries, verbose_name="编号序列", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    token = models.CharField("查验码", max_length=64, unique=True, default=receipt_token, editable=False)
    application = models.ForeignKey(Application, verbose_name="团体申请", on_delete=models.PROTECT,
                                    related_name="receipts")  # fmt: skip
    # Who paid this part: one of §14's payers ("unit", the administration, when the unit alone pays).
    payer_kind = models.CharField("缴款方", max_length=20, choices=PayerKind.choices, default=PayerKind.UNIT)
    payer_title = models.CharField("交款单位（抬头）", max_length=100)
    payer_tax_number = models.CharField("纳税人识别号", max_length=20, blank=True)
    issuer_name = models.CharField("开票单位", max_length=100)
    amount = models.DecimalField("金额", **MONEY)
    items = models.JSONField("项目", default=list)  # [{"plan", "persons", "shares", "price", "amount"}]
    issued_on = models.DateField("开具日期")
    issued_at = models.DateTimeField("开具时间", auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="开具人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")  # fmt: skip
    status = models.CharField("状态", max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.VALID)
    replaces = models.OneToOneField("self", verbose_name="替代的收据", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")  # fmt: skip
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作废人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")  # fmt: skip
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = "收据"
        verbose_name_plural = "收据"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "seq"], name="receipt_number_unique"),
            models.UniqueConstraint(
                fields=["application", "payer_kind"], condition=Q(status="valid"), name="one_valid_receipt_per_payer"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.status == ReceiptStatus.VALID
