"""Small helpers shared by the tests."""

import subprocess
import sys

from claims import services
from demo.documents import attach_required


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
