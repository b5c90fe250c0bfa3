"""The money tables get the row triggers of ``0005``: applications (an invoice's amounts live on
the application: due, subsidy, paid, refunded, and the clerk's contact details), payments,
refunds, claims and payout batches. An admin edit, a bulk ``UPDATE`` of ``amount_due`` or
``approved_amount`` or a psql session now leaves a row with the old and new value of every column
it changed, and the person or job behind it.

The services that change these tables already write their own row (a submission with the amount
due, an approval with its amount, a payment with its line). They run under
``mutualaid.audit.recorded_by_service``, which sets ``mutualaid.recorded`` for their transaction,
and these triggers stay quiet while it is on, so the trail holds one row per act, not two. Inserts
stay quiet under ``mark_bulk`` as well (the synthetic demo volume). The roster's lines are not a
money table and stay untracked: a 100,000-line import costs what it cost.

The row's name in the trail is the record's reference (``16-MED-U001-1``), where it has one.
"""

import importlib

from django.db import migrations

_previous = importlib.import_module("mutualaid.migrations.0005_audit_triggers")
_start = _previous.FUNCTIONS.index("CREATE OR REPLACE FUNCTION mutualaid_audit_row()")
_end = _previous.FUNCTIONS.index("CREATE TRIGGER mutualaid_auditlog_append_only")
OLD_FUNCTION = _previous.FUNCTIONS[_start:_end]
_REPR = "row_data ->> 'name', row_data ->> 'username', row_data ->> 'code',"
assert _REPR in OLD_FUNCTION
NEW_FUNCTION = OLD_FUNCTION.replace(_REPR, _REPR + " row_data ->> 'reference',")

# table: (app_label, model, id column, operations, ignored columns, redacted columns)
TRACKED = {
    "enrollment_application": ("enrollment", "application", "id", "IUD", "", ""),
    "enrollment_payment": ("enrollment", "payment", "id", "IUD", "", ""),
    "enrollment_refund": ("enrollment", "refund", "id", "IUD", "", ""),
    "claims_claim": ("claims", "claim", "id", "IUD", "", ""),
    "claims_payoutbatch": ("claims", "payoutbatch", "id", "IUD", "", ""),
}
OPERATIONS = _previous.OPERATIONS
NOT_RECORDED = "coalesce(current_setting('mutualaid.recorded', true), '') <> 'on'"
NOT_BULK = "coalesce(current_setting('mutualaid.bulk', true), '') <> 'on'"


def trigger_sql(table, spec):
    app_label, model, id_column, ops, ignored, redacted = spec
    statements = []
    for op in ops:
        when = NOT_RECORDED
        if op == "U":
            when += " AND OLD.* IS DISTINCT FROM NEW.*"
        elif op == "I":
            when += f" AND {NOT_BULK}"
        statements.append(
            f"CREATE TRIGGER {table}_audit_{OPERATIONS[op].lower()} AFTER {OPERATIONS[op]} ON {table} "
            f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION "
            f"mutualaid_audit_row('{app_label}', '{model}', '{id_column}', '{ignored}', '{redacted}');"
        )
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [
        ("mutualaid", "0005_audit_triggers"),
        ("enrollment", "0007_payments_reconciliation"),
        ("claims", "0004_verbose_names"),
    ]

    operations = [
        migrations.RunSQL(
            NEW_FUNCTION + "\n".join(trigger_sql(table, spec) for table, spec in TRACKED.items()),
            "\n".join(_previous.drop_sql(table, spec) for table, spec in TRACKED.items()) + "\n" + OLD_FUNCTION,
        ),
    ]
