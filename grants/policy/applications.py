"""Calls for proposals and applications: who sees a call, applies, and sees, edits,
withdraws or writes about an application (and its sensitive parts)."""

from __future__ import annotations

from collections.abc import Callable

from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    Call,
    CallStatus,
    Role,
)
from grants.policy.accounts import view_org_name
from grants.policy.assignment import assignment, conflicted
from grants.policy.permissions import Permission
from grants.policy.roles import has_role, intermediary_staff, is_member, member_of_id, role_of
from grants.security import reveal


def _view_call(user, call: Call) -> bool:
    # Open and closed calls are public; drafts only to those who manage calls.
    return call.status != CallStatus.DRAFT or _manage_calls(user, call)


def _manage_calls(user, call: Call | None) -> bool:
    # An intermediary's own call is set up by its staff alone (its applicants are theirs).
    if call is not None and call.intermediary_id is not None:
        return intermediary_staff(user, call.intermediary_id)
    return role_of(user) in (Role.OFFICER, Role.ADMIN)


def _apply(user, call: Call) -> bool:
    return role_of(user) == Role.APPLICANT and call.status == CallStatus.OPEN


def _applicant_side(user, application: Application) -> bool:
    # A request filed for a defender belongs to the partner that filed it, intermediaries too.
    partner = application.on_behalf and role_of(user) == Role.INTERMEDIARY
    return (role_of(user) == Role.APPLICANT or partner) \
        and is_member(user, application.organisation)


def _view_self_description(user, application: Application) -> bool:
    # The group's own people are the only ones who see how it describes itself (IV.2): not
    # its officers, nor a partner that filed a request on a defender's behalf.
    return role_of(user) == Role.APPLICANT and is_member(user, application.organisation)


def _view_application(user, application: Application) -> bool:
    if _applicant_side(user, application):
        return True
    if application.status in ApplicationStatus.UNSENT:
        return False  # a draft is the applicant's own until they send it
    if application.call.intermediary_id is not None:
        # Sent to an intermediary's own call: a sub-grantee's data stays with that
        # intermediary; the funder sees aggregates only.
        return role_of(user) == Role.INTERMEDIARY and member_of_id(
            user, application.call.intermediary_id)
    if role_of(user) == Role.INTERMEDIARY:
        # Routed through an intermediary: its staff read it to endorse and follow it.
        return application.intermediary_id is not None and member_of_id(
            user, application.intermediary_id)
    if role_of(user) == Role.OFFICER:
        return not conflicted(user, application)  # a declared conflict hides it
    if role_of(user) == Role.REVIEWER:
        review = assignment(user, application)
        return review is not None and review.declared_at is not None \
            and not review.conflict_declared
    return False


def _view_application_sensitive(user, application: Application) -> bool:
    # Threats and safe contacts: the group and its officers; reviewers score the proposal.
    # An officer reveals a high-risk application first, which is logged.
    if role_of(user) == Role.REVIEWER or not _view_application(user, application):
        return False
    if role_of(user) == Role.OFFICER:
        return not reveal.needs_reveal(application) or reveal.revealed(user, application)
    return True


def _view_budget_descriptions(user, obj: Application | Award) -> bool:
    # What a budget line pays for can say where a defender is ("safe house in <town>"): for
    # an application that needs the reveal, and the award made of it, it is as sensitive
    # as its threats. Category, year and amount stay in view.
    application = obj.application if isinstance(obj, Award) else obj
    if application is None:  # an award made without an application: its group's rule
        return view_org_name(user, obj.organisation)
    return not reveal.needs_reveal(application) \
        or _view_application_sensitive(user, application)


def _reveal(user, application: Application) -> bool:
    return role_of(user) == Role.OFFICER and _view_application(user, application)


def _edit_application(user, application: Application) -> bool:
    return _applicant_side(user, application) and application.status in ApplicationStatus.EDITABLE


def _withdraw_application(user, application: Application) -> bool:
    return _applicant_side(user, application) \
        and application.status in ApplicationStatus.WITHDRAWABLE


def _delete_application(user, application: Application) -> bool:
    return _applicant_side(user, application) and application.status == ApplicationStatus.DRAFT


def _message_application(user, application: Application) -> bool:
    # The thread is between the group and its officers; reviewers do not write there.
    return role_of(user) != Role.REVIEWER and _view_application(user, application) \
        and application.status not in ApplicationStatus.UNSENT


RULES: dict[Permission, Callable] = {
    Permission.MANAGE_CALLS: _manage_calls,
    Permission.VIEW_CALL: _view_call,
    Permission.APPLY_TO_CALL: _apply,
    Permission.LIST_ALL_APPLICATIONS: has_role(Role.OFFICER),
    Permission.VIEW_APPLICATION: _view_application,
    Permission.VIEW_APPLICATION_SENSITIVE: _view_application_sensitive,
    Permission.VIEW_SELF_DESCRIPTION: _view_self_description,
    Permission.VIEW_BUDGET_DESCRIPTIONS: _view_budget_descriptions,
    Permission.REVEAL_APPLICATION: _reveal,
    Permission.EDIT_APPLICATION: _edit_application,
    Permission.WITHDRAW_APPLICATION: _withdraw_application,
    Permission.DELETE_APPLICATION: _delete_application,
    Permission.MESSAGE_APPLICATION: _message_application,
}
