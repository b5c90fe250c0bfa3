import uuid

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from mutualaid.bulk import copy_insert


class AuditAction(models.TextChoices):
    """Every action the code records in the audit log; its label is what the trail and its filter show."""

    CREATE = "create", "创建"
    UPDATE = "update", "修改"
    SUBMIT = "submit", "提交"
    DISTRICT_APPROVE = "district_approve", "办事处审核通过"
    CENTRE_APPROVE = "centre_approve", "中心审核通过"
    CENTRE_CHECK = "centre_check", "中心经办人审核"
    APPROVE = "approve", "负责人审批通过"
    ACTIVATE = "activate", "生效"
    RETURN = "return", "退回"
    REJECT = "reject", "不予通过"
    WITHDRAW = "withdraw", "撤回"
    PAY = "pay", "支付"
    PAYMENT = "payment", "确认到账"
    PAYMENT_UNDO = "payment_undo", "撤销到账"
    NOT_OURS = "not_ours", "标记为非缴费款项"
    REFUND = "refund", "退款"
    RECEIPT_ISSUE = "receipt_issue", "开具收据"
    RECEIPT_VOID = "receipt_void", "作废收据"
    CASH_DEPOSIT = "cash_deposit", "登记现金存款"
    ROSTER_ADD = "roster_add", "加入名单"
    ROSTER_IMPORT = "roster_import", "导入人员手册"
    ROSTER_REMOVE = "roster_remove", "移出名单"
    ROSTER_SHARES = "roster_shares", "修改份数"
    BANK_ACCOUNT = "bank_account", "登记银行账户"
    RESUBMIT = "resubmit", "重新提交"
    PASSWORD_CHANGE = "password_change", "修改密码"
    PASSWORD_REISSUE = "password_reissue", "重新生成初始密码"
    ATTACH = "attach", "上传材料"
    ORIGINALS_RECEIVED = "originals_received", "收到原件"
    PERIOD_COPY = "period_copy", "复制期次"
    SIMULATE = "simulate", "方案测算"
    PLANS_IMPORT = "plans_import", "导入保障项目"
    CLOSE = "close", "结案，不予给付"
    RECHECK = "recheck", "金额有变化，退回经办人复核"
    BOUNCE = "bounce", "银行退票"
    ROW_INSERT = "row_insert", "新增数据"
    ROW_UPDATE = "row_update", "修改数据"
    ROW_DELETE = "row_delete", "删除数据"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出登录"
    DOWNLOAD = "download", "查看或下载材料"
    EXPORT = "export", "导出"
    PRINT = "print", "打印"
    REVEAL_ID = "reveal_id", "查看完整身份证号"
    REVEAL_AUDIT = "reveal_audit", "查看操作记录中的完整号码"
    PIPL_ACCESS = "pipl_access", "个人信息查询"
    NOTICE_OPT_OUT = "notice_opt_out", "退订通知短信"
    NOTICE_OPT_IN = "notice_opt_in", "恢复通知短信"
    NOTICE_RETRY = "notice_retry", "重新发送短信"
    CODE_SENT = "code_sent", "发送验证码"
    CODE_FAILED = "code_failed", "验证码错误"
    CODE_LOCKED = "code_locked", "验证码错误次数过多，锁定"
    PASSWORD_RESET = "password_reset", "通过短信验证码重设密码"
    PHONE = "phone", "登记手机号"
    MEMBER_LOGIN = "member_login", "职工本人登录"
    MEMBER_LOGOUT = "member_logout", "职工本人退出登录"
    MEMBER_FILE = "member_file", "职工本人提交"
    RETURN_TO_MEMBER = "return_to_member", "退回职工本人"
    HISTORY_IMPORT = "history_import", "导入历史数据"


# The old name, kept for callers: action -> Chinese label.
ACTION_LABELS = dict(AuditAction.choices)

STATE_LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "district_approved": "办事处已审核",
    "centre_approved": "中心已审核",
    "centre_checked": "经办人已审核",
    "approved": "已审批",
    "effective": "已生效",
    "paid": "已支付",
    "open": "待支付",
    "returned": "已退回",
    "rejected": "未通过",
    "withdrawn": "已撤回",
    "closed": "结案，不予给付",
}


class AuditLogQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk).select_related(
            "actor", "content_type"
        )


