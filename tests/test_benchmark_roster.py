"""``manage.py benchmark_roster``: what its reader relies on, not its timings."""

import io
import re

from django.core.management import call_command

from enrollment.models import Member, RosterLine


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("benchmark_roster", "--rows", "40", *args, stdout=out)
    return out.getvalue()


def test_each_new_people_run_is_a_first_upload_of_people_nobody_registered(committed_demo):
    """Every run registers its file's people, as a unit's first upload does, and a later invocation
    carries on after them instead of timing a re-upload."""
    first = run("--new-people", "--runs", "2")
    assert re.findall(r"written\s+: 40 lines", first) == ["written            : 40 lines"] * 2
    bench = Member.objects.filter(unit__code="BENCH")
    assert bench.count() == 80
    run("--new-people")
    assert bench.count() == 120
    # The roster holds the last file's people only.
    lines = RosterLine.objects.filter(application__unit__code="BENCH")
    assert lines.count() == 40 and set(lines.values_list("member__unit__code", flat=True)) == {"BENCH"}


def test_a_plain_second_run_replaces_the_roster_with_the_same_people(committed_demo):
    run()
    run()
    assert Member.objects.filter(unit__code="BENCH").count() == 40


def test_the_commit_is_printed_as_part_of_the_write(committed_demo):
    """The reader sees how much of the write is PostgreSQL's key checks at commit: a share of the
    write's figure, not a stage added to it."""
    out = run("--new-people")
    write = float(re.search(r"import write\s+:\s+([\d.]+) s", out)[1])
    commit = float(re.search(r"of which commit\s+:\s+([\d.]+) s", out)[1])
    assert 0 <= commit <= write
    assert "deferred foreign-key checks" in out
