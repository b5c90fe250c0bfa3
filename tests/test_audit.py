"""The audit trail: every change of configuration and personal data with old and new values, whoever
wrote it; reads of personal data logged; the trail append-only in the database; the centre's audit
view, its export, and the PIPL access request."""

import contextlib
import io
import re
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.urls import reverse
from openpyxl import load_workbook

from claims.models import Claim, ClaimDocument, PayoutBatch
from enrollment.models import Application, Coverage, Member, Payment, Plan, Refund, StatementLine
from enrollment.services import payments
from mutualaid.models import ACTION_LABELS, AuditLog, audit
from mutualaid.roles import Role
from mutualaid.workflow import Workflow
from tests.helpers import press

pytestmark = pytest.mark.django_db


def latest(action, **filters):
    return AuditLog.objects.filter(action=action, **filters).order_by("-pk").first()


def member_type():
    return ContentType.objects.get_for_model(Member)


def sheet_rows(response, title):
    book = load_workbook(io.BytesIO(response.content))
    return list(book[title].iter_rows(values_only=True))


# --- Changes, whoever writes them ---------------------------------------------------------


def test_a_bulk_update_of_members_is_recorded_per_person_without_anyone_calling_audit():
    with transaction.atomic():
        count = Member.objects.filter(unit__code="U001").update(phone="13900000000")
    rows = AuditLog.objects.filter(action="row_update", content_type__model="member", data__new__phone="13900000000")
    assert rows.count() == count >= 3
    row = rows.first()
    assert row.actor is None  # no one signed in: the system (a script, a shell)
    assert "phone" in row.data["old"] and list(row.data["new"]) == ["phone"]


def test_an_update_that_changes_nothing_leaves_no_row():
    before = AuditLog.objects.count()
    Member.objects.filter(unit__code="U001").update(name=F("name"))
    assert AuditLog.objects.count() == before


def test_a_write_after_a_rolled_back_one_still_names_the_person(handler):
    from mutualaid.audit import acting_as

    member = Member.objects.filter(unit__code="U001").first()
    with acting_as(handler, "POST /test/"):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            Member.objects.filter(pk=member.pk).update(phone="13900000001")
            raise RuntimeError("the service refused")  # rolls back, and the connection setting with it
        Member.objects.filter(pk=member.pk).update(phone="13900000002")
    row = latest("row_update", object_id=member.pk, content_type__model="member")
    assert (row.actor, row.data["new"]["phone"], row.data["via"]) == (handler, "13900000002", "POST /test/")


def test_a_role_grant_and_a_password_change_are_recorded_but_never_the_password(db):
    user = User.objects.create_user("probe_user", password="old-Password-123")
    user.groups.add(Group.objects.get(name=Role.CENTRE_HEAD.group_name))
    grant = latest("row_insert", content_type__model="user", object_id=user.pk, data__table="auth_user_groups")
    assert grant.data["new"]["group_id"] == Group.objects.get(name=Role.CENTRE_HEAD.group_name).pk
    user.set_password("new-Password-456")
    user.save()
    change = latest("row_update", content_type__model="user", object_id=user.pk)
    assert change.data["new"]["password"] == "（已修改）" and change.data["old"]["password"] == "（已隐藏）"
    assert "pbkdf2" not in str(AuditLog.objects.filter(object_id=user.pk, content_type__model="user").values("data"))


def test_a_login_alone_is_not_a_change_of_data(client, db):
    user = User.objects.create_user("probe_login", password="old-Password-123")
    client.post(reverse("login"), {"username": "probe_login", "password": "old-Password-123"})
    assert not AuditLog.objects.filter(action="row_update", content_type__model="user", object_id=user.pk).exists()
    assert latest("login", object_id=user.pk).actor == user


def test_a_failed_login_is_recorded_with_the_name_tried_and_the_address(client, db):
    client.post(reverse("login"), {"username": "nobody_here", "password": "x"}, REMOTE_ADDR="10.1.2.3")
    row = latest("login_failed")
    assert row.object_repr == "nobody_here" and row.data["address"] == "10.1.2.3" and row.content_type is None


# --- The trail cannot be rewritten -------------------------------------------------------


