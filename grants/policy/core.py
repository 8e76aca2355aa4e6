"""Who may do what to which object: the one authorization module.

Views, templates and services all ask `can(user, Permission.X, obj)`. A view that cannot
show an object to a user answers 404 (the object's existence is itself information);
one that can show it but not act on it answers 403. A service asks
`require_to(actor, Permission.X, obj)`, which refuses with a reason the person can read
(a ServiceError). No role checks live anywhere else; which statuses allow what lives on the
status enums (ApplicationStatus.EDITABLE, ...).

Nothing here runs at import time: `init_app` (called by the factory) hooks the per-request
answer kept by `assignment` to the session's events.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort, g, has_request_context
from flask_login import current_user
from sqlalchemy.orm import Session

from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Call,
    CallStatus,
    CallType,
    Disbursement,
    Membership,
    Organisation,
    OrgKind,
    ReportRequirement,
    Review,
    Role,
    Tranche,
    TrancheStatus,
    User,
)
from grants.security import reveal


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


# Those who act for a group: its members applying, an intermediary's staff for their own
# organisation and the defenders it files for. The funder's staff are the other roles.
GROUP_ROLES = frozenset({Role.APPLICANT, Role.INTERMEDIARY})
# Who carries an application to a decision, and who reviews one: the lists an officer
# assigns from hold these roles' active accounts.
OFFICER_ROLES = (Role.OFFICER,)
STAFF_REVIEWERS = (Role.REVIEWER, Role.OFFICER)


def _role(user) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def acts_for_a_group(user) -> bool:
    """Whether `user` works for a group (its home lists that work), not for the funder."""
    return _role(user) in GROUP_ROLES


def owns_what_it_creates(user) -> bool:
    """Whether the creator of an organisation becomes its owner: an applicant does; an admin
    sets one up without joining it."""
    return _role(user) == Role.APPLICANT


def is_member(user, org: Organisation, *, owner: bool = False) -> bool:
    """True if `user` belongs to `org` (as owner, when asked)."""
    for m in user.memberships:
        if m.organisation_id == org.id:
            return not owner or m.role.value == "owner"
    return False


def _member_of_id(user, org_id: int) -> bool:
    return any(m.organisation_id == org_id for m in user.memberships)


def _has_role(*roles: Role) -> Callable:
    return lambda user, obj: _role(user) in roles


def _view_org(user, org: Organisation) -> bool:
    if _role(user) in (Role.OFFICER, Role.ADMIN):
        return True
    return _role(user) is not None and is_member(user, org)


def _view_org_sensitive(user, org: Organisation) -> bool:
    # Contact and identity details: the group itself and program officers, not admins;
    # an officer reveals a group at high risk first (grants/security/reveal.py).
    if _role(user) == Role.OFFICER:
        return not reveal.org_at_high_risk(org) or reveal.org_revealed(user, org)
    return _role(user) is not None and is_member(user, org)


def _view_org_name(user, org: Organisation) -> bool:
    # Staff see a group at high risk by a code name until an officer reveals one of its
    # applications (admins cannot reveal). Its members, and those shown the group for their
    # task (a reviewer declaring a conflict), see its name.
    if _role(user) in (Role.OFFICER, Role.ADMIN) and not is_member(user, org):
        return reveal.hidden_code(user, org) is None
    return True


def _edit_org(user, org: Organisation) -> bool:
    # Only the group's own owners; admins verify but do not rewrite a group's details.
    return _role(user) in GROUP_ROLES and is_member(user, org, owner=True)


def _create_org(user, kind: OrgKind | None) -> bool:
    # Applicants create their own group; intermediary organisations are set up by an admin.
    # Without a kind: whether the user creates organisations at all.
    if kind == OrgKind.INTERMEDIARY and _role(user) != Role.ADMIN:
        return False
    return _role(user) in (Role.APPLICANT, Role.ADMIN)


def _verify_org(user, org: Organisation) -> bool:
    return _role(user) == Role.ADMIN or (
        _role(user) == Role.OFFICER and org.kind != OrgKind.INTERMEDIARY
    )


def _view_call(user, call: Call) -> bool:
    # Open and closed calls are public; drafts only to those who manage calls.
    return call.status != CallStatus.DRAFT or _manage_calls(user, call)


def _manage_calls(user, call: Call | None) -> bool:
    # An intermediary's own call is set up by its staff alone (its applicants are theirs).
    if call is not None and call.intermediary_id is not None:
        return _intermediary_staff(user, call.intermediary_id)
    return _role(user) in (Role.OFFICER, Role.ADMIN)


def _apply(user, call: Call) -> bool:
    return _role(user) == Role.APPLICANT and call.status == CallStatus.OPEN


def _applicant_side(user, application: Application) -> bool:
    # A request filed for a defender belongs to the partner that filed it, intermediaries too.
    partner = application.on_behalf and _role(user) == Role.INTERMEDIARY
    return (_role(user) == Role.APPLICANT or partner) \
        and is_member(user, application.organisation)


def _view_self_description(user, application: Application) -> bool:
    # The group's own people are the only ones who see how it describes itself (IV.2): not
    # its officers, nor a partner that filed a request on a defender's behalf.
    return _role(user) == Role.APPLICANT and is_member(user, application.organisation)


def assignment(user, application: Application) -> Review | None:
    """The user's review assignment on the application, if any.

    A page asks it several times (may view, may manage, the thread, the open-data panel):
    within a request the answer is kept until the session next flushes, commits or rolls
    back, and asked afresh whenever something is pending (the query would flush it first).
    """
    session = db.session
    if not has_request_context() or session.new or session.dirty or session.deleted:
        return _assignment(user.id, application.id)
    kept = g.setdefault("_assignments", {})
    key = (user.id, application.id)
    if key not in kept:
        kept[key] = _assignment(user.id, application.id)
    return kept[key]


def _assignment(user_id: int, application_id: int) -> Review | None:
    return db.session.scalar(_assignment_statement(), {"a": application_id, "u": user_id})


@functools.cache
def _assignment_statement():
    return sa.select(Review).where(Review.application_id == sa.bindparam("a"),
                                   Review.reviewer_id == sa.bindparam("u"))


def _forget_assignments(*_args) -> None:
    if has_request_context():
        g.pop("_assignments", None)


_FORGET_ON = ("after_flush", "after_commit", "after_rollback", "after_soft_rollback")


def init_app(app) -> None:
    """Forget the answers `assignment` keeps for a request whenever the session flushes,
    commits or rolls back. The hook is on every Session, so it is added once however many
    apps are made (the tests make one per test)."""
    for event in _FORGET_ON:
        if not sa.event.contains(Session, event, _forget_assignments):
            sa.event.listen(Session, event, _forget_assignments)


def _conflicted(user, application: Application) -> bool:
    review = assignment(user, application)
    return review is not None and review.conflict_declared


def _view_application(user, application: Application) -> bool:
    if _applicant_side(user, application):
        return True
    if application.status in ApplicationStatus.UNSENT:
        return False  # a draft is the applicant's own until they send it
    if application.call.intermediary_id is not None:
        # Sent to an intermediary's own call: a sub-grantee's data stays with that
        # intermediary; the funder sees aggregates only.
        return _role(user) == Role.INTERMEDIARY and _member_of_id(
            user, application.call.intermediary_id)
    if _role(user) == Role.INTERMEDIARY:
        # Routed through an intermediary: its staff read it to endorse and follow it.
        return application.intermediary_id is not None and _member_of_id(
            user, application.intermediary_id)
    if _role(user) == Role.OFFICER:
        return not _conflicted(user, application)  # a declared conflict hides it
    if _role(user) == Role.REVIEWER:
        review = assignment(user, application)
        return review is not None and review.declared_at is not None \
            and not review.conflict_declared
    return False


def _view_application_sensitive(user, application: Application) -> bool:
    # Threats and safe contacts: the group and its officers; reviewers score the proposal.
    # An officer reveals a high-risk application first, which is logged.
    if _role(user) == Role.REVIEWER or not _view_application(user, application):
        return False
    if _role(user) == Role.OFFICER:
        return not reveal.needs_reveal(application) or reveal.revealed(user, application)
    return True


def _view_budget_descriptions(user, obj: Application | Award) -> bool:
    # What a budget line pays for can say where a defender is ("safe house in <town>"): for
    # an application that needs the reveal, and the award made of it, it is as sensitive
    # as its threats. Category, year and amount stay in view.
    application = obj.application if isinstance(obj, Award) else obj
    if application is None:  # an award made without an application: its group's rule
        return _view_org_name(user, obj.organisation)
    return not reveal.needs_reveal(application) \
        or _view_application_sensitive(user, application)


def _reveal(user, application: Application) -> bool:
    return _role(user) == Role.OFFICER and _view_application(user, application)


def _view_review_queue(user, obj) -> bool:
    return _role(user) in (Role.OFFICER, Role.REVIEWER)


# Rules a service asks with `require_to` are written as checks, each with the reason the
# person reads when it fails; `can` asks that all of them pass, `refusal` names the first
# that does not.

class Check(NamedTuple):
    test: Callable
    reason: str  # an English msgid, translated when shown (grants.errors.ServiceError)
    about_person: bool = True  # False: about the object's state, whoever asks


def _all(*checks: Check) -> Callable:
    return lambda user, obj: all(check.test(user, obj) for check in checks)


def _open_for_review(user, application: Application) -> bool:
    return application.status in ApplicationStatus.REVIEWABLE


def _may_answer_conflict(user, application: Application) -> bool:
    if _role(user) not in STAFF_REVIEWERS:
        return False
    # An officer may step away from any application they could decide, assigned or not.
    return assignment(user, application) is not None or _role(user) == Role.OFFICER


def _not_answered_yet(user, application: Application) -> bool:
    review = assignment(user, application)
    return review is None or review.declared_at is None


def _cleared_to_review(user, application: Application) -> bool:
    review = assignment(user, application) if _role(user) in STAFF_REVIEWERS else None
    return review is not None and review.declared_at is not None \
        and not review.conflict_declared


def _active_as(*roles: Role) -> Callable:
    # Asked of a person being chosen: an account closed since the list was shown is refused
    # as not on the list, before anything else about them.
    return lambda user, obj: _role(user) in roles and user.is_active


def _not_conflicted(user, application: Application) -> bool:
    return not _conflicted(user, application)


def _waits_for_decision(user, application: Application) -> bool:
    return application.status in ApplicationStatus.DECIDABLE


_NOT_OPEN_FOR_REVIEW = Check(_open_for_review,
                             N_("This application is no longer open for review."), False)
_CHECKS: dict[Permission, tuple[Check, ...]] = {
    Permission.DELETE_OWN_ACCOUNT: (
        # Applicants erase their own account; staff accounts are closed by an admin.
        Check(_has_role(Role.APPLICANT), N_("Staff accounts are closed by an administrator.")),
    ),
    Permission.DECLARE_CONFLICT: (
        _NOT_OPEN_FOR_REVIEW,
        Check(_may_answer_conflict, N_("You are not assigned to review this application.")),
        Check(_not_answered_yet,
              N_("You have already answered this question for this application.")),
    ),
    Permission.REVIEW_APPLICATION: (
        _NOT_OPEN_FOR_REVIEW,
        Check(_cleared_to_review, N_("You cannot review this application.")),
    ),
    Permission.DECIDE_APPLICATION: (
        Check(_has_role(Role.OFFICER),
              N_("Only a programme officer can decide on an application.")),
        Check(_not_conflicted, N_("You declared a conflict of interest on this application: "
                                  "another officer must decide.")),
        Check(_waits_for_decision, N_("This application is not waiting for a decision."),
              False),
    ),
    Permission.BE_ASSIGNED_OFFICER: (
        Check(_active_as(*OFFICER_ROLES), N_("Choose a programme officer from the list.")),
        Check(_not_conflicted,
              N_("This officer declared a conflict of interest on this application.")),
    ),
    Permission.BE_ASSIGNED_REVIEWER: (
        Check(_active_as(*STAFF_REVIEWERS), N_("Choose a reviewer from the list.")),
    ),
}


def _award_member(user, award: Award) -> bool:
    return _role(user) == Role.APPLICANT and is_member(user, award.organisation)


def _award_officer(user, award: Award) -> bool:
    """An officer, unless they declared a conflict on the application the award came from."""
    return _role(user) == Role.OFFICER and not (
        award.application is not None and _conflicted(user, award.application))


def _view_award(user, award: Award) -> bool:
    if _role(user) == Role.OFFICER:
        return _award_officer(user, award)
    # The group sees an award once it was approved (not one that waits or was never made).
    return _award_member(user, award) and award.approved_at is not None


def _manage_award(user, award: Award) -> bool:
    return _award_officer(user, award)


def _second_approval(user, award: Award) -> bool:
    return _award_officer(user, award) and award.status == AwardStatus.PENDING_APPROVAL \
        and award.decided_by_id != user.id


def _schedule_disbursement(user, tranche: Tranche) -> bool:
    # Money goes out of a released tranche of an active award, by an officer without a
    # conflict on it; the ledger's service enforces the amounts.
    return _award_officer(user, tranche.award) and tranche.status == TrancheStatus.RELEASED \
        and tranche.award.status == AwardStatus.ACTIVE


def _manage_disbursement(user, disbursement: Disbursement) -> bool:
    return _award_officer(user, disbursement.tranche.award)


def _connect_stripe(user, org: Organisation) -> bool:
    # A group sets up where it is paid itself; nobody else creates its account.
    return _role(user) in GROUP_ROLES and is_member(user, org, owner=True)


def _submit_report(user, requirement: ReportRequirement) -> bool:
    award = requirement.award
    return _award_member(user, award) and award.status == AwardStatus.ACTIVE


def _edit_application(user, application: Application) -> bool:
    return _applicant_side(user, application) and application.status in ApplicationStatus.EDITABLE


def _withdraw_application(user, application: Application) -> bool:
    return _applicant_side(user, application) \
        and application.status in ApplicationStatus.WITHDRAWABLE


def _delete_application(user, application: Application) -> bool:
    return _applicant_side(user, application) and application.status == ApplicationStatus.DRAFT


def _message_application(user, application: Application) -> bool:
    # The thread is between the group and its officers; reviewers do not write there.
    return _role(user) != Role.REVIEWER and _view_application(user, application) \
        and application.status not in ApplicationStatus.UNSENT


# Intermediaries ------------------------------------------------------------------------------
# An intermediary's staff see their own organisation's regranting only (tenant isolation);
# the funder's officers see a regranting award's aggregate upward report, never its
# sub-grantees.

def _intermediary_staff(user, org_id: int | None) -> bool:
    return _role(user) == Role.INTERMEDIARY and org_id is not None and _member_of_id(user, org_id)


def _endorse(user, application: Application) -> bool:
    return _intermediary_staff(user, application.intermediary_id) \
        and application.status == ApplicationStatus.AWAITING_ENDORSEMENT


def _is_regranting(award: Award) -> bool:
    return award.regranting_minor is not None and award.approved_at is not None


def _view_regranting(user, award: Award) -> bool:
    return _is_regranting(award) and _intermediary_staff(user, award.organisation_id)


def _manage_subgrants(user, award: Award) -> bool:
    return _view_regranting(user, award) and award.status == AwardStatus.ACTIVE


def _view_subgrant(user, sub_grant) -> bool:
    return _intermediary_staff(user, sub_grant.intermediary_id)


def _view_upward_report(user, award: Award) -> bool:
    if _role(user) == Role.OFFICER:
        return _is_regranting(award) and _award_officer(user, award)
    return _view_regranting(user, award)


def _decide_subgrant_application(user, application: Application) -> bool:
    return _intermediary_staff(user, application.call.intermediary_id) \
        and application.status in ApplicationStatus.DECIDABLE


# Rapid response --------------------------------------------------------------------------------
# A defender files for themselves (as an applicant); a trusted partner organisation (a
# registered NGO or an intermediary) may file for a defender, recorded as on their behalf.

PARTNER_KINDS = frozenset({OrgKind.REGISTERED_NGO, OrgKind.INTERMEDIARY})


def _takes_rapid(call: Call) -> bool:
    return call.status == CallStatus.OPEN and call.call_type == CallType.RAPID_RESPONSE \
        and call.intermediary_id is None


def _file_rapid(user, call: Call | None) -> bool:
    # Without a call: whether this user files emergency requests at all (the menu asks).
    if call is None:
        return _role(user) in GROUP_ROLES
    return _role(user) in GROUP_ROLES and _takes_rapid(call)


def may_file_for_others(user, org: Organisation) -> bool:
    """A member of a partner organisation may file a request on a defender's behalf."""
    return org.kind in PARTNER_KINDS and is_member(user, org)


