"""What may be asked of the policy: the permissions, and the check a rule is written as.

Rules a service asks with `require_to` are written as checks, each with the reason the
person reads when it fails; `can` asks that all of them pass, `refusal` names the first
that does not.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import NamedTuple


class Permission(enum.Enum):
    # accounts and administration
    MANAGE_USERS = "manage_users"
    DELETE_OWN_ACCOUNT = "delete_own_account"
    VIEW_AUDIT = "view_audit"
    MANAGE_FUNDS = "manage_funds"
    VIEW_FUNDS = "view_funds"
    # organisations
    CREATE_ORGANISATION = "create_organisation"
    VIEW_ORGANISATION = "view_organisation"
    VIEW_ORGANISATION_SENSITIVE = "view_organisation_sensitive"
    VIEW_ORGANISATION_NAME = "view_organisation_name"
    EDIT_ORGANISATION = "edit_organisation"
    VERIFY_ORGANISATION = "verify_organisation"
    LIST_ALL_ORGANISATIONS = "list_all_organisations"
    # calls for proposals
    MANAGE_CALLS = "manage_calls"
    VIEW_CALL = "view_call"
    APPLY_TO_CALL = "apply_to_call"
    # applications
    LIST_ALL_APPLICATIONS = "list_all_applications"
    VIEW_APPLICATION = "view_application"
    VIEW_APPLICATION_SENSITIVE = "view_application_sensitive"
    VIEW_SELF_DESCRIPTION = "view_self_description"
    VIEW_BUDGET_DESCRIPTIONS = "view_budget_descriptions"
    REVEAL_APPLICATION = "reveal_application"
    EDIT_APPLICATION = "edit_application"
    WITHDRAW_APPLICATION = "withdraw_application"
    DELETE_APPLICATION = "delete_application"
    MESSAGE_APPLICATION = "message_application"
    # review and decisions
    VIEW_REVIEW_QUEUE = "view_review_queue"
    ASSIGN_REVIEW = "assign_review"
    DECLARE_CONFLICT = "declare_conflict"
    REVIEW_APPLICATION = "review_application"
    REQUEST_MORE_INFO = "request_more_info"
    DECIDE_APPLICATION = "decide_application"
    # asked of the person being assigned, not of the officer who assigns
    BE_ASSIGNED_OFFICER = "be_assigned_officer"
    BE_ASSIGNED_REVIEWER = "be_assigned_reviewer"
    # awards and their reports
    LIST_ALL_AWARDS = "list_all_awards"
    VIEW_AWARD = "view_award"
    MANAGE_AWARD = "manage_award"
    SECOND_APPROVAL = "second_approval"
    SUBMIT_REPORT = "submit_report"
    # money
    VIEW_LEDGER = "view_ledger"
    SCHEDULE_DISBURSEMENT = "schedule_disbursement"
    MANAGE_DISBURSEMENT = "manage_disbursement"
    VIEW_COUNTRY_CONTEXT = "view_country_context"
    MANAGE_COUNTRY_CONTEXT = "manage_country_context"
    CONNECT_STRIPE = "connect_stripe"
    VIEW_DONATIONS = "view_donations"
    # intermediaries (regranting)
    USE_REGRANTING = "use_regranting"
    MAKE_REGRANTING_AWARD = "make_regranting_award"
    ENDORSE_APPLICATION = "endorse_application"
    VIEW_REGRANTING = "view_regranting"
    MANAGE_SUBGRANTS = "manage_subgrants"
    VIEW_SUBGRANT = "view_subgrant"
    VIEW_UPWARD_REPORT = "view_upward_report"
    MANAGE_INTERMEDIARY_CALLS = "manage_intermediary_calls"
    DECIDE_SUBGRANT_APPLICATION = "decide_subgrant_application"
    # rapid response
    FILE_RAPID_REQUEST = "file_rapid_request"
    INVITE_TO_CALL = "invite_to_call"
    # portfolio reporting, exports and the defenders' voice
    VIEW_PORTFOLIO = "view_portfolio"
    EXPORT_DATA = "export_data"
    EXPORT_OPEN_DATA = "export_open_data"
    SET_PUBLICATION = "set_publication"
    VIEW_CONSULTATIONS = "view_consultations"
    MANAGE_CONSULTATIONS = "manage_consultations"
    VIEW_SURVEY_INVITATION = "view_survey_invitation"
    ANSWER_SURVEY = "answer_survey"
    VIEW_SURVEY_RESULTS = "view_survey_results"
    VIEW_DIRECTORY = "view_directory"
    # security keys (WebAuthn) as a second factor
    MANAGE_SECURITY_KEYS = "manage_security_keys"


class Check(NamedTuple):
    test: Callable
    reason: str  # an English msgid, translated when shown (grants.errors.ServiceError)
    about_person: bool = True  # False: about the object's state, whoever asks


def all_of(*checks: Check) -> Callable:
    """The rule `can` asks: all of the checks pass."""
    return lambda user, obj: all(check.test(user, obj) for check in checks)
