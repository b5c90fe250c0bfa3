"""Members' own pages (/me/, DOMAIN.md §13): signing in with an SMS code and its limits, what a member
sees of their own records (and nothing of anyone else's), filing a claim from the phone, and the unit
clerk's step that follows (职工本人提交，待单位确认 → submitted, or back to the member)."""

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from claims import services as claim_services
from claims.models import Claim, ClaimDocument, ClaimStatus
from demo.documents import attach_required
from enrollment import member_signin, services
from enrollment.models import Application, Coverage, Member
from mutualaid.lib.idcard import make_id
from mutualaid.models import AuditLog, Notice, VerificationCode
from mutualaid.roles import MEMBER, Role
from tests.helpers import as_member, press

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
ZHANG = ("371002198005120137", "13806310001")  # 张伟 and the mobile number on record (DOMAIN.md §7)
WANG = "371002196601100379"  # 王强, same unit
UNKNOWN_ID = make_id("371002", date(1990, 1, 1), 11, "M")  # a valid number nobody is registered under
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


@pytest.fixture
def sms(tmp_path, monkeypatch):
    """The file backend: every message sent, as the JSON lines a test reads."""
    monkeypatch.setenv("DJANGO_SMS_BACKEND", "file")
    monkeypatch.setenv("DJANGO_SMS_FILE_PATH", str(tmp_path))

    def sent():
        return [json.loads(line) for path in sorted(tmp_path.iterdir()) for line in path.read_text().splitlines()]

    return sent


def told(event, **filters):
    """The messages the notices module recorded for ``event`` (SMS wait for the worker; app notices are read
    in the 消息 page)."""
    return list(Notice.objects.filter(event=event, **filters).order_by("pk"))


def ask(client, id_number, phone, address="10.1.1.1"):
    return client.post("/me/login/code/", {"id_number": id_number, "phone": phone}, REMOTE_ADDR=address)


def enter(client, id_number, phone, code, address="10.1.1.1"):
    return client.post("/me/login/", {"id_number": id_number, "phone": phone, "code": code}, REMOTE_ADDR=address)


def last_code(sms) -> str:
    return re.search(r"\d{6}", sms()[-1]["text"]).group()


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def zhang():
    return Member.objects.get(id_number=ZHANG[0])


# --- Signing in ------------------------------------------------------------------------------


def test_a_member_signs_in_with_the_code_sent_to_the_phone_on_record(client, clock, sms):
    page = ask(client, *ZHANG)
    assert "若信息匹配，验证码已发送至尾号 0001 的手机" in page.text
    assert 'name="code"' in page.text and 'autocomplete="one-time-code"' in page.text
    [message] = sms()
    assert (message["to"], message["template"]) == ("13806310001", "login_code")
    code = last_code(sms)
    assert "5 分钟" in message["text"] and ZHANG[0] not in message["text"]
    response = enter(client, *ZHANG, code)
    assert response.status_code == 302 and response["Location"] == "/me/"
    home = client.get("/me/")
    assert "张伟，您好" in home.text and "371002********0137" in home.text and ZHANG[0] not in home.text
    assert home["Cache-Control"] == "no-store, private"
    login = AuditLog.objects.filter(action="member_login").get()
    assert login.object_id == zhang().pk and login.data["address"] == "10.1.1.1" and login.actor is None
    asked = AuditLog.objects.filter(action="code_sent").get()
    assert asked.object_repr == "职工本人登录：371002********0137" and asked.data["address"] == "10.1.1.1"


def test_the_code_is_kept_hashed_and_works_once(client, clock, sms):
    ask(client, *ZHANG)
    code = last_code(sms)
    row = VerificationCode.objects.get(purpose="member_login")
    assert code not in row.code_hash and len(row.code_hash) == 64 and ZHANG[0] not in row.subject
    assert enter(client, *ZHANG, code).status_code == 302
    client.post("/me/logout/")
    again = enter(client, *ZHANG, code)
    assert again.status_code == 200 and member_signin.WRONG_CODE in again.text
    assert client.get("/me/").status_code == 302


