"""Small helpers shared by the tests."""

import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin

from django.core.management import call_command

from claims import services
from demo.documents import attach_required
from enrollment.member_signin import start_session

# DOMAIN.md names no prefecture for Weihai (a prefecture-level city itself): the tests put a small one
# over two of its districts (WD, RC), as a province's tree would (§15), and an officer of it, the one
# benchmark_crawl makes.
from reports.management.commands.benchmark_crawl import PREFECTURE_DISTRICTS, make_prefecture  # noqa: F401


def typed_in(member, shares: int = 1) -> dict:
    """A registered person as the clerk types them into 逐个添加 (``services.roster_add_person``)."""
    return {"name": member.name, "id_number": member.id_number, "card": member.insurance_card, "shares": shares}


def submit(actor, claim, **kwargs):
    """Attach the required documents (DOMAIN.md §3) as the clerk would, then submit."""
    attach_required(claim, actor)
    return services.claim_submit(actor=actor, claim=claim, **kwargs)


PRODUCTION_ENV = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.org",
                  "DATABASE_URL": "postgres://u@127.0.0.1/x", "DJANGO_SETTINGS_MODULE": "mutualaid.settings",
                  "PATH": "/usr/bin:/bin"}  # fmt: skip


def production_settings(code: str, **env) -> str:
    """The last line ``code`` prints, run in a fresh process with production settings and ``env`` added
    (settings are read once, at start-up, so each environment needs its own process)."""
    from django.conf import settings

    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=settings.BASE_DIR,
        env={**PRODUCTION_ENV, **env}, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip


class _Forms(HTMLParser):
    """Every form on a page: its action, method, the values it would send and its buttons' words."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._button = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                          "data": {}, "buttons": []}  # fmt: skip
        elif self._form is not None and tag == "input" and attrs.get("type") == "submit":
            self._form["buttons"].append(attrs.get("value") or "")
        elif self._form is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._form["data"].setdefault(attrs["name"], attrs.get("value") or "")
        elif self._form is not None and tag == "button":
            self._button = ""

    def handle_data(self, data):
        if self._button is not None:
            self._button += data

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self._form["buttons"].append(self._button.strip())
            self._button = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def forms_on(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def press(client, url: str, button: str, *, action: str | None = None, **fields):
    """Open ``url`` and submit the form whose button reads ``button`` (and that posts to ``action``,
    where a page has several), as a browser would: with the form's own hidden fields (its CSRF
    token) and ``fields`` typed in or ticked."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    form = next(f for f in forms_on(page.content.decode())
                if button in f["buttons"] and (action is None or f["action"] == action))  # fmt: skip
    return client.post(urljoin(url, form["action"] or url), {**form["data"], **fields})


def as_member(client, member):
    """Sign ``client`` in to the members' pages (/me/) as ``member``, as the SMS code would: a fresh
    session holding the member's key and nothing else."""
    from django.conf import settings

    client.logout()
    session = client.session
    start_session(session, member)
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def estimate_json(folder, data: dict) -> dict:
    """``manage.py estimate_claim --json`` on ``data`` written as a file in ``folder``: its parsed answer."""
    path = folder / "claim.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("estimate_claim", "--json", str(path), stdout=out)
    return json.loads(out.getvalue())