def _invite(user, application: Application) -> bool:
    """An officer who sees an emergency request that was approved may invite its group to a
    longer-term call."""
    return _role(user) == Role.OFFICER and application.rapid_category is not None \
        and application.status == ApplicationStatus.APPROVED \
        and not _conflicted(user, application)


# Reporting and the defenders' voice ------------------------------------------------------------
# Portfolio figures and consultations are for the funder's staff; the survey belongs to the
# group it was offered to; the peer directory to grantees who opted in themselves.

def _offered_survey(user, invitation) -> bool:
    # Only its group's members learn the invitation exists (the funder's staff never answer
    # for a group; an intermediary's staff answer for their own organisation).
    return _role(user) in GROUP_ROLES and _member_of_id(user, invitation.organisation_id)


def _answer_survey(user, invitation) -> bool:
    return _offered_survey(user, invitation) and not invitation.closed


def directory_organisations(user) -> list[int]:
    """Ids of `user`'s organisations that are grantees (an approved award) and opted in."""
    org_ids = [m.organisation_id for m in user.memberships]
    if not org_ids:
        return []
    return list(db.session.scalars(_directory_statement(), {"ids": org_ids}))


@functools.cache
def _directory_statement():
    # Asked by the menu on every page of a group's member: built once.
    return sa.select(Organisation.id).where(
        Organisation.id.in_(sa.bindparam("ids", expanding=True)),
        Organisation.directory_opt_in.is_(True),
        sa.exists().where(Award.organisation_id == Organisation.id,
                          Award.approved_at.is_not(None))).order_by(Organisation.id)