def test_the_audit_table_refuses_updates_and_deletes_in_the_database_itself(handler):
    row = audit(actor=handler, obj=handler, action="login")
    for statement in ("UPDATE mutualaid_auditlog SET comment = 'rewritten' WHERE id = %s",
                      "DELETE FROM mutualaid_auditlog WHERE id = %s"):  # fmt: skip
        with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [row.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(comment="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.get(pk=row.pk).comment == ""


# --- Reads of personal data ---------------------------------------------------------------


def test_opening_a_claim_document_is_recorded(login, district_hc):
    document = ClaimDocument.objects.filter(claim__unit__code="U001").select_related("claim").first()
    response = login(district_hc).get(reverse("claims:document", args=[document.claim.reference, document.pk]))
    assert response.status_code == 200
    row = latest("download", content_type__model="claimdocument", object_id=document.pk)
    assert row.actor == district_hc and row.comment == document.original_name


def test_printing_a_review_sheet_and_exporting_statistics_are_recorded(login, handler):
    document = ClaimDocument.objects.filter(claim__unit__code="U001").select_related("claim").first()
    client = login(handler)
    assert client.get(reverse("reports:review_sheet", args=[document.claim.reference])).status_code == 200
    assert latest("print", content_type__model="claim", object_id=document.claim.pk).actor == handler
    assert client.get(reverse("reports:statistics") + "?format=xlsx").status_code == 200
    assert latest("export").object_repr == "统计报表"


def test_a_member_page_shows_the_id_masked_and_reveals_it_only_on_request_logged(login, clerk_u001):
    member = Member.objects.get(id_number="371002198005120137")
    client = login(clerk_u001)
    page = client.get(reverse("member", args=[member.pk])).text
    assert member.masked_id in page and member.id_number not in page
    assert not AuditLog.objects.filter(action="reveal_id", object_id=member.pk).exists()
    page = client.post(reverse("member_reveal_id", args=[member.pk])).text
    assert member.id_number in page
    assert latest("reveal_id", object_id=member.pk).actor == clerk_u001


def test_another_units_member_is_a_404_and_cannot_be_revealed(login, clerk_u002):
    member = Member.objects.get(id_number="371002198005120137")
    client = login(clerk_u002)
    assert client.get(reverse("member", args=[member.pk])).status_code == 404
    assert client.post(reverse("member_reveal_id", args=[member.pk])).status_code == 404
    assert not AuditLog.objects.filter(action="reveal_id", object_id=member.pk).exists()


# --- The centre's audit view --------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clerk_u001", "district_hc"])
def test_only_the_centre_sees_the_audit_pages(login, persona, request):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("audit")).status_code == 404
    assert client.get(reverse("audit_person")).status_code == 404


def test_the_audit_view_filters_by_person_action_object_and_date(login, handler, clerk_u001):
    member = Member.objects.get(id_number="371002198005120137")
    login(clerk_u001).post(reverse("member_reveal_id", args=[member.pk]))
    client = login(handler)
    page = client.get(reverse("audit"), {"person": "clerk_u001", "action": "reveal_id"}).text
    assert "查看完整身份证号" in page and member.name in page
    assert client.get(reverse("audit"), {"person": "clerk_u002", "action": "reveal_id"}).text.count(
        "查看完整身份证号</td>") == 0  # fmt: skip
    today = AuditLog.objects.latest("pk").at.date().isoformat()
    page = client.get(reverse("audit"), {"subject": member.name, "start": today, "end": today}).text
    assert "查看完整身份证号" in page
    assert "开始日期不能晚于结束日期" in client.get(reverse("audit"), {"start": "2026-12-01", "end": "2026-01-01"}).text


def test_an_id_number_finds_the_persons_record_and_their_claims_in_the_trail(login, handler):
    member = Member.objects.get(id_number="371002196601100379")
    claim = member.claims.first()
    page = login(handler).get(reverse("audit"), {"subject": member.id_number}).text
    assert claim.reference in page  # the claim's own rows (created, submitted …)
    assert "没有符合条件的记录" in login(handler).get(reverse("audit"), {"subject": "11010519491231002X"}).text


def test_a_record_number_finds_that_records_rows_of_any_kind(login, handler, clerk_u001):
    member = Member.objects.get(id_number="371002198005120137")
    login(clerk_u001).post(reverse("member_reveal_id", args=[member.pk]))
    page = login(handler).get(reverse("audit"), {"subject": str(member.pk), "action": "reveal_id"}).text
    assert "查看完整身份证号" in page and member.name in page


def test_a_two_character_text_finds_any_kinds_rows_by_the_start_of_their_object(login, handler):
    """Too short for trigrams, a text is looked for at the start of the object as recorded: a district
    by two characters of its name under its kind, and a member deleted since under theirs."""
    from enrollment.models import District

    district = District.objects.order_by("code").first()
    audit(actor=None, obj=district, action="row_update", comment="区名核对")
    kind = ContentType.objects.get_for_model(District).pk
    page = login(handler).get(reverse("audit"), {"kind": kind, "subject": district.name[:2]}).text
    assert "区名核对" in page
    gone = AuditLog.objects.create(action="row_delete", content_type=ContentType.objects.get_for_model(Member),
                                   object_id=10**9, object_repr="娜娜（371002********0000）")  # fmt: skip
    assert gone.object_repr in login(handler).get(reverse("audit"), {"subject": "娜娜"}).text
    # The admin's trail finds it the same way.
    admin_page = login(User.objects.get(username="admin")).get(
        reverse("admin:mutualaid_auditlog_changelist"), {"q": "娜娜"}
    )
    assert f"/admin/mutualaid/auditlog/{gone.pk}/change/" in admin_page.text


def test_the_trails_searches_are_served_by_its_indexes(login, handler):
    """Over a province's millions of rows the 对象 box read every one of them newest first (1.7 s for a
    claim's history at five million): the object's text has a trigram index, a record number is looked
    up with its kinds, the people named in 操作人 by their ids."""
    from reports.audit_views import AuditFilterForm

    def plan(**data) -> str:
        form = AuditFilterForm(data)
        assert form.is_valid()
        # Unordered, and without sequential scans: the demo's trail is small, so ask what the indexes
        # can do for the filter itself (the page's newest-first walk is the planner's choice at volume).
        sql, params = form.filter(AuditLog.objects.order_by()).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    assert "auditlog_object_repr_trgm" in plan(subject="16-MED-U001-C1")
    assert "auditlog_object_repr_prefix" in plan(subject="张伟")  # too short for trigrams: from its start
    assert "Cond: (content_type_id = ANY" in plan(subject="42")  # the record's kinds, not every row's id
    assert "Index Cond: (actor_id" in plan(person="clerk_u001")  # the people's ids, not a subquery


def test_odd_paging_and_filters_are_answered_not_crashed(login, handler):
    client = login(handler)
    assert client.get(reverse("audit"), {"page": "9" * 20}).status_code == 200  # was a 500: bigint offset
    assert client.get(reverse("audit"), {"page": "-3", "kind": "abc", "subject": "9" * 17}).status_code == 200
    assert "输入一个有效的日期" in client.get(reverse("audit"), {"start": "2026-13-40"}).text


def test_the_audit_export_neutralises_formulas_and_is_itself_recorded(login, handler, db):
    User.objects.create_user('=HYPERLINK("http://x")', password="Password-123-x")
    client = login(handler)
    response = client.get(reverse("audit"), {"action": "row_insert", "format": "xlsx"})
    rows = sheet_rows(response, "操作记录")
    assert rows[0][:3] == ("时间", "操作人", "操作")
    assert any(row[5] == '\'=HYPERLINK("http://x")' for row in rows[1:])
    assert latest("export").object_repr == "操作记录"


def test_an_admin_change_shows_its_old_and_new_values_in_the_audit_view(login, handler):
    with transaction.atomic():
        Plan.objects.filter(period__number=16, code="MED").update(max_shares=7)
    page = login(handler).get(reverse("audit"), {"action": "row_update"}).text
    assert "<code>最多份数（统一份数时）</code>" in page and "→ 7" in page  # the field's own name, not its column


def test_the_audit_view_masks_id_and_account_numbers_and_shows_one_row_in_full_logged(login, handler):
    member = Member.objects.get(id_number="371002198005120137")  # 张伟
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(id_number="37100219800512015X", bank_account="6228480402564890018")
    client = login(handler)
    page = client.get(reverse("audit"), {"action": "row_update", "kind": member_type().pk}).text
    for full in ("371002198005120137", "37100219800512015X", "6228480402564890018"):
        assert full not in page
    assert "371002********0137 → 371002********015X" in page and "6228 **** **** 0018" in page
    assert not AuditLog.objects.filter(action="reveal_audit").exists()  # looking at masked rows is no reveal

    row = latest("row_update", content_type=member_type(), object_id=member.pk)
    shown = press(client, reverse("audit") + f"?action=row_update&kind={member_type().pk}", "显示",
                  action=reverse("audit_reveal", args=[row.pk])).text  # fmt: skip
    assert "371002198005120137 → 37100219800512015X" in shown and "6228480402564890018" in shown
    reveal = latest("reveal_audit")
    assert reveal.actor == handler and reveal.data == {"entry": row.pk}
    assert (reveal.content_type, reveal.object_id) == (member_type(), member.pk)  # in the member's own history
    assert "37100219800512015X" not in client.get(reverse("audit"), {"action": "row_update"}).text


def test_an_id_number_typed_as_a_user_name_is_masked_in_the_trail(client, login, handler):
    client.post(reverse("login"), {"username": "371002198005120137", "password": "x"})
    page = login(handler).get(reverse("audit"), {"action": "login_failed"}).text
    assert "371002198005120137" not in page and "371002********0137" in page


def test_a_reveal_is_the_centres_only_and_a_post(login, clerk_u001, district_hc, handler):
    row = latest("row_insert")
    for person in (clerk_u001, district_hc):
        assert login(person).post(reverse("audit_reveal", args=[row.pk])).status_code == 404
    assert login(handler).get(reverse("audit_reveal", args=[row.pk])).status_code == 405
    assert not AuditLog.objects.filter(action="reveal_audit").exists()


ACTION_IN_SOURCE = re.compile(
    r"""(?:\baction(?:\s*:\s*str)?\s*=\s*|["']action["']\s*:\s*|\b_transition\(\s*\w+\s*,\s*\w+\s*,\s*)["']([a-z_]+)["']"""
)


def actions_in_code() -> set[str]:
    """Every action the code records: the strings handed to ``audit`` / ``transition`` / ``logged_file``,
    every workflow's transitions, and the triggers' row actions."""
    found = {"row_insert", "row_update", "row_delete"}
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        if path.parts[len(Path(settings.BASE_DIR).parts)] in (".venv", "tests") or "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for match in ACTION_IN_SOURCE.finditer(source):
            line = source[source.rfind("\n", 0, match.start()) + 1 : source.find("\n", match.end())]
            if "add_argument" not in line:  # argparse's action="store_true"
                found.add(match.group(1))
    for model in apps.get_models():
        if isinstance(getattr(model, "workflow", None), Workflow):
            found |= set(model.workflow.transitions)
    return found


def test_every_action_the_code_records_has_a_chinese_label_and_a_filter_choice(login, handler):
    used = actions_in_code()
    assert {"not_ours", "payment_undo", "refund", "logout", "export", "centre_check"} <= used  # the scan sees them
    assert not used - set(ACTION_LABELS), sorted(used - set(ACTION_LABELS))
    page = login(handler).get(reverse("audit")).text
    for action in used:
        assert f'<option value="{action}">{ACTION_LABELS[action]}</option>' in page


def test_a_statement_line_marked_not_ours_is_found_by_its_label(login, handler):
    from tests.test_payments import line, run

    with time_machine.travel(datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        run(handler, [line("NO1", 80, memo="房租", payer="某公司")])
    waiting = StatementLine.objects.get(txn_no="NO1")
    payments.line_not_ours(actor=handler, line_id=waiting.pk, reason="其他业务收入")
    page = login(handler).get(reverse("audit"), {"action": "not_ours"}).text
    assert "标记为非缴费款项" in page and "其他业务收入" in page and "not_ours" not in page.split("<tbody>")[1]


# --- PIPL access request -----------------------------------------------------------------


def test_the_centre_produces_everything_held_about_one_id_number_logged(login, handler):
    member = Member.objects.get(id_number="371002196601100379")  # 王强: coverage and claims in the demo
    client = login(handler)
    page = client.post(reverse("audit_person"), {"id_number": member.id_number, "reason": "本人书面申请 2026-015"}).text
    assert "王强" in page and "参保记录" in page and "理赔申领" in page
    row = latest("pipl_access", object_id=member.pk)
    assert row.actor == handler and row.comment == "本人书面申请 2026-015"
    response = client.post(reverse("audit_person"), {"id_number": member.id_number, "reason": "本人书面申请",
                                                      "format": "xlsx"})  # fmt: skip
    profile = sheet_rows(response, "个人信息")
    assert ("身份证号码", member.id_number) in profile
    claims = sheet_rows(response, "理赔申领")
    assert len(claims) - 1 == member.claims.count() >= 1
    assert AuditLog.objects.filter(action="pipl_access", object_id=member.pk).count() == 2


def test_a_pipl_request_for_a_wrong_or_unknown_number_says_so_in_chinese(login, handler):
    client = login(handler)
    assert "校验" in client.post(reverse("audit_person"), {"id_number": "371002196601100378", "reason": "x"}).text
    page = client.post(reverse("audit_person"), {"id_number": "11010519491231002X", "reason": "本人申请"}).text
    assert "没有身份证号码为" in page
    assert latest("pipl_access").data == {"found": False}


# --- The money tables ----------------------------------------------------------------------


def test_an_admin_edit_of_an_applications_contact_is_recorded_with_old_and_new(admin_client, admin_user):
    application = Application.objects.get(reference="16-MED-U003-1")
    response = admin_client.post(
        reverse("admin:enrollment_application_change", args=[application.pk]),
        {"contact_name": "赵敏", "contact_phone": "13806319999", "lines-TOTAL_FORMS": "0",
         "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.contact_phone == "13806319999"
    row = latest("row_update", content_type__model="application", object_id=application.pk)
    assert row.actor == admin_user and row.object_repr == "16-MED-U003-1"
    assert row.data["new"]["contact_phone"] == "13806319999"
    assert row.data["old"]["contact_phone"] != "13806319999"
    assert row.data["via"] == f"POST /admin/enrollment/application/{application.pk}/change/"


def test_a_direct_update_of_an_amount_due_or_an_approved_amount_is_recorded_with_old_and_new():
    application = Application.objects.get(reference="16-FEM-U003-1")  # due 50.00
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(amount_due=D("5.00"))
    row = latest("row_update", content_type__model="application", object_id=application.pk)
    assert (D(str(row.data["old"]["amount_due"])), D(str(row.data["new"]["amount_due"]))) == (D("50"), D("5"))
    assert list(row.data["new"]) == ["amount_due"] and row.actor is None

    claim = Claim.objects.get(reference="16-MED-U001-C1")  # paid 7,000.00
    Claim.objects.filter(pk=claim.pk).update(approved_amount=D("70000.00"))
    row = latest("row_update", content_type__model="claim", object_id=claim.pk)
    assert (D(str(row.data["old"]["approved_amount"])), D(str(row.data["new"]["approved_amount"]))) == (
        D("7000"), D("70000")
    )  # fmt: skip
    assert row.object_repr == "16-MED-U001-C1"


def test_payments_refunds_and_batches_changed_directly_are_recorded():
    payment = Payment.objects.filter(application__reference="16-MED-U001-1").first()
    Payment.objects.filter(pk=payment.pk).update(amount=payment.amount + 1)
    assert latest("row_update", content_type__model="payment", object_id=payment.pk).data["old"]["amount"]
    batch = Claim.objects.get(reference="16-MED-U001-C1").payout_batch
    PayoutBatch.objects.filter(pk=batch.pk).update(total=batch.total + 1)
    assert latest("row_update", content_type__model="payoutbatch", object_id=batch.pk).data["new"]["total"]
    refund = Refund.objects.create(application=payment.application, amount=D("1.00"), refunded_on=payment.paid_on,
                                   reference="RF-1", created_by=User.objects.get(username="centre_handler"))  # fmt: skip
    assert latest("row_insert", content_type__model="refund", object_id=refund.pk).data["new"]["amount"] == 1.0


def test_a_service_leaves_its_own_row_and_no_second_one_from_the_trigger(clerk_u001, clerk_u003, district_hc, handler):
    from claims import services
    from enrollment import services as enrollment
    from tests.helpers import submit
    from tests.test_payments import line, statement

    def trigger_rows():
        return AuditLog.objects.filter(
            action__startswith="row_",
            data__table__in=[
                "enrollment_application",
                "enrollment_payment",
                "enrollment_refund",
                "claims_claim",
                "claims_payoutbatch",
            ],
        )

    coverage = Coverage.objects.get(member__name="王强", plan__code="MED", plan__period__number=16)
    claim = services.claim_create(actor=clerk_u001, coverage=coverage, kind="hospital_stay",
                                  admitted=date(2026, 8, 20), discharged=date(2026, 8, 22),
                                  total_cost=D("3000"), basic_insurance_paid=D("1000"))  # fmt: skip
    claim = submit(clerk_u001, claim)
    services.claim_district_approve(actor=district_hc, claim=claim)
    invoice = Application.objects.get(reference="16-FEM-U003-1")  # approved, 50.00 due
    payments.statement_import(
        actor=handler, data=statement([line("A1", 50, memo=invoice.reference)]), filename="a.xlsx"
    )
    draft = enrollment.application_create(actor=clerk_u003, plan=Plan.objects.get(period__number=16, code="ACC"),
                                          unit=invoice.unit, declared_staff=2)  # fmt: skip
    enrollment.application_update(actor=clerk_u003, application=draft, contact_phone="13806319999")
    assert not trigger_rows().exists()
    actions = [row.action for row in AuditLog.objects.for_object(claim) if row.action != "attach"]
    assert actions == ["create", "submit", "district_approve"]
    assert [row.action for row in AuditLog.objects.for_object(invoice)][-3:] == ["payment", "activate", "receipt_issue"]
    update = AuditLog.objects.for_object(draft).get(action="update")  # the service's row names old and new
    assert update.data["changes"] == {"contact_phone": [draft.contact_phone, "13806319999"]}
    # Once the services are done, a direct change is recorded again.
    Claim.objects.filter(pk=claim.pk).update(approved_amount=D("1.00"))
    assert latest("row_update", content_type__model="claim", object_id=claim.pk).data["new"]["approved_amount"]


def test_a_direct_change_shows_in_the_records_own_history_as_the_systems(login, clerk_u001):
    claim = Claim.objects.get(reference="16-MED-U001-C1")
    application = Application.objects.get(reference="16-MED-U001-1")
    Claim.objects.filter(pk=claim.pk).update(hospital="威海市中心医院")
    Application.objects.filter(pk=application.pk).update(contact_name="张三")
    client = login(clerk_u001)
    for url in (reverse("claims:detail", args=[claim.reference]),
                reverse("enrollment:application", args=[application.reference])):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200 and "系统：修改数据" in response.text


def test_the_admins_trail_finds_by_object_and_never_reads_every_rows_values(login, admin_user):
    """The admin's audit list: found by the object's text (its trigram index) or the actor; no year links
    or distinct actions, each of which read every row of the trail (1.5 s and 0.6 s over five million)."""
    from django.test.utils import CaptureQueriesContext

    wanted = set(AuditLog.objects.filter(object_repr__icontains="16-med-u001-c1").values_list("pk", flat=True))
    assert wanted
    client = login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:mutualaid_auditlog_changelist"), {"q": "16-med-u001-c1"})
    assert {int(pk) for pk in re.findall(r"/admin/mutualaid/auditlog/(\d+)/change/", page.text)} == wanted
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]
    filtered = client.get(reverse("admin:mutualaid_auditlog_changelist"), {"action": "submit"})
    shown = {int(pk) for pk in re.findall(r"/admin/mutualaid/auditlog/(\d+)/change/", filtered.text)}
    assert shown and shown <= set(AuditLog.objects.filter(action="submit").values_list("pk", flat=True))
