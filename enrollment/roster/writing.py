# ruff: noqa: S608  (the SQL is assembled from constant fragments; every value is a parameter or COPY data)
"""Write a clean roster in one transaction, at COPY speed.

The rows go into a temporary table with COPY; people not yet registered become members
with one INSERT ... ON CONFLICT DO NOTHING, and the application's roster becomes the file's
with three set statements: the lines of people no longer in it deleted, the lines of people
still in it updated where the file says something else, the lines of newcomers inserted. A
person already registered is never changed here: what the file declares about them (phone,
card, needy, occupation, account) is kept on their roster line and reaches their record at
centre approval (``services.applications.apply_declared_details``). The partial unique index
on live lines (one live enrollment per person, plan and period) is the last word: a clerk of
another unit who wrote the same person a moment earlier makes this transaction fail, never
both succeed.
"""

import csv
import io
from dataclasses import dataclass

from django.db import IntegrityError, connection

from mutualaid.audit import mark_bulk

COLUMNS = ("row_number", "id_number", "name", "sex", "birth_date", "phone", "card", "basic", "needy",
           "occupation", "bank_name", "bank_account", "shares", "renewed", "parent_id")  # fmt: skip
COPY_CHUNK = 20_000  # rows per write to the server: the CSV of one chunk is held, never the whole roster's
ANALYZE_ABOVE = 5000


@dataclass(frozen=True)
class Written:
    lines: int  # the roster's lines from the file
    members: int  # people registered by it
    removed: int  # lines of people the file no longer holds
    added: int  # lines of people the roster did not hold


def _line(r) -> tuple:
    return (r.excel_row, r.id_number, r.name, r.sex, r.birth_date, r.phone, r.card,
            r.basic if r.basic_declared else None, r.needy if r.needy_declared else None,
            r.occupation, r.bank_name, r.bank_account, r.shares, r.renewed, r.parent_id or None)  # fmt: skip


def _copy_rows(cursor, rows) -> None:
    """COPY the rows as CSV, written by the csv module in C (a Python call per cell cost seconds at
    100,000 rows). Every value but None is quoted, so None alone arrives as NULL and "" as "". The
    text arrives as it is: the statements below turn tabs and line breaks into spaces (``_text``)."""
    statement = f"COPY roster_in ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
    raw = cursor.cursor
    if not hasattr(raw, "copy"):  # psycopg2
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerows(map(_line, rows))
        buffer.seek(0)
        raw.copy_expert(statement, buffer)
        return
    with raw.copy(statement) as copy:  # psycopg 3
        for start in range(0, len(rows), COPY_CHUNK):
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerows(
                map(_line, rows[start : start + COPY_CHUNK])
            )
            copy.write(buffer.getvalue())


def _text(column: str) -> str:
    """A text column as the roster line and the member record keep it: a tab or line break typed into a
    cell becomes a space."""
    return f"translate(r.{column}, E'\\t\\n\\r', '   ')"


# What a roster line holds from the file, as roster_people has it (below), in the table's column order.
LINE_FIELDS = (("row_number", "row_number"), ("shares", "shares"), ("renewed_shares", "renewed"),
               ("insurance_card", "card"), ("phone", "phone"), ("has_basic_insurance", "basic"), ("needy", "needy"),
               ("occupation", "occupation"), ("bank_name", "bank_name"), ("bank_account", "bank_account"),
               ("parent_id", "parent_member"))  # fmt: skip


