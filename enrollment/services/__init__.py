"""Enrollment's use cases, one module per entity, each function ``<entity>_<action>``:

- ``applications``: create and edit a draft, attach papers, submit, review at each stage, withdraw;
- ``rosters``: import a roster file, add a person typed in, renew last period's list;
- ``periods``: copy a period with its plans, export and import a period's plans as JSON;
- ``registrations``: a union registers, its district office approves; the unit's details, its clerk;
- ``members``: the payout account and the mobile number the unit's clerk records;
- ``coverages``: when a coverage pays (waiting ends per share group) and the last day to claim;
- ``payments``: bank statements matched to invoices, the manual queue, undo, refunds, and the
  coverages that start once an approved invoice is paid;
- ``payers``: each payer's part of an invoice (what it owes, paid, got back; its reference);
- ``receipts``: the receipt issued when a payer's part (the invoice, one payer) is paid in full, voided and reissued on a refund;
- ``deposits``: cash a unit without a corporate account pays in at the bank, with its stamped proof.

Every entry point takes keyword arguments with the ``actor`` (a registration's anonymous steps have
none), runs in its own transaction (``transaction.atomic(durable=True)``: no caller wraps it in
another; a use case that runs inside another's calls its helper, e.g. ``draft_create``) and writes
its audit rows. Callers write ``from enrollment import services`` and ``services.application_submit(...)``.
"""

from enrollment.services.applications import (
    application_attach,
    application_centre_approve,
    application_create,
    application_district_approve,
    application_reject,
    application_remove_line,
    application_return,
    application_set_all_shares,
    application_set_funding,
    application_set_shares,
    application_submit,
    application_update,
    application_withdraw,
    declared_changes,
    funding_parts,
    roster_share_problem,
)
from enrollment.services.coverages import claim_deadline, share_groups, waiting_ends, waiting_words
from enrollment.services.deposits import deposit_record
from enrollment.services.members import member_set_bank_account, member_set_phone
from enrollment.services.payers import PayerPart, payer_part, payer_parts, payer_parts_many
from enrollment.services.payments import (
    line_candidates,
    line_deposits,
    line_match,
    line_not_ours,
    line_split,
    open_deposits,
    open_invoices,
    payment_undo,
    refund_record,
    statement_import,
)
from enrollment.services.periods import period_copy, period_copy_defaults, period_plans_export, period_plans_import
from enrollment.services.receipts import receipt_issue_many, receipt_reissue, receipt_series
from enrollment.services.registrations import (
    clerk_first_password_issue,
    registration_approve,
    registration_conflicts,
    registration_resubmit,
    registration_return,
    registration_same_name_units,
    registration_submit,
    unit_update,
)
from enrollment.services.rosters import roster_add_person, roster_diff, roster_import, roster_renew

__all__ = [
    "PayerPart",
    "application_attach",
    "application_centre_approve",
    "application_create",
    "application_district_approve",
    "application_reject",
    "application_remove_line",
    "application_return",
    "application_set_all_shares",
    "application_set_funding",
    "application_set_shares",
    "application_submit",
    "application_update",
    "application_withdraw",
    "claim_deadline",
    "clerk_first_password_issue",
    "declared_changes",
    "deposit_record",
    "funding_parts",
    "line_candidates",
    "line_deposits",
    "line_match",
    "line_not_ours",
    "line_split",
    "member_set_bank_account",
    "member_set_phone",
    "open_deposits",
    "open_invoices",
    "payer_part",
    "payer_parts",
    "payer_parts_many",
    "payment_undo",
    "period_copy",
    "period_copy_defaults",
    "period_plans_export",
    "period_plans_import",
    "receipt_issue_many",
    "receipt_reissue",
    "receipt_series",
    "refund_record",
    "registration_approve",
    "registration_conflicts",
    "registration_resubmit",
    "registration_return",
    "registration_same_name_units",
    "registration_submit",
    "roster_add_person",
    "roster_diff",
    "roster_import",
    "roster_renew",
    "roster_share_problem",
    "share_groups",
    "statement_import",
    "unit_update",
    "waiting_ends",
    "waiting_words",
]
