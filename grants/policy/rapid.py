"""Rapid response: who files an emergency request, and who invites its group further.

A defender files for themselves (as an applicant); a trusted partner organisation (a
registered NGO or an intermediary) may file for a defender, recorded as on their behalf.
"""

from __future__ import annotations

from collections.abc import Callable

from grants.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    CallType,
    Organisation,
    OrgKind,
    Role,
)
from grants.policy.assignment import conflicted
from grants.policy.permissions import Permission
from grants.policy.roles import GROUP_ROLES, is_member, role_of

PARTNER_KINDS = frozenset({OrgKind.REGISTERED_NGO, OrgKind.INTERMEDIARY})


def takes_rapid(call: Call) -> bool:
    """Whether `call` takes emergency requests now (the funder's own, open)."""
    return call.status == CallStatus.OPEN and call.call_type == CallType.RAPID_RESPONSE \
        and call.intermediary_id is None


def _file_rapid(user, call: Call | None) -> bool:
    # Without a call: whether this user files emergency requests at all (the menu asks).
    if call is None:
        return role_of(user) in GROUP_ROLES
    return role_of(user) in GROUP_ROLES and takes_rapid(call)


def may_file_for_others(user, org: Organisation) -> bool:
    """A member of a partner organisation may file a request on a defender's behalf."""
    return org.kind in PARTNER_KINDS and is_member(user, org)


def _invite(user, application: Application) -> bool:
    """An officer who sees an emergency request that was approved may invite its group to a
    longer-term call."""
    return role_of(user) == Role.OFFICER and application.rapid_category is not None \
        and application.status == ApplicationStatus.APPROVED \
        and not conflicted(user, application)


RULES: dict[Permission, Callable] = {
    Permission.FILE_RAPID_REQUEST: _file_rapid,
    Permission.INVITE_TO_CALL: _invite,
}
