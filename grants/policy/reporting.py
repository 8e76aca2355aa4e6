"""Portfolio reporting, exports and the defenders' voice.

Portfolio figures and consultations are for the funder's staff; the survey belongs to the
group it was offered to; the peer directory to grantees who opted in themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import sqlalchemy as sa
from flask import g, has_request_context

from grants.extensions import db
from grants.models import Award, Organisation, Role
from grants.policy.permissions import Permission
from grants.policy.roles import GROUP_ROLES, has_role, member_of_id, role_of


def _offered_survey(user, invitation) -> bool:
    # Only its group's members learn the invitation exists (the funder's staff never answer
    # for a group; an intermediary's staff answer for their own organisation).
    return role_of(user) in GROUP_ROLES and member_of_id(user, invitation.organisation_id)


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
    if role_of(user) not in GROUP_ROLES:
        return False
    if not has_request_context():
        return bool(directory_organisations(user))
    # Asked on every page (the menu): once per request.
    cache = g.setdefault("_directory_access", {})
    if user.id not in cache:
        cache[user.id] = bool(directory_organisations(user))
    return cache[user.id]


RULES: dict[Permission, Callable] = {
    Permission.VIEW_PORTFOLIO: has_role(Role.OFFICER, Role.ADMIN),
    Permission.EXPORT_DATA: has_role(Role.OFFICER),
    Permission.EXPORT_OPEN_DATA: has_role(Role.OFFICER, Role.ADMIN),
    Permission.VIEW_CONSULTATIONS: has_role(Role.OFFICER, Role.ADMIN),
    Permission.MANAGE_CONSULTATIONS: has_role(Role.OFFICER),
    Permission.VIEW_SURVEY_INVITATION: _offered_survey,
    Permission.ANSWER_SURVEY: _answer_survey,
    Permission.VIEW_SURVEY_RESULTS: has_role(Role.OFFICER, Role.ADMIN),
    Permission.VIEW_DIRECTORY: _view_directory,
}
