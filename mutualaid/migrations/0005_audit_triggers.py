"""The audit trail in the database itself.

1. ``mutualaid_auditlog`` becomes append-only: a trigger refuses every UPDATE and DELETE,
   whoever issues it (the ORM, a bulk update, psql).
2. Configuration and personal data get row triggers that append an audit row with the old
   and new values of each changed column (admin edits, imports, bulk updates alike). The
   actor and the request come from the connection settings ``mutualaid.actor_id`` and
   ``mutualaid.context`` (``mutualaid.audit.acting_as``). Passwords are never copied: a
   change shows as "（已修改）". ``last_login`` changes are not a change of data.
3. Logins, failed logins and reads (downloads, exports, ID reveals) are not about one
   object of a model, so the audit row's object becomes optional.

Inserts are left to the writer's own audit row while its transaction has set ``mutualaid.bulk``
(``mutualaid.audit.mark_bulk``; the roster import, the demo data): 100,000 new members are one
import, not 100,000 lines of history. Updates and deletes are always recorded.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION mutualaid_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '操作记录只能追加，不能修改或删除（%）', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- TG_ARGV: app_label, model, id column, columns to ignore (comma-separated), columns to redact.
CREATE OR REPLACE FUNCTION mutualaid_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP = 'INSERT' THEN '{}'::jsonb ELSE to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP = 'DELETE' THEN '{}'::jsonb ELSE to_jsonb(NEW) END;
    row_data jsonb := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
    ignored text[] := string_to_array(TG_ARGV[3], ',');
    redacted text[] := string_to_array(TG_ARGV[4], ',');
    old_changed jsonb := '{}'::jsonb;
    new_changed jsonb := '{}'::jsonb;
    key text;
    type_id integer;
    actor text := nullif(current_setting('mutualaid.actor_id', true), '');
BEGIN
    FOR key IN SELECT jsonb_object_keys(old_row || new_row) LOOP
        CONTINUE WHEN key = ANY(ignored);
        IF (old_row -> key) IS DISTINCT FROM (new_row -> key) THEN
            IF TG_OP <> 'INSERT' THEN
                old_changed := old_changed || jsonb_build_object(key,
                    CASE WHEN key = ANY(redacted) THEN to_jsonb('（已隐藏）'::text) ELSE old_row -> key END);
            END IF;
            IF TG_OP <> 'DELETE' THEN
                new_changed := new_changed || jsonb_build_object(key,
                    CASE WHEN key = ANY(redacted) THEN to_jsonb('（已修改）'::text) ELSE new_row -> key END);
            END IF;
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND old_changed = '{}'::jsonb THEN
        RETURN NULL;
    END IF;
    SELECT id INTO type_id FROM django_content_type WHERE app_label = TG_ARGV[0] AND model = TG_ARGV[1];
    INSERT INTO mutualaid_auditlog
        (at, actor_id, action, content_type_id, object_id, object_repr, from_state, to_state, comment, data)
    VALUES (
        clock_timestamp(), actor::bigint, 'row_' || lower(TG_OP), type_id, (row_data ->> TG_ARGV[2])::bigint,
        left(coalesce(row_data ->> 'name', row_data ->> 'username', row_data ->> 'code',
                      TG_ARGV[1] || ' ' || (row_data ->> TG_ARGV[2])), 200),
        '', '', '',
        jsonb_build_object('old', old_changed, 'new', new_changed, 'table', TG_TABLE_NAME,
                           'via', coalesce(current_setting('mutualaid.context', true), ''))
    );
    RETURN NULL;
END $$;

CREATE TRIGGER mutualaid_auditlog_append_only BEFORE UPDATE OR DELETE ON mutualaid_auditlog
    FOR EACH ROW EXECUTE FUNCTION mutualaid_append_only();
"""

# table: (app_label, model, id column, operations, ignored columns, redacted columns)
TRACKED = {
    "enrollment_district": ("enrollment", "district", "id", "IUD", "", ""),
    "enrollment_unit": ("enrollment", "unit", "id", "IUD", "", ""),
    "enrollment_member": ("enrollment", "member", "id", "IUD", "", ""),
    "enrollment_period": ("enrollment", "period", "id", "IUD", "", ""),
    "enrollment_plan": ("enrollment", "plan", "id", "IUD", "", ""),
    "enrollment_plantier": ("enrollment", "plantier", "id", "IUD", "", ""),
    "enrollment_planlumpsum": ("enrollment", "planlumpsum", "id", "IUD", "", ""),
    "enrollment_catalogue": ("enrollment", "catalogue", "id", "IUD", "", ""),
    "enrollment_catalogueitem": ("enrollment", "catalogueitem", "id", "IUD", "", ""),
    "enrollment_centreaccount": ("enrollment", "centreaccount", "id", "IUD", "", ""),
    "enrollment_staffprofile": ("mutualaid", "staffprofile", "user_id", "IUD", "", ""),
    "auth_user": ("auth", "user", "id", "IUD", "last_login", "password"),
    "auth_group": ("auth", "group", "id", "IUD", "", ""),
    "auth_user_groups": ("auth", "user", "user_id", "ID", "id", ""),
    "auth_user_user_permissions": ("auth", "user", "user_id", "ID", "id", ""),
    "auth_group_permissions": ("auth", "group", "group_id", "ID", "id", ""),
}
OPERATIONS = {"I": "INSERT", "U": "UPDATE", "D": "DELETE"}


def trigger_sql(table, spec):
    app_label, model, id_column, ops, ignored, redacted = spec
    statements = []
    for op in ops:
        name = f"{table}_audit_{OPERATIONS[op].lower()}"
        when = ""
        if op == "U":
            when = "WHEN (OLD.* IS DISTINCT FROM NEW.*)"
        elif op == "I":
            when = "WHEN (coalesce(current_setting('mutualaid.bulk', true), '') <> 'on')"
        statements.append(
            f"CREATE TRIGGER {name} AFTER {OPERATIONS[op]} ON {table} FOR EACH ROW {when} "
            f"EXECUTE FUNCTION mutualaid_audit_row('{app_label}', '{model}', '{id_column}', '{ignored}', '{redacted}');"
        )
    return "\n".join(statements)


def drop_sql(table, spec):
    return "\n".join(f"DROP TRIGGER IF EXISTS {table}_audit_{OPERATIONS[op].lower()} ON {table};" for op in spec[3])


class Migration(migrations.Migration):
    dependencies = [
        ("mutualaid", "0004_documents_registration"),
        ("enrollment", "0007_payments_reconciliation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="content_type",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to="contenttypes.contenttype"
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="object_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["actor", "at"], name="mutualaid_a_actor_i_at_idx"),
        ),
        migrations.RunSQL(
            FUNCTIONS + "\n".join(trigger_sql(table, spec) for table, spec in TRACKED.items()),
            "\n".join(drop_sql(table, spec) for table, spec in TRACKED.items())
            + "\nDROP TRIGGER IF EXISTS mutualaid_auditlog_append_only ON mutualaid_auditlog;"
            + "\nDROP FUNCTION IF EXISTS mutualaid_audit_row(); DROP FUNCTION IF EXISTS mutualaid_append_only();",
        ),
    ]
