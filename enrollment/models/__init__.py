"""Enrollment's models, one module per part of the domain; import them from here.

- ``organisation``: districts, units, members
- ``plans``: periods, plans with their benefit schedule, disease catalogues
- ``applications``: applications, roster lines, coverages, and the files kept on an application
- ``payments``: credits, refunds, the centre's account, bank statements and their lines
- ``registration``: a union registering itself, and its certificates
- ``fields``: how an amount is stored (also used by ``claims``)

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
from enrollment.models.registration import (
    REGISTRATION_REVIEW,
    RegistrationDocument,
    RegistrationDocumentQuerySet,
    RegistrationQuerySet,
    RegistrationStatus,
    UnitRegistration,
    registration_document_path,
)

__all__ = [
    "CENTRE_REVIEW",
    "INVOICE_STATUS_LABELS",
    "LIVE_APPLICATION",
    "MONEY",
    "REGISTRATION_REVIEW",
    "ZERO",
    "Application",
    "ApplicationDocument",
    "ApplicationDocumentKind",
    "ApplicationDocumentQuerySet",
    "ApplicationQuerySet",
    "ApplicationStatus",
    "BankStatement",
    "Catalogue",
    "CatalogueItem",
    "CentreAccount",
    "ComponentKind",
    "Coverage",
    "CoverageQuerySet",
    "CoverageStatus",
    "District",
    "DistrictQuerySet",
    "InvoiceFigures",
    "LineStatus",
    "Member",
    "MemberQuerySet",
    "Payment",
    "PaymentQuerySet",
    "Period",
    "Plan",
    "PlanComponent",
    "PlanKind",
    "PlanLumpSum",
    "PlanTier",
    "Prefecture",
    "PrefectureQuerySet",
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
    "Unit",
    "UnitQuerySet",
    "UnitRegistration",
    "application_document_path",
    "invoice_figures",
    "money_field",
    "registration_document_path",
    "roster_upload_path",
]
