"""Who a person is to the policy: their role, and the organisations they belong to."""

from __future__ import annotations

from collections.abc import Callable

from grants.models import Organisation, Role

# Those who act for a group: its members applying, an intermediary's staff for their own
# organisation and the defenders it files for. The funder's staff are the other roles.
GROUP_ROLES = frozenset({Role.APPLICANT, Role.INTERMEDIARY})
# Who carries an application to a decision, and who reviews one: the lists an officer
# assigns from hold these roles' active accounts.
OFFICER_ROLES = (Role.OFFICER,)
STAFF_REVIEWERS = (Role.REVIEWER, Role.OFFICER)


def role_of(user) -> Role | None:
    """The role of a signed-in user; None for anyone not signed in."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def acts_for_a_group(user) -> bool:
    """Whether `user` works for a group (its home lists that work), not for the funder."""
    return role_of(user) in GROUP_ROLES


def owns_what_it_creates(user) -> bool:
    """Whether the creator of an organisation becomes its owner: an applicant does; an admin
    sets one up without joining it."""
    return role_of(user) == Role.APPLICANT


def is_member(user, org: Organisation, *, owner: bool = False) -> bool:
    """True if `user` belongs to `org` (as owner, when asked)."""
    for m in user.memberships:
        if m.organisation_id == org.id:
            return not owner or m.role.value == "owner"
    return False


def member_of_id(user, org_id: int) -> bool:
    """True if `user` belongs to the organisation with id `org_id`."""
    return any(m.organisation_id == org_id for m in user.memberships)


def has_role(*roles: Role) -> Callable:
    """A rule that asks only the person's role."""
    return lambda user, obj: role_of(user) in roles


def intermediary_staff(user, org_id: int | None) -> bool:
    """True if `user` is on the staff of the intermediary with id `org_id`."""
    return role_of(user) == Role.INTERMEDIARY and org_id is not None and member_of_id(user, org_id)
