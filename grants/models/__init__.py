"""The domain model. Importing this package registers every table on `db.metadata`."""

from grants.models.accounts import Role, User, UserSession
from grants.models.applications import (
    Application,
    ApplicationAnswer,
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
from grants.models.funding import Call, CallQuestion, CallStatus, CallText, CallType, Fund
from grants.models.messages import Message
from grants.models.organisations import MemberRole, Membership, Organisation, OrgKind

__all__ = [
    "Application", "ApplicationAnswer", "ApplicationStatus", "ApplicationStatusChange",
    "AuditEvent", "Award", "AwardStatus", "BudgetCategory", "BudgetLine", "Call",
    "CallQuestion", "CallStatus", "CallText", "CallType", "Disbursement",
    "DisbursementStatus", "Fund", "Membership", "MemberRole", "Message", "Organisation",
    "OrgKind", "PaymentRoute", "Recommendation", "RegrantType", "Report", "ReportKind",
    "ReportRequirement", "ReportStatus", "Review", "RiskLevel", "Role", "SubGrant",
    "SupportType", "Tranche", "TrancheStatus", "User", "UserSession",
]
