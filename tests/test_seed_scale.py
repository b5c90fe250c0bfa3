"""``seed_demo --scale N`` streams (DOMAIN.md's province scale): it writes N units a batch at a time,
each batch complete (members, application, roster, coverages, claims) and nothing of an earlier batch
kept, so the memory a run needs does not grow with N."""

from datetime import date
from unittest import mock

import pytest
from django.db.models import Count, F, Sum

from claims.models import Claim
from demo import synthetic
from enrollment.models import Application, Coverage, Member, Unit
from mutualaid.lib.idcard import validate_id
from reports import statistics_check

pytestmark = pytest.mark.django_db


def test_units_are_written_in_batches_and_every_batch_is_whole():
    members_before = Member.objects.count()
    batches = []
    real = synthetic._add_batch

    def recording(indices, **kwargs):
        batches.append(list(indices))
        return real(indices, **kwargs)

    with mock.patch.object(synthetic, "UNITS_PER_BATCH", 2), mock.patch.object(synthetic, "_add_batch", recording):
        made = synthetic.add_synthetic_units(5, seed=3, claim_rate=0.2)
    assert [len(b) for b in batches] == [2, 2, 1]
    units = Unit.objects.filter(code__startswith="S")
    assert units.count() == made["units"] == 5
    assert Member.objects.count() - members_before == made["members"] == units.aggregate(n=Sum("declared_staff"))["n"]
    # Each unit: one effective application whose roster and coverages are its declared staff.
    for unit in units.annotate(covered=Count("coverages")):
        application = Application.objects.get(unit=unit)
        assert application.lines.count() == unit.covered == unit.declared_staff == application.member_count
    assert not Coverage.objects.filter(unit__code__startswith="S").exclude(member__unit=F("unit")).exists()
    new_ids = Member.objects.filter(unit__code__startswith="S").values_list("id_number", flat=True)
    assert all(validate_id(number, today=date(2026, 9, 1)).number == number for number in new_ids)
    assert Claim.objects.filter(unit__code__startswith="S").count() == made["claims"] > 0
    # Written in bulk past the services, recounted once: the statistics' summary says what the rows say.
    assert statistics_check.differences() == []


def test_a_second_run_draws_no_id_number_already_taken():
    with mock.patch.object(synthetic, "UNITS_PER_BATCH", 3):
        synthetic.add_synthetic_units(3, seed=5)
        synthetic.add_synthetic_units(3, seed=5)  # the same draws: every taken number is skipped
    assert Unit.objects.filter(code__startswith="S").count() == 6
