"""Notices (DOMAIN.md §13): every event of the list reaches its people with its words, no SMS says more
than its recipient may know, members can turn notices off (not codes), failed sends are retried and
then shown to the centre first, and the 消息 page with its count in the header."""

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from claims import services as claim_services
from demo.records import DEMO_PASSWORD
from enrollment import services
from enrollment.models import Coverage, Member, Plan, UnitRegistration
from enrollment.services import registration_approve, registration_return, statement_import
from mutualaid import notices
from mutualaid.models import AuditLog, Notice, NoticeChannel, NoticeStatus
from mutualaid.notices import backends
from mutualaid.notices.events import EVENTS, sms_templates
from tests.helpers import submit, typed_in
from tests.test_payments import line, statement
from tests.test_units_and_people import register

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def sms_file(tmp_path, monkeypatch):
    """The file backend, as the tests read it: every SMS that left, one JSON object per line."""
    monkeypatch.setenv("DJANGO_SMS_BACKEND", "file")
    monkeypatch.setenv("DJANGO_SMS_FILE_PATH", str(tmp_path))

    def read():
        path = tmp_path / "sms.jsonl"
        return [json.loads(row) for row in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []

    return read


def sms(event=None, **filters):
    query = Notice.objects.filter(channel=NoticeChannel.SMS, **filters).order_by("pk")
    return list(query.filter(event=event) if event else query)


def app(user, event=None):
    query = Notice.objects.filter(channel=NoticeChannel.APP, user=user).order_by("pk")
    return list(query.filter(event=event) if event else query)


def texts(rows):
    return [row.text for row in rows]


def at(day, hour=10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def wang_qiang_claim(clerk, *, admitted=date(2026, 8, 20), total="3000", basic="1000"):
    coverage = Coverage.objects.get(member__name="王强", plan__code="MED", plan__period__number=16)
    claim = claim_services.claim_create(actor=clerk, coverage=coverage, kind="hospital_stay", admitted=admitted,
                                        discharged=admitted, total_cost=D(total), basic_insurance_paid=D(basic))  # fmt: skip
    return submit(clerk, claim)


# --- Every event of §13 --------------------------------------------------------------------------------


@pytest.fixture
def everything(clerk_u001, clerk_u002, clerk_u003, district_hc, district_wd, district_rc, handler, head, client):
    """Walk every event of the table once, as the product does it, and return what was said."""
    with at(date(2026, 9, 1)):
        # A claim through its whole life: received, checked, approved, paid.
        claim = wang_qiang_claim(clerk_u001)
        claim_services.claim_district_approve(actor=district_hc, claim=claim)
        claim = claim_services.claim_check(actor=handler, claim=claim)
        claim = claim_services.claim_approve(actor=head, claim=claim)
        batch = claim_services.payout_batch_create(actor=handler, claims=[claim])
        claim_services.payout_batch_mark_paid(actor=head, batch=batch, paid_on=date(2026, 9, 1), bank_reference="B1")
        # A claim returned by the district office with a reason; another rejected.
        returned = wang_qiang_claim(clerk_u001, admitted=date(2026, 8, 22))
        claim_services.claim_return(actor=district_hc, claim=returned, reason="出院小结缺第二页")
        rejected = wang_qiang_claim(clerk_u001, admitted=date(2026, 8, 24))
        claim_services.claim_reject(actor=district_hc, claim=rejected, reason="非住院治疗")
        # 李娜 in her waiting period (DOMAIN.md §8 example 3): nothing to pay, the claim is closed.
        li_na = Coverage.objects.get(member__name="李娜", plan__code="MED", plan__period__number=16)
        closed = claim_services.claim_create(actor=clerk_u001, coverage=li_na, kind="hospital_stay",
                                             admitted=date(2026, 7, 10), discharged=date(2026, 7, 12),
                                             total_cost=D("9000"), basic_insurance_paid=D("1000"))  # fmt: skip
        closed = submit(clerk_u001, closed)
        claim_services.claim_district_approve(actor=district_hc, claim=closed)
        claim_services.claim_approve(actor=head, claim=claim_services.claim_check(actor=handler, claim=closed))
        # The member-filed steps (their actions come with the members' pages; the table already knows them).
        notices.on_transition(actor=None, obj=returned, action="member_file")
        notices.on_transition(actor=clerk_u001, obj=returned, action="return_to_member", comment="请补拍发票")
    with at(date(2026, 11, 25)):
        # An application returned, then approved by the centre (to be paid); another rejected.
        plan = Plan.objects.get(period__number=16, code="MW")
        mw = services.application_create(actor=clerk_u002, plan=plan, unit=clerk_u002.staff_profile.unit,
                                         declared_staff=2)  # fmt: skip
        services.roster_add_person(actor=clerk_u002, application=mw, person=typed_in(Member.objects.get(name="刘洋")))
        services.application_submit(actor=clerk_u002, application=mw)
        services.application_return(actor=district_wd, application=mw, reason="请补充社保证明")
        services.application_submit(actor=clerk_u002, application=mw)
        services.application_district_approve(actor=district_wd, application=mw)
        services.application_centre_approve(actor=handler, application=mw)
        fem = services.application_create(actor=clerk_u002, plan=Plan.objects.get(period__number=16, code="FEM"),
                                          unit=clerk_u002.staff_profile.unit, declared_staff=2)  # fmt: skip
        services.roster_add_person(actor=clerk_u002, application=fem, person=typed_in(Member.objects.get(name="陈静")))
        services.application_submit(actor=clerk_u002, application=fem)
        services.application_reject(actor=district_wd, application=fem, reason="本单位已参加其他项目")
        # A statement completes 16-MED-U003-1 (赵敏, 孙磊): the application and both coverages take effect.
        statement_import(actor=handler, data=statement([line("T1", 100, memo="16-MED-U003-1")]), filename="s.xlsx")
        # A union registers, is returned, corrects it, is approved: its account name by SMS.
        register()
        registration = UnitRegistration.objects.get(name="威海示例新材料有限公司工会委员会")
        registration_return(actor=district_rc, registration=registration, reason="证书照片不清晰")
        registration.status = "pending"
        registration.save(update_fields=["status"])
        _, username, password = registration_approve(actor=district_rc, registration=registration)
        # A member's number changes: the old one is told.
        zhang = Member.objects.get(name="张伟")
        notices.emit("member_phone_changed", member=zhang, old_phone=zhang.phone, new_phone="13906319999")
    return {"claim": claim, "mw": mw, "username": username, "password": password}


def test_claim_events_reach_the_member_the_clerk_and_the_next_reviewer(everything, clerk_u001, district_hc, handler,
                                                                       head):  # fmt: skip
    ref = everything["claim"].reference
    wang = "13806310003"
    member = {row.event: row.text for row in sms(member__name="王强") if ref in row.text}
    assert member["claim_received"] == f"您的住院医疗互助金申领（编号 {ref}）已由单位提交，进入审核。"
    assert member["claim_approved"] == f"您的互助金申领 {ref} 已审批通过，金额 1,000.00 元，支付后另行通知。"
    assert member["claim_paid"] == f"您的互助金申领 {ref} 已于 2026-09-01 支付 1,000.00 元，转入尾号 0379 的账户。"
    assert all(row.phone == wang for row in sms(member__name="王强"))
    returned = [t for t in texts(sms("claim_returned", member__name="王强"))]
    assert returned == [returned[0]] and "原因：出院小结缺第二页" in returned[0]
    assert "原因：非住院治疗" in sms("claim_rejected", member__name="王强")[0].text
    assert "原因：请补拍发票" in sms("claim_returned_to_member")[0].text
    # The clerk: SMS without the member's name, the app with it.
    clerk_sms = texts(sms(user=clerk_u001))
    assert f"申领 {ref} 已审批通过，请登录系统查看。" in clerk_sms
    assert f"申领 {ref} 的互助金已支付，请登录系统查看。" in clerk_sms
    assert any("有会员通过手机提交了互助金申领" in t for t in clerk_sms)
    assert all("王强" not in t for t in clerk_sms)
    clerk_app = texts(app(clerk_u001))
    assert f"申领 {ref}（王强）已于 2026-09-01 支付 1,000.00 元。" in clerk_app
    assert any("被退回：出院小结缺第二页" in t for t in clerk_app)
    assert {row.phone for row in sms(user=clerk_u001)} == {"13906310001"}
    # Each reviewer is told what lands in their queue, with a link to it.
    [received] = app(district_hc, "claim_received")[:1]
    assert received.link == reverse("claims:detail", args=[ref]) and "待办事处审核" in received.text
    assert app(handler, "claim_district_approved") and app(head, "claim_checked")
    assert any("待生成支付批次" in t for t in texts(app(handler, "claim_approved")))
    [closed] = sms("claim_closed")
    assert closed.member.name == "李娜" and "经审核结案，本次无可给付金额，原因：" in closed.text


def test_application_registration_and_coverage_events(everything, clerk_u002, clerk_u003, district_rc, district_wd,
                                                      handler, head):  # fmt: skip
    mw = everything["mw"]
    clerk = texts(sms(user=clerk_u002))
    assert f"团体申请 {mw.reference} 被退回修改，请登录系统查看原因。" in clerk
    assert any(t.startswith(f"团体申请 {mw.reference} 已通过市中心审核，应缴 20.00 元") for t in clerk)
    assert any("请补充社保证明" in t for t in texts(app(clerk_u002, "application_returned")))
    assert app(district_wd, "application_submitted") and app(head, "application_district_approved")
    # A statement import: the clerk learns the application is effective, each member their coverage.
    assert "团体申请 16-MED-U003-1 保费已缴清，保障自 2026-11-24 起生效。" in texts(sms(user=clerk_u003))
    coverage = {row.phone: row.text for row in sms("coverage_effective")}
    assert coverage["13806310006"] == coverage["13806310007"] == (
        "您的第十六期住院医疗保障自 2026-11-24 起生效，2027-02-22 起发生的疾病可申请互助金。")  # fmt: skip
    assert any("未通过审核" in t for t in clerk)
    # Registration: returned and approved by SMS to the number the union gave; its office is told.
    by_phone = texts(sms(phone="13806310001", event__startswith="registration"))
    assert by_phone[0] == "您提交的单位注册被退回，原因：证书照片不清晰。请凭登记号修改后重新提交。"
    assert by_phone[1] == (f"您单位的注册已审核通过，登录账号：{everything['username']}。"
                           "初始密码由荣成市办事处告知，首次登录须修改。")  # fmt: skip
    new_clerk = User.objects.get(username=everything["username"])
    assert app(new_clerk, "registration_approved")
    assert app(district_rc, "registration_submitted")
    # The old number of a member whose number changed.
    assert sms("member_phone_changed", phone="13806310001")[0].text.startswith(
        "您在职工互助保障登记的手机号已改为尾号 9999"
    )


def test_no_sms_holds_an_id_number_a_password_or_anyone_elses_data(everything):
    names = set(Member.objects.values_list("name", flat=True)) | {"陈静", "林峰"}
    rows = sms()
    assert {row.event for row in rows} >= {event.name for event in EVENTS if event.member_sms or event.clerk_sms
                                           or event.phone_sms}  # fmt: skip
    for row in rows:
        assert not re.search(r"\d{17}[\dX]", row.text), row.text
        assert not re.search(r"\d{7,}", row.text), row.text  # no ID, account or phone number in full
        assert DEMO_PASSWORD not in row.text and everything["password"] not in row.text
        own = {row.member.name} if row.member_id else set()
        assert not [name for name in names - own if name in row.text], row.text


def test_every_sms_template_uses_only_values_its_subject_has():
    for event in EVENTS:
        for name, text in event.texts().items():
            for match in re.finditer(r"\$\{(\w+)\}", text):
                assert match.group(1) in event.kind.values, (name, match.group(1))
    assert "login_code" in sms_templates() and "password_reset_code" in sms_templates()


# --- Opt-out, codes ----------------------------------------------------------------------------------


def test_a_member_who_opted_out_gets_no_notice_but_still_gets_codes(clerk_u001, district_hc, sms_file):
    wang = Member.objects.get(name="王强")
    with pytest.raises(PermissionDenied):
        notices.member_set_opt_out(actor=clerk_u001, member=wang, opted_out=True)
    notices.member_set_opt_out(actor=wang, member=wang, opted_out=True)
    assert AuditLog.objects.filter(action="notice_opt_out", object_id=wang.pk).exists()
    with at(date(2026, 9, 1)):
        wang_qiang_claim(clerk_u001)
    assert not sms(member=wang) and app(district_hc, "claim_received")  # the office is told all the same
    notices.send_code(phone=wang.phone, code="246810", purpose="member_login")
    [line] = sms_file()
    assert (line["to"], line["template"]) == ("13806310003", "login_code")
    assert line["text"] == "您的登录验证码为 246810，5 分钟内有效。如非本人操作，请忽略本短信。"
    record = Notice.objects.get(template="login_code")
    assert record.status == NoticeStatus.SENT and "246810" not in record.text  # the log never holds a live code
    notices.member_set_opt_out(actor=wang, member=wang, opted_out=False)
    with at(date(2026, 9, 2)):
        wang_qiang_claim(clerk_u001, admitted=date(2026, 8, 28))
    assert sms("claim_received", member=wang)


# --- Sending: one job, the rate, retries, the failed list -------------------------------------------------


def test_the_messages_are_written_with_the_action_and_one_job_sends_them_after_commit(
    clerk_u001, django_capture_on_commit_callbacks
):
    from procrastinate.contrib.django.models import ProcrastinateJob

    with at(date(2026, 9, 1)), django_capture_on_commit_callbacks(execute=True):
        wang_qiang_claim(clerk_u001)
        wang_qiang_claim(clerk_u001, admitted=date(2026, 8, 24))
    assert len(sms()) == 2 and all(row.status == NoticeStatus.QUEUED for row in sms())
    jobs = ProcrastinateJob.objects.filter(task_name="mutualaid.send_notices", status="todo")
    assert jobs.count() == 1  # one job for whatever is waiting


class Scripted:
    """A provider answering from a script (the HTTP-level fakes are in test_sms_backends)."""

    def __init__(self, *answers):
        self.answers, self.sent = list(answers), []

    def send(self, message):
        self.sent.append(message)
        return self.answers.pop(0) if self.answers else backends.Answer(ok=True, answer="OK")


THROTTLED = backends.Answer(ok=False, retry=True, answer="isv.BUSINESS_LIMIT_CONTROL: 触发分钟级流控")
REJECTED = backends.Answer(ok=False, retry=False, answer="isv.SMS_TEMPLATE_ILLEGAL: 模板不合法")


def test_a_throttled_sms_is_retried_later_and_then_sent(clerk_u001, monkeypatch):
    provider = Scripted(THROTTLED)
    monkeypatch.setattr(backends, "get_backend", lambda: provider)
    start = datetime(2026, 9, 1, 10, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        wang_qiang_claim(clerk_u001)
        assert notices.send_due(rate=1000) == {"sent": 0, "retrying": 1, "failed": 0}
        [notice] = sms()
        assert notice.status == NoticeStatus.RETRYING and notice.next_attempt_at == start + timedelta(minutes=1)
        assert notices.send_due(rate=1000) == {"sent": 0, "retrying": 0, "failed": 0}  # not yet
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert notices.send_due(rate=1000)["sent"] == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 2)
    assert "第 1 次：isv.BUSINESS_LIMIT_CONTROL" in notice.provider_answer and "第 2 次：OK" in notice.provider_answer


def test_a_rejected_sms_fails_at_once_and_five_throttles_fail_too_and_the_centre_sees_them_first(
    clerk_u001, handler, login, monkeypatch
):
    provider = Scripted(REJECTED, *[THROTTLED] * 5)
    monkeypatch.setattr(backends, "get_backend", lambda: provider)
    start = datetime(2026, 9, 1, 10, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        wang_qiang_claim(clerk_u001)  # the member's SMS: rejected template
        claim = wang_qiang_claim(clerk_u001, admitted=date(2026, 8, 24))
        notices.send_due(rate=1000)
    for minutes in (1, 6, 36, 156, 300):  # 1, 5, 30, 120 minutes apart, then nothing more
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            notices.send_due(rate=1000)
    assert len(provider.sent) == 6
    assert sorted((n.status, n.attempts) for n in sms()) == [(NoticeStatus.FAILED, 1), (NoticeStatus.FAILED, 5)]
    # Sent notices of the same time come after the failures on the centre's list.
    notices.emit("member_phone_changed", member=claim.member, old_phone="13806310003", new_phone="13906319999")
    page = login(handler).get(reverse("notices:sent")).text
    assert page.index("发送失败</span>") < page.index("待发送</span>")  # failures first, then the rest
    assert "isv.SMS_TEMPLATE_ILLEGAL" in page and page.count("重新发送</button>") == 2 and "发送失败 2 条" in page
    failed = Notice.objects.filter(status=NoticeStatus.FAILED).first()
    assert login(handler).post(reverse("notices:retry", args=[failed.pk])).status_code == 302
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.QUEUED and AuditLog.objects.filter(action="notice_retry").exists()


def test_the_worker_keeps_to_the_providers_rate(clerk_u001, monkeypatch):
    from mutualaid.notices.sending import Pacer

    slept, now = [], [0.0]

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(4, sleep=sleep, clock=lambda: now[0])
    for _ in range(9):
        pacer.wait()
    assert sum(slept) == pytest.approx(2.0)  # 9 sends at 4 a second take 2 seconds


# --- The 消息 page -------------------------------------------------------------------------------------


def test_the_header_counts_unread_messages_and_opening_one_reads_it(clerk_u001, clerk_u002, district_hc, login):
    with at(date(2026, 9, 1)):
        claim = wang_qiang_claim(clerk_u001)
    client = login(district_hc)
    home = client.get(reverse("home")).text
    assert 'aria-label="1 条未读">1</span>' in home
    inbox = client.get(reverse("notices:inbox")).text
    assert f"申领 {claim.reference}（威海示例科技有限公司 王强）已提交，待办事处审核。" in inbox
    [notice] = app(district_hc)
    opened = client.get(reverse("notices:open", args=[notice.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("claims:detail", args=[claim.reference])
    assert "条未读" not in client.get(reverse("home")).text
    assert login(clerk_u002).get(reverse("notices:open", args=[notice.pk])).status_code == 404
    assert login(clerk_u002).get(reverse("notices:sent")).status_code == 403
    assert login(district_hc).get(reverse("notices:read_all")).status_code == 405


def test_the_district_home_shows_what_waits_for_it(district_rc, login):
    register()
    page = login(district_rc).get(reverse("home")).text
    assert "待审核单位注册" in page and "威海示例新材料有限公司工会委员会" in page
    assert "等待审核的团体申请" in page


def test_a_statements_notices_cost_the_same_queries_for_one_invoice_as_for_many(handler):
    """However many invoices a statement completes, its messages are a few bulk statements, not one per message."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mutualaid.roles import role_of

    one = statement([line("T8", 62, memo="16-ALW-U002-1", payer="文登示例商店")])
    two = statement([line("T9", 50, memo="16-FEM-U003-1"), line("T10", 100, memo="16-MED-U003-1")])
    role_of(handler)  # the role is looked up once per request; not what this counts
    with CaptureQueriesContext(connection) as first:
        statement_import(actor=handler, data=one, filename="1.xlsx")
    with CaptureQueriesContext(connection) as second:
        statement_import(actor=handler, data=two, filename="2.xlsx")
    assert len(sms("coverage_effective")) == 2 + 1 + 2 and len(sms("application_effective")) == 3
    import difflib

    strip = lambda ctx: [re.sub(r"\d+", "N", q["sql"])[:150] for q in ctx.captured_queries]  # noqa: E731
    assert len(second) == len(first), "\n".join(difflib.unified_diff(strip(first), strip(second), lineterm=""))
