"""Money in and back: credits on applications, refunds, the centre's account, bank statements."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from enrollment.models.applications import Application
from enrollment.models.fields import MONEY
from enrollment.models.funding import PayerKind
from mutualaid.roles import CITY_ROLES
from mutualaid.scoping import CityOnlyQuerySet, CityWideQuerySet, ScopedQuerySet
from mutualaid.workflow import Workflow


class PaymentQuerySet(ScopedQuerySet):
    unit_path = "application__unit"
    district_path = "application__unit__district"


class Payment(models.Model):
    """Money credited to an application: a bank statement line (or part of one, when split), or a
    transfer recorded by hand. An undone credit stays, marked undone, and counts for nothing."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payments")
    line = models.ForeignKey(
        "StatementLine", verbose_name="银行流水", null=True, blank=True, on_delete=models.PROTECT,
        related_name="payments",
    )  # fmt: skip
    # Whose part of the invoice this pays (DOMAIN.md §14's payers; the unit's when it alone pays).
    payer_kind = models.CharField("缴款方", max_length=20, choices=PayerKind.choices, default=PayerKind.UNIT)
    amount = models.DecimalField("金额", **MONEY)
    paid_on = models.DateField("到账日期")
    bank_txn_no = models.CharField("交易流水号", max_length=60, null=True, blank=True, db_index=True)
    payer_name = models.CharField("付款人名称", max_length=100, blank=True)
    memo = models.CharField("摘要/附言", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    undo_reason = models.CharField("撤销原因", max_length=200, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "缴费"
        verbose_name_plural = "缴费"
        ordering = ["-paid_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self):
        return f"{self.application} {self.amount}"


class Refund(models.Model):
    """An overpayment sent back to the payer who made it."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="refunds")
    payer_kind = models.CharField("缴款方", max_length=20, choices=PayerKind.choices, default=PayerKind.UNIT)
    amount = models.DecimalField("退款金额", **MONEY)
    refunded_on = models.DateField("退款日期")
    reference = models.CharField("退款凭证号", max_length=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "退款"
        verbose_name_plural = "退款"
        ordering = ["-refunded_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"{self.application} 退款 {self.amount}"


class CentreAccount(models.Model):
    """The centre's bank account units transfer to, shown on every invoice (set in the admin)."""

    account_name = models.CharField("户名", max_length=100)
    bank = models.CharField("开户行", max_length=100)
    number = models.CharField("账号", max_length=40)
    active = models.BooleanField("当前使用", default=True)

    objects = CityWideQuerySet.as_manager()

    class Meta:
        verbose_name = "收款账户"
        verbose_name_plural = "收款账户"
        constraints = [models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_account")]

    def __str__(self):
        return f"{self.account_name} {self.bank}"


class BankStatement(models.Model):
    """One imported statement file."""

    filename = models.CharField("文件名", max_length=200)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True, on_delete=models.PROTECT
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    lines_read = models.PositiveIntegerField("数据行", default=0)
    debits_skipped = models.PositiveIntegerField("支出行（跳过）", default=0)
    duplicates = models.PositiveIntegerField("重复流水", default=0)
    matched = models.PositiveIntegerField("自动匹配", default=0)

    objects = CityOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "银行对账单"
        verbose_name_plural = "银行对账单"
        ordering = ["-imported_at"]

    def __str__(self):
        return self.filename


class LineStatus(models.TextChoices):
    WAITING = "waiting", "待人工匹配"
    MATCHED = "matched", "已匹配"
    NOT_OURS = "not_ours", "非缴费款项"


class StatementLine(models.Model):
    """One credit line of a bank statement; its transaction number is unique in the database."""

    # The centre matches a waiting line (whole or split) or marks it as not a premium; undoing its
    # last credit puts it back in the manual queue. The actions are those the trail records.
    workflow = Workflow(
        ("payment", ("waiting",), "matched", "确认到账", CITY_ROLES),
        ("not_ours", ("waiting",), "not_ours", "标记为非缴费款项", CITY_ROLES),
        ("payment_undo", ("matched",), "waiting", "撤销到账", CITY_ROLES),
        labels=dict(LineStatus.choices),
    )

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField("行号")
    txn_no = models.CharField("交易流水号", max_length=60, unique=True)
    txn_date = models.DateField("交易日期")
    payer_name = models.CharField("付款人名称", max_length=100, blank=True)
    payer_account = models.CharField("付款人账号", max_length=40, blank=True)
    amount = models.DecimalField("金额", **MONEY)
    memo = models.CharField("摘要/附言", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=LineStatus.choices, default=LineStatus.WAITING,
                              db_index=True)  # fmt: skip
    note = models.CharField("说明", max_length=200, blank=True)

    objects = CityOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "银行流水"
        verbose_name_plural = "银行流水"
        ordering = ["txn_date", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="statement_line_amount_positive")]

    def __str__(self):
        return f"{self.txn_no} {self.amount}"


class CashDepositQuerySet(ScopedQuerySet):
    unit_path = "application__unit"
    district_path = "application__unit__district"

    def open(self):
        return self.filter(line__isnull=True)


class CashDeposit(models.Model):
    """Cash a unit without a corporate account paid in at the bank for one application (现金银行缴存,
    DOMAIN.md §14): the stamped 无对公账户存款证明 and the deposit slip the clerk uploaded, who
    deposited (the name the bank statement shows as payer) and how much. A statement line paid in a
    person's name is matched only together with such a proof; ``line`` is that line once matched."""

    application = models.ForeignKey(Application, verbose_name="团体申请", on_delete=models.PROTECT,
                                    related_name="cash_deposits")  # fmt: skip
    depositor_name = models.CharField("存款人姓名", max_length=30)
    amount = models.DecimalField("存款金额", **MONEY)
    deposited_on = models.DateField("存款日期")
    proof = models.OneToOneField("enrollment.ApplicationDocument", verbose_name="存款证明", on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    slip = models.OneToOneField("enrollment.ApplicationDocument", verbose_name="存款凭条", on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    line = models.OneToOneField(StatementLine, verbose_name="银行流水", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="cash_deposit")  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = CashDepositQuerySet.as_manager()

    class Meta:
        verbose_name = "现金存款"
        verbose_name_plural = "现金存款"
        ordering = ["-deposited_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cash_deposit_amount_positive")]

    def __str__(self):
        return f"{self.application} 现金存款 {self.amount}（{self.depositor_name}）"
