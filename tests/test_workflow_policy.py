"""One table says who may do what at which stage (issue 16 §2): for every role and every status, the
actions a page offers are exactly what the model's workflow lets that role do, and the service
accepts exactly those — so a page never offers an action its service refuses."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from claims import services as claim_services
from claims.models import Claim, ClaimStatus
from enrollment import services
from enrollment.models import Application, ApplicationStatus, District, Member, Plan
from mutualaid.roles import Role, role_of
from tests.helpers import make_prefecture, typed_in
from tests.test_roster_import import person

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def accepted(call, *args) -> bool:
    """Whether the service does it (then undone), or refuses in words for the page. Undone with a
    savepoint, not an atomic block around the call: an enrollment use case is a durable transaction
    of its own and is not nested in one."""
    savepoint = transaction.savepoint_create()
    try:
        call(*args)
    except (ValidationError, PermissionDenied):
        return False
    else:
        return True
    finally:
        transaction.savepoint_rollback(savepoint)


def offered(html: str, url_of, actions) -> set[str]:
    """The actions whose form (or form button) the page renders."""
    return {action for action in actions if f'action="{url_of(action)}"' in html}


# The application page's actions, and how each is asked of its service.
APPLICATION_CALLS = {
    "submit": lambda actor, a: services.application_submit(actor=actor, application=a),
    "withdraw": lambda actor, a: services.application_withdraw(actor=actor, application=a, reason="测试"),
    "district_approve": lambda actor, a: services.application_district_approve(actor=actor, application=a),
    "centre_approve": lambda actor, a: services.application_centre_approve(actor=actor, application=a),
    "return": lambda actor, a: services.application_return(actor=actor, application=a, reason="测试"),
    "reject": lambda actor, a: services.application_reject(actor=actor, application=a, reason="测试"),
}


def test_the_application_page_offers_exactly_what_the_workflow_allows_and_the_service_accepts(
    client, clerk_u003, district_rc, prefecture_px, handler, head, admin_user
):
    # The prefecture office over RC (DOMAIN.md §15) reads the page and is offered, and accepted, nothing.
    people = [clerk_u003, district_rc, prefecture_px, handler, head, admin_user]
    assert {role_of(u) for u in people} == set(Role)
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=SHANGHAI), tick=False):
        application = services.application_create(
            actor=clerk_u003, plan=Plan.objects.get(period__number=16, code="DD"), unit=clerk_u003.staff_profile.unit,
            declared_staff=1,
        )  # fmt: skip
        member = Member.objects.create(id_number=person(260), name="表驱动", sex="F",
                                       birth_date=datetime(1988, 5, 1).date(), insurance_card="C260")  # fmt: skip
        services.roster_add_person(actor=clerk_u003, application=application, person=typed_in(member))
        page_url = reverse("enrollment:application", args=[application.reference])

        def url_of(action):
            return reverse("enrollment:action", args=[application.reference, action])

        for status in ApplicationStatus:
            Application.objects.filter(pk=application.pk).update(status=status)
            for user in people:
                allowed = Application.workflow.actions_for(role_of(user), status) & set(APPLICATION_CALLS)
                client.force_login(user)
                html = client.get(page_url).text
                assert offered(html, url_of, APPLICATION_CALLS) == allowed, (status, user.username)
                for action, call in APPLICATION_CALLS.items():
                    assert accepted(call, user, application) == (action in allowed), (status, user, action)
                    assert Application.objects.get(pk=application.pk).status == status


CLAIM_ACTIONS = {  # the page's name -> the workflow's
    "submit": "submit",
    "district_approve": "district_approve",
    "check": "centre_check",
    "approve": "approve",
    "return": "return",
    "reject": "reject",
}
CLAIM_CALLS = {
    "submit": lambda actor, c: claim_services.claim_submit(actor=actor, claim=c),
    "district_approve": lambda actor, c: claim_services.claim_district_approve(actor=actor, claim=c),
    "check": lambda actor, c: claim_services.claim_check(actor=actor, claim=c),
    "approve": lambda actor, c: claim_services.claim_approve(actor=actor, claim=c),
    "return": lambda actor, c: claim_services.claim_return(actor=actor, claim=c, reason="测试"),
    "reject": lambda actor, c: claim_services.claim_reject(actor=actor, claim=c, reason="测试"),
}


def test_the_claim_page_offers_exactly_what_the_workflow_allows_and_the_service_accepts(
    client, handler, head, admin_user
):
    # A demo claim the clerk filed, the handler checked and the head approved, with its payee,
    # documents and originals: nothing but the stage and the role holds any step back.
    claim = Claim.objects.filter(status=ClaimStatus.PAID).select_related("unit__district").order_by("pk").first()
    clerk = User.objects.get(username=f"clerk_{claim.unit.code.lower()}")
    district = User.objects.get(username=f"district_{claim.unit.district.code.lower()}")
    prefecture = make_prefecture()  # over the claim's district too, so that the page opens for it
    District.objects.filter(pk=claim.unit.district_id).update(prefecture=prefecture.staff_profile.prefecture)
    people = [clerk, district, prefecture, handler, head, admin_user]
    assert {role_of(u) for u in people} == set(Role) and claim.created_by == clerk and claim.checked_by == handler
    page_url = reverse("claims:detail", args=[claim.reference])

    def url_of(action):
        return reverse("claims:action", args=[claim.reference, action])

    for status in ClaimStatus:
        Claim.objects.filter(pk=claim.pk).update(status=status, payout_batch=None)
        for user in people:
            role = role_of(user)
            allowed = {page for page, action in CLAIM_ACTIONS.items() if Claim.workflow.may(role, action, status)}
            client.force_login(user)
            html = client.get(page_url).text
            assert offered(html, url_of, CLAIM_ACTIONS) == allowed, (status, user.username)
            assert (f'href="{reverse("claims:edit", args=[claim.reference])}"' in html) == ("submit" in allowed)
            for action, call in CLAIM_CALLS.items():
                assert accepted(call, user, claim) == (action in allowed), (status, user.username, action)
                assert Claim.objects.get(pk=claim.pk).status == status


def test_the_reviewers_queues_are_their_stages_in_the_table(login, district_rc, handler, head, clerk_u001):
    from claims.views import QUEUE_FOR_ROLE as CLAIM_QUEUES
    from enrollment.views import QUEUE_FOR_ROLE as APPLICATION_QUEUES

    assert APPLICATION_QUEUES == {Role.DISTRICT: "submitted", Role.CENTRE_HANDLER: "district_approved",
                                  Role.CENTRE_HEAD: "district_approved"}  # fmt: skip
    assert CLAIM_QUEUES == {Role.DISTRICT: "submitted", Role.CENTRE_HANDLER: "district_approved",
                            Role.CENTRE_HEAD: "centre_checked"}  # fmt: skip

    # The head opens the claims list on the claims waiting for approval; a clerk on all of theirs.
    def chosen(user):
        select = re.search(r'<select name="status">(.*?)</select>', login(user).get(reverse("claims:list")).text, re.S)
        return re.findall(r'<option value="(\w*)" selected>', select.group(1))

    assert chosen(head) == ["centre_checked"] and chosen(district_rc) == ["submitted"] and chosen(clerk_u001) == []
