"""Write a clean roster in one transaction, at COPY speed.

The rows go into a temporary table with COPY; people not yet registered become members
with one INSERT ... ON CONFLICT DO NOTHING, and the application's roster is replaced with
one INSERT ... SELECT. A person already registered is never changed here: what the file
declares about them (phone, card, needy, occupation, account) is kept on their roster line
and reaches their record at centre approval (``services.applications.apply_declared_details``). The partial unique index on live lines (one live enrollment
per person, plan and period) is the last word: a clerk of another unit who wrote
the same person a moment earlier makes this transaction fail, never both succeed.
"""

from django.db import IntegrityError, connection

from mutualaid.audit import mark_bulk

COLUMNS = ("row_number", "id_number", "name", "sex", "birth_date", "phone", "card", "basic", "needy",
           "occupation", "bank_name", "bank_account", "shares", "renewed", "parent_id")  # fmt: skip


def _escape(value) -> str:
    if value is None:
        return r"\N"
    if value is True or value is False:
        return "t" if value else "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return text


def _copy_rows(cursor, rows) -> None:
    """COPY the rows in COPY's text format, built in one string (per-row calls cost seconds at 100k)."""
    buffer = "".join(
        "\t".join(map(_escape, (r.excel_row, r.id_number, r.name, r.sex, r.birth_date, r.phone, r.card,
                                r.basic if r.basic_declared else None, r.needy if r.needy_declared else None,
                                r.occupation, r.bank_name, r.bank_account, r.shares, r.renewed,
                                r.parent_id or None))) + "\n"
        for r in rows
    )  # fmt: skip
    statement = f"COPY roster_in ({', '.join(COLUMNS)}) FROM STDIN"
    raw = cursor.cursor
    if hasattr(raw, "copy"):  # psycopg 3
        with raw.copy(statement) as copy:
            copy.write(buffer)
    else:  # psycopg2
        import io

        raw.copy_expert(statement, io.StringIO(buffer))


def write_roster(*, application, unit, rows, replace: bool = True) -> int:
    """Replace ``application``'s roster with ``rows`` (or add them to it); the caller holds the transaction."""
    mark_bulk()  # the import's own audit row records the people added; changed details are still logged
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.roster_in")  # an earlier import in the same transaction
        cursor.execute(
            """CREATE TEMP TABLE roster_in (
                 row_number int, id_number text, name text, sex text, birth_date date, phone text, card text,
                 basic bool, needy bool, occupation text, bank_name text, bank_account text, shares int,
                 renewed int, parent_id text) ON COMMIT DROP"""
        )
        _copy_rows(cursor, rows)
        # New people belong to this unit; people already known keep their record as it is (and their
        # unit until this application is approved: DOMAIN.md §4, changing employer).
        cursor.execute(
            """INSERT INTO enrollment_member (id_number, name, sex, birth_date, unit_id, phone, insurance_card,
                   has_basic_insurance, needy, occupation, bank_name, bank_account, parent_id)
               SELECT r.id_number, r.name, r.sex, r.birth_date, %s, r.phone, r.card, COALESCE(r.basic, true),
                      COALESCE(r.needy, false), r.occupation, r.bank_name, r.bank_account, p.id
               FROM roster_in r LEFT JOIN enrollment_member p ON p.id_number = r.parent_id
               ON CONFLICT (id_number) DO NOTHING""",
            [unit.pk],
        )
        # Registered a moment ago under another name (the checks ran before this transaction):
        # fail like the live-enrollment index does, so the caller checks the file again.
        cursor.execute(
            "SELECT 1 FROM roster_in r JOIN enrollment_member m ON m.id_number = r.id_number WHERE m.name <> r.name"
            " LIMIT 1"
        )
        if cursor.fetchone():
            raise IntegrityError("name_mismatch: an ID number was registered under another name meanwhile")
        if replace:
            cursor.execute("DELETE FROM enrollment_rosterline WHERE application_id = %s", [application.pk])
        cursor.execute(
            """INSERT INTO enrollment_rosterline
                   (application_id, plan_id, live, member_id, row_number, shares, renewed_shares, insurance_card,
                    phone, has_basic_insurance, needy, occupation, bank_name, bank_account, parent_id)
               SELECT %s, %s, true, m.id, r.row_number, r.shares, r.renewed, r.card,
                      r.phone, r.basic, r.needy, r.occupation, r.bank_name, r.bank_account, p.id
               FROM roster_in r JOIN enrollment_member m ON m.id_number = r.id_number
               LEFT JOIN enrollment_member p ON p.id_number = r.parent_id""",
            [application.pk, application.plan_id],
        )
        return cursor.rowcount


def analyze(*tables: str) -> None:
    """Fresh planner statistics after a bulk write, so the next query does not pick a nested
    loop over millions of row pairs (seen after seed_demo --scale 9000)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
