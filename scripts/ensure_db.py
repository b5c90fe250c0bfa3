"""Create the PostgreSQL database named in DATABASE_URL if it does not exist yet.

Used by `make run` and `make test` so a fresh machine needs no manual createdb.
"""

import os
import sys
from urllib.parse import urlsplit

import psycopg2
from psycopg2 import sql


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return 0
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "mutualaid"
    admin_url = parts._replace(path="/postgres").geturl()
    try:
        conn = psycopg2.connect(admin_url, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        print(f"无法连接 PostgreSQL（{parts.hostname}:{parts.port or 5432}）：{exc}", file=sys.stderr)
        return 1
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