class AuditLog(models.Model):
    """One row per change of state or of configuration; never updated or deleted.

    History lives here rather than as versions of the live rows, so the live
    tables keep their unique constraints.
    """

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField("操作", max_length=40)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField("对象", max_length=200)
    from_state = models.CharField("原状态", max_length=30, blank=True)
    to_state = models.CharField("新状态", max_length=30, blank=True)
    comment = models.TextField("意见/说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"]),
            models.Index(fields=["actor", "at"], name="mutualaid_a_actor_i_at_idx"),
            # The trail's 对象 box (``object_repr__icontains``, which PostgreSQL writes UPPER(...) LIKE):
            # without it a claim's history read a province's millions of rows (1.7 s over five million).
            GinIndex(OpClass(Upper("object_repr"), name="gin_trgm_ops"), name="auditlog_object_repr_trgm"),
            # ... and from its start (``istartswith``) for a text too short for trigrams (张伟).
            models.Index(OpClass(Upper("object_repr"), name="text_pattern_ops"), name="auditlog_object_repr_prefix"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("操作记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("操作记录只能追加，不能删除。")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    def _state_label(self, state: str) -> str:
        """The object's own word for a state (a claim's submitted is 待办事处审核), so the
        history reads the same as the status badge."""
        model = self.content_type.model_class() if self.content_type_id else None
        try:
            choices = dict(model._meta.get_field("status").choices or ())
        except Exception:
            choices = {}
        return choices.get(state) or STATE_LABELS.get(state, state)

    @property
    def from_label(self) -> str:
        return self._state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return self._state_label(self.to_state)


def _unwrapped(value):
    """``request.user`` is a lazy wrapper (around an account, or around AnonymousUser): the row needs
    the account itself, and its type, not the wrapper's; nobody signed in is no one."""
    if isinstance(value, LazyObject):
        if value._wrapped is empty:
            value._setup()
        value = value._wrapped
    if isinstance(value, AnonymousUser):
        return None
    return value


def audit(
    *, actor, obj, action: str, from_state: str = "", to_state: str = "", comment: str = "", data=None, subject=""
):
    """Append an audit row for ``obj``; call it inside the service's transaction. ``obj`` is None for
    an event about no stored record (a failed login for an unknown name: ``subject`` names it).
    ``actor`` and ``obj`` may be ``request.user`` as it comes."""
    actor, obj = _unwrapped(actor), _unwrapped(obj)
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        object_repr=str(obj if obj is not None else subject)[:200],
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
    )


def audit_many(*, actor, entries) -> None:
    """Append many audit rows in one statement (a statement import completing thousands of invoices).
    ``entries``: dicts with ``obj`` and ``action``, and optionally the other fields of ``audit``.
    The rows go in by COPY (``mutualaid.bulk``), stamped with one time as ``auto_now_add`` stamps a
    bulk insert: a model instance per row and its bound values cost 24 s of a 100,000-line statement."""
    actor = _unwrapped(actor)
    kinds = ContentType.objects.get_for_model  # the manager keeps each model's content type once read
    copy_insert(AuditLog, (
        {"actor": actor, "content_type": kinds(type(entry["obj"])), "object_id": entry["obj"].pk,
         "object_repr": str(entry["obj"])[:200], "action": entry["action"],
         "from_state": entry.get("from_state", ""), "to_state": entry.get("to_state", ""),
         "comment": entry.get("comment", ""), "data": entry.get("data") or {}}
        for entry in entries
    ))  # fmt: skip


# --- Background jobs ----------------------------------------------------------------


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A job is seen by the person who started it; centre staff see every job."""
        from mutualaid.scoping import is_city, role_of

        if role_of(user) is None:
            return self.none()
        if is_city(user):
            return self.all()
        return self.filter(created_by=user)


class Job(models.Model):
    """Long work (a large roster, a batch of PDFs) done by the queue worker, with its progress.

    The page that starts a job shows ``jobs/_progress.html``; it polls the job's
    status, so the bar survives a reload and ends in done (with a result) or failed
    (with a report). Handlers write their data in one transaction, so a job that
    dies midway leaves nothing behind and can simply be run again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("类型", max_length=40)
    label = models.CharField("任务", max_length=200)
    subject = models.CharField("对象", max_length=100, blank=True, db_index=True)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField("参数", default=dict, blank=True)
    total = models.PositiveIntegerField("总量", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    message = models.CharField("进度说明", max_length=200, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    result_file = models.FileField("结果文件", upload_to="jobs/%Y/%m/", blank=True)
    result_url = models.CharField("结果页面", max_length=300, blank=True)
    error = models.TextField("错误", blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "subject", "-created_at"])]

    def __str__(self):
        return f"{self.label}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


# --- Who acts for which unit or district ----------------------------------------------


class StaffProfile(models.Model):
    """Ties a user to the unit (clerks), district (district officers) or prefecture (prefecture officers)
    they act for."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    unit = models.ForeignKey("enrollment.Unit", verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT)
    district = models.ForeignKey(
        "enrollment.District", verbose_name="办事处", null=True, blank=True, on_delete=models.PROTECT
    )
    prefecture = models.ForeignKey(
        "enrollment.Prefecture", verbose_name="市州", null=True, blank=True, on_delete=models.PROTECT,
        help_text="市州总工会的账号：只读查看所属各办事处的全部业务和统计。",
    )  # fmt: skip
    phone = models.CharField("联系电话", max_length=30, blank=True)
    must_change_password = models.BooleanField(
        "须修改初始密码", default=False, help_text="由系统生成初始密码的账号，首次登录后须先修改密码。"
    )

    class Meta:
        db_table = "enrollment_staffprofile"  # the table predates the move from enrollment
        verbose_name = "用户归属"
        verbose_name_plural = "用户归属"
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=True) & Q(district__isnull=True))
                | (Q(unit__isnull=True) & Q(prefecture__isnull=True))
                | (Q(district__isnull=True) & Q(prefecture__isnull=True)),
                name="profile_one_office",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.unit or self.district or self.prefecture or '市中心'}"


# --- Notices: every message the system sends, and the codes it sends by SMS --------------------------


class NoticeChannel(models.TextChoices):
    SMS = "sms", "短信"
    APP = "app", "站内消息"


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    RETRYING = "retrying", "发送失败，等待重试"
    FAILED = "failed", "发送失败"
    SENT = "sent", "已发送"


NoticeStatus.PENDING = frozenset({NoticeStatus.QUEUED, NoticeStatus.RETRYING})


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The centre sees every message sent (the send log); everyone else their own in-app messages."""
        from mutualaid.scoping import is_city, role_of

        if role_of(user) is None:
            return self.none()
        if is_city(user):
            return self.all()
        return self.filter(user=user, channel=NoticeChannel.APP)

    def inbox(self, user):
        """A person's own in-app messages (the 消息 page), whoever they are."""
        return self.visible_to(user).filter(user=user, channel=NoticeChannel.APP)


class Notice(models.Model):
    """One message to one person on one channel, as it was rendered, with what became of it.

    Written in the transaction of the action that caused it (so a rolled-back action leaves no
    message and a committed one cannot lose its message); SMS are then sent by the worker.
    """

    event = models.CharField("事件", max_length=40)
    template = models.CharField("模板", max_length=60)
    channel = models.CharField("渠道", max_length=5, choices=NoticeChannel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收账号", null=True, blank=True, on_delete=models.CASCADE,
        related_name="notices",
    )  # fmt: skip
    member = models.ForeignKey(
        "enrollment.Member", verbose_name="接收会员", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    phone = models.CharField("手机号", max_length=20, blank=True)
    text = models.TextField("内容")
    params = models.JSONField("模板变量", default=dict, blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    subject = models.CharField("事项", max_length=100, blank=True)
    status = models.CharField("状态", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    provider_answer = models.TextField("服务商回复", blank=True)
    provider_id = models.CharField("服务商流水号", max_length=100, blank=True)
    created_at = models.DateTimeField("产生时间", default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField("下次发送", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "channel", "read_at"], name="notice_inbox_idx"),
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=["queued", "retrying"]), name="notice_due_idx"
            ),
            models.Index(fields=["status", "-created_at"], name="notice_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.template} → {self.recipient_label}"

    @property
    def recipient_label(self) -> str:
        """To whom, as the send log shows it: the account, or the mobile number with its middle hidden."""
        if self.user_id:
            return self.user.get_full_name() or self.user.get_username()
        return masked_phone(self.phone)


def masked_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else phone


class VerificationCode(models.Model):
    """One request for an SMS code (a member signing in, a forgotten password), answered or not.

    A request for a person nobody knows is recorded too (without a code), so the limits count the
    same whoever asks. Who asked is kept as a keyed hash (``subject``): the table holds no ID numbers.
    """

    purpose = models.CharField("用途", max_length=30)
    subject = models.CharField("申请人（散列）", max_length=64)
    phone = models.CharField("手机号", max_length=20, blank=True)
    address = models.GenericIPAddressField("申请地址", null=True, blank=True)
    code_hash = models.CharField("验证码（散列）", max_length=64, blank=True)
    created_at = models.DateTimeField("申请时间", default=timezone.now)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [
            models.Index(fields=["purpose", "subject", "created_at"], name="code_subject_idx"),
            models.Index(fields=["purpose", "address", "created_at"], name="code_address_idx"),
        ]

    def __str__(self):
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class CodeLock(models.Model):
    """Wrong codes in a row for one person and purpose; five lock them out for 30 minutes."""

    purpose = models.CharField("用途", max_length=30)
    subject = models.CharField("申请人（散列）", max_length=64)
    failures = models.PositiveSmallIntegerField("连续错误次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "验证码锁定"
        verbose_name_plural = "验证码锁定"
        constraints = [models.UniqueConstraint(fields=["purpose", "subject"], name="code_lock_unique")]

    def __str__(self):
        return f"{self.purpose} {self.locked_until or ''}"
