"""The domain model. Importing this package registers every table on `db.metadata`."""

from grants.models.accounts import Role, User, UserSession
from grants.models.applications import (
    PROTECTION_CATEGORIES,
    PSYCHOSOCIAL_CATEGORIES,
    Application,
    ApplicationAnswer,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationStatusChange,
    BudgetCategory,
    BudgetLine,
    Recommendation,
    Review,
    RiskLevel,
)
from grants.models.audit import AuditEvent
from grants.models.awards import (
    Award,
    AwardStatus,
    Disbursement,
    DisbursementStatus,
    PaymentRoute,
    RegrantType,
    Report,
    ReportKind,
    ReportRequirement,
    ReportStatus,
    SubGrant,
    SupportType,
    Tranche,
    TrancheStatus,
)
from grants.models.drafts import FormRescue
from grants.models.funding import Call, CallQuestion, CallStatus, CallText, CallType, Fund
from grants.models.messages import Message
from grants.models.organisations import MemberRole, Membership, Organisation, OrgKind

__all__ = [
    "Application", "ApplicationAnswer", "ApplicationDocument", "ApplicationStatus", "ApplicationStatusChange",
    "AuditEvent", "Award", "AwardStatus", "BudgetCategory", "BudgetLine", "PROTECTION_CATEGORIES", "PSYCHOSOCIAL_CATEGORIES", "Call",
    "CallQuestion", "CallStatus", "CallText", "CallType", "Disbursement",
    "DisbursementStatus", "FormRescue", "Fund", "Membership", "MemberRole", "Message", "Organisation",
    "OrgKind", "PaymentRoute", "Recommendation", "RegrantType", "Report", "ReportKind",
    "ReportRequirement", "ReportStatus", "Review", "RiskLevel", "Role", "SubGrant",
    "SupportType", "Tranche", "TrancheStatus", "User", "UserSession",
]
