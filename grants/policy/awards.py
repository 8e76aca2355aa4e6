"""Awards, their reports and money, and intermediaries' regranting.

An intermediary's staff see their own organisation's regranting only (tenant isolation);
the funder's officers see a regranting award's aggregate upward report, never its
sub-grantees.
"""

from __future__ import annotations

from collections.abc import Callable

from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Disbursement,
    Organisation,
    ReportRequirement,
    Role,
    Tranche,
    TrancheStatus,
)
from grants.policy.assignment import conflicted
from grants.policy.permissions import Permission
from grants.policy.roles import GROUP_ROLES, has_role, intermediary_staff, is_member, role_of


def _award_member(user, award: Award) -> bool:
    return role_of(user) == Role.APPLICANT and is_member(user, award.organisation)


def _award_officer(user, award: Award) -> bool:
    """An officer, unless they declared a conflict on the application the award came from."""
    return role_of(user) == Role.OFFICER and not (
        award.application is not None and conflicted(user, award.application))


def _view_award(user, award: Award) -> bool:
    if role_of(user) == Role.OFFICER:
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
    return role_of(user) in GROUP_ROLES and is_member(user, org, owner=True)


def _submit_report(user, requirement: ReportRequirement) -> bool:
    award = requirement.award
    return _award_member(user, award) and award.status == AwardStatus.ACTIVE


def _endorse(user, application: Application) -> bool:
    return intermediary_staff(user, application.intermediary_id) \
        and application.status == ApplicationStatus.AWAITING_ENDORSEMENT


def _is_regranting(award: Award) -> bool:
    return award.regranting_minor is not None and award.approved_at is not None


def _view_regranting(user, award: Award) -> bool:
    return _is_regranting(award) and intermediary_staff(user, award.organisation_id)


def _manage_subgrants(user, award: Award) -> bool:
    return _view_regranting(user, award) and award.status == AwardStatus.ACTIVE


def _view_subgrant(user, sub_grant) -> bool:
    return intermediary_staff(user, sub_grant.intermediary_id)


def _view_upward_report(user, award: Award) -> bool:
    if role_of(user) == Role.OFFICER:
        return _is_regranting(award) and _award_officer(user, award)
    return _view_regranting(user, award)


def _decide_subgrant_application(user, application: Application) -> bool:
    return intermediary_staff(user, application.call.intermediary_id) \
        and application.status in ApplicationStatus.DECIDABLE


RULES: dict[Permission, Callable] = {
    Permission.LIST_ALL_AWARDS: has_role(Role.OFFICER),
    Permission.VIEW_AWARD: _view_award,
    Permission.MANAGE_AWARD: _manage_award,
    Permission.SECOND_APPROVAL: _second_approval,
    Permission.SUBMIT_REPORT: _submit_report,
    Permission.VIEW_LEDGER: has_role(Role.OFFICER),
    Permission.SCHEDULE_DISBURSEMENT: _schedule_disbursement,
    Permission.MANAGE_DISBURSEMENT: _manage_disbursement,
    Permission.VIEW_COUNTRY_CONTEXT: has_role(Role.OFFICER, Role.ADMIN),
    Permission.MANAGE_COUNTRY_CONTEXT: has_role(Role.ADMIN),
    Permission.CONNECT_STRIPE: _connect_stripe,
    Permission.VIEW_DONATIONS: has_role(Role.OFFICER, Role.ADMIN),
    Permission.USE_REGRANTING: has_role(Role.INTERMEDIARY),
    Permission.MAKE_REGRANTING_AWARD: has_role(Role.OFFICER),
    Permission.ENDORSE_APPLICATION: _endorse,
    Permission.VIEW_REGRANTING: _view_regranting,
    Permission.MANAGE_SUBGRANTS: _manage_subgrants,
    Permission.VIEW_SUBGRANT: _view_subgrant,
    Permission.VIEW_UPWARD_REPORT: _view_upward_report,
    Permission.MANAGE_INTERMEDIARY_CALLS: _manage_subgrants,
    Permission.DECIDE_SUBGRANT_APPLICATION: _decide_subgrant_application,
    Permission.SET_PUBLICATION: _manage_award,
}
