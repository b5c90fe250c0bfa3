"""Backup and recovery: what scripts/backup.sh saves, scripts/restore.sh brings back whole."""

import shutil
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed (postgresql-client)"),
]

SNAPSHOT = {
    "applications": "SELECT reference, status, amount_due, amount_paid, effective_on FROM enrollment_application ORDER BY reference",
    "claims": "SELECT reference, status, approved_amount, decision FROM claims_claim ORDER BY reference",
    "members": "SELECT id_number, name, unit_id FROM enrollment_member ORDER BY id_number",
    "coverages": "SELECT member_id, plan_id, shares, effective_from FROM enrollment_coverage ORDER BY id",
    "audit": "SELECT count(*), max(at) FROM mutualaid_auditlog",
}


def _url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _snapshot(url: str) -> dict:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        result = {}
        for key, sql in SNAPSHOT.items():
            cur.execute(sql)
            result[key] = cur.fetchall()
    conn.close()
    return result


def test_a_backup_restores_every_reference_amount_and_document(tmp_path):
    source = _url(connection.settings_dict["NAME"])
    media = tmp_path / "media"
    (media / "claims" / "2026").mkdir(parents=True)
    document = media / "claims" / "2026" / "a1b2c3.pdf"
    document.write_bytes(b"%PDF-1.4 discharge summary")

    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": source, "DJANGO_MEDIA_ROOT": str(media)}
    backup = subprocess.run(
        [ROOT / "scripts" / "backup.sh", tmp_path / "backups"], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()

    restored_name = f"mutualaid_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(_url("postgres"))
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{restored_name}"')
    try:
        restored_media = tmp_path / "restored-media"
        env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": _url(restored_name), "DJANGO_MEDIA_ROOT": str(restored_media)}
        subprocess.run([ROOT / "scripts" / "restore.sh", backup], env=env, capture_output=True, text=True, check=True)

        before, after = _snapshot(source), _snapshot(_url(restored_name))
        assert after == before
        claims = {reference: amount for reference, _, amount, _ in after["claims"]}
        assert claims["15-DD-U001-C1"] == Decimal("9000.00")
        assert claims["16-MED-U001-C1"] == Decimal("7000.00")
        references = [row[0] for row in after["applications"]]
        assert {"16-MED-U001-1", "16-MED-U001-2", "16-FEM-U003-1", "16-ALW-U002-1", "16-MED-U003-1"} <= set(references)
        assert (restored_media / "claims" / "2026" / "a1b2c3.pdf").read_bytes() == document.read_bytes()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
        admin.close()


def test_a_damaged_backup_is_refused(tmp_path):
    source = _url(connection.settings_dict["NAME"])
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": source, "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    backup = subprocess.run(
        [ROOT / "scripts" / "backup.sh", tmp_path / "backups"], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    with open(Path(backup) / "db.dump", "ab") as dump:
        dump.write(b"tampered")
    env["DATABASE_URL"] = _url("postgres")
    result = subprocess.run([ROOT / "scripts" / "restore.sh", backup], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr
