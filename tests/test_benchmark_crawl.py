"""``manage.py benchmark_crawl`` on the demo: what its reader relies on, not its timings (a benchmark
prints those; a test on a shared machine cannot hold them)."""

import functools
import io
import re
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from enrollment.models import District, Prefecture
from mutualaid.models import AuditLog
from reports import pdf


def run(*args: str) -> str:
    out = io.StringIO()
    # A form several personas open is the same HTML for each: typeset once (as tests/test_crawl.py does).
    with mock.patch.object(pdf, "html_to_pdf", functools.cache(pdf.html_to_pdf)):
        call_command("benchmark_crawl", "--per-pattern", "1", "--repeat", "1", *args, stdout=out)
    return out.getvalue()


def sections(output: str) -> dict[str, str]:
    """Each persona's part of the report, by username."""
    return dict(re.findall(r"^== (\S+): (.*?)(?=^== )", output, flags=re.M | re.S))


def test_it_crawls_every_persona_and_leaves_the_database_as_it_was(db):
    before = (AuditLog.objects.count(), Session.objects.count(), User.objects.count())
    output = run()
    parts = sections(output)
    assert list(parts) == ["clerk_u001", "district_hc", "prefecture_px", "centre_handler", "centre_head"]
    for username, text in parts.items():
        assert int(re.match(r"(\d+) pages", text)[1]) > 3, (username, text)
        assert "\nhome " in text, username
    # The prefecture office it made reads its districts' statistics and applications.
    assert re.search(r"^reports/statistics/ ", parts["prefecture_px"], flags=re.M)
    assert re.search(r"^enrollment/applications/<str:reference>/ ", parts["prefecture_px"], flags=re.M)
    # A clerk has no statistics page; the centre has the fund's.
    assert "reports/statistics/ " not in parts["clerk_u001"] and "reports/fund/ " in parts["centre_handler"]
    # Every link shown opened; downloads (PDF, xlsx) are apart from the pages, and only they wrote (their audit row).
    assert "non-200 answers: none" in output
    assert (
        "reports/applications/<str:reference>/application.pdf"
        in parts["clerk_u001"].split("downloads (not text/html")[1]
    )
    wrote = re.findall(r"^  (page|download) ", output.split("GETs that wrote")[1].split("worst medians")[0], re.M)
    assert wrote and set(wrote) == {"download"}
    assert re.search(r"^every median under 300 ms: (yes|no)$", output, flags=re.M)
    # All rolled back: no prefecture, no officer, no session, no audit row of the downloads.
    assert not Prefecture.objects.exists() and not District.objects.filter(prefecture__isnull=False).exists()
    assert not User.objects.filter(username="prefecture_px").exists()
    assert (AuditLog.objects.count(), Session.objects.count(), User.objects.count()) == before


def test_users_max_pages_and_skip_downloads_limit_the_crawl(db):
    output = run("--users", "clerk_u001", "--max-pages", "5")
    assert list(sections(output)) == ["clerk_u001"]
    assert "stopped at --max-pages 5" in output
    # Without the PDFs the clerk still reaches every page kind, and no typeset file is listed.
    output = run("--users", "clerk_u001", "--skip-downloads")
    clerk = sections(output)["clerk_u001"]
    assert "enrollment/applications/<str:reference>/ " in clerk and ".pdf" not in clerk
    with pytest.raises(CommandError, match="nobody"):
        run("--users", "nobody")