def test_a_code_is_valid_five_minutes(client, clock, sms):
    ask(client, *ZHANG)
    code = last_code(sms)
    clock.shift(timedelta(minutes=5, seconds=1))
    assert member_signin.WRONG_CODE in enter(client, *ZHANG, code).text
    ask(client, *ZHANG)
    clock.shift(timedelta(minutes=4, seconds=59))
    assert enter(client, *ZHANG, last_code(sms)).status_code == 302


def test_only_the_last_code_sent_counts(client, clock, sms):
    ask(client, *ZHANG)
    first = last_code(sms)
    ask(client, *ZHANG)
    second = last_code(sms)
    if first != second:
        assert member_signin.WRONG_CODE in enter(client, *ZHANG, first).text
    assert enter(client, *ZHANG, second).status_code == 302


def test_the_answer_is_the_same_whether_or_not_the_pair_is_a_members(client, clock, sms):
    """A member's pair, a member's ID with another phone and an unknown ID: one answer, word for word;
    only the member's phone gets a message. The tail shown is the one typed, never the one on record."""

    def answer(id_number, phone):
        page = without_csrf(ask(client, id_number, phone).text)
        return page.replace(id_number, "<ID>").replace(phone[:-4], "<PHONE>")  # the form keeps what was typed

    pages = [answer(*ZHANG), answer(ZHANG[0], "13912340001"), answer(UNKNOWN_ID, "13806310001")]
    assert pages[0] == pages[1] == pages[2]
    assert [m["to"] for m in sms()] == ["13806310001"]
    other = ask(client, ZHANG[0], "13912340009").text
    assert "尾号 0009" in other and "尾号 0001" not in other
    # Trying a code gives one answer too.
    wrong = [
        without_csrf(enter(client, ZHANG[0], "13912340001", "123456").text),
        without_csrf(enter(client, UNKNOWN_ID, "13912340001", "123456").text),
    ]
    assert wrong[0].replace(ZHANG[0], "ID") == wrong[1].replace(UNKNOWN_ID, "ID")


def test_at_most_five_codes_per_id_number_an_hour_known_or_not(client, clock, sms):
    for id_number, phone in (ZHANG, (UNKNOWN_ID, "13900000000")):
        for n in range(5):
            assert "若信息匹配" in ask(client, id_number, phone, address=f"10.2.0.{n}").text
        sixth = ask(client, id_number, phone, address="10.2.1.1").text
        assert member_signin.TOO_MANY in sixth and "若信息匹配" not in sixth
    assert len(sms()) == 5  # the sixth sent nothing
    clock.shift(timedelta(hours=1, seconds=1))
    assert "若信息匹配" in ask(client, *ZHANG).text


def test_at_most_twenty_codes_per_client_address_an_hour(client, clock, sms):
    numbers = [make_id("371002", date(1985, 1, 1), 2 * n, "F") for n in range(1, 22)]
    for number in numbers[:20]:
        assert "若信息匹配" in ask(client, number, "13900000000", address="10.3.3.3").text
    refused = ask(client, numbers[20], "13900000000", address="10.3.3.3").text
    assert member_signin.TOO_MANY in refused
    assert "若信息匹配" in ask(client, *ZHANG, address="10.4.4.4").text  # another address is not affected
    assert member_signin.TOO_MANY in ask(client, *ZHANG, address="10.3.3.3").text


def test_five_wrong_codes_lock_the_id_number_for_30_minutes(client, clock, sms):
    ask(client, *ZHANG)
    code = last_code(sms)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert member_signin.WRONG_CODE in enter(client, *ZHANG, wrong).text
    assert member_signin.LOCKED in enter(client, *ZHANG, wrong).text
    # Locked: the right code, and a new code, are refused alike.
    assert member_signin.LOCKED in enter(client, *ZHANG, code).text
    assert member_signin.LOCKED in ask(client, *ZHANG).text
    assert client.get("/me/").status_code == 302
    named = {"object_repr": "职工本人登录：371002********0137"}
    assert AuditLog.objects.filter(action="code_failed", **named).count() == 4
    assert AuditLog.objects.filter(action="code_locked", **named).count() == 1
    clock.shift(timedelta(minutes=30, seconds=1))
    ask(client, *ZHANG)
    assert enter(client, *ZHANG, last_code(sms)).status_code == 302