def _view_directory(user, obj) -> bool:
    if _role(user) not in GROUP_ROLES:
        return False
    if not has_request_context():
        return bool(directory_organisations(user))
    # Asked on every page (the menu): once per request.
    cache = g.setdefault("_directory_access", {})
    if user.id not in cache:
        cache[user.id] = bool(directory_organisations(user))
    return cache[user.id]


_RULES: dict[Permission, Callable] = {
    Permission.MANAGE_USERS: _has_role(Role.ADMIN),
    Permission.DELETE_OWN_ACCOUNT: _all(*_CHECKS[Permission.DELETE_OWN_ACCOUNT]),
    Permission.VIEW_AUDIT: _has_role(Role.ADMIN),
    Permission.MANAGE_FUNDS: _has_role(Role.ADMIN),
    Permission.VIEW_FUNDS: _has_role(Role.ADMIN, Role.OFFICER),
    Permission.CREATE_ORGANISATION: _create_org,
    Permission.VIEW_ORGANISATION: _view_org,
    Permission.VIEW_ORGANISATION_SENSITIVE: _view_org_sensitive,
    Permission.VIEW_ORGANISATION_NAME: _view_org_name,
    Permission.VIEW_BUDGET_DESCRIPTIONS: _view_budget_descriptions,
    Permission.EDIT_ORGANISATION: _edit_org,
    Permission.VERIFY_ORGANISATION: _verify_org,
    Permission.LIST_ALL_ORGANISATIONS: _has_role(Role.ADMIN, Role.OFFICER),
    Permission.MANAGE_CALLS: _manage_calls,
    Permission.VIEW_CALL: _view_call,
    Permission.APPLY_TO_CALL: _apply,
    Permission.LIST_ALL_APPLICATIONS: _has_role(Role.OFFICER),
    Permission.VIEW_APPLICATION: _view_application,
    Permission.VIEW_APPLICATION_SENSITIVE: _view_application_sensitive,
    Permission.VIEW_SELF_DESCRIPTION: _view_self_description,
    Permission.REVEAL_APPLICATION: _reveal,
    Permission.EDIT_APPLICATION: _edit_application,
    Permission.WITHDRAW_APPLICATION: _withdraw_application,
    Permission.DELETE_APPLICATION: _delete_application,
    Permission.MESSAGE_APPLICATION: _message_application,
    Permission.VIEW_REVIEW_QUEUE: _view_review_queue,
    Permission.ASSIGN_REVIEW: _has_role(Role.OFFICER),
    Permission.DECLARE_CONFLICT: _all(*_CHECKS[Permission.DECLARE_CONFLICT]),
    Permission.REVIEW_APPLICATION: _all(*_CHECKS[Permission.REVIEW_APPLICATION]),
    # Asking for more is a step towards the decision: the same officer, at the same stage.
    Permission.REQUEST_MORE_INFO: _all(*_CHECKS[Permission.DECIDE_APPLICATION]),
    Permission.DECIDE_APPLICATION: _all(*_CHECKS[Permission.DECIDE_APPLICATION]),
    Permission.BE_ASSIGNED_OFFICER: _all(*_CHECKS[Permission.BE_ASSIGNED_OFFICER]),
    Permission.BE_ASSIGNED_REVIEWER: _all(*_CHECKS[Permission.BE_ASSIGNED_REVIEWER]),
    Permission.LIST_ALL_AWARDS: _has_role(Role.OFFICER),
    Permission.VIEW_AWARD: _view_award,
    Permission.MANAGE_AWARD: _manage_award,
    Permission.SECOND_APPROVAL: _second_approval,
    Permission.SUBMIT_REPORT: _submit_report,
    Permission.VIEW_LEDGER: _has_role(Role.OFFICER),
    Permission.SCHEDULE_DISBURSEMENT: _schedule_disbursement,
    Permission.MANAGE_DISBURSEMENT: _manage_disbursement,
    Permission.VIEW_COUNTRY_CONTEXT: _has_role(Role.OFFICER, Role.ADMIN),
    Permission.MANAGE_COUNTRY_CONTEXT: _has_role(Role.ADMIN),
    Permission.CONNECT_STRIPE: _connect_stripe,
    Permission.VIEW_DONATIONS: _has_role(Role.OFFICER, Role.ADMIN),
    Permission.USE_REGRANTING: _has_role(Role.INTERMEDIARY),
    Permission.MAKE_REGRANTING_AWARD: _has_role(Role.OFFICER),
    Permission.ENDORSE_APPLICATION: _endorse,
    Permission.VIEW_REGRANTING: _view_regranting,
    Permission.MANAGE_SUBGRANTS: _manage_subgrants,
    Permission.VIEW_SUBGRANT: _view_subgrant,
    Permission.VIEW_UPWARD_REPORT: _view_upward_report,
    Permission.MANAGE_INTERMEDIARY_CALLS: _manage_subgrants,
    Permission.DECIDE_SUBGRANT_APPLICATION: _decide_subgrant_application,
    Permission.FILE_RAPID_REQUEST: _file_rapid,
    Permission.INVITE_TO_CALL: _invite,
    Permission.VIEW_PORTFOLIO: _has_role(Role.OFFICER, Role.ADMIN),
    Permission.EXPORT_DATA: _has_role(Role.OFFICER),
    Permission.EXPORT_OPEN_DATA: _has_role(Role.OFFICER, Role.ADMIN),
    Permission.SET_PUBLICATION: _manage_award,
    Permission.VIEW_CONSULTATIONS: _has_role(Role.OFFICER, Role.ADMIN),
    Permission.MANAGE_CONSULTATIONS: _has_role(Role.OFFICER),
    Permission.VIEW_SURVEY_INVITATION: _offered_survey,
    Permission.ANSWER_SURVEY: _answer_survey,
    Permission.VIEW_SURVEY_RESULTS: _has_role(Role.OFFICER, Role.ADMIN),
    Permission.VIEW_DIRECTORY: _view_directory,
    Permission.MANAGE_SECURITY_KEYS: lambda user, obj: _role(user) is not None,
}