def write_roster(*, application, unit, rows, replace: bool = True) -> Written:
    """Replace ``application``'s roster with ``rows`` (or add them to it); the caller holds the transaction.

    Replacing keeps the line of a person already on the roster, changed only where the file says
    something else (its row number, shares, what it declares): re-uploading a 100,000-line roster
    with a few people added writes those few, not 100,000 lines again with a foreign-key check each.
    Raises IntegrityError when someone wrote one of these people a moment ago: enrolled them on another
    live application, or registered their ID number under another name."""
    mark_bulk()  # the import's own audit row records the people added; changed details are still logged
    # Only a plan insuring dependants names parents: any other roster skips the join that finds them.
    parents = any(row.parent_id for row in rows)
    parent_join = "LEFT JOIN enrollment_member p ON p.id_number = r.parent_id" if parents else ""
    parent_id = "p.id" if parents else "NULL::bigint"
    name, phone, card, occupation = _text("name"), _text("phone"), _text("card"), _text("occupation")
    bank_name, bank_account = _text("bank_name"), _text("bank_account")
    with connection.cursor() as cursor:
        # An earlier import in the same transaction left its tables.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.roster_in, pg_temp.roster_people")
        cursor.execute(
            """CREATE TEMP TABLE roster_in (
                 row_number int, id_number text, name text, sex text, birth_date date, phone text, card text,
                 basic bool, needy bool, occupation text, bank_name text, bank_account text, shares int,
                 renewed int, parent_id text) ON COMMIT DROP"""
        )
        _copy_rows(cursor, rows)
        # New people belong to this unit; people already known keep their record as it is (and their
        # unit until this application is approved: DOMAIN.md §4, changing employer). The NOT EXISTS
        # leaves the known ones out before the insert (most of a renewal), ON CONFLICT those who were
        # registered a moment ago.
        cursor.execute(
            f"""INSERT INTO enrollment_member (id_number, name, sex, birth_date, unit_id, phone, insurance_card,
                    has_basic_insurance, needy, occupation, bank_name, bank_account, parent_id)
                SELECT r.id_number, {name}, r.sex, r.birth_date, %s, {phone}, {card}, COALESCE(r.basic, true),
                       COALESCE(r.needy, false), {occupation}, {bank_name}, {bank_account}, {parent_id}
                FROM roster_in r {parent_join}
                WHERE NOT EXISTS (SELECT 1 FROM enrollment_member m WHERE m.id_number = r.id_number)
                ON CONFLICT (id_number) DO NOTHING""",
            [unit.pk],
        )
        members = cursor.rowcount
        # Each row with its member (and parent) once, for the statements below.
        cursor.execute(
            f"""CREATE TEMP TABLE roster_people ON COMMIT DROP AS
                SELECT m.id AS member_id, m.name = {name} AS same_name, r.row_number, r.shares, r.renewed,
                       {card} AS card, {phone} AS phone, r.basic, r.needy, {occupation} AS occupation,
                       {bank_name} AS bank_name, {bank_account} AS bank_account, {parent_id} AS parent_member
                FROM roster_in r JOIN enrollment_member m ON m.id_number = r.id_number {parent_join}"""
        )
        people = cursor.rowcount
        # Registered a moment ago under another name (the checks ran before this transaction):
        # fail like the live-enrollment index does, so the caller checks the file again.
        cursor.execute("SELECT 1 FROM roster_people WHERE NOT same_name LIMIT 1")
        if cursor.fetchone():
            raise IntegrityError("name_mismatch: an ID number was registered under another name meanwhile")
        columns = ", ".join(column for column, _ in LINE_FIELDS)
        values = ", ".join(f"x.{value}" for _, value in LINE_FIELDS)
        removed = 0
        if replace:
            cursor.execute(
                """DELETE FROM enrollment_rosterline l WHERE l.application_id = %s
                   AND NOT EXISTS (SELECT 1 FROM roster_people x WHERE x.member_id = l.member_id)""",
                [application.pk],
            )
            removed = cursor.rowcount
            cursor.execute(
                f"""UPDATE enrollment_rosterline l SET (plan_id, live, {columns}) = (%s, true, {values})
                    FROM roster_people x
                    WHERE l.application_id = %s AND l.member_id = x.member_id
                      AND (l.plan_id, l.live, {", ".join(f"l.{column}" for column, _ in LINE_FIELDS)})
                          IS DISTINCT FROM (%s, true, {values})""",
                [application.plan_id, application.pk, application.plan_id],
            )
        cursor.execute(
            f"""INSERT INTO enrollment_rosterline (application_id, plan_id, live, member_id, {columns})
                SELECT %s, %s, true, x.member_id, {values} FROM roster_people x
                {
                "WHERE NOT EXISTS (SELECT 1 FROM enrollment_rosterline l WHERE l.application_id = %s"
                " AND l.member_id = x.member_id)"
                if replace
                else ""
            }""",
            [application.pk, application.plan_id, *([application.pk] if replace else [])],
        )
        added = cursor.rowcount
        return Written(lines=people if replace else added, members=members, removed=removed, added=added)


def refresh_statistics(written: Written) -> None:
    """``analyze`` the tables a committed import has grown by more than a tenth (PostgreSQL's own
    threshold for analysing again), so the next query plans for their new size. A roster replaced
    by one of about the same size changes nothing the planner counts, and is left to autovacuum:
    analysing both tables again cost a tenth of a 100,000-row import."""
    grown = {"enrollment_member": written.members, "enrollment_rosterline": written.added - written.removed}
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE oid IN (%s::regclass, %s::regclass)", list(grown))
        known = dict(cursor.fetchall())
    # reltuples is -1 for a table never analysed: any growth above the floor counts then.
    analyze(*[table for table, rows in grown.items() if rows > max(ANALYZE_ABOVE, known.get(table, 0) / 10)])


def analyze(*tables: str) -> None:
    """Fresh planner statistics after a bulk write, so the next query does not pick a nested
    loop over millions of row pairs (seen after seed_demo --scale 9000)."""
    if not tables:
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
