"""Everything the system holds about one person (PIPL art. 45, a person's right to know and to a copy).

The centre answers an access request by ID number: the member record, every coverage and roster line,
every claim with its amounts and payee account, the documents filed, and the audit trail of all of them.
The same sections make the page and the .xlsx handed to the person; producing either is logged.
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from claims.models import Claim, ClaimDocument
from enrollment.member_signin import PURPOSE as MEMBER_SIGN_IN
from enrollment.models import Coverage, Member, RosterLine
from mutualaid.models import AuditLog, VerificationCode
from mutualaid.notices.codes import person_key


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)


def _yes(value: bool) -> str:
    return "是" if value else "否"


def person_record(member: Member) -> list[Section]:
    profile = Section("个人信息", ["项目", "内容"], [
        ["姓名", member.name], ["性别", member.get_sex_display()], ["身份证号码", member.id_number],
        ["出生日期", member.birth_date], ["所在单位", member.unit.name if member.unit else ""],
        ["手机号", member.phone], ["医保卡号", member.insurance_card],
        ["参加基本医保", _yes(member.has_basic_insurance)], ["困难职工", _yes(member.needy)],
        ["职业", member.occupation], ["开户行", member.bank_name], ["银行卡号", member.bank_account],
    ])  # fmt: skip
    coverages = Section("参保记录", ["期次", "项目", "参保单位", "份数", "生效日期", "终止日期", "状态"], [
        [c.plan.period.name, c.plan.name, c.unit.name, c.shares, c.effective_from, c.effective_to,
         c.get_status_display()]
        for c in Coverage.objects.filter(member=member).select_related("plan__period", "unit")
        .order_by("effective_from")
    ])  # fmt: skip
    lines = Section("团体申请名单", ["申请编号", "单位", "状态", "名单序号", "份数", "医保卡号"], [
        [line.application.reference, line.application.unit.name, line.application.get_status_display(),
         line.row_number, line.shares, line.insurance_card]
        for line in RosterLine.objects.filter(member=member).select_related("application__unit")
        .order_by("application__reference")
    ])  # fmt: skip
    claims = list(Claim.objects.filter(member=member).select_related("plan__period", "unit").order_by("reference"))
    claim_rows = Section("理赔申领", ["申领编号", "项目", "单位", "类型", "诊断", "医院", "入院日期", "出院日期",
                                  "状态", "核准金额", "收款人", "开户行", "收款账号", "联系电话"], [
        [c.reference, f"{c.plan.period.name} {c.plan.name}", c.unit.name, c.get_kind_display(), c.diagnosis_text,
         c.hospital, c.admitted, c.discharged, c.get_status_display(), c.approved_amount, c.payee_name,
         c.payee_bank, c.payee_account, c.phone]
        for c in claims
    ])  # fmt: skip
    documents = Section("申领材料", ["申领编号", "材料", "文件名", "上传时间"], [
        [d.claim.reference, d.get_kind_display(), d.original_name, d.uploaded_at]
        for d in ClaimDocument.objects.filter(claim__member=member).select_related("claim").order_by("pk")
    ])  # fmt: skip
    history = Section("操作记录", ["时间", "操作人", "操作", "对象", "说明"], [
        [entry.at, entry.actor.get_username() if entry.actor else "职工本人" if entry.data.get("by_member") else "系统",
         entry.action_label, entry.object_repr, entry.comment]
        for entry in history_of(member, claims)
    ])  # fmt: skip
    # Requests for a sign-in code to the members' pages made with this ID number (the codes themselves
    # are kept only as hashes and are not part of it).
    codes = Section("登录验证码申请", ["时间", "所填手机号", "来源地址", "已发送", "已使用"], [
        [code.created_at, code.phone, code.address or "", _yes(bool(code.code_hash)), _yes(code.used_at is not None)]
        for code in VerificationCode.objects.filter(
            purpose=MEMBER_SIGN_IN, subject=person_key(MEMBER_SIGN_IN, member.id_number)
        ).order_by("created_at")
    ])  # fmt: skip
    return [profile, coverages, lines, claim_rows, documents, history, codes]


def history_of(member: Member, claims) -> list[AuditLog]:
    member_type = ContentType.objects.get_for_model(Member)
    claim_type = ContentType.objects.get_for_model(Claim)
    return list(
        AuditLog.objects.filter(
            Q(content_type=member_type, object_id=member.pk)
            | Q(content_type=claim_type, object_id__in=[c.pk for c in claims])
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
