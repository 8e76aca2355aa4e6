"""Review and decisions: who answers the conflict question, reviews, decides, and who may
be assigned; written as checks, each with the reason a person reads when it fails."""

from __future__ import annotations

from collections.abc import Callable

from grants.errors import N_
from grants.models import Application, ApplicationStatus, Role
from grants.policy.assignment import assignment, conflicted
from grants.policy.permissions import Check, Permission, all_of
from grants.policy.roles import OFFICER_ROLES, STAFF_REVIEWERS, has_role, role_of


def _view_review_queue(user, obj) -> bool:
    return role_of(user) in (Role.OFFICER, Role.REVIEWER)


def _open_for_review(user, application: Application) -> bool:
    return application.status in ApplicationStatus.REVIEWABLE


def _may_answer_conflict(user, application: Application) -> bool:
    if role_of(user) not in STAFF_REVIEWERS:
        return False
    # An officer may step away from any application they could decide, assigned or not.
    return assignment(user, application) is not None or role_of(user) == Role.OFFICER


def _not_answered_yet(user, application: Application) -> bool:
    review = assignment(user, application)
    return review is None or review.declared_at is None


def _cleared_to_review(user, application: Application) -> bool:
    review = assignment(user, application) if role_of(user) in STAFF_REVIEWERS else None
    return review is not None and review.declared_at is not None \
        and not review.conflict_declared


def _active_as(*roles: Role) -> Callable:
    # Asked of a person being chosen: an account closed since the list was shown is refused
    # as not on the list, before anything else about them.
    return lambda user, obj: role_of(user) in roles and user.is_active


def _not_conflicted(user, application: Application) -> bool:
    return not conflicted(user, application)


def _waits_for_decision(user, application: Application) -> bool:
    return application.status in ApplicationStatus.DECIDABLE


_NOT_OPEN_FOR_REVIEW = Check(_open_for_review,
                             N_("This application is no longer open for review."), False)
CHECKS: dict[Permission, tuple[Check, ...]] = {
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
        Check(has_role(Role.OFFICER),
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

RULES: dict[Permission, Callable] = {
    Permission.VIEW_REVIEW_QUEUE: _view_review_queue,
    Permission.ASSIGN_REVIEW: has_role(Role.OFFICER),
    Permission.DECLARE_CONFLICT: all_of(*CHECKS[Permission.DECLARE_CONFLICT]),
    Permission.REVIEW_APPLICATION: all_of(*CHECKS[Permission.REVIEW_APPLICATION]),
    # Asking for more is a step towards the decision: the same officer, at the same stage.
    Permission.REQUEST_MORE_INFO: all_of(*CHECKS[Permission.DECIDE_APPLICATION]),
    Permission.DECIDE_APPLICATION: all_of(*CHECKS[Permission.DECIDE_APPLICATION]),
    Permission.BE_ASSIGNED_OFFICER: all_of(*CHECKS[Permission.BE_ASSIGNED_OFFICER]),
    Permission.BE_ASSIGNED_REVIEWER: all_of(*CHECKS[Permission.BE_ASSIGNED_REVIEWER]),
}