def test_an_unknown_id_number_locks_the_same_way(client, clock, sms):
    for _ in range(4):
        assert member_signin.WRONG_CODE in enter(client, UNKNOWN_ID, "13900000000", "123456").text
    assert member_signin.LOCKED in enter(client, UNKNOWN_ID, "13900000000", "123456").text
    assert member_signin.LOCKED in ask(client, UNKNOWN_ID, "13900000000").text
    assert AuditLog.objects.filter(action="code_locked", object_repr__endswith=UNKNOWN_ID[-4:]).count() == 1


def test_the_form_checks_what_anyone_may_check(client, clock, sms):
    page = ask(client, "371002198005120138", "13806310001").text  # a wrong check digit
    assert "校验" in page and not sms()
    assert "手机号应为 11 位数字" in ask(client, ZHANG[0], "0631-5201234").text
    assert "6 位验证码" in enter(client, *ZHANG, "12345").text


def test_the_session_ends_after_30_minutes_idle(client, clock, sms):
    as_member(client, zhang())
    clock.shift(timedelta(minutes=29))
    assert client.get("/me/").status_code == 200
    clock.shift(timedelta(minutes=29))  # each request keeps it alive
    assert client.get("/me/").status_code == 200
    clock.shift(timedelta(minutes=30, seconds=1))
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"] == "/me/login/"
    assert member_signin.IDLE_MESSAGE in client.get("/me/login/").text
    assert client.get("/me/").status_code == 302  # signed out for good


