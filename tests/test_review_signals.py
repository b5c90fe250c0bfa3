"""Signals for the reviewers (issue #20): each planted and clean, and who may read them."""

from datetime import date
from decimal import Decimal as D
from itertools import count

import pytest

from claims.models import Claim, ClaimStatus
from claims.review_signals import signals_for, with_signal
from enrollment.models import Application, Coverage, Member, Plan, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("september_2026")]
_seq = count(900)


def plant(name, plan="MED", *, unit=None, status=ClaimStatus.SUBMITTED, **fields) -> Claim:
    """A claim row as the review sees it (the services' own checks are tested elsewhere)."""
    coverage = Coverage.objects.get(member__name=name, plan__code=plan, plan__period__number=16)
    n = next(_seq)
    defaults = {"kind": "hospital_stay", "admitted": date(2026, 8, 1), "discharged": date(2026, 8, 10)}
    return Claim.objects.create(
        reference=f"16-{plan}-T-C{n}", seq=n, coverage=coverage, member=coverage.member, plan=coverage.plan,
        unit=unit or coverage.unit, status=status, **{**defaults, **fields},
    )  # fmt: skip


def codes(claim, user) -> set[str]:
    return {s.code for s in signals_for(claim, user)}


def test_same_stay_twice_under_one_plan_or_under_two_units(handler):
    first = plant("张伟", admitted=date(2026, 8, 1), discharged=date(2026, 8, 10))
    again = plant("张伟", admitted=date(2026, 8, 5), discharged=date(2026, 8, 12))
    later = plant("张伟", admitted=date(2026, 8, 20), discharged=date(2026, 8, 25))
    assert "same_stay" in codes(again, handler) and "same_stay" in codes(first, handler)
    assert "same_stay" not in codes(later, handler)
    other_unit = plant(
        "王强", unit=Unit.objects.get(code="U002"), admitted=date(2026, 9, 1), discharged=date(2026, 9, 2)
    )
    mine = plant("王强", plan="NEEDY", admitted=date(2026, 9, 1), discharged=date(2026, 9, 3))
    assert "same_stay" in codes(mine, handler)  # NEEDY after MED is the indemnity rule, but U002 filed it too
    other_unit.delete()
    assert "same_stay" not in codes(mine, handler)  # another plan of the same unit: the normal order


def test_invoice_number_seen_on_another_claim(handler):
    plant("张伟", invoice_numbers="FP2026001, FP2026002")
    seen = plant("刘洋", invoice_numbers="fp2026002")
    clean = plant("陈静", invoice_numbers="FP2026003")
    assert "invoice_seen" in codes(seen, handler)
    assert "invoice_seen" not in codes(clean, handler)
    [signal] = [s for s in signals_for(seen, handler) if s.code == "invoice_seen"]
    assert signal.links and signal.links[0][0].startswith("16-MED-T-")


def test_claim_within_14_days_after_the_waiting_period(handler):
    # 李娜: MED 16 from 2026-04-15, 90 days: payable from 2026-07-14.
    soon = plant("李娜", admitted=date(2026, 7, 20), discharged=date(2026, 7, 25))
    later = plant("李娜", admitted=date(2026, 8, 10), discharged=date(2026, 8, 12))
    renewed = plant("张伟", admitted=date(2026, 6, 12), discharged=date(2026, 6, 14))  # a renewal waits for nothing
    assert "after_waiting" in codes(soon, handler)
    assert "after_waiting" not in codes(later, handler)
    assert "after_waiting" not in codes(renewed, handler)


def test_person_enrolled_by_two_units_in_one_period(handler):
    claim = plant("张伟")
    assert "two_units" not in codes(claim, handler)
    application = Application.objects.get(reference="16-ALW-U002-1")
    Coverage.objects.create(
        member=claim.member, plan=Plan.objects.get(period__number=16, code="ALW"), application=application,
        unit=application.unit, shares=1, effective_from=date(2026, 5, 1), effective_to=date(2027, 3, 11),
    )  # fmt: skip
    assert "two_units" in codes(claim, handler)


def test_payee_account_shared_by_several_members(handler):
    account = "6222020000009999"
    a = plant("张伟", payee_account=account)
    plant("刘洋", payee_account=account)
    assert "shared_account" not in codes(a, handler)  # two people: a family may share one
    Member.objects.filter(name="陈静").update(bank_account=account)
    assert "shared_account" in codes(a, handler)


def test_amounts_just_under_the_paper_threshold_from_one_unit(handler):
    claims = [plant(name, computed_amount=D("2950.00"), admitted=date(2026, 8, day))
              for name, day in (("张伟", 1), ("王强", 3))]  # fmt: skip
    small = plant("李娜", computed_amount=D("1500.00"), admitted=date(2026, 8, 20))
    assert "near_threshold" not in codes(claims[0], handler)  # twice is not yet a pattern
    third = plant("李娜", computed_amount=D("2999.00"), admitted=date(2026, 9, 5))
    assert "near_threshold" in codes(third, handler)
    assert "near_threshold" not in codes(small, handler)


def test_reviewers_see_signals_and_clerks_never(login, clerk_u001, district_hc, handler):
    plant("刘洋", unit=Unit.objects.get(code="U002"), invoice_numbers="FP77")  # another district (文登区)
    claim = plant("张伟", invoice_numbers="FP77")
    assert signals_for(claim, clerk_u001) == []
    [signal] = [s for s in signals_for(claim, district_hc) if s.code == "invoice_seen"]
    assert signal.links == [] and signal.hidden == 1  # told it exists, not which one
    html = login(district_hc).get(f"/claims/{claim.reference}/").content.decode()
    assert "发票号码已在其他申领中出现" in html and "另有 1 件属其他办事处" in html
    html = login(clerk_u001).get(f"/claims/{claim.reference}/").content.decode()
    assert "审核提示" not in html and "发票号码已在其他申领中出现" not in html
    queue = login(handler).get("/claims/", {"signal": "invoice_seen", "status": ""}).content.decode()
    assert claim.reference in queue
    assert set(with_signal(Claim.objects.all(), "any").values_list("reference", flat=True)) >= {claim.reference}
    clerk_queue = login(clerk_u001).get("/claims/", {"signal": "invoice_seen"}).content.decode()
    assert "审核提示" not in clerk_queue