def can(user, permission: Permission, obj=None) -> bool:
    """Answer whether `user` may exercise `permission` on `obj` (None for global ones)."""
    if permission is Permission.VIEW_CALL and _role(user) is None:
        return obj is not None and obj.status != CallStatus.DRAFT  # calls are public
    if permission is Permission.FILE_RAPID_REQUEST and _role(user) is None:
        # A defender without an account files in one visit: the form makes the account.
        return obj is not None and _takes_rapid(obj)
    if _role(user) is None or not user.is_active:
        return False
    return bool(_RULES[permission](user, obj))


def refusal(user, permission: Permission, obj=None) -> str | None:
    """Why `user` may not exercise `permission` on `obj`: the reason of its first check that
    fails, for the person to read (English; ServiceError translates it). None if they may.
    Only for the permissions written as checks (_CHECKS): those a service asks."""
    checks = _CHECKS[permission]
    # An account that is not signed in or not active is refused as one without the role.
    as_nobody = next(check.reason for check in checks if check.about_person)
    if _role(user) is None:
        return as_nobody
    failed = next((check.reason for check in checks if not check.test(user, obj)), None)
    return failed if failed is not None or user.is_active else as_nobody


def require_to(actor, permission: Permission, obj=None, *, field: str | None = None) -> None:
    """For services: raise ServiceError with the reason `actor` reads (about the form's
    `field`, if given) unless they may exercise `permission` on `obj`."""
    reason = refusal(actor, permission, obj)
    if reason is not None:
        raise ServiceError(reason, field)


def require(permission: Permission, obj=None, *, visible: Permission | None = None) -> None:
    """Abort 404 if `obj` may not even be seen (per `visible`), 403 if it may not be acted on."""
    if visible is not None and not can(current_user, visible, obj):
        abort(404)
    if not can(current_user, permission, obj):
        abort(403)


__all__ = ["Permission", "can", "require", "require_to", "refusal", "is_member", "Membership",
           "User"]
