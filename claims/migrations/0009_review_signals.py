"""The reviewers' signals (claims/review_signals.py): invoice numbers as an array with a GIN index,
and the indexes that keep each signal of one claim to index look-ups (payee accounts, members'
bank accounts)."""

from django.db import migrations

SQL = r"""
CREATE OR REPLACE FUNCTION claims_invoice_numbers(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_remove(regexp_split_to_array(upper(btrim($1)), '\s*[,，]\s*'), '') $$;
CREATE INDEX claims_claim_invoice_numbers_gin ON claims_claim USING gin (claims_invoice_numbers(invoice_numbers));
CREATE INDEX claims_claim_payee_account_idx ON claims_claim (payee_account) WHERE payee_account <> '';
CREATE INDEX claims_claim_unit_created_idx ON claims_claim (unit_id, created_at);
CREATE INDEX enrollment_member_bank_account_idx ON enrollment_member (bank_account) WHERE bank_account <> '';
"""
REVERSE = """
DROP INDEX IF EXISTS enrollment_member_bank_account_idx;
DROP INDEX IF EXISTS claims_claim_unit_created_idx;
DROP INDEX IF EXISTS claims_claim_payee_account_idx;
DROP INDEX IF EXISTS claims_claim_invoice_numbers_gin;
DROP FUNCTION IF EXISTS claims_invoice_numbers(text);
"""


class Migration(migrations.Migration):
    dependencies = [("claims", "0008_claim_reference_trigram"), ("enrollment", "0018_dependants_and_addons")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
