"""Who is acting, as the database sees it, and the reads that must be logged.

Services write an ``AuditLog`` row for every state change they make. Configuration
and personal data (members, units, plans, periods, districts, accounts, role grants)
are also changed in the admin, by imports and by bulk updates, so PostgreSQL triggers
(migration ``mutualaid.0005``) append a row with the old and new values of every
changed column, whatever wrote it. The money tables (applications, payments, refunds,
claims, payout batches; ``mutualaid.0006``) have the same triggers, quiet while a
service that records its own changes runs (``recorded_by_service``). They learn who acted from two settings of the
connection, set here by ``acting_as``: ``RequestActorMiddleware`` for each request,
and the worker for each job.

The audit table is append-only in the database: a trigger refuses UPDATE and DELETE.
"""

import contextlib
import functools
import threading
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction

ACTOR_SETTING = "mutualaid.actor_id"
CONTEXT_SETTING = "mutualaid.context"
BULK_SETTING = "mutualaid.bulk"
RECORDED_SETTING = "mutualaid.recorded"


_WRITES_SKIP = ("SELECT", "SAVEPOI", "RELEASE", "ROLLBAC", "BEGIN", "COMMIT", "SET ", "SHOW ")
_blocks = threading.local()


def _set_on(cursor, actor_id: str, context: str) -> None:
    cursor.execute(
        "SELECT set_config(%s, %s, false), set_config(%s, %s, false)",
        [ACTOR_SETTING, actor_id, CONTEXT_SETTING, context[:200]],
    )


@contextmanager
def acting_as(user, context: str):
    """Rows the triggers write inside this block name ``user`` (None: the system) and ``context``
    (a request's method and path, a job's label). Set just before the first statement that may
    write, so read-only requests cost nothing (a write costs one more round trip); an inner block (a job run inside a request) hands
    the connection back to the outer one when it ends."""
    actor_id = str(user.pk) if user is not None and getattr(user, "is_authenticated", False) else ""
    stack = _blocks.__dict__.setdefault("stack", [])
    state = {"set": False}
    for outer in stack:
        outer["set"] = False
    stack.append(state)

    def before_writes(execute, sql, params, many, ctx):
        # Inside a transaction every write sets it again: a rolled-back transaction or savepoint
        # takes the setting with it, and the next write must still name the person.
        again = not state["set"] or ctx["connection"].in_atomic_block
        if stack and stack[-1] is state and again and not sql.lstrip()[:7].upper().startswith(_WRITES_SKIP):
            _set_on(ctx["cursor"].cursor, actor_id, context)
            state["set"] = True
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(before_writes):
        try:
            yield
        finally:
            stack.pop()
            if state["set"]:
                # a broken connection is closed with its settings
                with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                    _set_on(cursor.cursor, "", "")


def mark_bulk() -> None:
    """Inside a transaction that inserts many rows and records them in its own audit row (a roster
    import, the synthetic demo volume): the per-row insert triggers stay quiet until it ends.
    Updates and deletes are recorded regardless."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [BULK_SETTING])


def recorded_by_service(service):
    """For a service that writes its own audit row for what it changes (a transition with its
    amounts, a payment, a batch): while it runs, the row triggers of the money tables (applications
    and their invoices, payments, refunds, claims, payout batches; migration ``mutualaid.0006``)
    stay quiet, so one approval is one row in the trail, not two. An admin edit, a bulk ``UPDATE``
    or a psql session is no such service and is recorded column by column, old and new.

    Put it under ``@transaction.atomic``: the setting belongs to that transaction (or savepoint),
    is handed back when the service returns, and a refusal's rollback takes it back by itself."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        if not connection.in_atomic_block:
            raise RuntimeError(f"{service.__qualname__}: @recorded_by_service goes under @transaction.atomic")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(current_setting(%s, true), ''), set_config(%s, 'on', true)",
                [RECORDED_SETTING, RECORDED_SETTING],
            )
            previous = cursor.fetchone()[0]
        result = service(*args, **kwargs)
        # An outer service keeps its own setting; a rollback (a dry run) hands it back by itself.
        if previous != "on" and not transaction.get_rollback():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, true)", [RECORDED_SETTING, previous])
        return result

    return run


class RequestActorMiddleware:
    """Every write a signed-in person's request makes is attributed to them in the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with acting_as(user, f"{request.method} {request.path}"):
            return self.get_response(request)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def logged_file(
    request,
    content: bytes,
    *,
    filename: str,
    content_type: str = XLSX,
    obj=None,
    subject: str = "",
    action: str = "export",
    inline: bool = False,
    comment: str = "",
    data: dict | None = None,
):
    """A generated file (a printed form, an export) handed to the person asking, with the audit row
    that says who took which personal data when. ``obj`` is the record it is about (None for a
    city-wide export: ``subject`` names it)."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    from mutualaid.models import audit

    audit(actor=request.user, obj=obj, subject=subject, action=action, comment=comment or filename,
          data={"file": filename, **(data or {})})  # fmt: skip
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
