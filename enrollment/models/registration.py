"""A union not yet known registering itself (单位注册), with the certificates it sends."""

from django.conf import settings
from django.db import models

from enrollment.models.organisation import District, Unit
from mutualaid.roles import CITY_ROLES, Role, role_of
from mutualaid.scoping import ScopedQuerySet
from mutualaid.uploads import StoredDocument, stored_document_path
from mutualaid.workflow import Workflow


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", "待办事处审核"
    APPROVED = "approved", "已通过"
    RETURNED = "returned", "已退回"


# Its district office reviews a registration; the centre may too.
REGISTRATION_REVIEW = {Role.DISTRICT} | CITY_ROLES


class RegistrationQuerySet(ScopedQuerySet):
    district_path = "district"

    def visible_to(self, user):
        # A registration is not yet a unit: its clerk has no account, so only reviewers see it.
        if role_of(user) == Role.CLERK:
            return self.none()
        return super().visible_to(user)


class UnitRegistration(models.Model):
    """A grassroots union not yet known asking to be registered (单位注册), reviewed by its district."""

    workflow = Workflow(
        ("approve", ("pending",), "approved", "审核通过", REGISTRATION_REVIEW),
        ("return", ("pending",), "returned", "退回", REGISTRATION_REVIEW),
        ("resubmit", ("returned",), "pending", "重新提交", ()),  # the union itself, not yet a user
        labels=dict(RegistrationStatus.choices),
    )

    token = models.CharField("登记号", max_length=32, unique=True, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING, db_index=True
    )
    name = models.CharField("单位名称", max_length=100)
    uscc = models.CharField("统一社会信用代码", max_length=18)
    district = models.ForeignKey(District, verbose_name="所属办事处", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("单位地址", max_length=200)
    chair_name = models.CharField("工会主席姓名", max_length=30)
    chair_phone = models.CharField("工会主席联系方式", max_length=30)
    contact_name = models.CharField("经办人姓名", max_length=30)
    contact_phone = models.CharField("经办人手机号", max_length=20)
    declared_staff = models.PositiveIntegerField("在职人数")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    submitted_from = models.GenericIPAddressField("提交地址", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    reason = models.TextField("退回原因", blank=True)
    unit = models.OneToOneField(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="registration"
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "单位注册"
        verbose_name_plural = "单位注册"
        ordering = ["-submitted_at"]

    def __str__(self):
        return self.name


class RegistrationDocumentQuerySet(ScopedQuerySet):
    district_path = "registration__district"

    def visible_to(self, user):
        return self.none() if role_of(user) == Role.CLERK else super().visible_to(user)


# The name migration 0006 gives the certificates' upload path: the one every stored scan shares.
registration_document_path = stored_document_path


class RegistrationDocument(StoredDocument):
    """A certificate a registering union sends (工会法人资格证书 and the like)."""

    upload_folder = "registrations"

    registration = models.ForeignKey(UnitRegistration, on_delete=models.CASCADE, related_name="documents")

    objects = RegistrationDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "注册证明材料"
        verbose_name_plural = "注册证明材料"
        ordering = ["registration", "uploaded_at"]