def test_a_member_session_opens_no_staff_page(client, clock):
    member = zhang()
    as_member(client, member)
    claim = Claim.objects.get(reference="15-DD-U001-C1")
    for url in ("/", "/claims/", f"/claims/{claim.reference}/", f"/members/{member.pk}/", "/enrollment/applications/",
                "/audit/", "/reports/statistics/", "/enrollment/payments/", "/jobs/00000000-0000-0000-0000-000000000000/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert client.get("/me/").status_code == 200


def test_a_staff_session_opens_no_member_page(client, clock, sms, clerk_u001):
    client.force_login(clerk_u001)
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"] == "/me/login/"
    # A member key beside a staff login (however it got there) is still no member's session.
    session = client.session
    member_signin.start_session(session, zhang())
    session.save()
    assert client.get("/me/").status_code == 302
    # Signing in as a member signs the staff user out: the session is one person's.
    client.force_login(clerk_u001)
    ask(client, *ZHANG)
    enter(client, *ZHANG, last_code(sms))
    assert client.get("/me/").status_code == 200
    assert client.get("/claims/").status_code == 302


# --- What a member sees -------------------------------------------------------------------------


def test_a_member_sees_their_coverages_waiting_ends_claims_and_payouts(client, clock):
    page = as_member(client, zhang()).get("/me/").text
    period16 = page[page.index("第十六期") : page.index("第十五期")]
    assert "住院医疗" in period16 and "职工指定疾病" in period16
    dd = period16[period16.index('data-plan="DD"') :]
    assert "5 份" in dd and "威海示例科技有限公司" in dd and "2026-03-12" in dd
    assert "续保 3 份：<strong>2026-03-12</strong> 起可给付" in dd
    assert "新增 2 份：<strong>2026-07-10</strong> 起可给付" in dd
    assert "2027-03-11" in dd and "2027-09-07" in dd  # coverage end, claim deadline (180 days after)
    period15 = page[page.index("第十五期") :]
    assert "15-DD-U001-C1" in period15 and "已支付" in period15 and "9,000.00" in period15
    payouts = page[page.index('id="payouts"') :]
    assert "15-DD-U001-C1" in payouts and "9,000.00" in payouts and "尾号 0015" in payouts
    assert "6222021614000000015" not in page
    for other in ("王强", "李娜", WANG, "16-MED-U001-C1"):
        assert other not in page


def test_a_new_member_waits_and_a_renewal_does_not(client, clock):
    li_na = Member.objects.get(id_number="371002199008200241")
    page = as_member(client, li_na).get("/me/").text
    med = page[page.index('data-plan="MED"') :]
    assert "1 份：<strong>2026-07-14</strong> 起可给付（等待期 90 天）" in med  # DOMAIN.md §8 example 3
    wang = as_member(client, Member.objects.get(id_number=WANG)).get("/me/").text
    assert "1 份：<strong>2026-03-12</strong> 起可给付（续保不设等待期）" in wang[wang.index('data-plan="MED"') :]


def test_a_claim_shows_its_timeline_in_the_staff_pages_words(client, clock):
    page = as_member(client, zhang()).get("/me/claims/15-DD-U001-C1/").text
    assert "已支付" in page and "9,000.00" in page and "尾号 0015" in page
    # The trail's words for each step and the status badges' words for each state, as on the staff pages.
    for words in ("提交 → <strong>待办事处审核</strong>", "办事处审核通过 → <strong>待中心审核</strong>",
                  "负责人审批通过 → <strong>已审批待支付</strong>", "支付 → <strong>已支付</strong>"):  # fmt: skip
        assert words in page
    assert ClaimStatus.SUBMITTED.label == "待办事处审核" and ClaimStatus.PAID.label == "已支付"


def test_another_persons_records_are_404(client, clock):
    as_member(client, zhang())
    assert client.get("/me/claims/15-DD-U001-C1/").status_code == 200
    assert client.get("/me/claims/16-MED-U001-C1/").status_code == 404  # 王强's
    assert client.get("/me/claims/16-XX-U999-C9/").status_code == 404
    assert client.post("/me/claims/16-MED-U001-C1/send/", {}).status_code == 404
    wang_coverage = Coverage.objects.get(member__id_number=WANG, plan__period__number=16, plan__code="MED")
    before = Claim.objects.count()
    page = client.post("/me/claims/new/", {**stay(wang_coverage), "doc_invoice": upload("a.png")})
    assert page.status_code == 200 and Claim.objects.count() == before
    estimate = client.post("/me/claims/estimate/", stay(wang_coverage)).text
    assert "试算结果" not in estimate and "7,000.00" not in estimate
    with pytest.raises(PermissionDenied):
        claim_services.claim_member_file(member=zhang(), coverage=wang_coverage, kind="hospital_stay",
                                         admitted=date(2026, 8, 1), discharged=date(2026, 8, 5))  # fmt: skip


# --- Filing a claim from the phone ------------------------------------------------------------


def zhang_med():
    return Coverage.objects.get(member__id_number=ZHANG[0], plan__period__number=16, plan__code="MED")


def stay(coverage, **extra):
    return {"coverage": coverage.pk, "kind": "hospital_stay", "cause": "illness", "admitted": "2026-08-10",
            "discharged": "2026-08-20", "hospital": "威海市立医院", "total_cost": "50000",
            "basic_insurance_paid": "20000", **extra}  # fmt: skip


def upload(name, content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_the_live_estimate_is_the_engines(client, clock):
    as_member(client, zhang())
    page = client.post("/me/claims/estimate/", stay(zhang_med())).text
    assert "试算结果" in page and "12,000.00" in page  # e = 30,000: (30,000 − 6,000) × 50%
    assert "选择保障项目" in client.post("/me/claims/estimate/", {}).text


def test_the_form_offers_the_camera_for_each_document(client, clock):
    page = as_member(client, zhang()).get("/me/claims/new/").text
    pickers = re.findall(r'<input type="file"[^>]*>', page)
    assert pickers and all('accept="image/*,application/pdf"' in p and "capture=" in p for p in pickers)
    assert 'name="doc_discharge_summary"' in page and 'name="doc_invoice"' in page
    assert "第十六期 住院医疗" in page and "第十五期 职工指定疾病" in page  # period 15 still open until 2026-09-07
    assert "尾号 0015" in page  # the account on record, by its last digits only


def test_a_member_files_and_the_clerk_completes_and_submits(client, clock, clerk_u001, clerk_u002):
    as_member(client, zhang())
    response = client.post("/me/claims/new/", {
        **stay(zhang_med()), "doc_discharge_summary": upload("出院小结.png"), "doc_invoice": upload("发票.jpg", b"\xff\xd8\xff" + b"\x00" * 40),
    })  # fmt: skip
    claim = Claim.objects.get(member__id_number=ZHANG[0], plan__code="MED", plan__period__number=16)
    assert response.status_code == 302 and response["Location"] == f"/me/claims/{claim.reference}/"
    assert claim.reference == "16-MED-U001-C2" and claim.status == ClaimStatus.MEMBER_FILED
    assert claim.get_status_display() == "职工本人提交，待单位确认"
    assert claim.computed_amount == Decimal("12000.00") and claim.created_by is None
    assert (claim.payee_name, claim.payee_account) == ("张伟", "6222021614000000015")
    assert sorted(claim.documents.values_list("kind", flat=True)) == ["discharge_summary", "invoice"]
    trail = list(AuditLog.objects.for_object(claim).values_list("action", flat=True))
    assert trail == ["create", "attach", "attach", "member_file"]
    assert all(e.data.get("by_member") == claim.member_id for e in AuditLog.objects.for_object(claim))
    waiting = told("member_claim_waiting")
    assert {(n.channel, n.user) for n in waiting} == {("app", clerk_u001), ("sms", clerk_u001)}
    assert all("张伟" not in n.text for n in waiting if n.channel == "sms")  # a clerk's SMS never names the member
    page = client.get(f"/me/claims/{claim.reference}/").text
    assert "职工本人提交，待单位确认" in page and "还缺少：医保结算单、会员身份证、收款人银行卡" in page

    # The clerk sees it waiting; another unit's clerk does not see it at all.
    client.force_login(clerk_u001)
    home = client.get("/").text
    assert "职工本人提交，待单位确认（1）" in home and claim.reference in home
    detail = client.get(f"/claims/{claim.reference}/").text
    assert "退回职工本人" in detail and "提交申领" in detail and "职工本人：职工本人提交" in detail
    client.force_login(clerk_u002)
    assert client.get(f"/claims/{claim.reference}/").status_code == 404
    assert client.post(f"/claims/{claim.reference}/submit/").status_code == 404

    attach_required(claim, clerk_u001)
    claim = claim_services.claim_submit(actor=clerk_u001, claim=claim)
    assert claim.status == ClaimStatus.SUBMITTED
    [received] = told("claim_received", channel="sms")
    assert received.phone == "13806310001" and claim.reference in received.text and "已由单位提交" in received.text
    page = as_member(client, zhang()).get(f"/me/claims/{claim.reference}/").text
    assert "提交 → <strong>待办事处审核</strong>" in page


def test_the_clerk_returns_it_to_the_member_who_adds_documents_and_sends_it_again(client, clock, clerk_u001, handler):
    claim = claim_services.claim_member_file(member=zhang(), coverage=zhang_med(), kind="hospital_stay",
                                             admitted=date(2026, 8, 10), discharged=date(2026, 8, 20),
                                             total_cost=Decimal("50000"), basic_insurance_paid=Decimal("20000"))  # fmt: skip
    with pytest.raises(PermissionDenied):
        claim_services.claim_submit(actor=handler, claim=claim)  # the unit's step, not the centre's
    with pytest.raises(PermissionDenied):
        claim_services.claim_return_to_member(actor=handler, claim=claim, reason="x")
    client.force_login(clerk_u001)
    client.post(f"/claims/{claim.reference}/return_to_member/", {"reason": "请补拍清晰的住院发票"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.MEMBER_RETURNED and claim.last_comment == "请补拍清晰的住院发票"
    [returned] = told("claim_returned_to_member")
    assert returned.phone == "13806310001" and "请补拍清晰的住院发票" in returned.text
    with pytest.raises(ValidationError):
        claim_services.claim_update(actor=clerk_u001, claim=claim, hospital="改")  # with the member now
    page = as_member(client, zhang()).get(f"/me/claims/{claim.reference}/").text
    assert "退回原因：</strong>请补拍清晰的住院发票" in page
    assert "退回职工本人 → <strong>已退回职工本人补充</strong>" in page and "原因：请补拍清晰的住院发票" in page
    assert "重新提交给单位经办人" in page
    response = client.post(f"/me/claims/{claim.reference}/send/",
                           {"doc_invoice": upload("发票2.png"), "comment": "已补拍"})  # fmt: skip
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.MEMBER_FILED and claim.documents.filter(kind="invoice").exists()
    assert len(told("member_claim_waiting", channel="app")) == 2  # filed, and sent again
    # Once it is with the clerk again, sending it again is refused.
    client.post(f"/me/claims/{claim.reference}/send/", {"doc_other": upload("x.png")})
    assert claim.documents.count() == 1


def test_what_a_member_may_upload(client, clock):
    as_member(client, zhang())
    before = Claim.objects.count()
    too_many = client.post(
        "/me/claims/new/", {**stay(zhang_med()), "doc_other": [upload(f"{n}.png") for n in range(21)]}
    )
    assert "一次最多上传 20 个文件" in too_many.text
    big = client.post(
        "/me/claims/new/", {**stay(zhang_med()), "doc_invoice": upload("big.png", PNG + b"\x00" * (10 * 1024 * 1024))}
    )
    assert "不能超过 10 MB" in big.text
    text = client.post("/me/claims/new/", {**stay(zhang_med()), "doc_invoice": upload("a.png", b"hello")})
    assert "不是 PDF、JPG 或 PNG 格式" in text.text
    assert Claim.objects.count() == before and not ClaimDocument.objects.filter(claim__created_by=None).exists()
    ok = client.post("/me/claims/new/", {**stay(zhang_med()), "doc_other": [upload(f"{n}.png") for n in range(20)]})
    assert ok.status_code == 302 and Claim.objects.count() == before + 1


def test_the_workflow_table_names_the_member_steps():
    workflow = Claim.workflow
    assert workflow.may(MEMBER, "member_file", "draft") and workflow.may(MEMBER, "member_file", "member_returned")
    assert workflow.may(Role.CLERK, "submit", "member_filed") and not workflow.may(
        Role.CENTRE_HANDLER, "submit", "member_filed"
    )
    assert workflow.may(Role.CLERK, "return_to_member", "member_filed")
    assert workflow.target("return_to_member", "member_filed") == "member_returned"
    assert not workflow.may(MEMBER, "submit", "member_filed") and not workflow.may(Role.CLERK, "member_file", "draft")


# --- The mobile number on record ------------------------------------------------------------------


def test_the_clerk_records_the_members_mobile_number(client, clock, sms, clerk_u001, clerk_u002, district_hc):
    member = zhang()
    client.force_login(clerk_u002)
    assert client.post(f"/members/{member.pk}/phone/", {"phone": "13912345678"}).status_code == 404
    client.force_login(district_hc)
    assert client.post(f"/members/{member.pk}/phone/", {"phone": "13912345678"}).status_code == 403
    client.force_login(clerk_u001)
    page = client.get(f"/members/{member.pk}/").text
    assert f'action="/members/{member.pk}/phone/"' in page and "保存手机号" in page
    assert "手机号应为 11 位数字" in client.post(f"/members/{member.pk}/phone/", {"phone": "0631-5201234"}).text
    response = client.post(f"/members/{member.pk}/phone/", {"phone": "139 1234 5678"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "13912345678"
    entry = AuditLog.objects.filter(action="phone", object_id=member.pk).get()
    assert entry.actor == clerk_u001 and entry.data["changes"]["phone"] == ["13806310001", "13912345678"]
    [notice] = told("member_phone_changed")
    assert notice.phone == "13806310001" and "尾号 5678" in notice.text  # told on the old number
    # The member now signs in with the new number; the old one gets nothing.
    client.logout()
    ask(client, *ZHANG)
    assert not sms()
    ask(client, ZHANG[0], "13912345678")
    assert sms()[-1]["to"] == "13912345678"


def test_a_rosters_phone_reaches_the_record_at_centre_approval_and_the_old_number_is_told(handler):
    application = Application.objects.get(reference="16-MED-U001-1")
    application.lines.filter(member__id_number=ZHANG[0]).update(phone="13900001111")
    services.applications.apply_declared_details(actor=handler, application=application)
    member = zhang()
    assert member.phone == "13900001111"
    [notice] = told("member_phone_changed")
    assert (notice.phone, notice.member) == ("13806310001", member) and "尾号 1111" in notice.text


def test_a_members_claim_counts_as_filed_once_the_unit_submits_it(clock, clerk_u001, handler):
    from reports.statistics import compute

    def filed():
        return compute(handler, period=16).totals.claims_filed

    before = filed()
    claim = claim_services.claim_member_file(member=zhang(), coverage=zhang_med(), kind="hospital_stay",
                                             admitted=date(2026, 8, 10), discharged=date(2026, 8, 20))  # fmt: skip
    assert filed() == before  # with the unit, not yet with the scheme
    attach_required(claim, clerk_u001)
    claim_services.claim_submit(actor=clerk_u001, claim=claim)
    assert filed() == before + 1


def test_a_pipl_request_lists_the_sign_in_codes_asked_with_the_id_number(client, clock, sms, handler):
    from tests.test_audit import sheet_rows

    ask(client, *ZHANG, address="10.9.9.9")
    ask(client, ZHANG[0], "13900009999", address="10.9.9.9")
    client.force_login(handler)
    response = client.post("/audit/person/", {"id_number": ZHANG[0], "reason": "本人申请", "format": "xlsx"})
    rows = sheet_rows(response, "登录验证码申请")
    assert [row[1:] for row in rows[1:]] == [
        ("13806310001", "10.9.9.9", "是", "否"),
        ("13900009999", "10.9.9.9", "否", "否"),
    ]


def test_a_phone_on_record_written_with_dashes_or_spaces_still_signs_in(client, clock, sms):
    Member.objects.filter(id_number=ZHANG[0]).update(phone="138-0631 0001")
    ask(client, *ZHANG)
    assert sms()[-1]["to"] == "13806310001"
    assert enter(client, *ZHANG, last_code(sms)).status_code == 302


def test_the_overview_query_count_does_not_grow_with_claims(client, clock, django_assert_max_num_queries):
    for day in (1, 11, 21):
        claim_services.claim_member_file(member=zhang(), coverage=zhang_med(), kind="hospital_stay",
                                         admitted=date(2026, 7, day), discharged=date(2026, 7, day + 3))  # fmt: skip
    as_member(client, zhang())
    with django_assert_max_num_queries(5):
        page = client.get("/me/").text
    assert page.count("职工本人提交，待单位确认") == 3


def test_a_member_turns_notice_sms_off_and_still_gets_codes(client, clock, sms, clerk_u001):
    as_member(client, zhang())
    page = client.get("/me/").text
    card = page[page.index('<section class="card" id="notices">') :]
    assert page.index("</title>") < page.index('id="notices"') and "不再接收通知短信" in card
    assert "尾号 0001" in card
    response = press(client, "/me/", "不再接收通知短信")
    assert response.status_code == 302
    assert zhang().notices_opted_out and "恢复接收通知短信" in client.get("/me/").text
    assert AuditLog.objects.filter(action="notice_opt_out", object_id=zhang().pk).exists()
    claim = claim_services.claim_member_file(member=zhang(), coverage=zhang_med(), kind="hospital_stay",
                                             admitted=date(2026, 8, 10), discharged=date(2026, 8, 20))  # fmt: skip
    attach_required(claim, clerk_u001)
    claim_services.claim_submit(actor=clerk_u001, claim=claim)
    assert not told("claim_received", channel="sms", member=zhang())
    client.post("/me/logout/")
    ask(client, *ZHANG)
    assert sms()[-1]["template"] == "login_code"
