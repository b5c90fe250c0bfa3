"""Enrollment's models, one module per part of the domain; import them from here.

- ``organisation``: districts, units, members
- ``plans``: periods, plans with their benefit schedule, disease catalogues
- ``applications``: applications, roster lines, coverages, and the files kept on an application
- ``payments``: credits, refunds, the centre's account, bank statements and their lines, cash deposits
- ``receipts``: receipts and the centre's numbering of them
- ``registration``: a union registering itself, and its certificates
- ``funding``: who pays an application's premium (the ways and the payers, §14)
- ``fields``: how an amount is stored (also used by ``claims``)
- ``summary``: the statistics' figures per plan and district, kept by ``enrollment.summary``

Migrations name the upload paths as ``enrollment.models.<function>``, so those stay exported too.
"""

from enrollment.models.applications import (
    CENTRE_REVIEW,
    INVOICE_STATUS_LABELS,
    LIVE_APPLICATION,
    Application,
    ApplicationDocument,
    ApplicationDocumentKind,
    ApplicationDocumentQuerySet,
    ApplicationQuerySet,
    ApplicationStatus,
    Coverage,
    CoverageQuerySet,
    CoverageStatus,
    HistoryImport,
    HistoryKind,
    InvoiceFigures,
    RosterLine,
    RosterUpload,
    RosterUploadKind,
    RosterUploadQuerySet,
    application_document_path,
    invoice_figures,
    roster_upload_path,
)
from enrollment.models.fields import MONEY, ZERO, money_field
from enrollment.models.funding import FUNDING_PAYERS, PAYER_SUFFIX, SUFFIX_PAYER, FundingWay, PayerKind
from enrollment.models.organisation import (
    District,
    DistrictQuerySet,
    Member,
    MemberQuerySet,
    Prefecture,
    PrefectureQuerySet,
    Sex,
    Unit,
    UnitQuerySet,
)
from enrollment.models.payments import (
    BankStatement,
    CashDeposit,
    CashDepositQuerySet,
    CentreAccount,
    LineStatus,
    Payment,
    PaymentQuerySet,
    Refund,
    StatementLine,
)
from enrollment.models.plans import (
    Catalogue,
    CatalogueItem,
    ComponentKind,
    Period,
    Plan,
    PlanComponent,
    PlanKind,
    PlanLumpSum,
    PlanTier,
)
from enrollment.models.receipts import (
    Receipt,
    ReceiptCounter,
    ReceiptQuerySet,
    ReceiptSeries,
    ReceiptStatus,
    receipt_token,
)
from enrollment.models.registration import (
    REGISTRATION_REVIEW,
    RegistrationDocument,
    RegistrationDocumentQuerySet,
    RegistrationQuerySet,
    RegistrationStatus,
    UnitRegistration,
    registration_document_path,
)
from enrollment.models.summary import OfficeUnitSummary, PlanDistrictSummary, SummaryQuerySet

__all__ = [
    "CENTRE_REVIEW",
    "FUNDING_PAYERS",
    "INVOICE_STATUS_LABELS",
    "LIVE_APPLICATION",
    "MONEY",
    "PAYER_SUFFIX",
    "REGISTRATION_REVIEW",
    "SUFFIX_PAYER",
    "ZERO",
    "Application",
    "ApplicationDocument",
    "ApplicationDocumentKind",
    "ApplicationDocumentQuerySet",
    "ApplicationQuerySet",
    "ApplicationStatus",
    "BankStatement",
    "CashDeposit",
    "CashDepositQuerySet",
    "Catalogue",
    "CatalogueItem",
    "CentreAccount",
    "ComponentKind",
    "Coverage",
    "CoverageQuerySet",
    "CoverageStatus",
    "District",
    "DistrictQuerySet",
    "FundingWay",
    "HistoryImport",
    "HistoryKind",
    "InvoiceFigures",
    "LineStatus",
    "Member",
    "MemberQuerySet",
    "OfficeUnitSummary",
    "PayerKind",
    "Payment",
    "PaymentQuerySet",
    "Period",
    "Plan",
    "PlanComponent",
    "PlanDistrictSummary",
    "PlanKind",
    "PlanLumpSum",
    "PlanTier",
    "Prefecture",
    "PrefectureQuerySet",
    "Receipt",
    "ReceiptCounter",
    "ReceiptQuerySet",
    "ReceiptSeries",
    "ReceiptStatus",
    "Refund",
    "RegistrationDocument",
    "RegistrationDocumentQuerySet",
    "RegistrationQuerySet",
    "RegistrationStatus",
    "RosterLine",
    "RosterUpload",
    "RosterUploadKind",
    "RosterUploadQuerySet",
    "Sex",
    "StatementLine",
    "SummaryQuerySet",
    "Unit",
    "UnitQuerySet",
    "UnitRegistration",
    "application_document_path",
    "invoice_figures",
    "money_field",
    "receipt_token",
    "registration_document_path",
    "roster_upload_path",
]
